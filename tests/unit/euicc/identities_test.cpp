/// An eUICC with two identities (an EUM/eUICC chain per CI, NIST P-256 and brainpoolP256r1, one EID): EUICCInfo1
/// lists both CIs, AuthenticateServer signs with the identity under euiccCiPKIdToBeUsed and the session
/// (PrepareDownload, the installation result) stays with it. Also: expired SM-DP+ certificates are refused
/// (invalidCertificate), and single-identity files keep their old form.

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

/// `pki init --curve both`, made once per process.
struct both_pki {
    fs::path root;
    test_pki nist, brainpool;
    ~both_pki() { fs::remove_all(root); }
    static const both_pki& get()
    {
        static const both_pki p = [] {
            std::string tmpl = (fs::temp_directory_path() / "openrsp-euicc-both-XXXXXX").string();
            if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
            pki::init_options o;
            o.directory = tmpl + "/pki";
            o.both_curves = true;
            if (auto r = pki::init(o); !r) throw std::runtime_error(r.error().message);
            return both_pki{tmpl, load_test_pki(o.directory + "/nist"), load_test_pki(o.directory + "/brainpool")};
        }();
        return p;
    }
};

/// Provisioning with the NIST identity first and the brainpool one second.
provisioning dual_provisioning()
{
    auto p = load_pki_identities((both_pki::get().root / "pki").string());
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    return *p;
}

std::vector<bytes> pkid_list(const bytes& info1, der::tag_t list_tag)
{
    std::vector<bytes> out;
    auto top = der::parse_one(info1);
    auto list = der::reader(top->value).find(list_tag);
    if (!list) return out;
    const auto entries = der::reader(list->value).all();
    for (const auto& e : *entries)
        out.emplace_back(e.value.begin(), e.value.end());
    return out;
}

/// The key of the main test CI, to issue unusual SM-DP+ certificates under it.
crypto::ec_key main_ci_key()
{
    std::ifstream in(main_pki().dir + "/" + pki::files::ci_key);
    std::stringstream text;
    text << in.rdbuf();
    auto key = crypto::ec_key::from_pem(text.str());
    EXPECT_TRUE(key);
    return std::move(*key);
}

/// A certificate of `role` under the main CI whose validity ended yesterday.
pki::credential expired_under_main_ci(pki::role role)
{
    auto key = crypto::ec_key::generate(crypto::curve::nist_p256);
    EXPECT_TRUE(key);
    pki::certificate_request r;
    r.kind = role;
    r.not_before = std::chrono::system_clock::now() - 72h;
    r.not_after = std::chrono::system_clock::now() - 24h;
    auto cert = pki::issue_certificate(r, *key, &main_pki().ci, main_ci_key());
    EXPECT_TRUE(cert) << (cert ? "" : cert.error().message);
    return pki::credential{std::move(*cert), std::move(*key)};
}

/// A full download with `dp`; returns the decoded PIR (signature checked by the caller).
std::optional<pir_outcome> download_with(rsp::card_transport& t, int ch, test_smdp& dp, const std::string& eid,
                                         const std::string& iccid)
{
    if (!authenticate_and_prepare(t, ch, dp)) return std::nullopt;
    auto bpp = dp.build_bpp(sample_profile(iccid), hex(eid));
    return decode_pir(load_series(t, ch, bpp.series));
}

} // namespace

TEST(euicc_identities, EUICCInfo1_lists_the_CIs_of_both_identities_for_verification_and_signing)
{
    temp_dir dir;
    ASSERT_TRUE(virtual_euicc::create(dir.file("card.json"), dual_provisioning()));
    auto card = virtual_euicc::open(dir.file("card.json"));
    ASSERT_TRUE(card) << card.error().message;
    auto t = (*card)->make_transport();
    const int ch = open_isdr(*t);
    const bytes info1 = es10(*t, ch, hex("BF2000"));
    const std::vector<bytes> both{both_pki::get().nist.ci.subject_key_id(),
                                  both_pki::get().brainpool.ci.subject_key_id()};
    EXPECT_EQ(pkid_list(info1, 0xA9), both);
    EXPECT_EQ(pkid_list(info1, 0xAA), both);
    const bytes info2 = es10(*t, ch, hex("BF2200"));
    EXPECT_EQ(pkid_list(info2, 0xAA), both);
}

