/// \file
/// \brief ES2+ operators over mutual TLS, on both inventory backends: a real TLS server with an operator CA in front
/// of the SM-DP+ service, and libcurl clients presenting certificates generated here. A verified, registered client
/// certificate stands in for the bearer token; anything else is refused exactly like a missing token (HTTP 401,
/// 1.1/1.1; the TLS handshake itself completes, see tests/unit/http/tls_transport_test.cpp). ES9+ ignores client
/// certificates.

#include "smdpp_fixture.h"

#include "support/test_certs.h"

#include "openrsp/http/http.h"
#include "openrsp/rsp/es9p.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using http::test::cert_and_key;
using store::profile_state;

namespace {

constexpr const char* iccid_acme = "8949000000000000018";
constexpr const char* iccid_globex = "8949000000000000026";

/// Operator CA, two operators' certificates from it, and look-alikes that must not pass.
struct operator_certs {
    cert_and_key server = http::test::make_self_signed("P-256");
    cert_and_key ca = http::test::make_ca("Test operator CA");
    cert_and_key acme = http::test::make_issued(ca, "acme");
    cert_and_key globex = http::test::make_issued(ca, "globex");
    cert_and_key unregistered = http::test::make_issued(ca, "initech");
    cert_and_key other_ca = http::test::make_ca("Another CA");
    cert_and_key stranger = http::test::make_issued(other_ca, "acme"); // same name, wrong issuer
    static const operator_certs& get()
    {
        static const operator_certs c;
        return c;
    }
};

class operator_mtls : public smdpp_test {
protected:
    void SetUp() override
    {
        smdpp_test::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        const auto& c = operator_certs::get();
        http::server_config sc;
        sc.cert_chain_pem = c.server.cert_pem;
        sc.private_key_pem = c.server.key_pem;
        sc.client_ca_pem = c.ca.cert_pem;
        sc.threads = 2;
        auto s = http::server::start(sc, [this](const http::request& r) { return m_service->handle_http(r); });
        ASSERT_TRUE(s) << s.error().message;
        m_server = std::move(*s);
    }
    void TearDown() override
    {
        m_server.reset(); // stops the threads that call m_service
        smdpp_test::TearDown();
    }

    /// Registers `name` with a bearer token (returned) and, if given, a client certificate.
    std::string add_operator(const std::string& name, const cert_and_key* cert)
    {
        auto token = es2p::add_operator(*m_inventory, name);
        EXPECT_TRUE(token) << token.error().message;
        if (cert) {
            auto f = es2p::set_operator_client_certificate(*m_inventory, name, cert->cert_pem);
            EXPECT_TRUE(f) << f.error().message;
        }
        return token ? *token : "";
    }

    /// POSTs over TLS, presenting `cert` (if any) and a bearer `token` (if any).
    http::response post(const std::string& path, const std::string& body, const cert_and_key* cert,
                        const std::string& token = {})
    {
        http::client_config cc;
        cc.ca_pem = operator_certs::get().server.cert_pem;
        if (cert) {
            cc.client_cert_pem = cert->cert_pem;
            cc.client_key_pem = cert->key_pem;
        }
        http::client cli(cc);
        std::vector<http::header_field> headers{{"Content-Type", "application/json"},
                                                {"X-Admin-Protocol", "gsma/rsp/v2.2.2"}};
        if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
        auto r = cli.post("https://127.0.0.1:" + std::to_string(m_server->port()) + path, body, headers);
        EXPECT_TRUE(r) << r.error().message;
        return r ? std::move(*r) : http::response{599, {}, ""};
    }

    http::response download_order(const std::string& iccid, const cert_and_key* cert, const std::string& token = {})
    {
        es2p::download_order_request r;
        r.header = {"operator", "1"};
        r.iccid = iccid;
        return post(std::string(es2p::path_prefix) + "downloadOrder", es2p::to_json(r), cert, token);
    }

