#include "openrsp/pki/pki.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sys/stat.h>

namespace openrsp::pki {
namespace {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed at the end of the test.
class temp_dir {
public:
    temp_dir()
    {
        std::random_device rd;
        m_path = fs::temp_directory_path() / ("openrsp-pki-test-" + std::to_string(rd()) + std::to_string(rd()));
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    [[nodiscard]] std::string str() const { return m_path.string(); }
    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

crypto::certificate load(const temp_dir& dir, const char* name)
{
    auto c = crypto::certificate::load_file((dir.path() / name).string());
    EXPECT_TRUE(c) << name << ": " << (c ? "" : c.error().message);
    return std::move(*c);
}

struct store_deleter {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};

/// OpenSSL's own RFC 5280 verification with the CI as the only trust anchor, as a TLS client (LPA) would do it.
int openssl_verify(const crypto::certificate& ci, const crypto::certificate& leaf, int purpose, const char* host)
{
    std::unique_ptr<X509_STORE, store_deleter> store(X509_STORE_new());
    std::unique_ptr<X509_STORE_CTX, store_deleter> ctx(X509_STORE_CTX_new());
    EXPECT_EQ(X509_STORE_add_cert(store.get(), ci.native()), 1);
    EXPECT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), nullptr), 1);
    if (purpose) X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    if (host) X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx.get()), host, 0);
    if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
    return X509_STORE_CTX_get_error(ctx.get());
}

class pki_init_test : public ::testing::TestWithParam<crypto::curve> {
protected:
    void SetUp() override
    {
        m_options.directory = m_dir.str();
        m_options.smdp_host = "smdp.openrsp.test";
        m_options.curve = GetParam();
        auto r = init(m_options);
        ASSERT_TRUE(r) << r.error().message;
    }
    temp_dir m_dir;
    init_options m_options;
};

