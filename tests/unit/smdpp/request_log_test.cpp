/// \file
/// \brief The structured request log and the store gauges of /metrics, driven through the SM-DP+'s HTTP edge on
/// both inventory backends.

#include "smdpp_fixture.h"

#include "openrsp/http/message.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/smdpp/request_log.h"

#include <nlohmann/json.hpp>

#include <regex>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es9p = openrsp::rsp::es9p;
namespace es2p = openrsp::smdpp::es2p;

namespace {

class request_log_test : public smdpp_test {
protected:
    void use_log(smdpp::log_level level)
    {
        m_log_path = (m_dir / "requests.log").string();
        auto log = smdpp::request_log::open(m_log_path, "node-7", level);
        ASSERT_TRUE(log) << log.error().message;
        smdpp::config cfg;
        cfg.log = std::shared_ptr<smdpp::request_log>(std::move(*log));
        start_service(cfg);
    }

    std::vector<nlohmann::json> lines()
    {
        std::vector<nlohmann::json> out;
        std::istringstream in(slurp(m_log_path));
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            EXPECT_FALSE(j.is_discarded()) << line;
            out.push_back(std::move(j));
        }
        return out;
    }

    http::response post(std::string_view prefix, std::string_view function, std::string body,
                        const std::string& token = {}, const std::string& user_agent = "gsma-rsp-lpad")
    {
        http::request req;
        req.method = "POST";
        req.target = std::string(prefix) + std::string(function);
        req.headers = {{"Content-Type", "application/json"},
                       {"X-Admin-Protocol", "gsma/rsp/v2.2.2"},
                       {"User-Agent", user_agent}};
        if (!token.empty()) req.headers.push_back({"Authorization", "Bearer " + token});
        req.body = std::move(body);
        req.remote_address = "192.0.2.7";
        return m_service->handle_http(req);
    }

    /// A whole download over the HTTP edge (as an LPA does it), so every call passes the request log.
    void download_over_http(const std::string& matching_id)
    {
        auto opened = open_euicc(make_euicc());
        ASSERT_TRUE(opened) << opened.error().message;
        auto& es10 = *opened->es10;
        auto info1 = es10.get_euicc_info1();
        auto challenge = es10.get_euicc_challenge();
        ASSERT_TRUE(info1 && challenge);
        auto ia = es9p::parse_initiate_authentication_response(
            post(es9p::path_prefix, "initiateAuthentication",
                 es9p::to_json(es9p::initiate_authentication_request{smdp_address, *challenge, *info1}))
                .body);
        ASSERT_TRUE(ia) << ia.error().message;
        m_last_tid = ia->transaction_id;
        auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                           ia->server_certificate, matching_id);
        ASSERT_TRUE(as);
        auto ac = es9p::parse_authenticate_client_response(
            post(es9p::path_prefix, "authenticateClient",
                 es9p::to_json(es9p::authenticate_client_request{ia->transaction_id, *as}))
                .body);
        ASSERT_TRUE(ac) << ac.error().message;
        auto pd = es10.prepare_download(ac->smdp_signed2, ac->smdp_signature2, ac->smdp_certificate, std::nullopt);
        ASSERT_TRUE(pd);
        auto bpp = es9p::parse_get_bound_profile_package_response(
            post(es9p::path_prefix, "getBoundProfilePackage",
                 es9p::to_json(es9p::get_bound_profile_package_request{ia->transaction_id, *pd}))
                .body);
        ASSERT_TRUE(bpp) << bpp.error().message;
        auto pir = es10.load_bound_profile_package(bpp->bound_profile_package);
        ASSERT_TRUE(pir);
        auto hn = post(es9p::path_prefix, "handleNotification", es9p::to_json(es9p::handle_notification_request{*pir}));
        ASSERT_EQ(hn.status, 204) << hn.body;
    }

    http::response get(const std::string& target)
    {
        http::request req;
        req.method = "GET";
        req.target = target;
        return m_service->handle_http(req);
    }

    std::string m_log_path;
};

} // namespace

