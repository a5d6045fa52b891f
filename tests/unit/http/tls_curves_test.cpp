/// The server's TLS groups: a brainpoolP256r1 DPtls certificate (SGP.22 allows both curves) needs the brainpool
/// groups configured explicitly, because OpenSSL's default list has none. A raw OpenSSL client pins the protocol
/// version and the groups it offers, and reports what was negotiated.

#include "openrsp/http/http.h"

#include "support/test_certs.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace {

namespace http = openrsp::http;

struct ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
};

/// What one handshake ended with.
struct handshake {
    bool ok = false;
    std::string version; ///< "TLSv1.2", "TLSv1.3"
    int group_nid = 0;   ///< key exchange group
};

/// One handshake to 127.0.0.1:port offering only `groups`, with the protocol pinned to [min, max].
handshake connect_tls(std::uint16_t port, int min_version, int max_version, const char* groups)
{
    handshake out;
    std::unique_ptr<SSL_CTX, ctx_free> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), min_version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx.get(), max_version) != 1 ||
        SSL_CTX_set1_groups_list(ctx.get(), groups) != 1) {
        ERR_clear_error();
        return out;
    }
    const int fd = http::test::connect_loopback(port);
    if (fd < 0) return out;
    std::unique_ptr<SSL, ssl_free> ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    out.ok = SSL_connect(ssl.get()) == 1;
    if (out.ok) {
        out.version = SSL_get_version(ssl.get());
        out.group_nid = SSL_get_negotiated_group(ssl.get());
        SSL_shutdown(ssl.get());
    }
    ERR_clear_error();
    ssl.reset();
    ::close(fd);
    return out;
}

std::unique_ptr<http::server> start_tls_server(const http::test::cert_and_key& pki)
{
    auto s = http::server::start({.cert_chain_pem = pki.cert_pem, .private_key_pem = pki.key_pem, .threads = 1},
                                 [](const http::request&) { return http::response{}; });
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
}

/// OpenSSL learnt the RFC 8734 TLS 1.3 brainpool signature schemes and groups in 3.2.
bool tls13_brainpool_supported()
{
    return OpenSSL_version_num() >= 0x30200000L;
}

} // namespace

TEST(tls_curves, when_client_offers_only_brainpoolP256r1_on_tls12_then_server_with_brainpool_certificate_agrees)
{
    const auto pki = http::test::make_self_signed("brainpoolP256r1");
    auto srv = start_tls_server(pki);
    ASSERT_TRUE(srv);
    const auto h = connect_tls(srv->port(), TLS1_2_VERSION, TLS1_2_VERSION, "brainpoolP256r1");
    ASSERT_TRUE(h.ok) << "a TLS 1.2 handshake on brainpoolP256r1 alone failed: the server does not offer the group";
    EXPECT_EQ(h.version, "TLSv1.2");
    EXPECT_EQ(h.group_nid, NID_brainpoolP256r1);
}

TEST(tls_curves, when_tls12_client_lacks_brainpool_then_brainpool_certificate_cannot_be_used)
{
    // In TLS 1.2 the supported groups also bound the ECDSA certificate's curve (RFC 8422 §5.1): this is why the
    // LPA's client has to list brainpoolP256r1 explicitly.
    const auto pki = http::test::make_self_signed("brainpoolP256r1");
    auto srv = start_tls_server(pki);
    ASSERT_TRUE(srv);
    EXPECT_FALSE(connect_tls(srv->port(), TLS1_2_VERSION, TLS1_2_VERSION, "P-256:X25519").ok);
}

TEST(tls_curves, when_tls13_and_brainpool_certificate_then_tls13_where_openssl_can_sign_it_else_tls12)
{
    const auto pki = http::test::make_self_signed("brainpoolP256r1");
    auto srv = start_tls_server(pki);
    ASSERT_TRUE(srv);
    if (tls13_brainpool_supported()) {
        // RFC 8734: ecdsa_brainpoolP256r1tls13_sha256 with the brainpoolP256r1tls13 group.
        const auto h = connect_tls(srv->port(), TLS1_3_VERSION, TLS1_3_VERSION, "brainpoolP256r1tls13");
        ASSERT_TRUE(h.ok) << "TLS 1.3 on brainpoolP256r1tls13 failed";
        EXPECT_EQ(h.version, "TLSv1.3");
    } else {
        // OpenSSL 3.0/3.1 cannot sign a TLS 1.3 handshake with a brainpool key: the server caps itself at TLS 1.2,
        // so a client offering both versions still connects (on 1.2), and a TLS 1.3-only client is refused.
        const auto both = connect_tls(srv->port(), TLS1_2_VERSION, TLS1_3_VERSION, "P-256:brainpoolP256r1");
        ASSERT_TRUE(both.ok);
        EXPECT_EQ(both.version, "TLSv1.2");
        EXPECT_FALSE(connect_tls(srv->port(), TLS1_3_VERSION, TLS1_3_VERSION, "P-256").ok);
    }
}

TEST(tls_curves, when_p256_certificate_then_tls13_with_p256_and_x25519)
{
    const auto pki = http::test::make_self_signed("P-256");
    auto srv = start_tls_server(pki);
    ASSERT_TRUE(srv);
    const auto p256 = connect_tls(srv->port(), TLS1_3_VERSION, TLS1_3_VERSION, "P-256");
    ASSERT_TRUE(p256.ok);
    EXPECT_EQ(p256.version, "TLSv1.3");
    EXPECT_EQ(p256.group_nid, NID_X9_62_prime256v1);
    const auto x25519 = connect_tls(srv->port(), TLS1_3_VERSION, TLS1_3_VERSION, "X25519");
    ASSERT_TRUE(x25519.ok);
    EXPECT_EQ(x25519.group_nid, NID_X25519);
}

TEST(tls_curves, when_brainpool_certificate_then_libcurl_client_connects)
{
    // The LPA's client (libcurl) offers the brainpool groups as well (CURLOPT_SSL_EC_CURVES).
    const auto pki = http::test::make_self_signed("brainpoolP256r1");
    auto srv = start_tls_server(pki);
    ASSERT_TRUE(srv);
    http::client cli({.ca_pem = pki.cert_pem});
    auto res = cli.post("https://127.0.0.1:" + std::to_string(srv->port()) + "/x", "{}",
                        {{"Content-Type", "application/json"}});
    ASSERT_TRUE(res) << res.error().message;
}