    /// The body a caller without any credentials gets, to compare refusals with.
    std::string anonymous_refusal()
    {
        auto r = download_order(iccid_acme, nullptr);
        EXPECT_EQ(r.status, 401);
        return r.body;
    }

    std::unique_ptr<http::server> m_server;
};

void expect_refused_like_missing_token(const http::response& r, const std::string& anonymous_body)
{
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"es2plus\"");
    auto h = rsp::es9p::parse_header_only_response(r.body);
    ASSERT_FALSE(h);
    expect_codes(h.error(), "1.1", "1.1");
    EXPECT_EQ(r.body, anonymous_body);
}

} // namespace

TEST_P(operator_mtls, a_registered_client_certificate_authenticates_without_a_token)
{
    const auto& c = operator_certs::get();
    add_operator("acme", &c.acme);
    add_available(iccid_acme, "acme");
    auto r = download_order(iccid_acme, &c.acme);
    ASSERT_EQ(r.status, 200) << r.body;
    auto d = es2p::parse_download_order_response(r.body);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->iccid, iccid_acme);
    EXPECT_EQ(profile(iccid_acme).state, profile_state::allocated);
}

TEST_P(operator_mtls, a_certificate_from_another_ca_is_refused_even_if_its_hash_was_registered)
{
    const auto& c = operator_certs::get();
    // Registered in the store, but not issued by the --operator-ca: the TLS layer never vouches for it.
    add_operator("acme", &c.stranger);
    add_available(iccid_acme, "acme");
    const std::string anonymous = anonymous_refusal();
    expect_refused_like_missing_token(download_order(iccid_acme, &c.stranger), anonymous);
    EXPECT_EQ(profile(iccid_acme).state, profile_state::available);
}

TEST_P(operator_mtls, a_valid_certificate_of_an_unregistered_operator_is_refused)
{
    const auto& c = operator_certs::get();
    add_operator("acme", &c.acme);
    add_available(iccid_acme, "acme");
    const std::string anonymous = anonymous_refusal();
    expect_refused_like_missing_token(download_order(iccid_acme, &c.unregistered), anonymous);
    EXPECT_EQ(profile(iccid_acme).state, profile_state::available);
}

TEST_P(operator_mtls, one_operators_certificate_cannot_touch_another_operators_profiles)
{
    const auto& c = operator_certs::get();
    add_operator("acme", &c.acme);
    add_operator("globex", &c.globex);
    add_available(iccid_acme, "acme");
    add_available(iccid_globex, "globex");
    auto r = download_order(iccid_globex, &c.acme);
    ASSERT_EQ(r.status, 200);
    auto d = es2p::parse_download_order_response(r.body);
    ASSERT_FALSE(d);
    expect_codes(d.error(), "8.2.1", "3.9"); // as for an ICCID nobody holds
    EXPECT_EQ(profile(iccid_globex).state, profile_state::available);
    auto own = es2p::parse_download_order_response(download_order(iccid_globex, &c.globex).body);
    ASSERT_TRUE(own) << own.error().message;
    EXPECT_EQ(profile(iccid_globex).state, profile_state::allocated);
}

