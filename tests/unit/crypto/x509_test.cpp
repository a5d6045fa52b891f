#include "openrsp/crypto/x509.h"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/conf.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace openrsp::crypto {
namespace {

const std::string cert_dir = std::string(OPENRSP_SOURCE_DIR) + "/tests/data/certs/sgp26/";

certificate load(const std::string& name)
{
    auto c = certificate::load_file(cert_dir + name);
    if (!c) throw std::runtime_error(c.error().message);
    return *c;
}

ec_key load_key(const std::string& name)
{
    std::ifstream in(cert_dir + name);
    std::stringstream ss;
    ss << in.rdbuf();
    auto k = ec_key::from_pem(ss.str());
    if (!k) throw std::runtime_error(k.error().message);
    return std::move(*k);
}

std::chrono::system_clock::time_point utc(int year)
{
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = 0;
    tm.tm_mday = 1;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct x509_deleter {
    void operator()(X509* p) const { X509_free(p); }
};

/// Issues a test certificate with OpenSSL so chain rules can be exercised on cases SGP.26 does not ship
/// (EID outside the EUM range, non-CA issuer, expiry).
certificate issue(const certificate& issuer, const ec_key& issuer_key, const ec_key& subject_key,
                  const std::string& eid, const char* policy, long not_after_days = 365)
{
    std::unique_ptr<X509, x509_deleter> x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
    X509_NAME* name = X509_get_subject_name(x.get());
    auto add = [name](const char* field, const std::string& v) {
        X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, reinterpret_cast<const unsigned char*>(v.c_str()), -1,
                                   -1, 0);
    };
    add("C", "ES");
    add("O", "RSP Test EUM");
    add("serialNumber", eid);
    add("CN", "Generated eUICC");
    X509_set_issuer_name(x.get(), X509_get_subject_name(issuer.native()));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), not_after_days > 0 ? -3600 : -3600L * 24 * 30);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * not_after_days);
    X509_set_pubkey(x.get(), subject_key.native());

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer.native(), x.get(), nullptr, nullptr, 0);
    // certificatePolicies is parsed with a raw parser that insists on a config database, even an empty one.
    std::unique_ptr<CONF, decltype(&NCONF_free)> conf(NCONF_new(nullptr), &NCONF_free);
    X509V3_set_nconf(&ctx, conf.get());
    const std::string policies = std::string("critical,") + policy;
    for (auto [nid, value] : {std::pair{NID_subject_key_identifier, "hash"},
                              std::pair{NID_authority_key_identifier, "keyid:always"},
                              std::pair{NID_key_usage, "critical,digitalSignature"},
                              std::pair{NID_certificate_policies, policies.c_str()}}) {
        X509_EXTENSION* ext = X509V3_EXT_nconf_nid(conf.get(), &ctx, nid, value);
        if (ext == nullptr) throw std::runtime_error(std::string("extension ") + OBJ_nid2sn(nid) + ": " + ERR_error_string(ERR_get_error(), nullptr));
        X509_add_ext(x.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(x.get(), issuer_key.native(), EVP_sha256()) <= 0) throw std::runtime_error("sign");
    unsigned char* der = nullptr;
    const int len = i2d_X509(x.get(), &der);
    const bytes buf(der, der + len);
    OPENSSL_free(der);
    auto c = certificate::from_der(buf);
    if (!c) throw std::runtime_error(c.error().message);
    return *c;
}

TEST(certificate, when_sgp26_ci_is_loaded_then_ski_policy_and_rid_are_parsed)
{
    const auto ci = load("CERT_CI_ECDSA_NIST.der");
    EXPECT_EQ(to_hex(ci.subject_key_id(), true), "F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
    EXPECT_TRUE(ci.has_policy(rsp_oid::ci));
    EXPECT_EQ(ci.san_registered_id(), "2.999.1");
    EXPECT_EQ(ci.public_key().key_curve(), curve::nist_p256);
    EXPECT_EQ(ci.subject_text(), "CN=Test CI, OU=TESTCERT, O=RSPTEST, C=IT");
    EXPECT_TRUE(ci.signed_by(ci));

    const auto brp = load("CERT_CI_ECDSA_BRP.der");
    EXPECT_EQ(to_hex(brp.subject_key_id(), true), "C0BC70BA36929D43B467FF57570530E57AB8FCD8");
    EXPECT_EQ(brp.public_key().key_curve(), curve::brainpool_p256r1);
}

TEST(certificate, when_pem_and_der_of_the_same_ci_are_loaded_then_they_agree)
{
    const auto der = load("CERT_CI_ECDSA_NIST.der");
    const auto pem = load("CERT_CI_ECDSA_NIST.pem");
    EXPECT_EQ(der.der(), pem.der());
    auto again = certificate::from_pem(der.pem());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->der(), der.der());
}

