/// \file
/// \brief ES9+ transport rules at the SM-DP+'s HTTP edge, on both inventory backends: the X-Admin-Protocol and
/// Content-Type headers real LPAs send (and what is refused, with which SGP.22 codes), and one keep-alive TLS
/// connection carrying a whole download (initiateAuthentication, authenticateClient, getBoundProfilePackage,
/// handleNotification). Body caps and header/idle timeouts are covered in tests/unit/http/http_test.cpp; TLS
/// versions and ALPN in tests/unit/http/tls_transport_test.cpp.

#include "smdpp_fixture.h"

#include "openrsp/http/http.h"
#include "openrsp/lpa/download.h"
#include "openrsp/rsp/es9p.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;

namespace {

class es9p_transport : public smdpp_test {
protected:
    /// An ES9+ initiateAuthentication with an empty body straight into the service, with these headers.
    error refusal(std::vector<http::header_field> headers)
    {
        http::request req;
        req.method = "POST";
        req.target = std::string(rsp::es9p::path_prefix) + "initiateAuthentication";
        req.headers = std::move(headers);
        req.body = "{}";
        const auto r = m_service->handle_http(req);
        EXPECT_EQ(r.status, 200);
        auto parsed = rsp::es9p::parse_header_only_response(r.body);
        return parsed ? error{} : parsed.error();
    }
};

} // namespace

TEST_P(es9p_transport, x_admin_protocol_missing_malformed_or_another_major_version_is_refused)
{
    const auto with = [](std::string v) {
        std::vector<http::header_field> h{{"Content-Type", "application/json"}};
        if (!v.empty()) h.push_back({"X-Admin-Protocol", std::move(v)});
        return h;
    };
    const auto missing = refusal(with(""));
    expect_codes(missing, "1.3.2", "2.2");
    expect_codes(refusal(with("http/1.1")), "1.3.2", "2.1");
    expect_codes(refusal(with("gsma/rsp/vx.y.z")), "1.3.2", "2.1");
    expect_codes(refusal(with("gsma/rsp/v")), "1.3.2", "2.1");
    expect_codes(refusal(with("gsma/rsp/v3.0.0")), "1.3.2", "3.1");
    expect_codes(refusal(with("gsma/rsp/v1.1.0")), "1.3.2", "3.1");
    expect_codes(refusal(with("gsma/rsp/v22.2.2")), "1.3.2", "3.1");
    // lpac sends v2.2.2, pySim v2.5.0, osmo-smdpp answers v2.1.0: every 2.x passes and the body is looked at next
    // (an empty initiateAuthentication: mandatory element missing).
    for (const char* v : {"gsma/rsp/v2.2.2", "gsma/rsp/v2.5.0", "gsma/rsp/v2.1.0", "gsma/rsp/v2.0"})
        expect_codes(refusal(with(v)), "1.3.1", "2.2");
}

TEST_P(es9p_transport, content_type_json_with_parameters_or_any_case_is_accepted_and_others_refused)
{
    const auto with = [](std::string v) {
        std::vector<http::header_field> h{{"X-Admin-Protocol", "gsma/rsp/v2.2.2"}};
        if (!v.empty()) h.push_back({"Content-Type", std::move(v)});
        return h;
    };
    for (const char* v :
         {"application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8", "Application/JSON"})
        expect_codes(refusal(with(v)), "1.3.1", "2.2"); // past the headers, refused for the empty body
    for (const char* v : {"", "text/plain", "application/jsonp", "application/x-gsma-rsp-asn1", "application/js"})
        expect_codes(refusal(with(v)), "1.2.1", "2.1");
}

TEST_P(es9p_transport, a_whole_download_runs_over_one_keep_alive_tls_connection)
{
    // A service of its own whose address is the real loopback port, so the LPA can follow the activation code.
    auto creds = smdpp::load_credentials((shared_pki::get().dir / "pki").string());
    ASSERT_TRUE(creds) << creds.error().message;
    std::atomic<smdpp::service*> live{nullptr};
    http::server_config sc;
    sc.cert_chain_pem = creds->dptls.cert.pem();
    sc.private_key_pem = creds->dptls.key.private_pem();
    sc.threads = 2;
    auto server = http::server::start(sc, [&live](const http::request& r) {
        smdpp::service* s = live.load();
        return s ? s->handle_http(r) : http::response{503, {}, ""};
    });
    ASSERT_TRUE(server) << server.error().message;
    const std::string address = "localhost:" + std::to_string((*server)->port());
    smdpp::config cfg;
    cfg.address = address;
    auto service = std::make_unique<smdpp::service>(cfg, std::move(*creds), *m_inventory);
    live = service.get();

    smdpp::add_profile_options o;
    o.smdp_address = address;
    auto ac = smdpp::add_profile(*m_inventory, description("8949000000000000018"), o);
    ASSERT_TRUE(ac) << ac.error().message;

    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    http::client_config hc;
    hc.ca_pem = slurp(shared_pki::get().path(pki::files::ci_cert));
    http::client client(hc);
    lpa::download_options opts;
    opts.activation_code = *ac;
    auto r = lpa::download_profile(es10, client, opts);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->notification_sent);
    EXPECT_EQ(profile("8949000000000000018").state, store::profile_state::installed);
    // Four ES9+ calls, one TCP connection and one TLS handshake.
    EXPECT_EQ((*server)->connections_accepted(), 1u);

    (*server)->stop();
    live = nullptr;
}

INSTANTIATE_TEST_SUITE_P(backends, es9p_transport, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
