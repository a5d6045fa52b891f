/// unsupportedCurve (3) of AuthenticateServer (SGP.22 §5.7.13) and PrepareDownload (§5.7.5): the SM-DP+ key is
/// on brainpoolP256r1 while the CI it chains to (and the eUICC's verification key set) is NIST P-256. pki::init
/// never makes such a certificate, so this test issues one with OpenSSL directly.

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};

/// A certificate for `subject_key` issued by the main test CI, with the RSP extensions the eUICC checks.
crypto::certificate issue_under_main_ci(const crypto::ec_key& subject_key, const char* policy)
{
    const auto& pki = main_pki();
    std::ifstream in(pki.dir + "/" + pki::files::ci_key);
    std::stringstream key_text;
    key_text << in.rdbuf();
    auto ci_key = crypto::ec_key::from_pem(key_text.str());
    EXPECT_TRUE(ci_key);
    X509* ci = pki.ci.native();

    std::unique_ptr<X509, x509_free> cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 0x1234);
    X509_NAME* name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Mixed curve SM-DP+"),
                               -1, -1, 0);
    X509_set_subject_name(cert.get(), name);
    X509_NAME_free(name);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ci));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), subject_key.native());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ci, cert.get(), nullptr, nullptr, 0);
    const std::pair<int, std::string> exts[] = {
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_subject_alt_name, "RID:2.999.10"},
    };
    for (const auto& [nid, value] : exts) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        EXPECT_NE(ext, nullptr) << value;
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    // A bare policy OID cannot be written in the v3 config syntax without a config database.
    CERTIFICATEPOLICIES* policies = sk_POLICYINFO_new_null();
    POLICYINFO* info = POLICYINFO_new();
    ASN1_OBJECT_free(info->policyid);
    info->policyid = OBJ_txt2obj(policy, 1);
    sk_POLICYINFO_push(policies, info);
    EXPECT_EQ(X509_add1_ext_i2d(cert.get(), NID_certificate_policies, policies, 1, X509V3_ADD_DEFAULT), 1);
    CERTIFICATEPOLICIES_free(policies);
    EXPECT_GT(X509_sign(cert.get(), ci_key->native(), EVP_sha256()), 0);
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    bytes out(der, der + len);
    OPENSSL_free(der);
    auto parsed = crypto::certificate::from_der(out);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    return std::move(*parsed);
}

} // namespace

TEST(euicc_curve, AuthenticateServer_unsupportedCurve_3_for_a_brainpool_DPauth_under_a_NIST_CI)
{
    temp_dir dir;
    auto card = make_card(dir.file("card.json"));
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    auto key = crypto::ec_key::generate(crypto::curve::brainpool_p256r1);
    ASSERT_TRUE(key);
    test_pki mixed = load_test_pki(main_pki().dir);
    mixed.dpauth = pki::credential{issue_under_main_ci(*key, crypto::rsp_oid::dp_auth), std::move(*key)};
    test_smdp dp(mixed);
    EXPECT_EQ(error_code(es10(*t, ch, dp.authenticate_server_request(challenge(*t, ch)))), 3);
}

TEST(euicc_curve, PrepareDownload_unsupportedCurve_3_for_a_brainpool_DPpb_under_a_NIST_CI)
{
    temp_dir dir;
    auto card = make_card(dir.file("card.json"));
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    auto key = crypto::ec_key::generate(crypto::curve::brainpool_p256r1);
    ASSERT_TRUE(key);
    test_pki mixed = load_test_pki(main_pki().dir);
    mixed.dppb = pki::credential{issue_under_main_ci(*key, crypto::rsp_oid::dp_pb), std::move(*key)};
    test_smdp dp(mixed);
    ASSERT_TRUE(dp.accept_authenticate_server(es10(*t, ch, dp.authenticate_server_request(challenge(*t, ch)))));
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 3);
}
