// Both curves end to end over real HTTPS: one SM-DP+ holding a NIST P-256 and a brainpoolP256r1 certificate set
// (`pki init --curve both`) serves a NIST eUICC, a brainpool eUICC and an eUICC holding both identities through the
// LPA; TLS also runs on a brainpool DPtls; an expired DPtls is refused by the LPA before any ES9+ call.
#include "support/parties.h"

#include "openrsp/lpa/download.h"
#include "openrsp/pki/pki.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

using namespace openrsp;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using openrsp::test::make_temp_dir;
using openrsp::test::slurp;

namespace {

/// `pki init --curve both`: a NIST and a brainpool set under one directory.
const test::test_pki& both_pki()
{
    static const test::test_pki p("openrsp-both", true);
    return p;
}

class both_curves : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = make_temp_dir("openrsp-it");
        auto inv = m_smdp.open_inventory((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
    }
    void TearDown() override
    {
        m_smdp.stop();
        fs::remove_all(m_dir);
    }

    /// The SM-DP+ over HTTPS with these credentials (their dptls serves TLS).
    void start(smdpp::server_credentials creds)
    {
        auto started = m_smdp.start(std::move(creds));
        ASSERT_TRUE(started) << started.error().message;
    }

    rsp::activation_code add(const std::string& iccid)
    {
        auto ac = m_smdp.add(test::test_profile(iccid, "Both curves"));
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? *ac : rsp::activation_code{};
    }

    std::string card(const std::string& name, const std::vector<const char*>& curves)
    {
        std::vector<euicc::identity_files> files;
        const auto& p = both_pki();
        for (const char* c : curves)
            files.push_back({p.file(c, pki::files::euicc_cert),
                             p.file(c, pki::files::euicc_key),
                             p.file(c, pki::files::eum_cert),
                             {p.file(c, pki::files::ci_cert)}});
        auto prov = euicc::load_identities(files);
        EXPECT_TRUE(prov) << (prov ? "" : prov.error().message);
        const std::string path = (m_dir / (name + ".json")).string();
        EXPECT_TRUE(euicc::virtual_euicc::create(path, *prov));
        return path;
    }

    result<lpa::download_result> download(const std::string& euicc_path, const rsp::activation_code& ac,
                                          const std::string& ca_file)
    {
        auto chip = euicc::virtual_euicc::open(euicc_path);
        if (!chip) return chip.take_error();
        auto transport = (*chip)->make_transport();
        lpa::es10_client es10(*transport, 120);
        OPENRSP_TRY_VOID(es10.open());
        http::client_config hc;
        hc.ca_pem = slurp(ca_file);
        http::client http(hc);
        lpa::download_options o;
        o.activation_code = ac;
        return lpa::download_profile(es10, http, o);
    }

    store::profile_state state_of(const std::string& iccid)
    {
        return m_smdp.state_of(iccid).value_or(store::profile_state::error);
    }

    fs::path m_dir;
    test::loopback_smdp m_smdp;
};

} // namespace

TEST_F(both_curves, one_server_installs_on_a_nist_a_brainpool_and_a_dual_identity_euicc)
{
    auto creds = smdpp::load_credentials((both_pki().dir()).string());
    ASSERT_TRUE(creds) << creds.error().message;
    ASSERT_EQ(creds->sets.size(), 2u);
    start(std::move(*creds));
    const std::string tls_ca = both_pki().file(pki::layout::nist, pki::files::ci_cert); // NIST DPtls

    const struct {
        const char* iccid;
        std::vector<const char*> curves;
    } cases[] = {{"8949000000000000018", {pki::layout::nist}},
                 {"8949000000000000026", {pki::layout::brainpool}},
                 {"8949000000000000034", {pki::layout::brainpool, pki::layout::nist}}};
    int n = 0;
    for (const auto& c : cases) {
        const std::string path = card("card" + std::to_string(n++), c.curves);
        auto r = download(path, add(c.iccid), tls_ca);
        ASSERT_TRUE(r) << c.iccid << ": " << r.error().message;
        EXPECT_TRUE(r->notification_sent);
        EXPECT_EQ(state_of(c.iccid), store::profile_state::installed);
        auto chip = euicc::virtual_euicc::open(path);
        ASSERT_TRUE(chip);
        ASSERT_EQ((*chip)->profiles().size(), 1u);
        EXPECT_EQ((*chip)->profiles()[0].iccid, c.iccid);
    }
    EXPECT_EQ(m_smdp.service().counters().installs, 3u);
}

