/// \file
/// \brief ES2+ (SGP.22 §5.3) on both inventory backends: each function's success and error paths, profile-state
/// compare-and-set, operator isolation, bearer tokens on the HTTP edge, and an ES2+ order downloaded over ES9+.

#include "smdpp_fixture.h"

#include "openrsp/http/message.h"
#include "openrsp/rsp/es9p.h"

#include <nlohmann/json.hpp>

#include <latch>
#include <set>
#include <thread>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";
constexpr const char* eid1 = "89049032123451234512345678901235"; // the test eUICC's EID
constexpr const char* eid2 = "89049032123451234512345678909999";

class es2p_test : public smdpp_test {
protected:
    es2p::order_context as(const std::string& op) { return es2p::order_context{op, smdp_address}; }

    static es2p::download_order_request by_iccid(const std::string& iccid, std::optional<std::string> eid = {})
    {
        es2p::download_order_request r;
        r.header = {"op", "1"};
        r.iccid = iccid;
        r.eid = std::move(eid);
        return r;
    }
    static es2p::confirm_order_request confirm(const std::string& iccid, bool release,
                                               std::optional<std::string> mid = {})
    {
        es2p::confirm_order_request r;
        r.header = {"op", "2"};
        r.iccid = iccid;
        r.release_flag = release;
        r.matching_id = std::move(mid);
        return r;
    }
    static es2p::cancel_order_request cancel(const std::string& iccid, profile_state final_state)
    {
        es2p::cancel_order_request r;
        r.header = {"op", "3"};
        r.iccid = iccid;
        r.final_profile_status = final_state;
        return r;
    }
    static es2p::release_profile_request release(const std::string& iccid)
    {
        es2p::release_profile_request r;
        r.header = {"op", "4"};
        r.iccid = iccid;
        return r;
    }

    http::response post(const std::string& function, const std::string& body, const std::string& token)
    {
        http::request req;
        req.method = "POST";
        req.target = std::string(es2p::path_prefix) + function;
        req.headers = {{"Content-Type", "application/json"}};
        if (!token.empty()) req.headers.push_back({"Authorization", "Bearer " + token});
        req.body = body;
        return m_service->handle_http(req);
    }
};

} // namespace

TEST_P(es2p_test, download_order_by_iccid_allocates_or_links)
{
    add_available(iccid1, "acme");
    add_available(iccid2, "acme");
    auto a = es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->iccid, iccid1);
    EXPECT_EQ(profile(iccid1).state, profile_state::allocated);
    auto l = es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid2, eid2));
    ASSERT_TRUE(l) << l.error().message;
    EXPECT_EQ(profile(iccid2).state, profile_state::linked);
    EXPECT_EQ(profile(iccid2).eid, eid2);

    auto twice = es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1));
    ASSERT_FALSE(twice);
    expect_codes(twice.error(), "8.2.1", "3.3");
    auto unknown = es2p::download_order(*m_inventory, as("acme"), by_iccid("8949000000000000999"));
    ASSERT_FALSE(unknown);
    expect_codes(unknown.error(), "8.2.1", "3.9");
}

TEST_P(es2p_test, download_order_by_profile_type_hands_out_each_profile_once_even_concurrently)
{
    constexpr int profiles = 6;
    for (int i = 0; i < profiles; ++i)
        add_available("89490000000000001" + std::to_string(i) + "0", "acme", "gold");
    add_available(iccid1, "acme", "silver");
    add_available(iccid2, "other", "gold"); // another operator's gold is never handed to acme

    constexpr int callers = 10;
    std::vector<std::string> got(callers);
    // Two handles on one store, as two nodes would have.
    auto second = store::open_inventory(m_location);
    ASSERT_TRUE(second) << second.error().message;
    std::latch go(callers);
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i)
        threads.emplace_back([&, i] {
            es2p::download_order_request r;
            r.header = {"op", std::to_string(i)};
            r.profile_type = "gold";
            go.arrive_and_wait();
            auto out = es2p::download_order(i % 2 ? **second : *m_inventory, as("acme"), r);
            got[static_cast<std::size_t>(i)] = out ? out->iccid : out.error().subject + "/" + out.error().reason;
        });
    for (auto& t : threads)
        t.join();
    std::set<std::string> iccids;
    int refused = 0;
    for (const auto& g : got) {
        if (g == "8.2.5/3.7")
            ++refused;
        else
            iccids.insert(g);
    }
    EXPECT_EQ(iccids.size(), static_cast<std::size_t>(profiles));
    EXPECT_EQ(refused, callers - profiles);
    EXPECT_EQ(iccids.count(iccid2), 0u);
    EXPECT_EQ(profile(iccid2).state, profile_state::available);
    EXPECT_EQ(profile(iccid1).state, profile_state::available);
}