TEST_P(operator_mtls, bearer_tokens_still_work_and_must_agree_with_the_certificate)
{
    const auto& c = operator_certs::get();
    const std::string acme_token = add_operator("acme", &c.acme);
    const std::string globex_token = add_operator("globex", nullptr);
    add_available(iccid_acme, "acme");
    add_available(iccid_globex, "globex");

    // Token only, over the server that asks for certificates.
    auto by_token = es2p::parse_download_order_response(download_order(iccid_globex, nullptr, globex_token).body);
    ASSERT_TRUE(by_token) << by_token.error().message;
    // A forged token next to a valid certificate: the certificate authenticates.
    auto forged = download_order(iccid_acme, &c.acme, std::string(64, 'a'));
    ASSERT_EQ(forged.status, 200) << forged.body;
    EXPECT_TRUE(es2p::parse_download_order_response(forged.body));
    // One operator's token with another's certificate: refused, nothing changes.
    es2p::cancel_order_request cancel;
    cancel.header = {"operator", "2"};
    cancel.iccid = iccid_acme;
    auto mixed = post(std::string(es2p::path_prefix) + "cancelOrder", es2p::to_json(cancel), &c.acme, globex_token);
    EXPECT_EQ(mixed.status, 401);
    auto m = rsp::es9p::parse_header_only_response(mixed.body);
    ASSERT_FALSE(m);
    expect_codes(m.error(), "1.1", "1.2");
    EXPECT_EQ(profile(iccid_acme).state, profile_state::allocated);
    // The same operator's token and certificate together are fine.
    auto both = post(std::string(es2p::path_prefix) + "cancelOrder", es2p::to_json(cancel), &c.acme, acme_token);
    ASSERT_EQ(both.status, 200) << both.body;
    EXPECT_TRUE(rsp::es9p::parse_header_only_response(both.body));
    EXPECT_EQ(profile(iccid_acme).state, profile_state::available);
}

TEST_P(operator_mtls, registering_certificates_checks_operator_and_uniqueness_and_replaces_the_old_one)
{
    const auto& c = operator_certs::get();
    add_operator("acme", &c.acme);
    add_operator("globex", nullptr);
    add_available(iccid_acme, "acme");

    auto unknown = es2p::set_operator_client_certificate(*m_inventory, "nobody", c.globex.cert_pem);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("no operator named nobody"), std::string::npos) << unknown.error().message;
    auto taken = es2p::set_operator_client_certificate(*m_inventory, "globex", c.acme.cert_pem);
    ASSERT_FALSE(taken);
    EXPECT_NE(taken.error().message.find("another operator"), std::string::npos) << taken.error().message;
    auto garbage = es2p::set_operator_client_certificate(*m_inventory, "globex", "not a certificate");
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message.find("X.509"), std::string::npos) << garbage.error().message;
    // Nothing of that changed who holds which certificate.
    auto holder = m_inventory->find_operator_by_client_cert(*from_hex(*http::certificate_sha256(c.acme.cert_pem)));
    ASSERT_TRUE(holder && *holder);
    EXPECT_EQ(**holder, "acme");

    // Renewal: acme's new certificate replaces the old one, which stops working.
    auto renewed = es2p::set_operator_client_certificate(*m_inventory, "acme", c.unregistered.cert_pem);
    ASSERT_TRUE(renewed) << renewed.error().message;
    EXPECT_EQ(*renewed, *http::certificate_sha256(c.unregistered.cert_pem));
    EXPECT_EQ(download_order(iccid_acme, &c.acme).status, 401);
    EXPECT_EQ(download_order(iccid_acme, &c.unregistered).status, 200);
}

TEST_P(operator_mtls, es9p_is_unaffected_by_client_certificates)
{
    const auto& c = operator_certs::get();
    add_operator("acme", &c.acme);
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    auto info1 = es10.get_euicc_info1();
    ASSERT_TRUE(info1);
    rsp::es9p::initiate_authentication_request ia{smdp_address, {}, *info1};
    const std::string path = std::string(rsp::es9p::path_prefix) + "initiateAuthentication";
    // A phone without a certificate, one with a certificate nobody knows, and an operator's: all served alike.
    for (const cert_and_key* cert : {static_cast<const cert_and_key*>(nullptr), &c.stranger, &c.acme}) {
        auto challenge = es10.get_euicc_challenge();
        ASSERT_TRUE(challenge);
        ia.euicc_challenge = *challenge;
        auto r = post(path, rsp::es9p::to_json(ia), cert);
        ASSERT_EQ(r.status, 200);
        auto parsed = rsp::es9p::parse_initiate_authentication_response(r.body);
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_FALSE(parsed->transaction_id.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(backends, operator_mtls, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
