#include "test_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace openrsp::http::test {
namespace {

struct pkey_deleter {
    void operator()(EVP_PKEY* k) const { ::EVP_PKEY_free(k); }
};
struct x509_deleter {
    void operator()(X509* x) const { ::X509_free(x); }
};
struct bio_deleter {
    void operator()(BIO* b) const { ::BIO_free(b); }
};
struct ext_deleter {
    void operator()(X509_EXTENSION* e) const { ::X509_EXTENSION_free(e); }
};

void check(bool ok, const char* what)
{
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
}

std::string bio_text(BIO* bio)
{
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, ext_deleter> ext{::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
    check(ext && ::X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

} // namespace

cert_and_key make_self_signed(const std::string& group)
{
    std::unique_ptr<EVP_PKEY, pkey_deleter> key{::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group.c_str())};
    check(key != nullptr, "key generation");

    std::unique_ptr<X509, x509_deleter> cert{::X509_new()};
    check(cert != nullptr, "X509_new");
    X509* c = cert.get();
    check(::X509_set_version(c, X509_VERSION_3) == 1, "version");
    static long serial = 1;
    ::ASN1_INTEGER_set(::X509_get_serialNumber(c), serial++);
    ::X509_gmtime_adj(::X509_getm_notBefore(c), -60);
    ::X509_gmtime_adj(::X509_getm_notAfter(c), 24 * 3600);
    check(::X509_set_pubkey(c, key.get()) == 1, "public key");
    X509_NAME* name = ::X509_get_subject_name(c);
    ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0);
    check(::X509_set_issuer_name(c, name) == 1, "issuer");
    // A self-signed trust anchor, like `openssl req -x509` makes.
    add_extension(c, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c, NID_subject_key_identifier, "hash");
    add_extension(c, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    check(::X509_sign(c, key.get(), ::EVP_sha256()) > 0, "signature");

    std::unique_ptr<BIO, bio_deleter> cert_bio{::BIO_new(::BIO_s_mem())};
    std::unique_ptr<BIO, bio_deleter> key_bio{::BIO_new(::BIO_s_mem())};
    check(cert_bio && ::PEM_write_bio_X509(cert_bio.get(), c) == 1, "PEM certificate");
    check(key_bio && ::PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM key");
    return {bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

} // namespace openrsp::http::test
