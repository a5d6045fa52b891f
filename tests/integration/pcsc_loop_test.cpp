// The PC/SC loop: a virtual eUICC served to pcscd through the vpcd driver (vsmartcard-vpcd), and the LPA reaching
// it through pcsclite exactly as it reaches a real card: GetEID, GetProfilesInfo and a whole profile download from
// an in-process SM-DP+ over HTTPS; then every `openrsp lpa` verb run as a person runs it, `--card pcsc:READER`.
//
// Needs pcscd running with vsmartcard-vpcd (scripts/test.sh starts it and sets OPENRSP_TEST_PCSC=1). Without
// OPENRSP_TEST_PCSC the test is skipped; with OPENRSP_REQUIRE_PCSC=1 a missing setup is a failure instead.
// The vpcd slot holds one card: CMake gives these tests a RESOURCE_LOCK so parallel ctest runs them one at a time.
#include "openrsp/crypto/x509.h"
#include "openrsp/euicc/vpcd.h"
#include "openrsp/lpa/download.h"
#include "openrsp/lpa/pcsc_transport.h"
#include "openrsp/pki/pki.h"
#include "support/parties.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

using namespace openrsp;
namespace fs = std::filesystem;
using json = nlohmann::json;

using openrsp::test::shared_pki;
using openrsp::test::shell_quote;

