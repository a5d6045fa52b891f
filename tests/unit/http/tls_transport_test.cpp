/// ES9+/ES2+ transport audit at the TLS layer: protocol versions (1.2 and 1.3 in, 1.1 out), ALPN for curl-based LPAs
/// that offer h2 first, and client certificates (requested, never required) whose verified identity reaches the
/// handler. A raw OpenSSL client pins what libcurl would choose for itself.

#include "openrsp/http/http.h"

#include "support/test_certs.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace {

namespace http = openrsp::http;
using http::test::cert_and_key;

struct ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
};
struct bio_free {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

/// What the raw client should offer.
struct tls_options {
    int min_version = TLS1_2_VERSION;
    int max_version = TLS1_3_VERSION;
    std::string alpn{};                   ///< ALPN list in wire format; empty: no ALPN extension
    const cert_and_key* client = nullptr; ///< client certificate to present when asked
    bool legacy = false;                  ///< security level 0, so OpenSSL 3 will offer TLS 1.1 at all
};

/// How one connection went.
struct tls_outcome {
    bool ok = false;
    unsigned long error = 0; ///< first OpenSSL error when the handshake failed
    std::string version;     ///< "TLSv1.2", "TLSv1.3"
    std::string cipher;
    std::string alpn;     ///< selected protocol; empty if the server sent none
    std::string response; ///< the raw HTTP response to one POST (sent only after a successful handshake)
};

tls_outcome connect_tls(std::uint16_t port, const tls_options& o)
{
    tls_outcome out;
    std::unique_ptr<SSL_CTX, ctx_free> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return out;
    SSL_CTX_set_min_proto_version(ctx.get(), o.min_version);
    SSL_CTX_set_max_proto_version(ctx.get(), o.max_version);
    if (o.legacy) {
        SSL_CTX_set_security_level(ctx.get(), 0);
        SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0");
    }
    if (!o.alpn.empty())
        SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char*>(o.alpn.data()),
                                static_cast<unsigned int>(o.alpn.size()));
    if (o.client) {
        std::unique_ptr<BIO, bio_free> cb(BIO_new_mem_buf(o.client->cert_pem.data(), -1));
        std::unique_ptr<X509, x509_free> cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
        std::unique_ptr<BIO, bio_free> kb(BIO_new_mem_buf(o.client->key_pem.data(), -1));
        std::unique_ptr<EVP_PKEY, pkey_free> key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
        if (!cert || !key || SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
            SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1)
            return out;
    }
    const int fd = http::test::connect_loopback(port);
    if (fd < 0) return out;
    std::unique_ptr<SSL, ssl_free> ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    ERR_clear_error();
    out.ok = SSL_connect(ssl.get()) == 1;
    if (!out.ok) {
        out.error = ERR_peek_error();
    } else {
        out.version = SSL_get_version(ssl.get());
        out.cipher = SSL_get_cipher_name(ssl.get());
        const unsigned char* proto = nullptr;
        unsigned int len = 0;
        SSL_get0_alpn_selected(ssl.get(), &proto, &len);
        if (proto) out.alpn.assign(reinterpret_cast<const char*>(proto), len);
        static constexpr std::string_view request =
            "POST /gsma/rsp2/es2plus/downloadOrder HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n";
        if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) > 0) {
            char buf[4096];
            for (int n; (n = SSL_read(ssl.get(), buf, sizeof buf)) > 0;)
                out.response.append(buf, static_cast<std::size_t>(n));
        }
        SSL_shutdown(ssl.get());
    }
    ERR_clear_error();
    ssl.reset();
    ::close(fd);
    return out;
}

/// Tells the client which identity the server handed to the handler.
http::response identity_echo(const http::request& req)
{
    return http::response{200, {{"Content-Type", "text/plain"}, {"X-Client-Cert", req.client_cert_sha256}}, "ok"};
}

std::unique_ptr<http::server> start(const cert_and_key& server_cert, const std::string& client_ca_pem = {})
{
    auto s = http::server::start({.cert_chain_pem = server_cert.cert_pem,
                                  .private_key_pem = server_cert.key_pem,
                                  .client_ca_pem = client_ca_pem,
                                  .threads = 1},
                                 identity_echo);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
}

