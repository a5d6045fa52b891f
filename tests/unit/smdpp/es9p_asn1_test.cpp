/// \file
/// \brief The ES9+ ASN.1 binding at the SM-DP+ (SGP.22 §6.6, `POST /gsma/rsp2/asn1`), on both inventory backends: a
/// whole download and a cancellation over it with the LPA's ASN.1 client, the functions counted in /metrics as the
/// JSON calls are, the error INTEGERs the same refusals get, and what a bad body or header is answered with.

#include "smdpp_fixture.h"

#include "openrsp/http/http.h"
#include "openrsp/lpa/download.h"
#include "openrsp/rsp/es9p_asn1.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;

namespace asn1 = openrsp::rsp::es9p::asn1;

namespace {

class es9p_asn1_binding : public smdpp_test {
protected:
    /// One POST to /gsma/rsp2/asn1 straight into the service.
    http::response post(std::string_view body, std::string content_type = std::string(asn1::content_type),
                        std::string method = "POST")
    {
        http::request req;
        req.method = std::move(method);
        req.target = std::string(asn1::path);
        req.headers = {{"X-Admin-Protocol", "gsma/rsp/v2.2.2"}};
        if (!content_type.empty()) req.headers.push_back({"Content-Type", std::move(content_type)});
        req.body = std::string(body);
        return m_service->handle_http(req);
    }
    http::response post(const asn1::request& r)
    {
        auto der = asn1::encode_request(r);
        EXPECT_TRUE(der) << der.error().message;
        return post(std::string_view(reinterpret_cast<const char*>(der->data()), der->size()));
    }

    /// The /metrics line for one function and status.
    std::string counter(const std::string& function, const std::string& status)
    {
        http::request req;
        req.method = "GET";
        req.target = "/metrics";
        const auto body = m_service->handle_http(req).body;
        const std::string key =
            "openrsp_smdpp_requests_total{function=\"" + function + "\",status=\"" + status + "\"} ";
        const auto at = body.find(key);
        return at == std::string::npos ? "missing"
                                       : body.substr(at + key.size(), body.find('\n', at) - at - key.size());
    }

    /// A loopback TLS server in front of a service of its own whose address is the real port, so the LPA can follow
    /// the activation code; runs `body` with the LPA's HTTP client.
    void with_live_smdp(const std::function<void(smdpp::service&, http::client&, const std::string&)>& body)
    {
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
        http::client_config hc;
        hc.ca_pem = slurp(shared_pki::get().path(pki::files::ci_cert));
        http::client client(hc);
        body(*service, client, address);
        (*server)->stop();
        live = nullptr;
    }

    result<rsp::activation_code> order(const std::string& address, const std::string& iccid)
    {
        smdpp::add_profile_options o;
        o.smdp_address = address;
        return smdpp::add_profile(*m_inventory, description(iccid), o);
    }
};

std::string metrics_of(smdpp::service& s)
{
    http::request req;
    req.method = "GET";
    req.target = "/metrics";
    return s.handle_http(req).body;
}

bool counted(const std::string& metrics, const std::string& function, int n)
{
    return metrics.find("openrsp_smdpp_requests_total{function=\"" + function + "\",status=\"Executed-Success\"} " +
                        std::to_string(n) + "\n") != std::string::npos;
}

} // namespace

TEST_P(es9p_asn1_binding, a_whole_download_runs_over_the_asn1_binding_and_counts_as_the_json_functions)
{
    with_live_smdp([&](smdpp::service& service, http::client& client, const std::string& address) {
        auto ac = order(address, "8949000000000000026");
        ASSERT_TRUE(ac) << ac.error().message;
        auto opened = open_euicc(make_euicc());
        ASSERT_TRUE(opened) << opened.error().message;
        lpa::download_options opts;
        opts.activation_code = *ac;
        opts.binding = lpa::es9p_binding::asn1;
        auto r = lpa::download_profile(*opened->es10, client, opts);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_TRUE(r->notification_sent);
        EXPECT_EQ(profile("8949000000000000026").state, store::profile_state::installed);
        // Same handlers as the JSON binding: /metrics counts the four calls under their SGP.22 names.
        const std::string m = metrics_of(service);
        for (const char* f :
             {"initiateAuthentication", "authenticateClient", "getBoundProfilePackage", "handleNotification"})
            EXPECT_TRUE(counted(m, f, 1)) << f << "\n" << m;
    });
}