TEST(euicc_identities, each_server_curve_gets_the_identity_under_its_CI_through_the_whole_download)
{
    temp_dir dir;
    ASSERT_TRUE(virtual_euicc::create(dir.file("card.json"), dual_provisioning()));
    auto card = virtual_euicc::open(dir.file("card.json"));
    ASSERT_TRUE(card);
    auto t = (*card)->make_transport();
    const int ch = open_isdr(*t);

    struct expectation {
        const test_pki* pki;
        crypto::curve curve;
        const char* iccid;
    };
    const expectation cases[] = {{&both_pki::get().brainpool, crypto::curve::brainpool_p256r1, "8949449999999990148"},
                                 {&both_pki::get().nist, crypto::curve::nist_p256, "8949449999999990155"}};
    for (const auto& c : cases) {
        test_smdp dp(*c.pki);
        auto pir = download_with(*t, ch, dp, (*card)->eid(), c.iccid);
        ASSERT_TRUE(pir);
        EXPECT_TRUE(pir->success);
        // The eUICC certificate it presented is the one under the server's CI, on the server's curve...
        ASSERT_TRUE(dp.euicc_cert);
        EXPECT_EQ(dp.euicc_cert->public_key().key_curve(), c.curve);
        auto eum = crypto::certificate::from_pem(c.pki->eum_cert_pem);
        ASSERT_TRUE(eum);
        EXPECT_TRUE(crypto::verify_rsp_chain(*dp.euicc_cert, &*eum, c.pki->ci, crypto::rsp_oid::euicc));
        // ...and the installation result is signed by that same identity.
        EXPECT_TRUE(
            crypto::ecdsa_verify(dp.euicc_cert->public_key(), pir->bf27, pir->signature, crypto::sig_format::raw_rs));
    }
    EXPECT_EQ((*card)->profiles().size(), 2u);
}

TEST(euicc_identities, ciPKUnknown_7_when_the_named_CI_certifies_none_of_our_identities)
{
    temp_dir dir;
    // The card can verify CI "B" but holds no eUICC certificate under it, so it cannot sign for it.
    auto card = make_card(dir.file("card.json"), [](provisioning& p) { p.ci_cert_pems.push_back(other_pki().ci_pem); });
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    const bytes info1 = es10(*t, ch, hex("BF2000"));
    EXPECT_EQ(pkid_list(info1, 0xA9).size(), 2u);
    EXPECT_EQ(pkid_list(info1, 0xAA), std::vector<bytes>{main_pki().ci.subject_key_id()});
    test_smdp dp(other_pki());
    EXPECT_EQ(error_code(es10(*t, ch, dp.authenticate_server_request(challenge(*t, ch)))), 7);
}

TEST(euicc_identities, a_further_identity_not_issued_by_its_EUM_is_refused_and_nothing_is_created)
{
    temp_dir dir;
    auto p = dual_provisioning();
    // Pair the brainpool eUICC certificate with an EUM that did not issue it: the file would be inconsistent.
    p.more_identities[0].eum_cert_pem = main_pki().eum_cert_pem;
    auto r = virtual_euicc::create(dir.file("card.json"), p);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not issued by the EUM"), std::string::npos) << r.error().message;
    EXPECT_FALSE(fs::exists(dir.file("card.json")));
}

TEST(euicc_identities, a_single_identity_file_is_written_as_before_and_a_dual_one_reopens)
{
    temp_dir dir;
    (void)make_card(dir.file("single.json"));
    std::ifstream single(dir.file("single.json"));
    std::stringstream text;
    text << single.rdbuf();
    EXPECT_EQ(text.str().find("more_identities"), std::string::npos);

    ASSERT_TRUE(virtual_euicc::create(dir.file("dual.json"), dual_provisioning()));
    auto reopened = virtual_euicc::open(dir.file("dual.json"));
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ((*reopened)->eid(), pki::init_options{}.eid);
}

TEST(euicc_expiry, AuthenticateServer_invalidCertificate_1_for_an_expired_DPauth)
{
    temp_dir dir;
    auto card = make_card(dir.file("card.json"));
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    test_pki expired = load_test_pki(main_pki().dir);
    expired.dpauth = expired_under_main_ci(pki::role::dpauth);
    test_smdp dp(expired);
    EXPECT_EQ(error_code(es10(*t, ch, dp.authenticate_server_request(challenge(*t, ch)))), 1);
    // The same request with a current DPauth goes through: only the validity period differed.
    test_smdp good(main_pki());
    EXPECT_EQ(error_code(es10(*t, ch, good.authenticate_server_request(challenge(*t, ch)))), -1);
}

