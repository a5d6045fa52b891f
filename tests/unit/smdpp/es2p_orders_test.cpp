/// \file
/// \brief ES2+ orders beyond the happy path (issue 11), on both inventory backends: the Default SM-DP+ order
/// (SGP.22 §3.1.2), order expiry (§5.6.2, 8.8.5 / 4.10), ConfirmOrder's SM-DS address and EID rules (§5.3.2),
/// CancelOrder of a linked order (§5.3.3) and the matching IDs operators hand in.

#include "smdpp_fixture.h"

#include "openrsp/http/message.h"
#include "openrsp/rsp/es9p.h"

#include <nlohmann/json.hpp>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";
constexpr const char* eid1 = "89049032123451234512345678901235"; // the test eUICC's EID
constexpr const char* eid2 = "89049032123451234512345678909999";

class es2p_orders_test : public smdpp_test {
protected:
    es2p::order_context as(const std::string& op) { return es2p::order_context{op, smdp_address, m_now.load(), 0}; }

    static es2p::download_order_request order(const std::string& iccid, std::optional<std::string> eid = {})
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

    /// An Available profile of acme, ordered (for `eid` if given) and released with no matching ID given.
    std::string released_order(const std::string& iccid, std::optional<std::string> eid)
    {
        add_available(iccid, "acme");
        auto d = es2p::download_order(*m_inventory, as("acme"), order(iccid, std::move(eid)));
        EXPECT_TRUE(d) << (d ? "" : d.error().message);
        auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid, true));
        EXPECT_TRUE(c) << (c ? "" : c.error().message);
        return c ? c->matching_id : "";
    }

    http::response post(const std::string& function, const std::string& body, const std::string& token)
    {
        http::request req;
        req.method = "POST";
        req.target = std::string(es2p::path_prefix) + function;
        req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}};
        req.body = body;
        return m_service->handle_http(req);
    }
};

} // namespace

TEST_P(es2p_orders_test, a_default_smdpp_order_is_downloaded_by_its_eid_without_a_matching_id)
{
    released_order(iccid1, eid1);
    // No activation code: the eUICC sends no matchingId in ctxParams1 (SGP.22 §3.1.2, Default SM-DP+).
    auto r = download(make_euicc(), "");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
    // The order is used: asking again finds nothing pending.
    auto again = download(make_euicc("second"), "");
    ASSERT_FALSE(again);
    expect_codes(again.error(), "8.2.6", "3.8");
}

TEST_P(es2p_orders_test, the_default_smdpp_refuses_other_eids_and_eids_without_a_pending_order)
{
    // Nothing ordered at all.
    auto none = download(make_euicc(), "");
    ASSERT_FALSE(none);
    expect_codes(none.error(), "8.2.6", "3.8");
    // An order for another eUICC: without a matching ID this eUICC has no pending order (and learns nothing of the
    // other's); with that order's matching ID it gets the EID refusal.
    const std::string mid = released_order(iccid2, eid2);
    auto other = download(make_euicc("a"), "");
    ASSERT_FALSE(other);
    expect_codes(other.error(), "8.2.6", "3.8");
    EXPECT_EQ(other.error().message, none.error().message);
    auto by_mid = download(make_euicc("b"), mid);
    ASSERT_FALSE(by_mid);
    expect_codes(by_mid.error(), "8.1.1", "3.8");
    const auto p = profile(iccid2);
    EXPECT_EQ(p.state, profile_state::released);
    EXPECT_TRUE(p.session_tid.empty());
}

TEST_P(es2p_orders_test, an_order_without_an_eid_is_no_default_smdpp_order)
{
    const std::string mid = released_order(iccid1, std::nullopt);
    auto r = download(make_euicc(), "");
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.2.6", "3.8");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    ASSERT_TRUE(download(make_euicc("b"), mid));
}

TEST_P(es2p_orders_test, an_expired_order_is_refused_with_8_8_5_4_10_and_shows_its_expiry)
{
    add_available(iccid1, "acme");
    auto d = order(iccid1, eid1);
    d.expiry = m_now.load() + 60;
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), d));
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(profile(iccid1).order_expires_at, m_now.load() + 60);
    m_now += 61;
    for (const std::string& mid : {c->matching_id, std::string()}) {
        auto r = download(make_euicc("e" + std::to_string(mid.size())), mid);
        ASSERT_FALSE(r);
        expect_codes(r.error(), "8.8.5", "4.10");
    }
    const auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::released);
    EXPECT_TRUE(p.session_tid.empty());
    // No order expires in the past; cancelling the expired one returns the profile blank.
    auto late = es2p::download_order(*m_inventory, as("acme"), [&] {
        auto o = order(iccid2);
        o.expiry = m_now.load();
        return o;
    }());
    ASSERT_FALSE(late);
    expect_codes(late.error(), "1.3.1", "2.1");
    es2p::cancel_order_request x;
    x.iccid = iccid1;
    x.eid = eid1;
    ASSERT_TRUE(es2p::cancel_order(*m_inventory, as("acme"), x));
    EXPECT_EQ(profile(iccid1).order_expires_at, 0);
}