TEST_P(es2p_test, confirm_order_generates_a_matching_id_and_release_flag_releases)
{
    add_available(iccid1, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1)));
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->matching_id.size(), 19u); // XXXX-XXXX-XXXX-XXXX
    EXPECT_EQ(c->smdp_address, smdp_address);
    const auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::released);
    EXPECT_EQ(p.matching_id, c->matching_id);
}

TEST_P(es2p_test, confirm_without_release_then_release_profile)
{
    add_available(iccid1, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1, eid1)));
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, false, std::string("MY-ORDER-1")));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->matching_id, "MY-ORDER-1");
    ASSERT_TRUE(c->eid);
    EXPECT_EQ(*c->eid, eid1);
    EXPECT_EQ(profile(iccid1).state, profile_state::confirmed);
    ASSERT_TRUE(es2p::release_profile(*m_inventory, as("acme"), release(iccid1)));
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    auto again = es2p::release_profile(*m_inventory, as("acme"), release(iccid1));
    ASSERT_FALSE(again);
    expect_codes(again.error(), "8.2", "3.5");
}

TEST_P(es2p_test, wrong_transitions_are_refused_with_8_2_3_5_and_change_nothing)
{
    add_available(iccid1, "acme");
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true));
    ASSERT_FALSE(c);
    expect_codes(c.error(), "8.2", "3.5");
    auto r = es2p::release_profile(*m_inventory, as("acme"), release(iccid1));
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.2", "3.5");
    auto x = es2p::cancel_order(*m_inventory, as("acme"), cancel(iccid1, profile_state::unavailable));
    ASSERT_FALSE(x);
    expect_codes(x.error(), "8.2", "3.5");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1)));
    auto early = es2p::release_profile(*m_inventory, as("acme"), release(iccid1));
    ASSERT_FALSE(early);
    expect_codes(early.error(), "8.2", "3.5");
    EXPECT_EQ(profile(iccid1).state, profile_state::allocated);
}

TEST_P(es2p_test, confirm_order_checks_the_linked_eid_and_matching_id_uniqueness)
{
    add_available(iccid1, "acme");
    add_available(iccid2, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1, eid1)));
    auto wrong_eid = confirm(iccid1, true);
    wrong_eid.eid = eid2;
    auto w = es2p::confirm_order(*m_inventory, as("acme"), wrong_eid);
    ASSERT_FALSE(w);
    expect_codes(w.error(), "8.1.1", "3.10");
    ASSERT_TRUE(es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true, std::string("SAME-ID"))));
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid2)));
    auto dup = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid2, true, std::string("SAME-ID")));
    ASSERT_FALSE(dup);
    expect_codes(dup.error(), "8.2.6", "3.3");
    EXPECT_EQ(profile(iccid2).state, profile_state::allocated);
}

