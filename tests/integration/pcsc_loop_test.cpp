// The PC/SC loop: a virtual eUICC served to pcscd through the vpcd driver (vsmartcard-vpcd), and the LPA reaching
// it through pcsclite exactly as it reaches a real card: GetEID, GetProfilesInfo and a whole profile download from
// an in-process SM-DP+ over HTTPS.
//
// Needs pcscd running with vsmartcard-vpcd (scripts/test.sh starts it and sets OPENRSP_TEST_PCSC=1). Without
// OPENRSP_TEST_PCSC the test is skipped; with OPENRSP_REQUIRE_PCSC=1 a missing setup is a failure instead.
#include "support.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/euicc/vpcd.h"
#include "openrsp/http/server.h"
#include "openrsp/lpa/download.h"
#include "openrsp/lpa/pcsc_transport.h"
#include "openrsp/pki/pki.h"
#include "openrsp/smdpp/smdpp.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace openrsp;
namespace fs = std::filesystem;

using openrsp::integration::slurp;

namespace {

/// The first slot of Debian's vpcd reader (/etc/reader.conf.d/vpcd: CHANNELID 0x8C7B).
constexpr std::uint16_t vpcd_port = 35963;
constexpr const char* vpcd_reader = "Virtual PCD 00 00";

bool env_is(const char* name, const char* value)
{
    const char* v = std::getenv(name);
    return v != nullptr && std::string_view(v) == value;
}

fs::path make_temp_dir() { return openrsp::integration::make_temp_dir("openrsp-pcsc"); }

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
        m_dir = make_temp_dir();
        pki::init_options o;
        o.directory = (m_dir / "pki").string();
        o.smdp_host = "localhost";
        auto made = pki::init(o);
        ASSERT_TRUE(made) << made.error().message;

        const std::string euicc_path = (m_dir / "euicc.json").string();
        euicc::provisioning p;
        p.euicc_cert_pem = slurp(pki_file(pki::files::euicc_cert));
        p.euicc_key_pem = slurp(pki_file(pki::files::euicc_key));
        p.eum_cert_pem = slurp(pki_file(pki::files::eum_cert));
        p.ci_cert_pems.push_back(slurp(pki_file(pki::files::ci_cert)));
        ASSERT_TRUE(euicc::virtual_euicc::create(euicc_path, p));
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
        if (m_server) m_server->stop();
        m_server.reset();
        m_service.reset();
        m_inventory.reset();
        if (!m_dir.empty()) fs::remove_all(m_dir);
    }

    [[nodiscard]] fs::path pki_file(const char* name) const { return m_dir / "pki" / name; }

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
        auto inv = store::open_sqlite((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
        auto creds = smdpp::load_credentials((m_dir / "pki").string());
        ASSERT_TRUE(creds) << creds.error().message;
        http::server_config sc;
        sc.cert_chain_pem = creds->dptls.cert.pem();
        sc.private_key_pem = creds->dptls.key.private_pem();
        auto server = http::server::start(sc, [this](const http::request& r) {
            smdpp::service* s = m_service_ptr.load();
            return s ? s->handle_http(r) : http::response{503, {}, ""};
        });
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_address = "localhost:" + std::to_string(m_server->port());
        smdpp::config cfg;
        cfg.address = m_address;
        m_service = std::make_unique<smdpp::service>(cfg, std::move(*creds), *m_inventory);
        m_service_ptr = m_service.get();
    }

    fs::path m_dir;
    std::unique_ptr<euicc::virtual_euicc> m_chip;
    std::atomic<bool> m_stop{false};
    std::future<result<void>> m_served;
    std::unique_ptr<store::inventory> m_inventory;
    std::unique_ptr<http::server> m_server;
    std::unique_ptr<smdpp::service> m_service;
    std::atomic<smdpp::service*> m_service_ptr{nullptr};
    std::string m_address;
};

} // namespace

// One test case on purpose: the vpcd slot is a single card, so parallel ctest processes must not share it.
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
    rsp::profile_description d;
    d.iccid = "8949000000000000018";
    d.imsi = "001010123456789";
    d.ki = hex("000102030405060708090a0b0c0d0e0f");
    d.opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
    d.service_provider_name = "OpenRSP Mobile";
    d.profile_name = "PC/SC plan";
    smdpp::add_profile_options ao;
    ao.smdp_address = m_address;
    const auto ac = smdpp::add_profile(*m_inventory, d, ao);
    ASSERT_TRUE(ac) << ac.error().message;

    http::client_config hc;
    hc.ca_pem = slurp(pki_file(pki::files::ci_cert));
    hc.connect_timeout = std::chrono::milliseconds(2000);
    http::client http(hc);
    lpa::download_options o;
    o.activation_code = *ac;
    auto r = lpa::download_profile(es10, http, o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->metadata.iccid, d.iccid);
    EXPECT_TRUE(r->notification_sent);

    const auto rec = m_inventory->find_by_iccid(d.iccid);
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
    EXPECT_TRUE(en->ok()) << lpa::describe_enable_result(en->value);
    es10.close();
}