namespace {

/// The first slot of Debian's vpcd reader (/etc/reader.conf.d/vpcd: CHANNELID 0x8C7B). The second (35964) is left
/// to people trying things by hand while the tests run.
constexpr std::uint16_t vpcd_port = 35963;
constexpr const char* vpcd_reader = "Virtual PCD 00 00";

bool env_is(const char* name, const char* value)
{
    const char* v = std::getenv(name);
    return v != nullptr && std::string_view(v) == value;
}

/// What `openrsp lpa ...` printed and returned.
struct cli_result {
    int code = -1;
    std::string out, err;
    json j; ///< stdout as JSON; discarded when it is not one object (human output)
};

class pcsc_loop : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!env_is("OPENRSP_TEST_PCSC", "1")) {
            if (env_is("OPENRSP_REQUIRE_PCSC", "1"))
                FAIL()
                    << "OPENRSP_REQUIRE_PCSC=1 but OPENRSP_TEST_PCSC is not 1 (pcscd with vsmartcard-vpcd not set up)";
            GTEST_SKIP() << "set OPENRSP_TEST_PCSC=1 with pcscd and vsmartcard-vpcd running (scripts/test.sh does)";
        }
        m_dir = test::make_temp_dir("openrsp-pcsc");
        const std::string euicc_path = (m_dir / "euicc.json").string();
        ASSERT_TRUE(test::create_euicc(euicc_path, shared_pki().dir()));
        auto chip = euicc::virtual_euicc::open(euicc_path);
        ASSERT_TRUE(chip) << chip.error().message;
        m_chip = std::move(*chip);

        euicc::vpcd_endpoint e;
        e.port = vpcd_port;
        m_served = std::async(std::launch::async, [this, e] { return euicc::serve_vpcd(*m_chip, e, m_stop); });
        wait_for_card();
    }

    void TearDown() override
    {
        m_stop = true;
        if (m_served.valid()) {
            const auto r = m_served.get();
            EXPECT_TRUE(r) << r.error().message;
        }
        m_smdp.stop();
        if (!m_dir.empty()) fs::remove_all(m_dir);
    }

    /// pcscd polls the vpcd driver for card presence; give it a few seconds to notice our connection.
    void wait_for_card()
    {
        std::string last;
        for (int i = 0; i < 100; ++i) {
            if (m_served.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) {
                const auto r = m_served.get();
                FAIL() << "the vpcd client ended early: " << (r ? "driver hung up" : r.error().message);
            }
            // pcscd notices a card leaving (the previous test process's) only at its next poll, so "a card is
            // there" is not enough: wait until the ISD-R on our card answers.
            auto t = lpa::make_pcsc_transport(vpcd_reader);
            const auto c = t->connect();
            if (c) {
                const auto ch = t->open_logical_channel(rsp::isd_r_aid());
                if (ch) {
                    t->close_logical_channel(*ch);
                    t->disconnect();
                    return;
                }
                last = ch.error().message;
                t->disconnect();
            } else {
                last = c.error().message;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        FAIL() << "no card appeared in \"" << vpcd_reader << "\" within 10 s: " << last;
    }

    void start_smdp()
    {
        auto inv = m_smdp.open_inventory((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
        auto started = m_smdp.start(shared_pki().dir());
        ASSERT_TRUE(started) << started.error().message;
    }

    rsp::activation_code add(const std::string& iccid, const std::string& name)
    {
        auto ac = m_smdp.add(test::test_profile(iccid, name, ""));
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? *ac : rsp::activation_code{};
    }

    store::profile_state state_of(const std::string& iccid)
    {
        const auto s = m_smdp.state_of(iccid);
        EXPECT_TRUE(s) << iccid << " is not in the inventory";
        return s.value_or(store::profile_state::error);
    }

    /// `openrsp lpa VERB... --card pcsc:READER ARGS` as a script runs it (stdin /dev/null): the CLI reaches the
    /// card through pcsclite, as it reaches a card in a USB reader.
    cli_result lpa(const std::string& verb, const std::string& args = "")
    {
        const std::string command = shell_quote(OPENRSP_CLI) + " lpa " + verb + " --card " +
                                    shell_quote(std::string("pcsc:") + vpcd_reader) + " " + args + " < /dev/null";
        const auto r = test::run_shell(m_dir, command);
        return {r.code, r.out, r.err, json::parse(r.out, nullptr, false)};
    }

    /// --ca for the verbs that talk to the SM-DP+.
    static std::string ca() { return "--ca " + shell_quote(shared_pki().ci()); }

    fs::path m_dir;
    std::unique_ptr<euicc::virtual_euicc> m_chip;
    std::atomic<bool> m_stop{false};
    std::future<result<void>> m_served;
    test::loopback_smdp m_smdp;
};

} // namespace

TEST_F(pcsc_loop, lpa_over_pcsc_reads_the_eid_lists_profiles_and_downloads_a_profile)
{
    ASSERT_TRUE(lpa::list_pcsc_readers());
    auto transport = lpa::make_pcsc_transport(vpcd_reader);
    lpa::es10_client es10(*transport, 120); // lpac's default block size
    auto opened = es10.open();
    for (int i = 0; i < 30 && !opened; ++i) { // a reader state change from the card check may still be settling
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        opened = es10.open();
    }
    ASSERT_TRUE(opened) << opened.error().message;

    const auto eid = es10.get_eid();
    ASSERT_TRUE(eid) << eid.error().message;
    EXPECT_EQ(*eid, m_chip->eid());
    const auto before = es10.get_profiles_info();
    ASSERT_TRUE(before) << before.error().message;
    EXPECT_TRUE(before->empty());

    start_smdp();
    const auto d = test::test_profile("8949000000000000018", "PC/SC plan", "");
    const auto ac = m_smdp.add(d);
    ASSERT_TRUE(ac) << ac.error().message;

    http::client http(test::loopback_client_config(shared_pki().ci()));
    lpa::download_options o;
    o.activation_code = *ac;
    auto r = lpa::download_profile(es10, http, o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->metadata.iccid, d.iccid);
    EXPECT_TRUE(r->notification_sent);

    const auto rec = m_smdp.inventory().find_by_iccid(d.iccid);
    ASSERT_TRUE(rec && *rec);
    EXPECT_EQ((*rec)->state, store::profile_state::installed);
    EXPECT_EQ((*rec)->eid, m_chip->eid());

    // Seen through PC/SC and in the eUICC itself.
    const auto after = es10.get_profiles_info();
    ASSERT_TRUE(after && after->size() == 1);
    EXPECT_EQ((*after)[0].iccid, d.iccid);
    EXPECT_EQ((*after)[0].profile_name, "PC/SC plan");
    const auto stored = m_chip->profiles();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].imsi, d.imsi);

    auto en = es10.enable_profile(d.iccid);
    ASSERT_TRUE(en) << en.error().message;
    EXPECT_TRUE(en->ok()) << rsp::describe(en->value);
    es10.close();
}

TEST_F(pcsc_loop, chip_info_over_pcsc_shows_the_eid_euicc_info2_and_addresses)
{
    const auto r = lpa("chip info", "--json");
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_FALSE(r.j.is_discarded()) << r.out;
    EXPECT_EQ(r.j["eid"], m_chip->eid());
    const auto& info = r.j["euiccInfo2"];
    EXPECT_EQ(info["svn"], "2.2.2");
    EXPECT_EQ(info["euiccCategory"], "mediumEuicc");
    ASSERT_TRUE(info["extCardResource"]["freeNonVolatileMemory"].is_number());
    EXPECT_GT(info["extCardResource"]["freeNonVolatileMemory"].get<std::uint64_t>(), 0u);
    EXPECT_TRUE(info["extCardResource"]["freeVolatileMemory"].is_number());
    EXPECT_TRUE(info["uiccCapability"].is_array());
    EXPECT_TRUE(info["rspCapability"].is_array());
    const auto ci = crypto::certificate::load_file(shared_pki().ci());
    ASSERT_TRUE(ci) << ci.error().message;
    EXPECT_EQ(info["euiccCiPKIdListForVerification"], json::array({to_hex(ci->subject_key_id())}));
    EXPECT_EQ(info["euiccCiPKIdListForSigning"], json::array({to_hex(ci->subject_key_id())}));
    EXPECT_TRUE(r.j["configuredAddresses"]["defaultDpAddress"].is_null());
    EXPECT_TRUE(r.j["configuredAddresses"]["rootDsAddress"].is_string());

    const auto human = lpa("chip info");
    ASSERT_EQ(human.code, 0) << human.err;
    EXPECT_NE(human.out.find("EID                     " + m_chip->eid()), std::string::npos) << human.out;
    EXPECT_NE(human.out.find("free non-volatile"), std::string::npos) << human.out;
}

