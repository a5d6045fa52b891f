/// \file
/// \brief One inventory suite, every case run on SQLite and on PostgreSQL: the backends must be
/// indistinguishable to the SM-DP+.

#include "support/store_backends.h"

#include "openrsp/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <latch>
#include <thread>

using namespace openrsp;
using store::profile_state;
using store::testing::backend;

namespace {

class inventory_test : public store::testing::backend_test {
protected:
    /// Another handle on the same store: its own connection(s), as a second SM-DP+ node would have.
    std::unique_ptr<store::inventory> open_again() const
    {
        auto inv = store::open_inventory(m_location);
        EXPECT_TRUE(inv) << inv.error().message;
        return inv ? std::move(*inv) : nullptr;
    }

    static store::inventory_profile profile(const std::string& iccid, const std::string& mid)
    {
        store::inventory_profile p;
        p.iccid = iccid;
        p.matching_id = mid;
        p.state = profile_state::released;
        p.description_json = "{}";
        p.upp = bytes{0xA0, 0x00};
        p.metadata = bytes{0xBF, 0x25, 0x00};
        return p;
    }
};

constexpr const char* iccid1 = "8949000000000000018";

} // namespace

TEST_P(inventory_test, added_profile_is_found_by_matching_id_and_iccid)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA-BBBB")));
    auto by_mid = m_inventory->find_by_matching_id("AAAA-BBBB");
    ASSERT_TRUE(by_mid && *by_mid);
    EXPECT_EQ((*by_mid)->iccid, iccid1);
    EXPECT_EQ((*by_mid)->state, profile_state::released);
    EXPECT_EQ((*by_mid)->upp, (bytes{0xA0, 0x00}));
    auto by_iccid = m_inventory->find_by_iccid(iccid1);
    ASSERT_TRUE(by_iccid && *by_iccid);
    auto none = m_inventory->find_by_matching_id("NOPE");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST_P(inventory_test, every_field_round_trips_byte_for_byte)
{
    auto p = profile(iccid1, "AAAA");
    p.state = profile_state::confirmed;
    p.eid = "89049032123451234512345678901235";
    p.description_json = R"({"spn":"Mobilfunk \u00e9t\u00e9 – ok","profileName":"日本"})";
    for (int i = 0; i < 256; ++i)
        p.upp.push_back(static_cast<std::uint8_t>(i)); // NULs and high bytes
    p.metadata = bytes{0x00, 0x00, 0xFF};
    p.confirmation_code_hash = bytes(32, 0x5C);
    const auto before = std::time(nullptr);
    ASSERT_TRUE(m_inventory->add_profile(p));
    auto got = m_inventory->find_by_iccid(iccid1);
    ASSERT_TRUE(got && *got) << (got ? "" : got.error().message);
    const auto& g = **got;
    EXPECT_EQ(g.matching_id, "AAAA");
    EXPECT_EQ(g.state, profile_state::confirmed);
    EXPECT_EQ(g.eid, p.eid);
    EXPECT_EQ(g.description_json, p.description_json);
    EXPECT_EQ(g.upp, p.upp);
    EXPECT_EQ(g.metadata, p.metadata);
    EXPECT_EQ(g.confirmation_code_hash, p.confirmation_code_hash);
    EXPECT_EQ(g.session_tid, "");
    EXPECT_EQ(g.session_expires_at, 0);
    EXPECT_TRUE(g.euicc_certificate.empty());
    EXPECT_GE(g.updated_at, before - 1);
    EXPECT_LE(g.updated_at, std::time(nullptr) + 1);

    // An empty confirmation-code hash means "none required" and must come back empty, not as a zero-length value.
    ASSERT_TRUE(m_inventory->add_profile(profile("8949000000000000026", "BBBB")));
    EXPECT_TRUE((*m_inventory->find_by_iccid("8949000000000000026"))->confirmation_code_hash.empty());

    const bytes cert{0x30, 0x82, 0x00, 0x00, 0x00, 0x01};
    const std::string iccid2 = "8949000000000000026";
    ASSERT_TRUE(*m_inventory->reserve_for_session(iccid2, "T9", "EID9", 100, 400));
    EXPECT_FALSE(*m_inventory->deliver(iccid2, "T8", "EID9", cert)); // not the holding session
    EXPECT_TRUE(*m_inventory->deliver(iccid2, "T9", "EID9", cert));
    EXPECT_FALSE(*m_inventory->deliver(iccid2, "T9", "EID9", cert)); // already delivered: never twice
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid2))->euicc_certificate, cert);
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid2))->eid, "EID9");
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid2))->state, profile_state::downloaded);
}

