// The whole activation over real HTTPS on loopback: SM-DP+ (SQLite), LPA and virtual eUICC in one process,
// talking ES9+ JSON over TLS and ES10 DER in STORE DATA APDUs.
#include "openrsp/crypto/ec.h"
#include "openrsp/lpa/download.h"
#include "openrsp/netsim/netsim.h"
#include "openrsp/pki/pki.h"
#include "openrsp/qr/qr.h"
#include "support/parties.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace openrsp;
namespace fs = std::filesystem;

using openrsp::test::make_temp_dir;
using openrsp::test::slurp;
using openrsp::test::test_profile;

namespace {

/// The suite's PKI, and a second one whose CI the SM-DP+'s TLS certificate does not chain to.
const test::test_pki& pki_once()
{
    return test::shared_pki();
}
const test::test_pki& other_pki()
{
    static const test::test_pki p("openrsp-other-pki");
    return p;
}

class activation : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = make_temp_dir("openrsp-it");
        auto inv = m_smdp.open_inventory((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
        start_smdp("");

        m_euicc_path = (m_dir / "euicc.json").string();
        ASSERT_TRUE(test::create_euicc(m_euicc_path, pki_once().dir()));
    }

    void TearDown() override
    {
        m_smdp.stop();
        fs::remove_all(m_dir);
    }

    /// Starts (or restarts) the SM-DP+; `configured_address` empty means "localhost:<port>".
    void start_smdp(const std::string& configured_address)
    {
        test::smdp_options o;
        o.configured_address = configured_address;
        auto started = m_smdp.start(pki_once().dir(), o);
        ASSERT_TRUE(started) << started.error().message;
    }

    rsp::activation_code add(const std::string& iccid, std::optional<std::string> cc = std::nullopt)
    {
        auto ac = m_smdp.add(test_profile(iccid), std::move(cc));
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? *ac : rsp::activation_code{};
    }

    result<lpa::download_result> download(const rsp::activation_code& ac, const std::string& ca_file = "",
                                          std::optional<std::string> cc = std::nullopt)
    {
        auto chip = euicc::virtual_euicc::open(m_euicc_path);
        if (!chip) return chip.take_error();
        auto transport = (*chip)->make_transport();
        lpa::es10_client es10(*transport, 120); // lpac's default block size
        OPENRSP_TRY_VOID(es10.open());
        http::client http(test::loopback_client_config(ca_file.empty() ? pki_once().ci() : ca_file));
        lpa::download_options o;
        o.activation_code = ac;
        o.ask_confirmation_code = [cc] { return cc; };
        o.on_step = [this](const lpa::step_report& s) { m_steps.push_back(s); };
        return lpa::download_profile(es10, http, o);
    }

    store::profile_state state_of(const std::string& iccid)
    {
        const auto s = m_smdp.state_of(iccid);
        EXPECT_TRUE(s) << iccid << " is not in the inventory";
        return s.value_or(store::profile_state::error);
    }

    std::vector<euicc::stored_profile> euicc_profiles()
    {
        auto chip = euicc::virtual_euicc::open(m_euicc_path);
        EXPECT_TRUE(chip);
        return chip ? (*chip)->profiles() : std::vector<euicc::stored_profile>{};
    }

    fs::path m_dir;
    test::loopback_smdp m_smdp;
    std::string m_euicc_path;
    std::vector<lpa::step_report> m_steps;
};

} // namespace