TEST_P(es2p_test, cancel_order_returns_the_profile_blank_or_retires_it)
{
    add_available(iccid1, "acme");
    add_available(iccid2, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1, eid1)));
    ASSERT_TRUE(es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true, std::string("ORDER-A"))));
    auto wrong_mid = cancel(iccid1, profile_state::available);
    wrong_mid.matching_id = "ORDER-B";
    auto w = es2p::cancel_order(*m_inventory, as("acme"), wrong_mid);
    ASSERT_FALSE(w);
    expect_codes(w.error(), "8.2.6", "3.10");
    // Issue 11 (SGP.22 §5.3.3): cancelling an order linked to an EID takes that EID.
    auto with_eid = cancel(iccid1, profile_state::available);
    with_eid.eid = eid1;
    ASSERT_TRUE(es2p::cancel_order(*m_inventory, as("acme"), with_eid));
    auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::available);
    EXPECT_TRUE(p.eid.empty());
    EXPECT_TRUE(p.matching_id.empty());
    // The released matching ID is gone: ES9+ no longer finds it.
    auto lookup = m_inventory->find_by_matching_id("ORDER-A");
    ASSERT_TRUE(lookup);
    EXPECT_FALSE(*lookup);

    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid2)));
    ASSERT_TRUE(es2p::cancel_order(*m_inventory, as("acme"), cancel(iccid2, profile_state::unavailable)));
    EXPECT_EQ(profile(iccid2).state, profile_state::unavailable);
    auto reorder = es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid2));
    ASSERT_FALSE(reorder);
    expect_codes(reorder.error(), "8.2.1", "3.3");
}

TEST_P(es2p_test, an_operator_can_neither_see_nor_touch_another_operators_profiles)
{
    add_available(iccid1, "acme");
    add_available(iccid2, "globex");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("globex"), by_iccid(iccid2)));

    auto d = es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid2));
    ASSERT_FALSE(d);
    expect_codes(d.error(), "8.2.1", "3.9");
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid2, true));
    ASSERT_FALSE(c);
    expect_codes(c.error(), "8.2.1", "3.9");
    auto x = es2p::cancel_order(*m_inventory, as("acme"), cancel(iccid2, profile_state::unavailable));
    ASSERT_FALSE(x);
    expect_codes(x.error(), "8.2.1", "3.9");
    auto r = es2p::release_profile(*m_inventory, as("acme"), release(iccid2));
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.2.1", "3.9");
    // Same answer as for an ICCID nobody has: nothing tells acme that globex holds it.
    auto none = es2p::confirm_order(*m_inventory, as("acme"), confirm("8949000000000000999", true));
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().subject, c.error().subject);
    EXPECT_EQ(none.error().reason, c.error().reason);
    EXPECT_EQ(profile(iccid2).state, profile_state::allocated);
    EXPECT_EQ(profile(iccid1).state, profile_state::available);
}

TEST_P(es2p_test, http_edge_requires_a_known_bearer_token_and_scopes_calls_to_its_operator)
{
    auto acme = es2p::add_operator(*m_inventory, "acme");
    ASSERT_TRUE(acme) << acme.error().message;
    auto globex = es2p::add_operator(*m_inventory, "globex");
    ASSERT_TRUE(globex);
    EXPECT_FALSE(es2p::add_operator(*m_inventory, "acme")); // names are unique
    add_available(iccid1, "acme");

    const std::string body = es2p::to_json(by_iccid(iccid1));
    auto anonymous = post("downloadOrder", body, "");
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_FALSE(rsp::es9p::parse_header_only_response(anonymous.body));
    auto forged = post("downloadOrder", body, std::string(64, 'a'));
    EXPECT_EQ(forged.status, 401);
    auto bad = rsp::es9p::parse_header_only_response(forged.body);
    ASSERT_FALSE(bad);
    expect_codes(bad.error(), "1.1", "1.1");

    auto foreign = post("downloadOrder", body, *globex);
    ASSERT_EQ(foreign.status, 200);
    auto f = es2p::parse_download_order_response(foreign.body);
    ASSERT_FALSE(f);
    expect_codes(f.error(), "8.2.1", "3.9");

    auto mine = post("downloadOrder", body, *acme);
    ASSERT_EQ(mine.status, 200);
    auto d = es2p::parse_download_order_response(mine.body);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->iccid, iccid1);

    auto no_header = post("confirmOrder", R"({"iccid":"8949000000000000018","releaseFlag":true})", *acme);
    auto nh = es2p::parse_confirm_order_response(no_header.body);
    ASSERT_FALSE(nh);
    expect_codes(nh.error(), "1.3.1", "2.2");
    auto unknown_fn = post("launchRocket", "{}", *acme);
    auto u = rsp::es9p::parse_header_only_response(unknown_fn.body);
    ASSERT_FALSE(u);
    expect_codes(u.error(), "1.6", "3.1");
}