TEST_P(inventory_test, when_iccid_or_matching_id_repeats_then_add_fails_and_changes_nothing)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    auto dup_iccid = m_inventory->add_profile(profile(iccid1, "BBBB"));
    ASSERT_FALSE(dup_iccid);
    EXPECT_NE(dup_iccid.error().message.find("already"), std::string::npos) << dup_iccid.error().message;
    auto dup_mid = m_inventory->add_profile(profile("8949000000000000026", "AAAA"));
    ASSERT_FALSE(dup_mid);
    EXPECT_NE(dup_mid.error().message.find("already"), std::string::npos) << dup_mid.error().message;
    EXPECT_EQ(m_inventory->list_profiles()->size(), 1u);
}

TEST_P(inventory_test, profiles_are_listed_in_iccid_order)
{
    for (const char* iccid : {"8949000000000000034", "8949000000000000018", "894900000000000002F"})
        ASSERT_TRUE(m_inventory->add_profile(profile(iccid, std::string("M") + iccid)));
    auto all = m_inventory->list_profiles();
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].iccid, "8949000000000000018");
    EXPECT_EQ((*all)[1].iccid, "894900000000000002F");
    EXPECT_EQ((*all)[2].iccid, "8949000000000000034");
}

TEST_P(inventory_test, reservation_is_exclusive_until_it_expires)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    EXPECT_TRUE(*m_inventory->reserve_for_session(iccid1, "T1", "EID1", 100, 400));
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid1))->updated_at, 100);
    EXPECT_FALSE(*m_inventory->reserve_for_session(iccid1, "T2", "EID1", 200, 500));
    // The holding session may renew its own reservation.
    EXPECT_TRUE(*m_inventory->reserve_for_session(iccid1, "T1", "EID1", 200, 450));
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid1))->session_expires_at, 450);
    // After the first session's expiry a new session may take it (the phone retried).
    EXPECT_TRUE(*m_inventory->reserve_for_session(iccid1, "T2", "EID1", 450, 700));
    // An expired, undelivered attempt does not bind the EID: another eUICC may take the order.
    EXPECT_TRUE(*m_inventory->reserve_for_session(iccid1, "T3", "EID2", 800, 900));
    // Once delivered to EID2, the profile belongs to it and is no longer Released for anyone.
    ASSERT_TRUE(*m_inventory->deliver(iccid1, "T3", "EID2", bytes{0x30, 0x00}));
    EXPECT_FALSE(*m_inventory->reserve_for_session(iccid1, "T4", "EID1", 1000, 1300));
    EXPECT_FALSE(*m_inventory->reserve_for_session(iccid1, "T5", "EID2", 1000, 1300));
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid1))->eid, "EID2");
    EXPECT_FALSE(*m_inventory->reserve_for_session("8949000000000000999", "T6", "EID2", 2000, 2300)); // unknown ICCID
}

TEST_P(inventory_test, only_a_released_profile_can_be_reserved)
{
    auto p = profile(iccid1, "AAAA");
    p.state = profile_state::allocated;
    ASSERT_TRUE(m_inventory->add_profile(p));
    EXPECT_FALSE(*m_inventory->reserve_for_session(iccid1, "T1", "EID1", 100, 400));
    ASSERT_TRUE(m_inventory->set_state(iccid1, profile_state::released));
    EXPECT_TRUE(*m_inventory->reserve_for_session(iccid1, "T1", "EID1", 100, 400));
}

