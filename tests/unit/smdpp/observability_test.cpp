/// \file
/// \brief /healthz and /metrics served by the SM-DP+'s HTTP edge.

#include "smdpp_fixture.h"

#include "openrsp/http/message.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;

namespace {

class observability : public smdpp_test {
protected:
    http::response get(const std::string& target)
    {
        http::request req;
        req.method = "GET";
        req.target = target;
        return m_service->handle_http(req);
    }
};

} // namespace

TEST_P(observability, healthz_answers_ok_when_the_store_answers)
{
    auto r = get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok\n");
}

TEST_P(observability, metrics_count_requests_errors_downloads_and_latency)
{
    const auto mid = add_released("8949000000000000018");
    ASSERT_TRUE(download(make_euicc(), mid));
    // One refused ES9+ call over the HTTP edge: an unknown transactionId.
    http::request bad;
    bad.method = "POST";
    bad.target = "/gsma/rsp2/es9plus/getBoundProfilePackage";
    bad.headers = {{"Content-Type", "application/json"}, {"X-Admin-Protocol", "gsma/rsp/v2.2.2"}};
    bad.body = R"({"transactionId":"0011","prepareDownloadResponse":"vyEA"})";
    ASSERT_EQ(m_service->handle_http(bad).status, 200);

    auto r = get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.header("Content-Type").find("text/plain"), std::string_view::npos);
    const std::string& m = r.body;
    EXPECT_NE(m.find("openrsp_smdpp_requests_total{function=\"getBoundProfilePackage\",status=\"Failed\"} 1"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("openrsp_smdpp_errors_total{subject=\"8.10.1\",reason=\"3.9\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_downloads_total 1"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_installs_total 1"), std::string::npos) << m;
    EXPECT_NE(m.find("openrsp_smdpp_profiles{state=\"installed\"} 1"), std::string::npos) << m;
    EXPECT_NE(
        m.find("openrsp_smdpp_request_duration_seconds_bucket{function=\"getBoundProfilePackage\",le=\"+Inf\"} 1"),
        std::string::npos)
        << m;
    EXPECT_NE(m.find("# TYPE openrsp_smdpp_request_duration_seconds histogram"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(backends, observability, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
