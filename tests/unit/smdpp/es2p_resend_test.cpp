/// \file
/// \brief ES2+ resends (SGP.22 §6.5.1.3) on both inventory backends: the same call sent again by the same operator
/// (same function, functionCallIdentifier and body) within the resend window gets the first call's answer byte for
/// byte and changes nothing; a different body under the same identifier is a new call; after the window the call
/// runs again.

#include "smdpp_fixture.h"

#include "openrsp/http/message.h"
#include "openrsp/rsp/es9p.h"

#include <latch>
#include <thread>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";

class es2p_resend : public smdpp_test {
protected:
    void SetUp() override
    {
        smdpp_test::SetUp();
        if (!m_inventory) return;
        auto t = es2p::add_operator(*m_inventory, "acme");
        ASSERT_TRUE(t) << t.error().message;
        m_token = *t;
    }

    static std::string head(const std::string& call_id)
    {
        return R"({"header":{"functionRequesterIdentifier":"acme","functionCallIdentifier":")" + call_id + R"("},)";
    }
    static std::string by_type(const std::string& call_id, const std::string& type)
    {
        return head(call_id) + R"("profileType":")" + type + R"("})";
    }
    static std::string by_iccid(const std::string& call_id, const std::string& iccid)
    {
        return head(call_id) + R"("iccid":")" + iccid + R"("})";
    }

    http::response post(const std::string& function, const std::string& body)
    {
        http::request req;
        req.method = "POST";
        req.target = std::string(es2p::path_prefix) + function;
        req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + m_token}};
        req.body = body;
        return m_service->handle_http(req);
    }

    std::int64_t count(profile_state s)
    {
        auto all = m_inventory->count_by_state();
        EXPECT_TRUE(all);
        for (const auto& [state, n] : *all)
            if (state == s) return n;
        return 0;
    }

    std::string m_token;
};

} // namespace

TEST_P(es2p_resend, download_order_sent_twice_identically_gets_the_same_answer_and_allocates_one_profile)
{
    add_available(iccid1, "acme", "gold");
    add_available(iccid2, "acme", "gold");
    const std::string body = by_type("call-1", "gold");
    auto first = post("downloadOrder", body);
    auto again = post("downloadOrder", body);
    ASSERT_EQ(first.status, 200);
    auto d = es2p::parse_download_order_response(first.body);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(again.status, first.status);
    EXPECT_EQ(again.body, first.body); // byte for byte: the same ICCID
    EXPECT_EQ(count(profile_state::allocated), 1);
    EXPECT_EQ(count(profile_state::available), 1);
}

TEST_P(es2p_resend, confirm_order_sent_twice_identically_gets_the_same_matching_id)
{
    add_available(iccid1, "acme");
    ASSERT_EQ(post("downloadOrder", by_iccid("d-1", iccid1)).status, 200);
    // No matching ID given: the SM-DP+ generates one; the resend must not generate another or fail 8.2 / 3.5.
    const std::string body = head("c-1") + R"("iccid":")" + iccid1 + R"(","releaseFlag":true})";
    auto first = post("confirmOrder", body);
    auto again = post("confirmOrder", body);
    auto c = es2p::parse_confirm_order_response(first.body);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(again.status, first.status);
    EXPECT_EQ(again.body, first.body);
    auto c2 = es2p::parse_confirm_order_response(again.body);
    ASSERT_TRUE(c2) << c2.error().message;
    EXPECT_EQ(c2->matching_id, c->matching_id);
    EXPECT_EQ(profile(iccid1).matching_id, c->matching_id);
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
}

TEST_P(es2p_resend, the_same_call_id_with_another_body_is_a_new_call_and_another_call_id_too)
{
    add_available(iccid1, "acme");
    add_available(iccid2, "acme");
    auto a = es2p::parse_download_order_response(post("downloadOrder", by_iccid("same", iccid1)).body);
    ASSERT_TRUE(a) << a.error().message;
    // SGP.22 §6.5.1.3 reading (es2p/resend.cpp): only the same identifier with the same body is a resend.
    auto b = es2p::parse_download_order_response(post("downloadOrder", by_iccid("same", iccid2)).body);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->iccid, iccid2);
    EXPECT_EQ(profile(iccid2).state, profile_state::allocated);
    // Another identifier with the first body is a new order of an ordered profile: refused as before.
    auto c = es2p::parse_download_order_response(post("downloadOrder", by_iccid("other", iccid1)).body);
    ASSERT_FALSE(c);
    expect_codes(c.error(), "8.2.1", "3.3");
}

TEST_P(es2p_resend, a_failed_call_sent_again_gets_the_same_failure_and_changes_nothing)
{
    const std::string body = by_iccid("f-1", iccid1);
    auto first = post("downloadOrder", body);
    auto e = es2p::parse_download_order_response(first.body);
    ASSERT_FALSE(e);
    expect_codes(e.error(), "8.2.1", "3.9");
    add_available(iccid1, "acme"); // the state changes between the call and its resend
    auto again = post("downloadOrder", body);
    EXPECT_EQ(again.status, first.status);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(profile(iccid1).state, profile_state::available);
}

TEST_P(es2p_resend, after_the_resend_window_the_call_runs_again)
{
    smdpp::config cfg;
    cfg.es2p_resend_window = std::chrono::seconds(600);
    start_service(std::move(cfg));
    add_available(iccid1, "acme", "gold");
    add_available(iccid2, "acme", "gold");
    const std::string body = by_type("w-1", "gold");
    auto first = post("downloadOrder", body);
    m_now += 599;
    EXPECT_EQ(post("downloadOrder", body).body, first.body);
    EXPECT_EQ(count(profile_state::allocated), 1);
    m_now += 2;
    auto later = post("downloadOrder", body);
    auto d = es2p::parse_download_order_response(later.body);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_NE(later.body, first.body);
    EXPECT_EQ(count(profile_state::allocated), 2);
}

TEST_P(es2p_resend, without_a_window_every_call_runs)
{
    smdpp::config cfg;
    cfg.es2p_resend_window = std::chrono::seconds(0);
    start_service(std::move(cfg));
    add_available(iccid1, "acme");
    const std::string body = by_iccid("n-1", iccid1);
    ASSERT_TRUE(es2p::parse_download_order_response(post("downloadOrder", body).body));
    auto again = es2p::parse_download_order_response(post("downloadOrder", body).body);
    ASSERT_FALSE(again);
    expect_codes(again.error(), "8.2.1", "3.3");
}

TEST_P(es2p_resend, two_identical_calls_at_once_run_the_function_once)
{
    add_available(iccid1, "acme", "gold");
    add_available(iccid2, "acme", "gold");
    const std::string body = by_type("race", "gold");
    constexpr int callers = 4;
    std::vector<std::string> bodies(callers);
    std::latch go(callers);
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i)
        threads.emplace_back([&, i] {
            go.arrive_and_wait();
            bodies[static_cast<std::size_t>(i)] = post("downloadOrder", body).body;
        });
    for (auto& t : threads)
        t.join();
    ASSERT_TRUE(es2p::parse_download_order_response(bodies[0]));
    for (const auto& b : bodies)
        EXPECT_EQ(b, bodies[0]);
    EXPECT_EQ(count(profile_state::allocated), 1);
}

INSTANTIATE_TEST_SUITE_P(backends, es2p_resend, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