TEST_P(es2p_test, an_es2p_order_is_downloaded_over_es9p)
{
    auto token = es2p::add_operator(*m_inventory, "acme");
    ASSERT_TRUE(token);
    add_available(iccid1, "acme");
    auto d = post("downloadOrder", es2p::to_json(by_iccid(iccid1, eid1)), *token);
    ASSERT_TRUE(es2p::parse_download_order_response(d.body));
    auto cr = confirm(iccid1, true);
    cr.confirmation_code = "4711";
    auto c = es2p::parse_confirm_order_response(post("confirmOrder", es2p::to_json(cr), *token).body);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->smdp_address, smdp_address);

    auto r = download(make_euicc(), c->matching_id, std::string("4711"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
    // Installed: the order can no longer be cancelled.
    auto x = es2p::cancel_order(*m_inventory, as("acme"), cancel(iccid1, profile_state::available));
    ASSERT_FALSE(x);
    expect_codes(x.error(), "8.2", "3.5");
}

TEST_P(es2p_test, a_linked_order_refuses_another_eid_over_es9p)
{
    add_available(iccid1, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), by_iccid(iccid1, eid2)));
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true));
    ASSERT_TRUE(c);
    auto r = download(make_euicc(), c->matching_id);
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.1.1", "3.8");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
}

TEST(es2p_json, requests_are_validated)
{
    auto none = es2p::parse_download_order_request(R"({"header":{"functionRequesterIdentifier":"a",
        "functionCallIdentifier":"b"}})");
    ASSERT_FALSE(none);
    expect_codes(none.error(), "1.3.1", "2.3");
    auto bad_iccid = es2p::parse_release_profile_request(R"({"header":{"functionRequesterIdentifier":"a",
        "functionCallIdentifier":"b"},"iccid":"12AB"})");
    ASSERT_FALSE(bad_iccid);
    expect_codes(bad_iccid.error(), "8.2.1", "2.1");
    auto bad_eid = es2p::parse_download_order_request(R"({"header":{"functionRequesterIdentifier":"a",
        "functionCallIdentifier":"b"},"iccid":"8949000000000000018","eid":"123"})");
    ASSERT_FALSE(bad_eid);
    expect_codes(bad_eid.error(), "8.1.1", "2.1");
    auto padded = es2p::parse_release_profile_request(R"({"header":{"functionRequesterIdentifier":"a",
        "functionCallIdentifier":"b"},"iccid":"8949000000000000018F"})");
    ASSERT_TRUE(padded);
    EXPECT_EQ(padded->iccid, "8949000000000000018");
    auto status = es2p::parse_cancel_order_request(R"({"header":{"functionRequesterIdentifier":"a",
        "functionCallIdentifier":"b"},"iccid":"8949000000000000018","finalProfileStatusIndicator":"Gone"})");
    ASSERT_FALSE(status);
    expect_codes(status.error(), "1.3.1", "2.1");
    auto flag = es2p::parse_confirm_order_request(R"({"header":{"functionRequesterIdentifier":"a",
        "functionCallIdentifier":"b"},"iccid":"8949000000000000018"})");
    ASSERT_FALSE(flag);
    expect_codes(flag.error(), "1.3.1", "2.2");
}

INSTANTIATE_TEST_SUITE_P(backends, es2p_test, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