TEST_F(pcsc_loop, profile_and_notification_verbs_over_pcsc_by_iccid_and_by_aid)
{
    start_smdp();
    const std::string a = "8949000000000000018", b = "8949000000000000026";
    for (const auto& [iccid, name] : {std::pair{a, "Plan A"}, std::pair{b, "Plan B"}}) {
        const auto dl = lpa("download", "--json --yes " + ca() + " --ac " + shell_quote(add(iccid, name).to_string()));
        ASSERT_EQ(dl.code, 0) << dl.err << dl.out;
        EXPECT_EQ(dl.j["iccid"], iccid);
        ASSERT_EQ(dl.j["notifications"].size(), 1u);
        EXPECT_EQ(dl.j["notifications"][0]["delivered"], true);
        EXPECT_EQ(state_of(iccid), store::profile_state::installed);
    }

    auto list = lpa("profile list", "--json");
    ASSERT_EQ(list.code, 0) << list.err;
    ASSERT_EQ(list.j["profiles"].size(), 2u) << list.out;
    std::map<std::string, std::string> aid; // ICCID -> ISD-P AID
    for (const auto& p : list.j["profiles"]) {
        EXPECT_EQ(p["state"], "disabled");
        EXPECT_TRUE(p["nickname"].is_null());
        aid[p["iccid"]] = p["isdpAid"];
    }
    ASSERT_EQ(aid.size(), 2u);
    ASSERT_EQ(aid[a].size(), 32u);
    ASSERT_NE(aid[a], aid[b]);

    // Nickname (by ICCID only, as SetNickname takes), then cleared.
    ASSERT_EQ(lpa("profile nickname", a + " 'work phone'").code, 0);
    list = lpa("profile list", "--json");
    for (const auto& p : list.j["profiles"])
        EXPECT_EQ(p["nickname"], p["iccid"] == a ? json("work phone") : json(nullptr)) << p.dump();
    EXPECT_EQ(lpa("profile nickname", "8949000000000000999 x").code, 1) << "no such profile";
    ASSERT_EQ(lpa("profile nickname", a + " ''").code, 0);
    EXPECT_TRUE(lpa("profile list", "--json").j["profiles"][0]["nickname"].is_null());

    // Enable by ICCID: the enable notification goes to the SM-DP+ at once.
    const auto en = lpa("profile enable", "--json " + ca() + " " + a);
    ASSERT_EQ(en.code, 0) << en.err;
    EXPECT_EQ(en.j["result"], "ok");
    ASSERT_EQ(en.j["notifications"].size(), 1u);
    EXPECT_EQ(en.j["notifications"][0]["operation"], "enable");
    EXPECT_EQ(en.j["notifications"][0]["delivered"], true);
    EXPECT_EQ(state_of(a), store::profile_state::enabled);

    // Refused by the eUICC (already enabled, by AID this time): exit 1, a sentence, nothing changes.
    const auto again = lpa("profile enable", "--json " + ca() + " " + aid[a]);
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.j["error"]["message"].get<std::string>().find("already enabled"), std::string::npos) << again.out;
    EXPECT_TRUE(lpa("notification list", "--json").j["notifications"].empty());

    // Disable by AID without sending: the notification waits; `notification process` delivers it.
    const auto dis = lpa("profile disable", "--json --no-notify " + aid[a]);
    ASSERT_EQ(dis.code, 0) << dis.err;
    EXPECT_TRUE(dis.j["notifications"].empty());
    auto pending = lpa("notification list", "--json");
    ASSERT_EQ(pending.code, 0) << pending.err;
    ASSERT_EQ(pending.j["notifications"].size(), 1u) << pending.out;
    EXPECT_EQ(pending.j["notifications"][0]["operation"], "disable");
    EXPECT_EQ(pending.j["notifications"][0]["iccid"], a);
    EXPECT_EQ(pending.j["notifications"][0]["address"], m_smdp.address());
    EXPECT_EQ(state_of(a), store::profile_state::enabled) << "not told yet";
    const auto processed = lpa("notification process", "--json " + ca());
    ASSERT_EQ(processed.code, 0) << processed.err;
    ASSERT_EQ(processed.j["notifications"].size(), 1u) << processed.out;
    EXPECT_EQ(processed.j["notifications"][0]["delivered"], true);
    EXPECT_EQ(state_of(a), store::profile_state::disabled);
    EXPECT_TRUE(lpa("notification list", "--json").j["notifications"].empty());

    // Enable B by AID without sending; `notification remove` drops that notification unsent.
    ASSERT_EQ(lpa("profile enable", "--no-notify " + aid[b]).code, 0);
    pending = lpa("notification list", "--json");
    ASSERT_EQ(pending.j["notifications"].size(), 1u) << pending.out;
    EXPECT_EQ(pending.j["notifications"][0]["operation"], "enable");
    const auto seq = pending.j["notifications"][0]["seqNumber"].get<std::uint64_t>();
    EXPECT_EQ(lpa("notification remove", std::to_string(seq + 100)).code, 1) << "no such notification";
    const auto rm = lpa("notification remove", "--json " + std::to_string(seq));
    ASSERT_EQ(rm.code, 0) << rm.err;
    EXPECT_EQ(rm.j["removed"], json::array({seq}));
    EXPECT_TRUE(lpa("notification list", "--json").j["notifications"].empty());
    EXPECT_EQ(state_of(b), store::profile_state::installed) << "the SM-DP+ was never told";

    // Delete: the enabled B is refused; A (disabled) goes by AID, then B by ICCID once disabled.
    const auto busy = lpa("profile delete", "--json " + ca() + " " + b);
    EXPECT_EQ(busy.code, 1) << busy.out;
    EXPECT_EQ(lpa("profile list", "--json").j["profiles"].size(), 2u);
    const auto del_a = lpa("profile delete", "--json " + ca() + " " + aid[a]);
    ASSERT_EQ(del_a.code, 0) << del_a.err;
    ASSERT_EQ(del_a.j["notifications"].size(), 1u);
    EXPECT_EQ(del_a.j["notifications"][0]["operation"], "delete");
    EXPECT_EQ(state_of(a), store::profile_state::deleted);
    ASSERT_EQ(lpa("profile disable", ca() + " " + b).code, 0);
    const auto del_b = lpa("profile delete", "--json " + ca() + " " + b);
    ASSERT_EQ(del_b.code, 0) << del_b.err;
    EXPECT_EQ(state_of(b), store::profile_state::deleted);
    list = lpa("profile list", "--json");
    EXPECT_TRUE(list.j["profiles"].empty()) << list.out;
    EXPECT_TRUE(m_chip->profiles().empty());
}