TEST_P(pki_init_test, when_initialised_then_every_file_exists_and_keys_are_private)
{
    const char* all[] = {files::ci_cert,    files::ci_key,    files::eum_cert,    files::eum_key,
                         files::euicc_cert, files::euicc_key, files::dpauth_cert, files::dpauth_key,
                         files::dppb_cert,  files::dppb_key,  files::dptls_cert,  files::dptls_key};
    for (const char* f : all) EXPECT_TRUE(fs::exists(m_dir.path() / f)) << f;
    for (const char* k :
         {files::ci_key, files::eum_key, files::euicc_key, files::dpauth_key, files::dppb_key, files::dptls_key}) {
        struct stat st {};
        ASSERT_EQ(::stat((m_dir.path() / k).c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u) << k;
        std::ifstream in(m_dir.path() / k);
        std::string first;
        std::getline(in, first);
        EXPECT_EQ(first, "-----BEGIN PRIVATE KEY-----") << k << " is not PKCS#8";
    }
}

TEST_P(pki_init_test, when_loaded_then_extensions_follow_the_sgp26_profiles)
{
    const auto ci = load(m_dir, files::ci_cert);
    const auto eum = load(m_dir, files::eum_cert);
    const auto euicc = load(m_dir, files::euicc_cert);
    const auto dpauth = load(m_dir, files::dpauth_cert);
    const auto dppb = load(m_dir, files::dppb_cert);
    const auto dptls = load(m_dir, files::dptls_cert);

    for (const auto* c : {&ci, &eum, &euicc, &dpauth, &dppb, &dptls}) {
        EXPECT_EQ(c->subject_key_id().size(), 20u) << c->subject_text();
        EXPECT_EQ(c->public_key().key_curve(), GetParam());
    }
    EXPECT_TRUE(ci.has_policy(crypto::rsp_oid::ci));
    EXPECT_EQ(ci.san_registered_id(), "2.999.1");
    EXPECT_TRUE(ci.signed_by(ci));

    EXPECT_TRUE(eum.has_policy(crypto::rsp_oid::eum));
    EXPECT_EQ(eum.authority_key_id(), ci.subject_key_id());
    EXPECT_EQ(eum.san_registered_id(), "2.999.5");
    EXPECT_EQ(eum.permitted_eid_prefixes(), std::vector<std::string>{"89049032"});

    EXPECT_TRUE(euicc.has_policy(crypto::rsp_oid::euicc));
    EXPECT_EQ(euicc.authority_key_id(), eum.subject_key_id());
    EXPECT_EQ(euicc.subject_serial_number(), m_options.eid);

    for (const auto* dp : {&dpauth, &dppb, &dptls}) {
        EXPECT_EQ(dp->authority_key_id(), ci.subject_key_id());
        EXPECT_EQ(dp->san_registered_id(), "2.999.10");
    }
    EXPECT_TRUE(dpauth.has_policy(crypto::rsp_oid::dp_auth));
    EXPECT_TRUE(dppb.has_policy(crypto::rsp_oid::dp_pb));
    EXPECT_TRUE(dptls.has_policy(crypto::rsp_oid::dp_tls));
    EXPECT_EQ(dptls.san_dns(), std::vector<std::string>{"smdp.openrsp.test"});

    // Criticality and the CA flags, read through OpenSSL directly.
    EXPECT_TRUE(X509_check_ca(ci.native()));
    EXPECT_TRUE(X509_check_ca(eum.native()));
    EXPECT_EQ(X509_get_pathlen(eum.native()), 0);
    EXPECT_FALSE(X509_check_ca(euicc.native()));
    EXPECT_EQ(X509_get_key_usage(euicc.native()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
    EXPECT_EQ(X509_get_key_usage(ci.native()), static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    EXPECT_EQ(X509_get_extended_key_usage(dptls.native()), static_cast<std::uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
    int crit = -1;
    NAME_CONSTRAINTS_free(
        static_cast<NAME_CONSTRAINTS*>(X509_get_ext_d2i(eum.native(), NID_name_constraints, &crit, nullptr)));
    EXPECT_EQ(crit, 1);
    for (const auto* c : {&ci, &eum, &euicc, &dpauth, &dppb}) {
        int pcrit = -1;
        auto* pol =
            static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(c->native(), NID_certificate_policies, &pcrit, nullptr));
        CERTIFICATEPOLICIES_free(pol);
        EXPECT_EQ(pcrit, 1) << c->subject_text();
    }
}

TEST_P(pki_init_test, when_chains_are_checked_then_rsp_rules_accept_them)
{
    const auto ci = load(m_dir, files::ci_cert);
    const auto eum = load(m_dir, files::eum_cert);
    const auto euicc = load(m_dir, files::euicc_cert);
    auto check = [&](const crypto::certificate& leaf, const crypto::certificate* mid, const char* policy) {
        const auto r = crypto::verify_rsp_chain(leaf, mid, ci, policy);
        EXPECT_TRUE(r) << leaf.subject_text() << ": " << r.message;
    };
    check(euicc, &eum, crypto::rsp_oid::euicc);
    check(load(m_dir, files::dpauth_cert), nullptr, crypto::rsp_oid::dp_auth);
    check(load(m_dir, files::dppb_cert), nullptr, crypto::rsp_oid::dp_pb);
    check(load(m_dir, files::dptls_cert), nullptr, crypto::rsp_oid::dp_tls);
    // A DPpb certificate is not a DPauth certificate.
    EXPECT_FALSE(crypto::verify_rsp_chain(load(m_dir, files::dppb_cert), nullptr, ci, crypto::rsp_oid::dp_auth));
}

TEST_P(pki_init_test, when_the_lpa_verifies_tls_with_the_ci_as_anchor_then_openssl_accepts_dptls)
{
    const auto ci = load(m_dir, files::ci_cert);
    const auto dptls = load(m_dir, files::dptls_cert);
    EXPECT_EQ(openssl_verify(ci, dptls, 0, nullptr), X509_V_OK);
    EXPECT_EQ(openssl_verify(ci, dptls, X509_PURPOSE_SSL_SERVER, "smdp.openrsp.test"), X509_V_OK);
    EXPECT_EQ(openssl_verify(ci, dptls, X509_PURPOSE_SSL_SERVER, "other.example.com"), X509_V_ERR_HOSTNAME_MISMATCH);
    EXPECT_EQ(openssl_verify(ci, load(m_dir, files::dpauth_cert), 0, nullptr), X509_V_OK);
}

TEST_P(pki_init_test, when_credentials_are_loaded_then_keys_must_match)
{
    auto good = load_credential(m_dir.str(), files::dpauth_cert, files::dpauth_key);
    ASSERT_TRUE(good) << good.error().message;
    EXPECT_TRUE(good->key.has_private());
    auto sig = crypto::ecdsa_sign(good->key, as_bytes("hello"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(crypto::ecdsa_verify(good->cert.public_key(), as_bytes("hello"), *sig));

    auto bad = load_credential(m_dir.str(), files::dpauth_cert, files::dppb_key);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("does not belong"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(load_credential(m_dir.str(), files::dpauth_cert, "missing.pem"));
}

TEST_P(pki_init_test, when_files_exist_then_init_refuses_unless_overwrite)
{
    const auto before = load(m_dir, files::ci_cert).subject_key_id();
    auto again = init(m_options);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos) << again.error().message;
    EXPECT_EQ(load(m_dir, files::ci_cert).subject_key_id(), before);

    auto options = m_options;
    options.overwrite = true;
    ASSERT_TRUE(init(options));
    EXPECT_NE(load(m_dir, files::ci_cert).subject_key_id(), before);
}

INSTANTIATE_TEST_SUITE_P(curves, pki_init_test,
                         ::testing::Values(crypto::curve::nist_p256, crypto::curve::brainpool_p256r1),
                         [](const auto& info) {
                             return info.param == crypto::curve::nist_p256 ? std::string("nist")
                                                                           : std::string("brainpool");
                         });

TEST(pki_options, when_eid_check_digits_are_wrong_then_init_refuses_with_a_sentence)
{
    temp_dir dir;
    init_options o;
    o.directory = dir.str();
    o.eid = "89049032123451234512345678901234";
    auto r = init(o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("EID 89049032123451234512345678901234 has wrong check digits"), std::string::npos)
        << r.error().message;
    EXPECT_FALSE(fs::exists(dir.path() / files::ci_cert));
}

TEST(pki_options, when_eid_is_outside_the_eum_prefix_or_options_are_bad_then_init_refuses)
{
    temp_dir dir;
    init_options o;
    o.directory = dir.str();
    o.eid = eid_with_check_digits("890490991234512345123456789012");
    ASSERT_TRUE(eid_checksum_ok(o.eid));
    auto r = init(o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("does not start with the EUM prefix 89049032"), std::string::npos);

    init_options short_eid;
    short_eid.directory = dir.str();
    short_eid.eid = "8904903212345";
    EXPECT_FALSE(init(short_eid));

    init_options bad_oid;
    bad_oid.directory = dir.str();
    bad_oid.smdp_oid = "not an oid";
    EXPECT_FALSE(init(bad_oid));
}

TEST(pki_eid, when_checksums_are_computed_then_sgp29_holds)
{
    EXPECT_TRUE(eid_checksum_ok("89049032123451234512345678901235")); // SGP.26 test eUICC
    EXPECT_FALSE(eid_checksum_ok("89049032123451234512345678901236"));
    EXPECT_FALSE(eid_checksum_ok("8904903212345123451234567890123"));
    EXPECT_FALSE(eid_checksum_ok("8904903212345123451234567890123X"));
    EXPECT_EQ(eid_with_check_digits("890490321234512345123456789012"), "89049032123451234512345678901235");
    EXPECT_EQ(eid_with_check_digits("89049032123451234512345678901299"), "89049032123451234512345678901235");
    EXPECT_EQ(eid_with_check_digits("123"), "");
}

} // namespace
} // namespace openrsp::pki
