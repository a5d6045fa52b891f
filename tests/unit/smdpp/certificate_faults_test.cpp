/// \file
/// \brief AuthenticateClient refuses a faulty eUICC certificate chain with the code SGP.23 §4.3.14.2.2 expects
/// (SGP.22 §5.6.3): CERT.EUM that does not verify or lacks a required field (authority key identifier,
/// certificate policy) 8.1.2 / 6.1, an expired one 8.1.2 / 6.3; the same for CERT.EUICC with 8.1.3. A fault that
/// makes a certificate unverifiable is reported before its expiry, and the EUM before the eUICC. The certificates
/// are the test PKI's, re-made with OpenSSL with one fault or two. Both inventory backends.

#include "smdpp_fixture.h"

#include "openrsp/rsp/authentication.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";

struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct bio_free {
    void operator()(BIO* b) const { BIO_free(b); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;

/// The faults a re-made certificate can carry (any combination).
struct faults {
    bool no_authority_key_id = false;
    bool no_policy = false;
    bool foreign_signer = false; ///< signed by a key that is not its issuer's
    bool expired = false;
};

pkey_ptr read_key(const std::string& pem)
{
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return pkey_ptr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

/// `cert_pem` with the given faults, signed again by `issuer_key_pem` (or by a stranger's key).
std::string remade(const std::string& cert_pem, const std::string& issuer_key_pem, const faults& f)
{
    bio_ptr in(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
    x509_ptr x(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
    if (!x) throw std::runtime_error("cannot read the certificate");
    const auto drop = [&x](int nid) {
        const int at = X509_get_ext_by_NID(x.get(), nid, -1);
        if (at < 0) throw std::runtime_error("the certificate lacks the extension to drop");
        X509_EXTENSION_free(X509_delete_ext(x.get(), at));
    };
    if (f.no_authority_key_id) drop(NID_authority_key_identifier);
    if (f.no_policy) drop(NID_certificate_policies);
    if (f.expired) {
        X509_gmtime_adj(X509_getm_notBefore(x.get()), -3 * 86400);
        X509_gmtime_adj(X509_getm_notAfter(x.get()), -86400);
    }
    pkey_ptr key;
    if (f.foreign_signer) {
        auto stranger = crypto::ec_key::generate(crypto::curve::nist_p256);
        key = read_key(stranger->private_pem());
    } else {
        key = read_key(issuer_key_pem);
    }
    if (!key || X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) throw std::runtime_error("cannot sign");
    bio_ptr out(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(out.get(), x.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

/// DER of a PEM certificate.
bytes der_of(const std::string& pem)
{
    auto c = crypto::certificate::from_pem(pem);
    if (!c) throw std::runtime_error(c.error().message);
    return c->der();
}

class certificate_faults : public smdpp_test {
protected:
    /// authenticateClient with the test eUICC's signed answer carrying its EUM and eUICC certificates re-made with
    /// these faults (the certificates lie outside euiccSignature1, so a card could send any; a card could not even
    /// pick its identity with an EUM lacking the authority key identifier).
    result<rsp::es9p::authenticate_client_response> authenticate(const faults& eum_faults, const faults& euicc_faults,
                                                                 std::optional<bytes> euicc_der = std::nullopt)
    {
        const auto& pki = shared_pki::get();
        auto opened = open_euicc(make_euicc("card" + std::to_string(++m_cards)));
        if (!opened) return opened.take_error();
        auto& es10 = *opened->es10;
        auto ia = begin_authentication(es10);
        if (!ia) return ia.take_error();
        auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                           ia->server_certificate, m_mid);
        if (!as) return as.take_error();
        auto answer = rsp::authenticate_server_response::decode(*as);
        if (!answer || !answer->ok()) return fail("the eUICC did not authenticate the server");
        rsp::authenticate_response_ok ok = *answer->ok();
        ok.eum_certificate =
            der_of(remade(slurp(pki.path(pki::files::eum_cert)), slurp(pki.path(pki::files::ci_key)), eum_faults));
        ok.euicc_certificate =
            der_of(remade(slurp(pki.path(pki::files::euicc_cert)), slurp(pki.path(pki::files::eum_key)), euicc_faults));
        if (euicc_der) ok.euicc_certificate = std::move(*euicc_der);
        return m_service->authenticate_client(
            {ia->transaction_id, rsp::authenticate_server_response{std::move(ok)}.encode()});
    }

    /// authenticateClient refuses this chain with these codes, and nothing is reserved.
    void expect_refused(const faults& eum_faults, const faults& euicc_faults, const char* subject, const char* reason)
    {
        auto r = authenticate(eum_faults, euicc_faults);
        ASSERT_FALSE(r);
        expect_codes(r.error(), subject, reason);
        EXPECT_EQ(profile(iccid1).state, profile_state::released);
        EXPECT_TRUE(profile(iccid1).session_tid.empty());
    }

    void SetUp() override
    {
        smdpp_test::SetUp();
        if (m_inventory) m_mid = add_released(iccid1);
    }

    std::string m_mid;
    int m_cards = 0;
};

} // namespace

TEST_P(certificate_faults, the_remade_chain_without_faults_downloads)
{
    // The re-signing itself breaks nothing: the tests below fail for their fault only.
    auto r = authenticate({}, {});
    ASSERT_TRUE(r) << r.error().message;
}

TEST_P(certificate_faults, an_EUM_certificate_that_does_not_verify_or_lacks_a_required_field_gives_8_1_2_6_1)
{
    expect_refused({.no_authority_key_id = true}, {}, "8.1.2", "6.1");
    expect_refused({.no_policy = true}, {}, "8.1.2", "6.1");
    expect_refused({.foreign_signer = true}, {}, "8.1.2", "6.1");
}

TEST_P(certificate_faults, an_expired_EUM_certificate_gives_8_1_2_6_3_unless_it_also_fails_to_verify)
{
    expect_refused({.expired = true}, {}, "8.1.2", "6.3");
    expect_refused({.no_authority_key_id = true, .expired = true}, {}, "8.1.2", "6.1");
    expect_refused({.no_policy = true, .expired = true}, {}, "8.1.2", "6.1");
    expect_refused({.foreign_signer = true, .expired = true}, {}, "8.1.2", "6.1");
}

TEST_P(certificate_faults, an_eUICC_certificate_that_does_not_verify_or_lacks_a_required_field_gives_8_1_3_6_1)
{
    expect_refused({}, {.no_authority_key_id = true}, "8.1.3", "6.1");
    expect_refused({}, {.no_policy = true}, "8.1.3", "6.1");
    expect_refused({}, {.foreign_signer = true}, "8.1.3", "6.1");
}

TEST_P(certificate_faults, an_expired_eUICC_certificate_gives_8_1_3_6_3_unless_it_also_fails_to_verify)
{
    expect_refused({}, {.expired = true}, "8.1.3", "6.3");
    expect_refused({}, {.no_policy = true, .expired = true}, "8.1.3", "6.1");
    expect_refused({}, {.foreign_signer = true, .expired = true}, "8.1.3", "6.1");
}

TEST_P(certificate_faults, the_EUM_is_judged_before_the_eUICC)
{
    expect_refused({.expired = true}, {.foreign_signer = true}, "8.1.2", "6.3");
    expect_refused({.no_policy = true}, {.expired = true}, "8.1.2", "6.1");
}

TEST_P(certificate_faults, an_expired_eUICC_certificate_with_an_EID_outside_the_EUM_range_gives_8_1_3_6_1)
{
    // The EID range is part of verifying CERT.EUICC against CERT.EUM (6.1), judged before the dates (6.3).
    const auto& pki = shared_pki::get();
    pki::certificate_request req;
    req.kind = pki::role::euicc;
    req.eid = pki::eid_with_check_digits("890490991234512345123456789012");
    req.not_before = std::chrono::system_clock::now() - std::chrono::hours(72);
    req.not_after = std::chrono::system_clock::now() - std::chrono::hours(24);
    auto subject_key = crypto::ec_key::from_pem(slurp(pki.path(pki::files::euicc_key)));
    auto eum_key = crypto::ec_key::from_pem(slurp(pki.path(pki::files::eum_key)));
    auto eum = crypto::certificate::load_file(pki.path(pki::files::eum_cert));
    ASSERT_TRUE(subject_key && eum_key && eum);
    auto cert = pki::issue_certificate(req, *subject_key, &*eum, *eum_key);
    ASSERT_TRUE(cert) << cert.error().message;
    auto r = authenticate({}, {}, cert->der());
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.1.3", "6.1");
    EXPECT_NE(r.error().message.find("outside the range"), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(backends, certificate_faults, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