TEST_P(es2p_orders_test, an_order_lives_the_default_lifetime_and_confirm_order_can_extend_it)
{
    smdpp::config cfg;
    cfg.default_order_ttl = std::chrono::seconds(30);
    start_service(cfg);
    auto token = es2p::add_operator(*m_inventory, "acme");
    ASSERT_TRUE(token);
    add_available(iccid1, "acme");
    auto d = es2p::parse_download_order_response(post("downloadOrder", es2p::to_json(order(iccid1)), *token).body);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(profile(iccid1).order_expires_at, m_now.load() + 30);
    // A ConfirmOrder naming an expiry replaces it (ES2+ expiryTimestamp, UTC).
    const std::string body = R"({"header":{"functionRequesterIdentifier":"op","functionCallIdentifier":"c1"},
        "iccid":"8949000000000000018","releaseFlag":true,"expiryTimestamp":"2030-01-01T00:00:00Z"})";
    auto c = es2p::parse_confirm_order_response(post("confirmOrder", body, *token).body);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(profile(iccid1).order_expires_at, 1'893'456'000);
    ASSERT_TRUE(download(make_euicc(), c->matching_id));
}

TEST_P(es2p_orders_test, confirm_order_checks_the_smds_address_and_needs_an_eid_for_an_smds)
{
    add_available(iccid1, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), order(iccid1)));
    for (const char* bad : {"smds..example.com", "smds example.com", "", "https://smds.example.com"}) {
        auto r = confirm(iccid1, true);
        r.eid = eid1;
        r.smds_address = bad;
        auto c = es2p::confirm_order(*m_inventory, as("acme"), r);
        ASSERT_FALSE(c) << bad;
        expect_codes(c.error(), "8.9", "5.1");
    }
    auto no_eid = confirm(iccid1, true);
    no_eid.smds_address = "smds.example.com";
    auto n = es2p::confirm_order(*m_inventory, as("acme"), no_eid);
    ASSERT_FALSE(n);
    expect_codes(n.error(), "8.1.1", "2.2");
    auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::allocated);
    EXPECT_TRUE(p.eid.empty());
    EXPECT_TRUE(p.matching_id.empty());
    // With the EID, the same SM-DS address is accepted.
    no_eid.eid = eid1;
    ASSERT_TRUE(es2p::confirm_order(*m_inventory, as("acme"), no_eid));
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
}

TEST_P(es2p_orders_test, cancel_order_of_a_linked_order_needs_its_eid)
{
    add_available(iccid1, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), order(iccid1, eid1)));
    es2p::cancel_order_request x;
    x.iccid = iccid1;
    x.final_profile_status = profile_state::available;
    auto without = es2p::cancel_order(*m_inventory, as("acme"), x);
    ASSERT_FALSE(without);
    expect_codes(without.error(), "8.1.1", "2.2");
    EXPECT_EQ(profile(iccid1).state, profile_state::linked);
    x.eid = eid2;
    auto other = es2p::cancel_order(*m_inventory, as("acme"), x);
    ASSERT_FALSE(other);
    expect_codes(other.error(), "8.1.1", "3.10");
    x.eid = eid1;
    ASSERT_TRUE(es2p::cancel_order(*m_inventory, as("acme"), x));
    EXPECT_EQ(profile(iccid1).state, profile_state::available);
}

TEST_P(es2p_orders_test, operator_matching_ids_of_either_case_with_dashes_and_underscores_are_accepted)
{
    add_available(iccid1, "acme");
    ASSERT_TRUE(es2p::download_order(*m_inventory, as("acme"), order(iccid1)));
    const std::string too_long(250, 'A');
    for (const std::string& bad : {std::string("A$B"), std::string("A B"),
                                   std::string("A\x01"
                                               "B"),
                                   too_long}) {
        auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true, bad));
        ASSERT_FALSE(c) << bad;
        expect_codes(c.error(), "8.2.6", "2.1");
        EXPECT_EQ(profile(iccid1).state, profile_state::allocated);
    }
    auto c = es2p::confirm_order(*m_inventory, as("acme"), confirm(iccid1, true, std::string("sgp23_Order-0042")));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->matching_id, "sgp23_Order-0042");
    auto ac = rsp::parse_activation_code("LPA:1$" + std::string(smdp_address) + "$sgp23_Order-0042");
    ASSERT_TRUE(ac) << ac.error().message;
    ASSERT_TRUE(download(make_euicc(), ac->matching_id));
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
}

TEST(es2p_orders_json, expiry_timestamps_are_w3c_date_times)
{
    const std::string head = R"({"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"b"},)"
                             R"("iccid":"8949000000000000018","expiryTimestamp":)";
    auto z = es2p::parse_download_order_request(head + R"("2030-01-01T00:00:00Z"})");
    ASSERT_TRUE(z) << z.error().message;
    EXPECT_EQ(z->expiry, 1'893'456'000);
    auto offset = es2p::parse_download_order_request(head + R"("2030-01-01T01:30:00+01:30"})");
    ASSERT_TRUE(offset) << offset.error().message;
    EXPECT_EQ(offset->expiry, 1'893'456'000);
    for (const char* bad : {R"("tomorrow")", R"("2030-13-01T00:00:00Z")", R"("2030-01-01 00:00:00")", "42"}) {
        auto r = es2p::parse_download_order_request(head + bad + "}");
        ASSERT_FALSE(r) << bad;
        expect_codes(r.error(), "1.3.1", "2.1");
    }
    // Round trip through the client side.
    es2p::confirm_order_request c;
    c.header = {"a", "b"};
    c.iccid = "8949000000000000018";
    c.expiry = 1'893'456'000;
    auto back = es2p::parse_confirm_order_request(es2p::to_json(c));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->expiry, c.expiry);
}

INSTANTIATE_TEST_SUITE_P(backends, es2p_orders_test, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