/// The X-Client-Cert value in a raw HTTP response; "<absent>" if the response has no such line.
std::string seen_identity(const std::string& response)
{
    constexpr std::string_view name = "X-Client-Cert:";
    const auto at = response.find(name);
    if (at == std::string::npos) return "<absent>";
    auto begin = at + name.size();
    while (begin < response.size() && response[begin] == ' ')
        ++begin;
    return response.substr(begin, response.find("\r\n", at) - begin);
}

/// SHA-256 of the certificate's DER, computed here independently of the library.
std::string der_sha256(const std::string& pem)
{
    std::unique_ptr<BIO, bio_free> b(BIO_new_mem_buf(pem.data(), -1));
    std::unique_ptr<X509, x509_free> cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(der, static_cast<std::size_t>(len), md, &n, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < n; ++i) {
        hex += digits[md[i] >> 4];
        hex += digits[md[i] & 15];
    }
    return hex;
}

const cert_and_key& server_cert()
{
    static const cert_and_key c = http::test::make_self_signed("P-256");
    return c;
}

struct operator_pki {
    cert_and_key ca = http::test::make_ca("Operator CA");
    cert_and_key acme = http::test::make_issued(ca, "acme ES2+ client");
    cert_and_key other_ca = http::test::make_ca("Somebody else's CA");
    cert_and_key stranger = http::test::make_issued(other_ca, "stranger");
    cert_and_key server_only = http::test::make_issued(ca, "not a client", "serverAuth");
    static const operator_pki& get()
    {
        static const operator_pki p;
        return p;
    }
};

} // namespace

TEST(tls_transport, when_client_pins_tls12_or_tls13_then_both_are_accepted)
{
    auto srv = start(server_cert());
    ASSERT_TRUE(srv);
    const auto v12 = connect_tls(srv->port(), {.min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION});
    ASSERT_TRUE(v12.ok);
    EXPECT_EQ(v12.version, "TLSv1.2");
    // The suite SGP.22 names for ES9+ comes first in the server's TLS 1.2 preference.
    EXPECT_EQ(v12.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
    EXPECT_NE(v12.response.find("HTTP/1.1 200"), std::string::npos) << v12.response;
    const auto v13 = connect_tls(srv->port(), {.min_version = TLS1_3_VERSION, .max_version = TLS1_3_VERSION});
    ASSERT_TRUE(v13.ok);
    EXPECT_EQ(v13.version, "TLSv1.3");
    EXPECT_NE(v13.response.find("HTTP/1.1 200"), std::string::npos) << v13.response;
}

TEST(tls_transport, when_client_offers_only_tls11_then_server_answers_protocol_version_alert)
{
    auto srv = start(server_cert());
    ASSERT_TRUE(srv);
    const auto v11 =
        connect_tls(srv->port(), {.min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION, .legacy = true});
    EXPECT_FALSE(v11.ok);
    // The refusal comes from the server (its alert), not from this client declining to offer TLS 1.1.
    EXPECT_EQ(ERR_GET_REASON(v11.error), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION) << ERR_reason_error_string(v11.error);
}

TEST(tls_transport, when_client_offers_h2_then_http11_is_selected_and_served)
{
    auto srv = start(server_cert());
    ASSERT_TRUE(srv);
    // What curl (lpac) offers: h2 first, http/1.1 second.
    const auto both = connect_tls(srv->port(), {.alpn = std::string("\x02h2\x08http/1.1", 12)});
    ASSERT_TRUE(both.ok);
    EXPECT_EQ(both.alpn, "http/1.1");
    EXPECT_NE(both.response.find("HTTP/1.1 200"), std::string::npos) << both.response;
    // A client offering only h2 gets no ALPN answer instead of an alert; it may then speak HTTP/1.1 or leave.
    const auto h2_only = connect_tls(srv->port(), {.alpn = std::string("\x02h2", 3)});
    ASSERT_TRUE(h2_only.ok);
    EXPECT_EQ(h2_only.alpn, "");
}

TEST(tls_transport, when_client_certificate_verifies_then_handler_sees_its_sha256)
{
    const auto& pki = operator_pki::get();
    auto srv = start(server_cert(), pki.ca.cert_pem);
    ASSERT_TRUE(srv);
    const std::string expected = der_sha256(pki.acme.cert_pem);
    ASSERT_EQ(expected.size(), 64u);
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        const auto r = connect_tls(srv->port(), {.min_version = version, .max_version = version, .client = &pki.acme});
        ASSERT_TRUE(r.ok) << version;
        EXPECT_EQ(seen_identity(r.response), expected) << r.version;
    }
    // libcurl, as an operator tool would use it.
    http::client cli(
        {.ca_pem = server_cert().cert_pem, .client_cert_pem = pki.acme.cert_pem, .client_key_pem = pki.acme.key_pem});
    const std::string url = "https://127.0.0.1:" + std::to_string(srv->port()) + "/x";
    auto res = cli.post(url, "{}", {{"Content-Type", "application/json"}});
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->header("X-Client-Cert"), expected);
    auto again = cli.post(url, "{}", {{"Content-Type", "application/json"}}); // same connection, same identity
    ASSERT_TRUE(again);
    EXPECT_EQ(again->header("X-Client-Cert"), expected);
    EXPECT_EQ(srv->connections_accepted(), 3u);
}