TEST_P(es9p_asn1_binding, a_declined_download_is_cancelled_over_the_asn1_binding_and_the_profile_released_again)
{
    with_live_smdp([&](smdpp::service& service, http::client& client, const std::string& address) {
        auto ac = order(address, "8949000000000000034");
        ASSERT_TRUE(ac) << ac.error().message;
        const auto before = profile("8949000000000000034").state;
        auto opened = open_euicc(make_euicc());
        ASSERT_TRUE(opened) << opened.error().message;
        lpa::download_options opts;
        opts.activation_code = *ac;
        opts.binding = lpa::es9p_binding::asn1;
        opts.confirm = [](const lpa::profile_metadata&) { return false; };
        auto r = lpa::download_profile(*opened->es10, client, opts);
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("cancelled on the eUICC and at the SM-DP+"), std::string::npos)
            << r.error().message;
        EXPECT_TRUE(counted(metrics_of(service), "cancelSession", 1)) << metrics_of(service);
        EXPECT_EQ(profile("8949000000000000034").state, before);
    });
}

TEST_P(es9p_asn1_binding, refusals_are_the_functions_error_integers)
{
    // initiateAuthentication for another SM-DP+ address: invalidDpAddress(1), as 8.8.1/3.8 in the JSON binding.
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto info1 = opened->es10->get_euicc_info1();
    auto challenge = opened->es10->get_euicc_challenge();
    ASSERT_TRUE(info1 && challenge);
    auto r = post(rsp::es9p::initiate_authentication_request{"other.example", *challenge, *info1});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), asn1::content_type);
    EXPECT_EQ(to_hex(as_bytes(r.body), true), "A206BF3903810101");
    auto decoded = asn1::decode_initiate_authentication_response(as_bytes(r.body));
    ASSERT_FALSE(decoded);
    expect_codes(decoded.error(), "8.8.1", "3.8");

    // An unknown transaction: invalidTransactionId, 10 in authenticateClient and 95 in getBoundProfilePackage.
    r = post(rsp::es9p::authenticate_client_request{"00112233", from_hex("BF3803810105").value()});
    EXPECT_EQ(to_hex(as_bytes(r.body), true), "A206BF3B0381010A");
    r = post(rsp::es9p::get_bound_profile_package_request{"00112233", from_hex("BF2103810105").value()});
    EXPECT_EQ(to_hex(as_bytes(r.body), true), "A206BF3A0381015F");
    // A known function whose request lacks a mandatory element: that function's undefinedError(127).
    r = post(std::string_view("\xA2\x07\xBF\x3B\x04\x80\x02\x01\x02", 9));
    EXPECT_EQ(to_hex(as_bytes(r.body), true), "A206BF3B0381017F");
    EXPECT_EQ(counter("authenticateClient", "Failed"), "2");
}

TEST_P(es9p_asn1_binding, a_bad_body_or_header_gets_an_http_error_with_a_clear_sentence_and_changes_nothing)
{
    const auto name = add_released("8949000000000000042");
    ASSERT_FALSE(name.empty());
    // Not a RemoteProfileProvisioningRequest at all: no function to answer for, so HTTP 400 and the reason.
    auto r = post("{\"smdpAddress\":\"x\"}");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("SGP.22 1.3.1/2.1: RemoteProfileProvisioningRequest"), std::string::npos) << r.body;
    // JSON sent to the ASN.1 path: 415, naming the media type this path takes.
    r = post("{}", "application/json");
    EXPECT_EQ(r.status, 415);
    EXPECT_NE(r.body.find("application/x-gsma-rsp-asn1"), std::string::npos) << r.body;
    r = post("", "");
    EXPECT_EQ(r.status, 415);
    r = post("", std::string(asn1::content_type), "GET");
    EXPECT_EQ(r.status, 405);
    // A malformed initiateAuthentication has no error INTEGER for it: 400 too.
    r = post(std::string_view("\xA2\x03\xBF\x39\x00", 5));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("InitiateAuthenticationRequest lacks its mandatory"), std::string::npos) << r.body;
    // The ASN.1 content type on a JSON path stays refused there, as before.
    http::request json_path;
    json_path.method = "POST";
    json_path.target = std::string(rsp::es9p::path_prefix) + "initiateAuthentication";
    json_path.headers = {{"X-Admin-Protocol", "gsma/rsp/v2.2.2"}, {"Content-Type", std::string(asn1::content_type)}};
    EXPECT_NE(m_service->handle_http(json_path).body.find("1.2.1"), std::string::npos);
    EXPECT_EQ(profile("8949000000000000042").state, store::profile_state::released);
    EXPECT_EQ(counter("other", "Failed"), "4");
}

INSTANTIATE_TEST_SUITE_P(backends, es9p_asn1_binding, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
