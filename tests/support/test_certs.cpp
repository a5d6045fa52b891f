#include "support/test_certs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>

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

void add_extension(X509* cert, int nid, const char* value, X509* issuer = nullptr)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, ext_deleter> ext{::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
    check(ext && ::X509_add_ext(cert, ext.get(), -1) == 1, "extension");
}

std::unique_ptr<EVP_PKEY, pkey_deleter> read_key(const std::string& pem)
{
    std::unique_ptr<BIO, bio_deleter> bio{::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    std::unique_ptr<EVP_PKEY, pkey_deleter> key{::PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
    check(key != nullptr, "read key");
    return key;
}

std::unique_ptr<X509, x509_deleter> read_cert(const std::string& pem)
{
    std::unique_ptr<BIO, bio_deleter> bio{::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    std::unique_ptr<X509, x509_deleter> cert{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    check(cert != nullptr, "read certificate");
    return cert;
}

cert_and_key to_pem(X509* c, EVP_PKEY* key)
{
    std::unique_ptr<BIO, bio_deleter> cert_bio{::BIO_new(::BIO_s_mem())};
    std::unique_ptr<BIO, bio_deleter> key_bio{::BIO_new(::BIO_s_mem())};
    check(cert_bio && ::PEM_write_bio_X509(cert_bio.get(), c) == 1, "PEM certificate");
    check(key_bio && ::PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM key");
    return {bio_text(cert_bio.get()), bio_text(key_bio.get())};
}

/// A fresh P-256 certificate for `cn` (not yet signed), with its key.
std::pair<std::unique_ptr<X509, x509_deleter>, std::unique_ptr<EVP_PKEY, pkey_deleter>> new_cert(const std::string& cn)
{
    std::unique_ptr<EVP_PKEY, pkey_deleter> key{::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
    check(key != nullptr, "key generation");
    std::unique_ptr<X509, x509_deleter> cert{::X509_new()};
    check(cert != nullptr, "X509_new");
    X509* c = cert.get();
    check(::X509_set_version(c, X509_VERSION_3) == 1, "version");
    static long serial = 1000;
    ::ASN1_INTEGER_set(::X509_get_serialNumber(c), serial++);
    ::X509_gmtime_adj(::X509_getm_notBefore(c), -60);
    ::X509_gmtime_adj(::X509_getm_notAfter(c), 24 * 3600);
    check(::X509_set_pubkey(c, key.get()) == 1, "public key");
    ::X509_NAME_add_entry_by_txt(::X509_get_subject_name(c), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    return {std::move(cert), std::move(key)};
}

} // namespace

cert_and_key make_ca(const std::string& cn)
{
    auto [cert, key] = new_cert(cn);
    X509* c = cert.get();
    check(::X509_set_issuer_name(c, ::X509_get_subject_name(c)) == 1, "issuer");
    add_extension(c, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(c, NID_subject_key_identifier, "hash");
    check(::X509_sign(c, key.get(), ::EVP_sha256()) > 0, "signature");
    return to_pem(c, key.get());
}

cert_and_key make_issued(const cert_and_key& ca, const std::string& cn, const std::string& eku)
{
    const auto ca_cert = read_cert(ca.cert_pem);
    const auto ca_key = read_key(ca.key_pem);
    auto [cert, key] = new_cert(cn);
    X509* c = cert.get();
    check(::X509_set_issuer_name(c, ::X509_get_subject_name(ca_cert.get())) == 1, "issuer");
    add_extension(c, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(c, NID_key_usage, "critical,digitalSignature");
    add_extension(c, NID_ext_key_usage, eku.c_str());
    add_extension(c, NID_subject_key_identifier, "hash");
    add_extension(c, NID_authority_key_identifier, "keyid", ca_cert.get());
    check(::X509_sign(c, ca_key.get(), ::EVP_sha256()) > 0, "signature");
    return to_pem(c, key.get());
}

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

int connect_loopback(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace openrsp::http::test