TEST_F(pcsc_loop, default_smdp_and_memory_reset_over_pcsc)
{
    start_smdp();
    ASSERT_EQ(lpa("default-smdp set", m_smdp.address()).code, 0);
    auto got = lpa("default-smdp get", "--json");
    ASSERT_EQ(got.code, 0) << got.err;
    EXPECT_EQ(got.j["defaultDpAddress"], m_smdp.address());
    EXPECT_EQ(lpa("chip info", "--json").j["configuredAddresses"]["defaultDpAddress"], m_smdp.address());
    EXPECT_EQ(lpa("default-smdp set", "'not an address'").code, 2);
    EXPECT_EQ(lpa("default-smdp get", "--json").j["defaultDpAddress"], m_smdp.address()) << "a refusal changes nothing";

    const auto ac = add("8949000000000000018", "Reset me");
    ASSERT_EQ(lpa("download", "--yes " + ca() + " --ac " + shell_quote(ac.to_string())).code, 0);
    ASSERT_EQ(lpa("profile list", "--json").j["profiles"].size(), 1u);

    // Without --yes on a non-terminal it asks nobody: a usage error, nothing deleted.
    EXPECT_EQ(lpa("memory-reset", "--all").code, 2);
    EXPECT_EQ(lpa("profile list", "--json").j["profiles"].size(), 1u);

    const auto reset = lpa("memory-reset", "--json --yes --operational-profiles");
    ASSERT_EQ(reset.code, 0) << reset.err;
    EXPECT_EQ(reset.j["result"], "ok");
    EXPECT_TRUE(lpa("profile list", "--json").j["profiles"].empty());
    EXPECT_EQ(lpa("default-smdp get", "--json").j["defaultDpAddress"], m_smdp.address()) << "not chosen";
    ASSERT_EQ(lpa("memory-reset", "--yes --default-smdp-address").code, 0);
    EXPECT_TRUE(lpa("default-smdp get", "--json").j["defaultDpAddress"].is_null());
    EXPECT_TRUE(m_chip->profiles().empty());
}