TEST(tls_transport, when_client_certificate_missing_or_unverified_then_handshake_completes_without_identity)
{
    // Phones share the port and have no certificate; an operator with a wrong one gets an ES2+ refusal it can read
    // (1.1/1.1), not a TLS alert. So the handshake completes and the request just carries no identity.
    const auto& pki = operator_pki::get();
    auto srv = start(server_cert(), pki.ca.cert_pem);
    ASSERT_TRUE(srv);
    const auto none = connect_tls(srv->port(), {});
    ASSERT_TRUE(none.ok);
    EXPECT_EQ(seen_identity(none.response), "");
    const auto foreign = connect_tls(srv->port(), {.client = &pki.stranger});
    ASSERT_TRUE(foreign.ok);
    EXPECT_EQ(seen_identity(foreign.response), "");
    const auto self_signed_ca = connect_tls(srv->port(), {.client = &pki.other_ca});
    ASSERT_TRUE(self_signed_ca.ok);
    EXPECT_EQ(seen_identity(self_signed_ca.response), "");
    // Issued by the right CA but for servers only (extendedKeyUsage serverAuth): not a client certificate.
    const auto wrong_purpose = connect_tls(srv->port(), {.client = &pki.server_only});
    ASSERT_TRUE(wrong_purpose.ok);
    EXPECT_EQ(seen_identity(wrong_purpose.response), "");
}

TEST(tls_transport, when_server_has_no_client_cas_then_no_identity_even_with_a_certificate)
{
    const auto& pki = operator_pki::get();
    auto srv = start(server_cert());
    ASSERT_TRUE(srv);
    const auto r = connect_tls(srv->port(), {.client = &pki.acme});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(seen_identity(r.response), "");
}

TEST(tls_transport, when_client_ca_material_is_bad_then_server_refuses_to_start)
{
    auto no_tls = http::server::start({.client_ca_pem = operator_pki::get().ca.cert_pem}, identity_echo);
    ASSERT_FALSE(no_tls);
    EXPECT_NE(no_tls.error().message.find("need TLS"), std::string::npos) << no_tls.error().message;
    auto garbage = http::server::start({.cert_chain_pem = server_cert().cert_pem,
                                        .private_key_pem = server_cert().key_pem,
                                        .client_ca_pem = "not a certificate"},
                                       identity_echo);
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message.find("client CA"), std::string::npos) << garbage.error().message;
}

TEST(tls_transport, certificate_sha256_reads_pem_and_der_alike_and_refuses_garbage)
{
    const auto& pki = operator_pki::get();
    auto from_pem = http::certificate_sha256(pki.acme.cert_pem);
    ASSERT_TRUE(from_pem) << from_pem.error().message;
    EXPECT_EQ(*from_pem, der_sha256(pki.acme.cert_pem));

    std::unique_ptr<BIO, bio_free> b(BIO_new_mem_buf(pki.acme.cert_pem.data(), -1));
    std::unique_ptr<X509, x509_free> cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    const std::string der_text(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    auto from_der = http::certificate_sha256(der_text);
    ASSERT_TRUE(from_der) << from_der.error().message;
    EXPECT_EQ(*from_der, *from_pem);

    EXPECT_FALSE(http::certificate_sha256("hello"));
    EXPECT_FALSE(http::certificate_sha256(der_text + "trailing"));
    EXPECT_FALSE(http::certificate_sha256(""));
}