TEST_P(inventory_test, released_reservation_lets_another_session_take_the_profile)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    ASSERT_TRUE(*m_inventory->reserve_for_session(iccid1, "T1", "EID1", 100, 400));
    ASSERT_TRUE(m_inventory->release_reservation(iccid1, "T2")); // not the holder: no effect
    EXPECT_FALSE(*m_inventory->reserve_for_session(iccid1, "T2", "EID1", 150, 400));
    ASSERT_TRUE(m_inventory->release_reservation(iccid1, "T1"));
    auto freed = m_inventory->find_by_iccid(iccid1);
    EXPECT_EQ((*freed)->session_tid, "");
    EXPECT_EQ((*freed)->session_expires_at, 0);
    EXPECT_TRUE(*m_inventory->reserve_for_session(iccid1, "T2", "EID1", 150, 400));
    // Once downloaded the reservation stays: the session owns the result.
    ASSERT_TRUE(*m_inventory->transition(iccid1, profile_state::released, profile_state::downloaded, "T2"));
    ASSERT_TRUE(m_inventory->release_reservation(iccid1, "T2"));
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid1))->session_tid, "T2");
}

TEST_P(inventory_test, transition_needs_the_holding_session_and_the_expected_state)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    ASSERT_TRUE(*m_inventory->reserve_for_session(iccid1, "T1", "EID1", 100, 400));
    EXPECT_FALSE(*m_inventory->transition(iccid1, profile_state::released, profile_state::downloaded, "T2"));
    EXPECT_TRUE(*m_inventory->transition(iccid1, profile_state::released, profile_state::downloaded, "T1"));
    EXPECT_FALSE(*m_inventory->transition(iccid1, profile_state::released, profile_state::downloaded, "T1"));
    EXPECT_FALSE(*m_inventory->reserve_for_session(iccid1, "T9", "EID1", 1000, 1300));
    EXPECT_EQ((*m_inventory->find_by_iccid(iccid1))->state, profile_state::downloaded);
}

TEST_P(inventory_test, set_state_is_unconditional)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    for (auto s : {profile_state::installed, profile_state::enabled, profile_state::disabled, profile_state::deleted}) {
        ASSERT_TRUE(m_inventory->set_state(iccid1, s));
        EXPECT_EQ((*m_inventory->find_by_iccid(iccid1))->state, s);
    }
    EXPECT_TRUE(m_inventory->set_state("8949000000000000999", profile_state::enabled)); // unknown ICCID: nothing to do
}