TEST(euicc_expiry, PrepareDownload_invalidCertificate_1_for_an_expired_DPpb)
{
    temp_dir dir;
    auto card = make_card(dir.file("card.json"));
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    test_pki expired = load_test_pki(main_pki().dir);
    expired.dppb = expired_under_main_ci(pki::role::dppb);
    test_smdp dp(expired);
    ASSERT_TRUE(dp.accept_authenticate_server(es10(*t, ch, dp.authenticate_server_request(challenge(*t, ch)))));
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 1);
}

TEST(euicc_identities, notifications_after_a_download_are_signed_by_the_identity_that_downloaded_the_profile)
{
    temp_dir dir;
    ASSERT_TRUE(virtual_euicc::create(dir.file("card.json"), dual_provisioning()));
    const char* iccid = "8949449999999990148";
    std::optional<crypto::certificate> brainpool_euicc;
    {
        auto card = virtual_euicc::open(dir.file("card.json"));
        ASSERT_TRUE(card);
        auto t = (*card)->make_transport();
        const int ch = open_isdr(*t);
        // Downloaded under the brainpool identity (the second one), with enable notifications configured.
        test_smdp dp(both_pki::get().brainpool);
        ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
        der::writer cfg;
        cfg.begin(0x30).add_named_bits(0x80, {static_cast<unsigned>(rsp::notification_event::enable)})
            .add(0x81, std::string_view{"smdp.brainpool.example"})
            .end();
        bpp_options o;
        o.notification_config = cfg.finish();
        auto bpp = dp.build_bpp(sample_profile(iccid), hex((*card)->eid()), o);
        ASSERT_TRUE(decode_pir(load_series(*t, ch, bpp.series)));
        ASSERT_TRUE(dp.euicc_cert);
        brainpool_euicc = *dp.euicc_cert;
    }
    // Reopened from the file: which identity downloaded the profile survives a restart.
    auto card = virtual_euicc::open(dir.file("card.json"));
    ASSERT_TRUE(card);
    auto t = (*card)->make_transport();
    const int ch = open_isdr(*t);
    der::writer enable;
    enable.begin(rsp::tag::enable_profile).begin(0xA0).add(rsp::tag::iccid, *rsp::iccid_to_bcd(iccid)).end();
    enable.add(0x81, bytes{0xFF}).end();
    const bytes enable_response = es10(*t, ch, enable.finish());
    auto enabled = der::parse_one(enable_response);
    ASSERT_TRUE(enabled) << to_hex(enable_response);
    auto result = der::reader(enabled->value).find(0x80);
    ASSERT_TRUE(result) << to_hex(enable_response);
    EXPECT_EQ(*der::decode_uint(result->value), 0u); // ok

    der::writer retrieve;
    retrieve.begin(rsp::tag::retrieve_notifications_list).end();
    const bytes listed = es10(*t, ch, retrieve.finish());
    auto list = der::parse_one(listed);
    ASSERT_TRUE(list) << to_hex(listed);
    auto pending = der::reader(list->value).find(0xA0);
    ASSERT_TRUE(pending) << to_hex(listed);
    bool seen = false;
    const auto notifications = der::reader(pending->value).all(); // kept: the loop reads into it
    ASSERT_TRUE(notifications);
    for (const auto& n : *notifications) {
        if (n.tag != rsp::tag::sequence) continue; // the installation result (BF37) is not at issue here
        auto parts = der::reader(n.value).all();
        ASSERT_TRUE(parts);
        ASSERT_EQ(parts->size(), 4u); // tbs, signature, eUICC certificate, EUM certificate
        EXPECT_EQ(bytes((*parts)[2].raw.begin(), (*parts)[2].raw.end()), brainpool_euicc->der());
        EXPECT_TRUE(crypto::ecdsa_verify(brainpool_euicc->public_key(), (*parts)[0].raw, (*parts)[1].value,
                                         crypto::sig_format::raw_rs));
        seen = true;
    }
    EXPECT_TRUE(seen) << "an enable notification was configured";
}