TEST(certificate, when_sgp26_eum_is_loaded_then_permitted_eid_prefix_is_89049032)
{
    const auto eum = load("CERT_EUM_ECDSA_NIST.der");
    EXPECT_EQ(eum.permitted_eid_prefixes(), std::vector<std::string>{"89049032"});
    EXPECT_TRUE(eum.has_policy(rsp_oid::eum));
    EXPECT_EQ(to_hex(eum.authority_key_id(), true), "F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
    EXPECT_EQ(to_hex(eum.subject_key_id(), true), "DD3DA24D350C1CC5D0AF0965F40EC34C5EE409F1");
}

TEST(certificate, when_sgp26_euicc_is_loaded_then_eid_is_the_subject_serial_number)
{
    const auto euicc = load("CERT_EUICC_ECDSA_NIST.der");
    EXPECT_EQ(euicc.subject_serial_number(), "89049032123451234512345678901235");
    EXPECT_TRUE(euicc.has_policy(rsp_oid::euicc));
    EXPECT_EQ(to_hex(euicc.authority_key_id(), true), "DD3DA24D350C1CC5D0AF0965F40EC34C5EE409F1");
    EXPECT_TRUE(euicc.permitted_eid_prefixes().empty());
}

TEST(certificate, when_sgp26_dpauth_is_loaded_then_smdp_oid_is_2_999_10)
{
    const auto dp = load("CERT_S_SM_DPauth_ECDSA_NIST.der");
    EXPECT_EQ(dp.san_registered_id(), "2.999.10");
    EXPECT_EQ(dp.policies(), std::vector<std::string>{rsp_oid::dp_auth});
    EXPECT_TRUE(dp.san_dns().empty());
    EXPECT_TRUE(dp.subject_serial_number().empty());
    EXPECT_TRUE(dp.valid_at(utc(2025)));
    EXPECT_FALSE(dp.valid_at(utc(2019)));
    EXPECT_FALSE(dp.valid_at(utc(2031)));
}

TEST(certificate, when_input_is_not_a_certificate_then_loading_fails)
{
    EXPECT_FALSE(certificate::from_der(hex("300100")));
    EXPECT_FALSE(certificate::from_pem("no pem here"));
    EXPECT_FALSE(certificate::load_file(cert_dir + "does-not-exist.der"));
    auto der = load("CERT_CI_ECDSA_NIST.der").der();
    der.push_back(0x00);
    EXPECT_FALSE(certificate::from_der(der));
}

TEST(verify_rsp_chain, when_sgp26_euicc_eum_ci_then_accepted_despite_name_constraints)
{
    const auto ci = load("CERT_CI_ECDSA_NIST.der");
    const auto eum = load("CERT_EUM_ECDSA_NIST.der");
    const auto euicc = load("CERT_EUICC_ECDSA_NIST.der");
    const auto r = verify_rsp_chain(euicc, &eum, ci, rsp_oid::euicc);
    EXPECT_TRUE(r) << r.message;
}

TEST(verify_rsp_chain, when_sgp26_brainpool_euicc_chain_then_accepted)
{
    const auto r = verify_rsp_chain(load("CERT_EUICC_ECDSA_BRP.der"), nullptr,
                                    load("CERT_CI_ECDSA_BRP.der"), rsp_oid::euicc, false);
    EXPECT_FALSE(r); // without its EUM the eUICC cannot chain to the CI
    const auto eum = load("CERT_EUM_ECDSA_BRP.der");
    const auto ok = verify_rsp_chain(load("CERT_EUICC_ECDSA_BRP.der"), &eum, load("CERT_CI_ECDSA_BRP.der"),
                                     rsp_oid::euicc);
    EXPECT_TRUE(ok) << ok.message;
}

TEST(verify_rsp_chain, when_sgp26_dpauth_ci_then_accepted)
{
    const auto r = verify_rsp_chain(load("CERT_S_SM_DPauth_ECDSA_NIST.der"), nullptr, load("CERT_CI_ECDSA_NIST.der"),
                                    rsp_oid::dp_auth, false);
    EXPECT_TRUE(r) << r.message;
    const auto pb = verify_rsp_chain(load("CERT_S_SM_DPpb_ECDSA_NIST.der"), nullptr, load("CERT_CI_ECDSA_NIST.der"),
                                     rsp_oid::dp_pb, false);
    EXPECT_TRUE(pb) << pb.message;
}

TEST(verify_rsp_chain, when_dpauth_is_checked_for_dp_pb_policy_then_wrong_policy)
{
    const auto r = verify_rsp_chain(load("CERT_S_SM_DPauth_ECDSA_NIST.der"), nullptr, load("CERT_CI_ECDSA_NIST.der"),
                                    rsp_oid::dp_pb, false);
    EXPECT_EQ(r.error, chain_error::wrong_policy);
    EXPECT_NE(r.message.find("DPpb certificate"), std::string::npos) << r.message;
}

TEST(verify_rsp_chain, when_root_is_the_other_curve_ci_then_unknown_issuer)
{
    const auto r = verify_rsp_chain(load("CERT_S_SM_DPauth_ECDSA_NIST.der"), nullptr, load("CERT_CI_ECDSA_BRP.der"),
                                    rsp_oid::dp_auth, false);
    EXPECT_EQ(r.error, chain_error::unknown_issuer);
    EXPECT_EQ(r.message, "The DPauth certificate was not issued by the CI certificate.");

    const auto eum_brp = load("CERT_EUM_ECDSA_BRP.der");
    const auto e = verify_rsp_chain(load("CERT_EUICC_ECDSA_NIST.der"), &eum_brp, load("CERT_CI_ECDSA_BRP.der"),
                                    rsp_oid::euicc);
    EXPECT_EQ(e.error, chain_error::unknown_issuer);
}

TEST(verify_rsp_chain, when_euicc_signature_is_damaged_then_bad_signature)
{
    bytes der = load("CERT_EUICC_ECDSA_NIST.der").der();
    der[der.size() - 3] ^= 0x01; // inside s of the signature value
    auto broken = certificate::from_der(der);
    ASSERT_TRUE(broken) << broken.error().message;
    const auto eum = load("CERT_EUM_ECDSA_NIST.der");
    const auto r = verify_rsp_chain(*broken, &eum, load("CERT_CI_ECDSA_NIST.der"), rsp_oid::euicc);
    EXPECT_EQ(r.error, chain_error::bad_signature);
    EXPECT_EQ(r.message, "The eUICC certificate is not signed by the EUM certificate.");
}

TEST(verify_rsp_chain, when_euicc_is_not_under_an_eum_policy_certificate_then_wrong_policy)
{
    const auto ci = load("CERT_CI_ECDSA_NIST.der");
    const auto euicc = load("CERT_EUICC_ECDSA_NIST.der");
    const auto dp = load("CERT_S_SM_DPauth_ECDSA_NIST.der");
    const auto r = verify_rsp_chain(euicc, &dp, ci, rsp_oid::euicc);
    EXPECT_EQ(r.error, chain_error::wrong_policy);
}

TEST(verify_rsp_chain, when_generated_euicc_eid_is_outside_eum_prefix_then_eid_out_of_range)
{
    const auto ci = load("CERT_CI_ECDSA_NIST.der");
    const auto eum = load("CERT_EUM_ECDSA_NIST.der");
    const auto eum_key = load_key("SK_EUM_ECDSA_NIST.pem");
    auto euicc_key = ec_key::generate(curve::nist_p256);
    ASSERT_TRUE(euicc_key);

    // Positive control: the same generator with an EID inside 89049032 passes every rule.
    const auto inside = issue(eum, eum_key, *euicc_key, "89049032000000000000000000000042", rsp_oid::euicc);
    const auto ok = verify_rsp_chain(inside, &eum, ci, rsp_oid::euicc);
    EXPECT_TRUE(ok) << ok.message;

    const auto outside = issue(eum, eum_key, *euicc_key, "89049033000000000000000000000042", rsp_oid::euicc);
    const auto r = verify_rsp_chain(outside, &eum, ci, rsp_oid::euicc);
    EXPECT_EQ(r.error, chain_error::eid_out_of_range);
    EXPECT_NE(r.message.find("89049033000000000000000000000042"), std::string::npos) << r.message;

    const auto short_eid = issue(eum, eum_key, *euicc_key, "8904903", rsp_oid::euicc);
    EXPECT_EQ(verify_rsp_chain(short_eid, &eum, ci, rsp_oid::euicc).error, chain_error::eid_out_of_range);
}

TEST(verify_rsp_chain, when_issuer_is_not_a_ca_then_not_a_ca)
{
    const auto ci = load("CERT_CI_ECDSA_NIST.der");
    const auto dp = load("CERT_S_SM_DPauth_ECDSA_NIST.der");
    auto leaf_key = ec_key::generate(curve::nist_p256);
    ASSERT_TRUE(leaf_key);
    const auto leaf = issue(dp, load_key("SK_S_SM_DPauth_ECDSA_NIST.pem"), *leaf_key, "1", rsp_oid::dp_pb);
    const auto r = verify_rsp_chain(leaf, &dp, ci, rsp_oid::dp_pb, false);
    EXPECT_EQ(r.error, chain_error::not_a_ca);
    EXPECT_EQ(r.message, "The DPauth certificate is not a CA certificate.");
}

TEST(verify_rsp_chain, when_leaf_is_expired_then_expired_unless_time_is_ignored)
{
    const auto ci = load("CERT_CI_ECDSA_NIST.der");
    const auto eum = load("CERT_EUM_ECDSA_NIST.der");
    auto leaf_key = ec_key::generate(curve::nist_p256);
    ASSERT_TRUE(leaf_key);
    const auto old = issue(eum, load_key("SK_EUM_ECDSA_NIST.pem"), *leaf_key, "89049032000000000000000000000042",
                           rsp_oid::euicc, -1);
    const auto r = verify_rsp_chain(old, &eum, ci, rsp_oid::euicc);
    EXPECT_EQ(r.error, chain_error::expired);
    EXPECT_EQ(r.message, "The eUICC certificate is expired or not yet valid.");
    EXPECT_TRUE(verify_rsp_chain(old, &eum, ci, rsp_oid::euicc, false));
}

} // namespace
} // namespace openrsp::crypto