TEST_F(both_curves, tls_on_a_brainpool_DPtls_carries_a_brainpool_download)
{
    // The brainpool directory first: its DPtls serves TLS, its set is preferred.
    auto creds = smdpp::load_credentials(std::vector<std::string>{(both_pki().dir() / pki::layout::brainpool).string(),
                                                                  (both_pki().dir() / pki::layout::nist).string()});
    ASSERT_TRUE(creds) << creds.error().message;
    ASSERT_EQ(creds->dptls.cert.public_key().key_curve(), crypto::curve::brainpool_p256r1);
    start(std::move(*creds));
    const std::string path = card("brp", {pki::layout::brainpool});
    auto r = download(path, add("8949000000000000042"), both_pki().file(pki::layout::brainpool, pki::files::ci_cert));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(state_of("8949000000000000042"), store::profile_state::installed);
}

TEST_F(both_curves, an_expired_DPtls_is_refused_by_the_LPA_and_nothing_changes)
{
    auto creds = smdpp::load_credentials((both_pki().dir() / pki::layout::nist).string());
    ASSERT_TRUE(creds) << creds.error().message;
    // Replace the DPtls by one that expired yesterday, under the same CI and for the same host.
    auto ci = crypto::certificate::load_file(both_pki().file(pki::layout::nist, pki::files::ci_cert));
    auto ci_key = crypto::ec_key::from_pem(slurp(both_pki().file(pki::layout::nist, pki::files::ci_key)));
    auto key = crypto::ec_key::generate(crypto::curve::nist_p256);
    ASSERT_TRUE(ci && ci_key && key);
    pki::certificate_request r;
    r.kind = pki::role::dptls;
    r.smdp_host = "localhost";
    r.not_before = std::chrono::system_clock::now() - 72h;
    r.not_after = std::chrono::system_clock::now() - 24h;
    auto expired = pki::issue_certificate(r, *key, &*ci, *ci_key);
    ASSERT_TRUE(expired) << expired.error().message;
    creds->dptls = pki::credential{std::move(*expired), std::move(*key)};
    start(std::move(*creds));

    const std::string path = card("nist", {pki::layout::nist});
    const std::string before = slurp(path);
    const auto ac = add("8949000000000000059");
    auto d = download(path, ac, both_pki().file(pki::layout::nist, pki::files::ci_cert));
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("not trusted"), std::string::npos) << d.error().message;
    EXPECT_EQ(state_of("8949000000000000059"), store::profile_state::released);
    EXPECT_EQ(slurp(path), before);
}

TEST_F(both_curves, the_server_refuses_to_start_with_an_expired_sgp26_dptls_only)
{
    // SGP.26's original DPtls expired on 2026-08-02; with only that one present the loader says so.
    const fs::path copy = m_dir / "sgp26";
    const fs::path src = fs::path(OPENRSP_SOURCE_DIR) / "tests" / "data" / "certs" / "sgp26-set";
    fs::copy(src, copy, fs::copy_options::recursive);
    fs::remove(copy / "DPtls" / "CERT_S_SM_DP_VARO_TLS_NIST.der");
    fs::remove(copy / "DPtls" / "CERT_S_SM_DP_VARO_TLS_BRP.der");
    auto creds = smdpp::load_credentials(copy.string());
    if (crypto::certificate::load_file((copy / "DPtls" / "CERT_S_SM_DP_TLS_NIST.der").string())->valid_at()) {
        ASSERT_TRUE(creds) << creds.error().message; // before 2026-08-02 the original is still good
    } else {
        ASSERT_FALSE(creds);
        EXPECT_NE(creds.error().message.find("expired"), std::string::npos) << creds.error().message;
    }
}