TEST_P(request_log_test, a_download_writes_four_lines_with_one_transaction_id)
{
    use_log(smdpp::log_level::info);
    download_over_http(add_released("8949000000000000018"));
    const auto l = lines();
    ASSERT_EQ(l.size(), 4u);
    const char* functions[] = {"initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                               "handleNotification"};
    const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    for (std::size_t i = 0; i < l.size(); ++i) {
        EXPECT_EQ(l[i].at("function"), functions[i]);
        EXPECT_EQ(l[i].at("transactionId"), m_last_tid) << l[i].dump();
        EXPECT_EQ(l[i].at("status"), "Executed-Success");
        EXPECT_EQ(l[i].at("level"), "info");
        EXPECT_EQ(l[i].at("node"), "node-7");
        EXPECT_EQ(l[i].at("remote"), "192.0.2.7");
        EXPECT_TRUE(std::regex_match(l[i].at("time").get<std::string>(), rfc3339)) << l[i].at("time");
        EXPECT_GT(l[i].at("bytes_in").get<std::uint64_t>(), 0u);
        EXPECT_TRUE(l[i].at("duration_us").is_number_unsigned());
        EXPECT_FALSE(l[i].contains("user_agent")) << "only at debug level";
        EXPECT_FALSE(l[i].contains("subjectCode"));
    }
    // The BPP response is the big one; the 204 of handleNotification has no body.
    EXPECT_GT(l[2].at("bytes_out").get<std::uint64_t>(), 1000u);
    EXPECT_EQ(l[3].at("bytes_out"), 0u);
}

TEST_P(request_log_test, a_refused_call_carries_its_codes_and_es2p_lines_name_the_operator)
{
    use_log(smdpp::log_level::info);
    auto r = post(es9p::path_prefix, "getBoundProfilePackage",
                  R"({"transactionId":"00AB","prepareDownloadResponse":"vyEA"})");
    ASSERT_EQ(r.status, 200);
    auto token = es2p::add_operator(*m_inventory, "acme");
    ASSERT_TRUE(token);
    add_available("8949000000000000018", "acme");
    es2p::download_order_request d;
    d.header = {"acme", "call-1"};
    d.iccid = "8949000000000000018";
    post(es2p::path_prefix, "downloadOrder", es2p::to_json(d), *token);

    const auto l = lines();
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].at("function"), "getBoundProfilePackage");
    EXPECT_EQ(l[0].at("status"), "Failed");
    EXPECT_EQ(l[0].at("subjectCode"), "8.10.1");
    EXPECT_EQ(l[0].at("reasonCode"), "3.9");
    EXPECT_EQ(l[0].at("level"), "warn");
    EXPECT_EQ(l[0].at("transactionId"), "00AB");
    EXPECT_FALSE(l[0].at("message").get<std::string>().empty());
    EXPECT_EQ(l[1].at("function"), "downloadOrder");
    EXPECT_EQ(l[1].at("operator"), "acme");
    EXPECT_EQ(l[1].at("status"), "Executed-Success");
}

TEST_P(request_log_test, the_level_filters_lines_and_debug_adds_the_user_agent)
{
    use_log(smdpp::log_level::warn);
    download_over_http(add_released("8949000000000000018"));
    post(es9p::path_prefix, "authenticateClient", R"({"transactionId":"00AB","authenticateServerResponse":"vyEA"})");
    auto l = lines();
    ASSERT_EQ(l.size(), 1u) << "successes are info, below warn";
    EXPECT_EQ(l[0].at("status"), "Failed");

    std::filesystem::remove(m_log_path);
    use_log(smdpp::log_level::debug);
    post(es9p::path_prefix, "cancelSession", R"({"transactionId":"00AB","cancelSessionResponse":"vyEA"})");
    l = lines();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].at("user_agent"), "gsma-rsp-lpad");
    EXPECT_EQ(smdpp::parse_log_level("debug"), smdpp::log_level::debug);
    EXPECT_FALSE(smdpp::parse_log_level("verbose"));
}

TEST_P(request_log_test, client_bytes_that_are_not_utf8_still_give_one_valid_json_line)
{
    use_log(smdpp::log_level::debug);
    // Well-formed UTF-8 passes as it is; a stray byte and a truncated sequence become U+FFFD.
    post(es9p::path_prefix, "cancelSession", R"({"transactionId":"00AB","cancelSessionResponse":"vyEA"})", {},
         "caf\xC3\xA9 \xFF phone \xE2\x82");
    const auto l = lines(); // parses each line: throws on invalid JSON or UTF-8
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].at("user_agent"), "caf\xC3\xA9 \xEF\xBF\xBD phone \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_P(request_log_test, metrics_show_sessions_profiles_and_callbacks_by_state_and_cache_them)
{
    add_released("8949000000000000018");
    add_released("8949000000000000026");
    // One session started and left at the authenticating stage.
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    ASSERT_TRUE(begin_authentication(es10));

    const std::string m = get("/metrics").body;
    EXPECT_NE(m.find("openrsp_smdpp_sessions{stage=\"authenticating\"} 1\n"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_sessions{stage=\"bpp_delivered\"} 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_profiles{state=\"released\"} 2\n"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_profiles{state=\"deleted\"} 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_progress_callbacks{state=\"pending\"} 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_store_up 1\n"), std::string::npos) << m;
    EXPECT_NE(m.find("# TYPE openrsp_smdpp_sessions gauge"), std::string::npos);

    // Within the cache window a new profile does not show yet: the scrape did not query the store again.
    add_released("8949000000000000034");
    const std::string again = get("/metrics").body;
    EXPECT_NE(again.find("openrsp_smdpp_profiles{state=\"released\"} 2\n"), std::string::npos) << again;
    // A fresh service (another node, or after the window) counts it.
    start_service(smdpp::config{});
    const std::string fresh = get("/metrics").body;
    EXPECT_NE(fresh.find("openrsp_smdpp_profiles{state=\"released\"} 3\n"), std::string::npos) << fresh;
}

INSTANTIATE_TEST_SUITE_P(backends, request_log_test, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
