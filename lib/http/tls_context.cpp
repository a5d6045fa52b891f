#include "tls_context.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

namespace openrsp::http::detail {
namespace {

struct bio_deleter {
    void operator()(BIO* b) const { ::BIO_free(b); }
};
struct x509_deleter {
    void operator()(X509* x) const { ::X509_free(x); }
};
struct pkey_deleter {
    void operator()(EVP_PKEY* k) const { ::EVP_PKEY_free(k); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

bio_ptr memory_bio(const std::string& text)
{
    return bio_ptr{::BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))};
}

// TLS 1.2 suites, SGP.22's mandatory one first; TLS 1.3 keeps OpenSSL's defaults.
constexpr const char* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
// RFC 8734 gives TLS 1.3 its own brainpool group code points (brainpoolP256r1tls13, OpenSSL 3.2+); the RFC 7027 ones
// (brainpoolP256r1) stay TLS 1.2 only. Both are listed where OpenSSL knows them.
constexpr const char* groups_with_brainpool_tls13 =
    "P-256:X25519:brainpoolP256r1tls13:brainpoolP256r1:P-384:brainpoolP384r1tls13:brainpoolP384r1:P-521:"
    "brainpoolP512r1tls13:brainpoolP512r1";
constexpr const char* groups_with_brainpool =
    "P-256:X25519:brainpoolP256r1:P-384:brainpoolP384r1:P-521:brainpoolP512r1";
constexpr const char* groups_without_brainpool = "P-256:X25519:P-384:P-521";

result<void> load_chain(SSL_CTX* ctx, const std::string& pem)
{
    auto bio = memory_bio(pem);
    x509_ptr leaf{::PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr)};
    if (!leaf) return fail("cannot load the TLS certificate: " + take_openssl_error("no PEM certificate found"));
    if (::SSL_CTX_use_certificate(ctx, leaf.get()) != 1)
        return fail("cannot use the TLS certificate: " + take_openssl_error("rejected by OpenSSL"));
    for (;;) {
        x509_ptr extra{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
        if (!extra) break;
        if (::SSL_CTX_add1_chain_cert(ctx, extra.get()) != 1)
            return fail("cannot add a TLS chain certificate: " + take_openssl_error("rejected by OpenSSL"));
    }
    // The loop ends on "no start line", which is the normal end of the PEM text, not an error.
    const unsigned long last = ::ERR_peek_last_error();
    if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))
        return fail("cannot load the TLS certificate chain: " + take_openssl_error("malformed PEM"));
    ::ERR_clear_error();
    return ok();
}

result<void> load_key(SSL_CTX* ctx, const std::string& pem)
{
    auto bio = memory_bio(pem);
    pkey_ptr key{::PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
    if (!key) return fail("cannot load the TLS private key: " + take_openssl_error("no PEM private key found"));
    if (::SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || ::SSL_CTX_check_private_key(ctx) != 1)
        return fail("the TLS private key does not match the certificate");
    return ok();
}

/// True when the certificate key is on a brainpool curve.
bool has_brainpool_key(SSL_CTX* ctx)
{
    X509* cert = ::SSL_CTX_get0_certificate(ctx);
    EVP_PKEY* key = cert ? ::X509_get0_pubkey(cert) : nullptr;
    char name[64] = {};
    if (!key || ::EVP_PKEY_get_group_name(key, name, sizeof name, nullptr) != 1) return false;
    return std::strncmp(name, "brainpool", 9) == 0;
}

} // namespace

void ssl_ctx_deleter::operator()(SSL_CTX* ctx) const { ::SSL_CTX_free(ctx); }

const char* tls_groups()
{
    // Some distributions build OpenSSL without brainpool; there P-256 certificates must still work.
    static const char* const chosen = [] {
        const ssl_ctx_ptr probe{::SSL_CTX_new(::TLS_method())};
        const char* pick = groups_without_brainpool;
        for (const char* list : {groups_with_brainpool_tls13, groups_with_brainpool}) {
            if (probe && ::SSL_CTX_set1_groups_list(probe.get(), list) == 1) {
                pick = list;
                break;
            }
        }
        ::ERR_clear_error();
        return pick;
    }();
    return chosen;
}

std::string take_openssl_error(const std::string& fallback)
{
    const unsigned long code = ::ERR_peek_last_error();
    ::ERR_clear_error();
    if (code == 0) return fallback;
    const char* reason = ::ERR_reason_error_string(code);
    return reason ? reason : fallback;
}

result<ssl_ctx_ptr> make_server_tls_context(const std::string& cert_chain_pem, const std::string& private_key_pem)
{
    if (cert_chain_pem.empty() || private_key_pem.empty())
        return fail("TLS needs both a certificate chain and a private key");
    ::ERR_clear_error();
    ssl_ctx_ptr ctx{::SSL_CTX_new(::TLS_server_method())};
    if (!ctx) return fail("cannot create a TLS context: " + take_openssl_error("out of memory"));
    SSL_CTX* c = ctx.get();

    ::SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    ::SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Idle keep-alive connections then hold no TLS record buffers.
    ::SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    if (::SSL_CTX_set_cipher_list(c, tls12_ciphers) != 1)
        return fail("cannot set the TLS 1.2 cipher suites: " + take_openssl_error("unsupported"));
    if (::SSL_CTX_set1_groups_list(c, tls_groups()) != 1)
        return fail("cannot set the TLS groups: " + take_openssl_error("unsupported"));
    static constexpr unsigned char session_context[] = "openrsp-http";
    ::SSL_CTX_set_session_id_context(c, session_context, sizeof session_context - 1);

    OPENRSP_TRY_VOID(load_chain(c, cert_chain_pem));
    OPENRSP_TRY_VOID(load_key(c, private_key_pem));

    // TLS 1.3 signs with curve-specific schemes; the brainpool ones (RFC 8734) arrived in OpenSSL 3.2. Before that a
    // TLS 1.3 handshake with a brainpool certificate fails, so cap such servers at TLS 1.2 (what SGP.22 requires).
    if (::OpenSSL_version_num() < 0x30200000L && has_brainpool_key(c))
        ::SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
    return ctx;
}

} // namespace openrsp::http::detail
