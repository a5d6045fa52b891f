#include "tls_context.h"

#include "openrsp/core/bytes.h"
#include "openrsp/http/server.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <string_view>

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
struct x509_store_deleter {
    void operator()(X509_STORE* s) const { ::X509_STORE_free(s); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;
using x509_store_ptr = std::unique_ptr<X509_STORE, x509_store_deleter>;
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

// SGP.22 binds ES9+/ES2+ to HTTP/1.1. curl-based LPAs offer "h2,http/1.1": answering http/1.1 explicitly keeps them
// on HTTP/1.1; a client offering neither gets no ALPN answer (RFC 7301 allows that) rather than an alert.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned int in_len,
                void*)
{
    static constexpr std::string_view http11 = "http/1.1";
    for (unsigned int i = 0; i < in_len;) {
        const unsigned int len = in[i];
        if (len == 0 || i + 1 + len > in_len) break; // malformed list: ignore ALPN rather than guess
        if (len == http11.size() && std::memcmp(in + i + 1, http11.data(), len) == 0) {
            *out = in + i + 1;
            *out_len = static_cast<unsigned char>(len);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

// A client certificate that fails verification must not end the handshake: phones and operators share the port, and
// an operator with a wrong certificate should get the ES2+ 1.1/1.1 refusal, not a TLS alert it cannot read. OpenSSL
// still records the verification error, which verified_client_sha256 checks.
int keep_handshake(int, X509_STORE_CTX*)
{
    return 1;
}

result<void> load_client_cas(SSL_CTX* ctx, const std::string& pem)
{
    x509_store_ptr store{::X509_STORE_new()};
    if (!store) return fail("cannot create the client CA store: out of memory");
    auto bio = memory_bio(pem);
    int loaded = 0;
    for (;;) {
        x509_ptr ca{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
        if (!ca) break;
        // add_client_CA names the CA in the CertificateRequest so clients holding several certificates pick this one.
        if (::X509_STORE_add_cert(store.get(), ca.get()) != 1 || ::SSL_CTX_add_client_CA(ctx, ca.get()) != 1)
            return fail("cannot use a client CA certificate: " + take_openssl_error("rejected by OpenSSL"));
        ++loaded;
    }
    const unsigned long last = ::ERR_peek_last_error();
    if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))
        return fail("cannot load the client CA certificates: " + take_openssl_error("malformed PEM"));
    ::ERR_clear_error();
    if (loaded == 0) return fail("the client CA file holds no PEM certificate");
    // A store of its own: the server's chain building must not start trusting operator CAs, nor the reverse.
    if (::SSL_CTX_set1_verify_cert_store(ctx, store.get()) != 1)
        return fail("cannot set the client CA store: " + take_openssl_error("rejected by OpenSSL"));
    ::SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, keep_handshake);
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

std::string verified_client_sha256(SSL* ssl)
{
    X509* peer = ::SSL_get0_peer_certificate(ssl);
    if (!peer || ::SSL_get_verify_result(ssl) != X509_V_OK) return {};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    // X509_digest hashes the DER the client sent (kept from decoding), as certificate_sha256 does.
    if (::X509_digest(peer, ::EVP_sha256(), md, &n) != 1) {
        ::ERR_clear_error();
        return {};
    }
    return to_hex(byte_view(md, n));
}

result<ssl_ctx_ptr> make_server_tls_context(const std::string& cert_chain_pem, const std::string& private_key_pem,
                                            const std::string& client_ca_pem)
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
    // No TLS 1.3 session tickets: LPAs either keep one connection for the whole RSP session or, like lpac, open a
    // fresh one per call without a session cache, so nobody redeems them, and the two OpenSSL sends by default cost
    // ~25 us of server CPU per handshake (an eighth of it).
    ::SSL_CTX_set_num_tickets(c, 0);
    static constexpr unsigned char session_context[] = "openrsp-http";
    ::SSL_CTX_set_session_id_context(c, session_context, sizeof session_context - 1);

    OPENRSP_TRY_VOID(load_chain(c, cert_chain_pem));
    OPENRSP_TRY_VOID(load_key(c, private_key_pem));
    ::SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
    if (!client_ca_pem.empty()) OPENRSP_TRY_VOID(load_client_cas(c, client_ca_pem));

    // TLS 1.3 signs with curve-specific schemes; the brainpool ones (RFC 8734) arrived in OpenSSL 3.2. Before that a
    // TLS 1.3 handshake with a brainpool certificate fails, so cap such servers at TLS 1.2 (what SGP.22 requires).
    if (::OpenSSL_version_num() < 0x30200000L && has_brainpool_key(c))
        ::SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
    return ctx;
}

} // namespace openrsp::http::detail

namespace openrsp::http {

result<std::string> certificate_sha256(std::string_view pem_or_der)
{
    using namespace detail;
    ::ERR_clear_error();
    x509_ptr cert;
    if (pem_or_der.find("-----BEGIN") != std::string_view::npos) {
        bio_ptr bio{::BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size()))};
        cert.reset(::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    } else {
        const auto* p = reinterpret_cast<const unsigned char*>(pem_or_der.data());
        cert.reset(::d2i_X509(nullptr, &p, static_cast<long>(pem_or_der.size())));
        if (cert && p != reinterpret_cast<const unsigned char*>(pem_or_der.data() + pem_or_der.size())) cert.reset();
    }
    if (!cert) return fail("not an X.509 certificate (PEM or DER): " + take_openssl_error("cannot decode it"));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (::X509_digest(cert.get(), ::EVP_sha256(), md, &n) != 1)
        return fail("cannot hash the certificate: " + take_openssl_error("digest failed"));
    return to_hex(byte_view(md, n));
}

} // namespace openrsp::http