TEST_F(activation, whole_download_over_https_installs_a_profile_that_attaches)
{
    const auto ac = add("8949000000000000018");
    ASSERT_EQ(state_of("8949000000000000018"), store::profile_state::released);

    auto r = download(ac);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->metadata.iccid, "8949000000000000018");
    EXPECT_EQ(r->metadata.service_provider_name, "OpenRSP Mobile");
    EXPECT_TRUE(r->notification_sent);
    EXPECT_EQ(m_steps.size(), 5u); // LPA init, Connect, Mutual auth, Download, Install
    for (const auto& s : m_steps)
        EXPECT_GT(s.apdu_bytes + s.http_bytes, 0u) << s.name;

    // SM-DP+ side: the signed installation result moved the profile to Installed.
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
    auto rec = m_smdp.inventory().find_by_iccid("8949000000000000018");
    EXPECT_EQ((*rec)->eid, "89049032123451234512345678901235");

    // eUICC side: the SAIP package was decrypted and parsed into the profile the operator described.
    const auto profiles = euicc_profiles();
    ASSERT_EQ(profiles.size(), 1u);
    EXPECT_EQ(profiles[0].iccid, "8949000000000000018");
    EXPECT_EQ(profiles[0].imsi, "001010123456789");
    EXPECT_EQ(profiles[0].ki, hex("000102030405060708090a0b0c0d0e0f"));
    EXPECT_EQ(profiles[0].opc, hex("cd63cb71954a9f4e48a5994e37a02baf"));
    EXPECT_EQ(profiles[0].service_provider_name, "OpenRSP Mobile");
    EXPECT_FALSE(profiles[0].enabled);

    // Enable through ES10c, deliver the enable notification, attach with Milenage.
    auto chip = euicc::virtual_euicc::open(m_euicc_path);
    ASSERT_TRUE(chip);
    auto transport = (*chip)->make_transport();
    lpa::es10_client es10(*transport);
    ASSERT_TRUE(es10.open());
    auto en = es10.enable_profile("8949000000000000018");
    ASSERT_TRUE(en);
    EXPECT_TRUE(en->ok()) << rsp::describe(en->value);
    auto list = es10.get_profiles_info();
    ASSERT_TRUE(list && list->size() == 1);
    EXPECT_TRUE((*list)[0].enabled);
    http::client_config hc;
    hc.ca_pem = slurp(pki_once().ci());
    http::client http(hc);
    auto sent = lpa::process_notifications(es10, http);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(*sent, 1u);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::enabled);

    const auto enabled = (*chip)->profiles();
    netsim::hss network;
    ASSERT_TRUE(network.add_subscriber("001010123456789", test_profile("").ki, test_profile("").opc));
    netsim::sqn_t sqn = 0;
    auto attached = netsim::attach(network, enabled[0].imsi, [&](byte_view rand, byte_view autn) {
        return netsim::usim_authenticate(enabled[0].ki, enabled[0].opc, rand, autn, sqn);
    });
    EXPECT_TRUE(attached) << attached.error().message;
}

TEST_F(activation, download_from_qr_png)
{
    const auto ac = add("8949000000000000026");
    const std::string png = (m_dir / "code.png").string();
    ASSERT_TRUE(qr::write_png(ac.to_string(), png));
    auto text = qr::read_png(png);
    ASSERT_TRUE(text) << text.error().message;
    auto parsed = rsp::parse_activation_code(*text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto r = download(*parsed);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(state_of("8949000000000000026"), store::profile_state::installed);
}

TEST_F(activation, when_matching_id_is_used_again_then_refused_and_nothing_changes)
{
    const auto ac = add("8949000000000000018");
    ASSERT_TRUE(download(ac));
    const std::string before = slurp(m_euicc_path);
    auto again = download(ac);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().subject, "8.2.6");
    EXPECT_EQ(again.error().reason, "3.8");
    EXPECT_NE(again.error().message.find("already been used"), std::string::npos) << again.error().message;
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
}

TEST_F(activation, when_matching_id_is_unknown_then_refused_and_a_later_download_still_works)
{
    const auto good = add("8949000000000000018");
    auto unknown = good;
    unknown.matching_id = "NOT-A-REAL-ORDER";
    const std::string before = slurp(m_euicc_path);
    auto r = download(unknown);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().subject, "8.2.6");
    EXPECT_EQ(r.error().reason, "3.8");
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
    auto ok = download(good);
    EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(activation, when_code_is_for_another_smdp_then_8_8_1_and_nothing_changes)
{
    start_smdp("smdp.other.example"); // serves another address than the one the code names
    const auto ac = add("8949000000000000018");
    const std::string before = slurp(m_euicc_path);
    auto r = download(ac);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().subject, "8.8.1");
    EXPECT_EQ(r.error().reason, "3.8");
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
}

TEST_F(activation, when_server_certificate_does_not_chain_to_the_ci_then_refused_and_nothing_changes)
{
    const auto ac = add("8949000000000000018");
    const std::string before = slurp(m_euicc_path);
    auto r = download(ac, other_pki().ci());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
}

TEST_F(activation, when_smdp_is_unreachable_then_a_sentence_says_so_and_nothing_changes)
{
    const auto ac = add("8949000000000000018");
    m_smdp.stop(); // nothing listens on the port any more
    const std::string before = slurp(m_euicc_path);
    auto r = download(ac);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot reach"), std::string::npos) << r.error().message;
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
}

TEST_F(activation, confirmation_code_is_required_checked_and_then_accepted)
{
    const auto ac = add("8949000000000000018", std::string("1234"));
    EXPECT_TRUE(ac.confirmation_code_required);
    auto none = download(ac);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("confirmation code"), std::string::npos) << none.error().message;
    auto wrong = download(ac, "", std::string("9999"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().subject, "8.2.7");
    EXPECT_EQ(wrong.error().reason, "3.8");
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
    EXPECT_TRUE(euicc_profiles().empty());
    auto right = download(ac, "", std::string("1234"));
    ASSERT_TRUE(right) << right.error().message;
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
}
