// The whole activation over real HTTPS on loopback: SM-DP+ (SQLite), LPA and virtual eUICC in one process,
// talking ES9+ JSON over TLS and ES10 DER in STORE DATA APDUs.
#include "support.h"
#include "openrsp/crypto/ec.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/http/server.h"
#include "openrsp/lpa/download.h"
#include "openrsp/netsim/netsim.h"
#include "openrsp/pki/pki.h"
#include "openrsp/qr/qr.h"
#include "openrsp/smdpp/smdpp.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace openrsp;
namespace fs = std::filesystem;

using openrsp::integration::slurp;
using openrsp::integration::make_temp_dir;

namespace {

/// A PKI shared by all tests of the suite (key generation is the slow part).
struct shared_pki {
    fs::path dir;
    shared_pki()
    {
        dir = make_temp_dir();
        pki::init_options o;
        o.directory = (dir / "pki").string();
        o.smdp_host = "localhost";
        auto r = pki::init(o);
        if (!r) throw std::runtime_error(r.error().message);
        pki::init_options other;
        other.directory = (dir / "other-pki").string();
        r = pki::init(other);
        if (!r) throw std::runtime_error(r.error().message);
    }
    ~shared_pki() { fs::remove_all(dir); }
    [[nodiscard]] std::string path(const char* file) const { return (dir / "pki" / file).string(); }
};

shared_pki& pki_once()
{
    static shared_pki p;
    return p;
}

class activation : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = make_temp_dir();
        auto inv = store::open_sqlite((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
        start_smdp("");

        m_euicc_path = (m_dir / "euicc.json").string();
        euicc::provisioning p;
        p.euicc_cert_pem = slurp(pki_once().path(pki::files::euicc_cert));
        p.euicc_key_pem = slurp(pki_once().path(pki::files::euicc_key));
        p.eum_cert_pem = slurp(pki_once().path(pki::files::eum_cert));
        p.ci_cert_pems.push_back(slurp(pki_once().path(pki::files::ci_cert)));
        ASSERT_TRUE(euicc::virtual_euicc::create(m_euicc_path, p));
    }

    void TearDown() override
    {
        if (m_server) m_server->stop();
        m_server.reset();
        m_service.reset();
        m_inventory.reset();
        fs::remove_all(m_dir);
    }

    /// Starts (or restarts) the SM-DP+; `configured_address` empty means "localhost:<port>".
    void start_smdp(const std::string& configured_address)
    {
        if (m_server) m_server->stop();
        auto creds = smdpp::load_credentials((pki_once().dir / "pki").string());
        ASSERT_TRUE(creds) << creds.error().message;
        http::server_config sc;
        sc.cert_chain_pem = creds->dptls.cert.pem();
        sc.private_key_pem = creds->dptls.key.private_pem();
        m_service_ptr = nullptr;
        auto server = http::server::start(sc, [this](const http::request& r) {
            smdpp::service* s = m_service_ptr.load();
            return s ? s->handle_http(r) : http::response{503, {}, ""};
        });
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_address = "localhost:" + std::to_string(m_server->port());
        smdpp::config cfg;
        cfg.address = configured_address.empty() ? m_address : configured_address;
        m_service = std::make_unique<smdpp::service>(cfg, std::move(*creds), *m_inventory);
        m_service_ptr = m_service.get();
    }

    rsp::profile_description description(const std::string& iccid)
    {
        rsp::profile_description d;
        d.iccid = iccid;
        d.imsi = "001010123456789";
        d.ki = hex("000102030405060708090a0b0c0d0e0f");
        d.opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
        d.service_provider_name = "OpenRSP Mobile";
        d.profile_name = "Test plan";
        d.apn = "internet";
        return d;
    }

    rsp::activation_code add(const std::string& iccid, std::optional<std::string> cc = std::nullopt)
    {
        smdpp::add_profile_options o;
        o.smdp_address = m_address;
        o.confirmation_code = std::move(cc);
        auto ac = smdpp::add_profile(*m_inventory, description(iccid), o);
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
        http::client_config hc;
        hc.ca_pem = slurp(ca_file.empty() ? pki_once().path(pki::files::ci_cert) : ca_file);
        hc.connect_timeout = std::chrono::milliseconds(2000);
        http::client http(hc);
        lpa::download_options o;
        o.activation_code = ac;
        o.ask_confirmation_code = [cc] { return cc; };
        o.on_step = [this](const lpa::step_report& s) { m_steps.push_back(s); };
        return lpa::download_profile(es10, http, o);
    }

    store::profile_state state_of(const std::string& iccid)
    {
        auto p = m_inventory->find_by_iccid(iccid);
        EXPECT_TRUE(p && *p);
        return p && *p ? (*p)->state : store::profile_state::error;
    }

    std::vector<euicc::stored_profile> euicc_profiles()
    {
        auto chip = euicc::virtual_euicc::open(m_euicc_path);
        EXPECT_TRUE(chip);
        return chip ? (*chip)->profiles() : std::vector<euicc::stored_profile>{};
    }

    fs::path m_dir;
    std::unique_ptr<store::inventory> m_inventory;
    std::unique_ptr<http::server> m_server;
    std::unique_ptr<smdpp::service> m_service;
    std::atomic<smdpp::service*> m_service_ptr{nullptr};
    std::string m_address;
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
    for (const auto& s : m_steps) EXPECT_GT(s.apdu_bytes + s.http_bytes, 0u) << s.name;

    // SM-DP+ side: the signed installation result moved the profile to Installed.
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
    auto rec = m_inventory->find_by_iccid("8949000000000000018");
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
    EXPECT_TRUE(en->ok()) << lpa::describe_enable_result(en->value);
    auto list = es10.get_profiles_info();
    ASSERT_TRUE(list && list->size() == 1);
    EXPECT_TRUE((*list)[0].enabled);
    http::client_config hc;
    hc.ca_pem = slurp(pki_once().path(pki::files::ci_cert));
    http::client http(hc);
    auto sent = lpa::process_notifications(es10, http);
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(*sent, 1u);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::enabled);

    const auto enabled = (*chip)->profiles();
    netsim::hss network;
    ASSERT_TRUE(network.add_subscriber("001010123456789", description("").ki, description("").opc));
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
    auto r = download(ac, (pki_once().dir / "other-pki" / pki::files::ci_cert).string());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
}

TEST_F(activation, when_smdp_is_unreachable_then_a_sentence_says_so_and_nothing_changes)
{
    const auto ac = add("8949000000000000018");
    m_server.reset(); // nothing listens on the port any more
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