TEST_P(inventory_test, matching_id_is_consumed_once_under_concurrent_sessions)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
        threads.emplace_back([&, i] {
            const std::string tid = "T" + std::to_string(i);
            auto r = m_inventory->reserve_for_session(iccid1, tid, "EID1", 100, 400);
            if (!r) ++errors;
            if (!r || !*r) return;
            auto t = m_inventory->transition(iccid1, profile_state::released, profile_state::downloaded, tid);
            if (!t)
                ++errors;
            else if (*t)
                ++winners;
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(errors.load(), 0);
}

// Several nodes, each with its own connection, claim one matching ID at once (SGP.22: a matching ID is
// used once). 200 attempts from 8 threads; the store must let exactly one through.
TEST_P(inventory_test, matching_id_is_consumed_once_across_separate_connections)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "RACE-ONE")));
    constexpr int nodes = 8;
    constexpr int attempts_per_node = 25;
    std::vector<std::unique_ptr<store::inventory>> handles;
    for (int n = 0; n < nodes; ++n) {
        handles.push_back(open_again());
        ASSERT_NE(handles.back(), nullptr);
    }
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::string winner;
    std::latch start(nodes);
    std::vector<std::thread> threads;
    for (int n = 0; n < nodes; ++n) {
        threads.emplace_back([&, n] {
            auto& inv = *handles[static_cast<std::size_t>(n)];
            start.arrive_and_wait();
            for (int a = 0; a < attempts_per_node; ++a) {
                // Appended, not `"N" + std::to_string(n)`: GCC 12 -O3 reports a bogus -Wrestrict there (bug 105329).
                const std::string tid =
                    std::string("N").append(std::to_string(n)).append("A").append(std::to_string(a));
                auto found = inv.find_by_matching_id("RACE-ONE");
                if (!found || !*found) {
                    ++errors;
                    continue;
                }
                auto r = inv.reserve_for_session((*found)->iccid, tid, "EID" + std::to_string(n), 100, 400);
                if (!r) ++errors;
                if (!r || !*r) continue;
                auto t = inv.transition((*found)->iccid, profile_state::released, profile_state::downloaded, tid);
                if (!t)
                    ++errors;
                else if (*t && ++winners == 1)
                    winner = tid;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(errors.load(), 0);
    auto final_state = m_inventory->find_by_matching_id("RACE-ONE");
    ASSERT_TRUE(final_state && *final_state);
    EXPECT_EQ((*final_state)->state, profile_state::downloaded);
    EXPECT_EQ((*final_state)->session_tid, winner);
}

TEST_P(inventory_test, sessions_expire_and_are_purged)
{
    store::rsp_session_row s{"ABCD", "", "1", bytes{1, 2, 3}, 500};
    ASSERT_TRUE(m_inventory->put_session(s));
    ASSERT_TRUE(m_inventory->put_session({"EF01", iccid1, "2", bytes{}, 900}));
    auto live = m_inventory->get_session("ABCD", 499);
    ASSERT_TRUE(live && *live);
    EXPECT_EQ((*live)->data, (bytes{1, 2, 3}));
    auto expired = m_inventory->get_session("ABCD", 500);
    ASSERT_TRUE(expired);
    EXPECT_FALSE(*expired);
    EXPECT_EQ(*m_inventory->purge_expired_sessions(600), 1u);
    EXPECT_EQ(*m_inventory->purge_expired_sessions(600), 0u);
    EXPECT_FALSE(*m_inventory->get_session("ABCD", 0));
    EXPECT_TRUE(*m_inventory->get_session("EF01", 600));
}

TEST_P(inventory_test, put_session_replaces_and_delete_session_removes)
{
    ASSERT_TRUE(m_inventory->put_session({"ABCD", "", "initiated", bytes{1}, 500}));
    ASSERT_TRUE(m_inventory->put_session({"ABCD", iccid1, "authenticated", bytes{0x00, 0xFF, 0x00}, 800}));
    auto s = m_inventory->get_session("ABCD", 600);
    ASSERT_TRUE(s && *s);
    EXPECT_EQ((*s)->transaction_id, "ABCD");
    EXPECT_EQ((*s)->iccid, iccid1);
    EXPECT_EQ((*s)->stage, "authenticated");
    EXPECT_EQ((*s)->data, (bytes{0x00, 0xFF, 0x00}));
    EXPECT_EQ((*s)->expires_at, 800);
    ASSERT_TRUE(m_inventory->delete_session("ABCD"));
    EXPECT_FALSE(*m_inventory->get_session("ABCD", 600));
    EXPECT_TRUE(m_inventory->delete_session("ABCD")); // deleting twice is fine
}

TEST_P(inventory_test, settings_are_replaced_not_duplicated)
{
    EXPECT_FALSE(*m_inventory->get_setting("smdp_address"));
    ASSERT_TRUE(m_inventory->set_setting("smdp_address", "localhost:8443"));
    ASSERT_TRUE(m_inventory->set_setting("smdp_address", "smdp.example.com"));
    ASSERT_TRUE(m_inventory->set_setting("empty", ""));
    EXPECT_EQ(*m_inventory->get_setting("smdp_address").value(), "smdp.example.com");
    EXPECT_EQ(*m_inventory->get_setting("empty").value(), "");
}

TEST_P(inventory_test, state_survives_reopening_the_store)
{
    ASSERT_TRUE(m_inventory->add_profile(profile(iccid1, "AAAA")));
    ASSERT_TRUE(m_inventory->set_setting("smdp_address", "localhost:8443"));
    m_inventory.reset();
    auto again = open_again();
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->list_profiles()->size(), 1u);
    EXPECT_EQ(*again->get_setting("smdp_address").value(), "localhost:8443");
}

// Several nodes starting at once on an empty store: the schema is made once and every node comes up.
TEST_P(inventory_test, nodes_opening_a_new_store_at_once_all_come_up)
{
    auto where = m_stores->fresh();
    ASSERT_TRUE(where) << where.error().message;
    constexpr int nodes = 6;
    std::vector<std::string> failures(nodes);
    std::latch start(nodes);
    std::vector<std::thread> threads;
    for (int n = 0; n < nodes; ++n) {
        threads.emplace_back([&, n] {
            start.arrive_and_wait();
            auto inv = store::open_inventory(*where);
            auto& failure = failures[static_cast<std::size_t>(n)];
            if (!inv)
                failure = inv.error().message;
            else if (auto r = (*inv)->add_profile(profile("89490000000000001" + std::to_string(n), std::to_string(n)));
                     !r)
                failure = r.error().message;
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& f : failures)
        EXPECT_EQ(f, "");
    auto inv = store::open_inventory(*where);
    ASSERT_TRUE(inv) << inv.error().message;
    EXPECT_EQ((*inv)->list_profiles()->size(), static_cast<std::size_t>(nodes));
}

TEST_P(inventory_test, progress_events_are_queued_only_with_a_change_once_per_id_and_claimed_under_a_lease)
{
    ASSERT_TRUE(m_inventory->add_operator("acme", bytes(32, 0x01)));
    ASSERT_TRUE(m_inventory->set_operator_callback("acme", "http://127.0.0.1:9/progress"));
    auto p = profile(iccid1, "MID1");
    p.operator_id = "acme";
    p.profile_type = "gold";
    ASSERT_TRUE(m_inventory->add_profile(p));
    ASSERT_TRUE(*m_inventory->reserve_for_session(iccid1, "T1", "", 100, 400));

    store::progress_event e;
    e.id = "event-1";
    e.notification_point_id = 3;
    e.time = 100;
    // A change whose guard does not match queues nothing.
    EXPECT_FALSE(*m_inventory->transition(iccid1, profile_state::released, profile_state::downloaded, "OTHER", &e));
    EXPECT_TRUE(m_inventory->list_progress_callbacks()->empty());
    ASSERT_TRUE(*m_inventory->deliver(iccid1, "T1", "EID1", bytes{0x30, 0x00}, &e));
    // The same id again (a repeated notification) stays one row.
    ASSERT_TRUE(m_inventory->set_state(iccid1, profile_state::downloaded, &e));
    auto q = *m_inventory->list_progress_callbacks();
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].eid, "EID1"); // the row as the change left it
    EXPECT_EQ(q[0].profile_type, "gold");
    EXPECT_EQ(q[0].operator_id, "acme");
    EXPECT_EQ(q[0].state, "pending");

    // Claimed rows are leased: another sender (node) gets none until the lease ends.
    auto other = open_again();
    EXPECT_EQ(m_inventory->claim_progress_callbacks(100, 60, 10)->size(), 1u);
    EXPECT_TRUE(other->claim_progress_callbacks(100, 60, 10)->empty());
    EXPECT_EQ(other->claim_progress_callbacks(161, 60, 10)->size(), 1u);
    ASSERT_TRUE(other->progress_callback_failed("event-1", 300, false, "HTTP 503"));
    EXPECT_TRUE(m_inventory->claim_progress_callbacks(299, 60, 10)->empty()); // not due yet
    EXPECT_EQ(m_inventory->claim_progress_callbacks(300, 60, 10)->size(), 1u);
    ASSERT_TRUE(m_inventory->progress_callback_delivered("event-1"));
    EXPECT_TRUE(m_inventory->claim_progress_callbacks(10000, 60, 10)->empty());
    q = *m_inventory->list_progress_callbacks();
    EXPECT_EQ(q[0].state, "delivered");
    EXPECT_EQ(q[0].attempts, 1);

    // No callback URL: nothing is queued.
    ASSERT_TRUE(m_inventory->set_operator_callback("acme", ""));
    store::progress_event e2 = e;
    e2.id = "event-2";
    ASSERT_TRUE(m_inventory->set_state(iccid1, profile_state::installed, &e2));
    EXPECT_EQ(m_inventory->list_progress_callbacks()->size(), 1u);
    EXPECT_FALSE(m_inventory->set_operator_callback("nobody", "http://x"));
    auto op = *m_inventory->find_operator_by_name("acme");
    ASSERT_TRUE(op);
    EXPECT_EQ(op->callback_url, "");
}

INSTANTIATE_TEST_SUITE_P(backends, inventory_test, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const ::testing::TestParamInfo<backend>& info) {
                             return info.param == backend::sqlite ? "sqlite" : "postgres";
                         });

TEST(sqlite_inventory_open, when_path_is_unwritable_then_a_sentence_names_it)
{
    auto r = store::open_inventory("/nonexistent-dir/x.db");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("/nonexistent-dir/x.db"), std::string::npos);
}
