#include "openrsp/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace openrsp;
using store::profile_state;

namespace {

class sqlite_inventory : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "openrsp-store-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        m_dir = tmpl;
        m_path = (m_dir / "inventory.db").string();
        auto inv = store::open_sqlite(m_path);
        ASSERT_TRUE(inv) << inv.error().message;
        m_inv = std::move(*inv);
    }
    void TearDown() override
    {
        m_inv.reset();
        std::filesystem::remove_all(m_dir);
    }
    static store::profile_record profile(const std::string& iccid, const std::string& mid)
    {
        store::profile_record p;
        p.iccid = iccid;
        p.matching_id = mid;
        p.state = profile_state::released;
        p.description_json = "{}";
        p.upp = bytes{0xA0, 0x00};
        p.metadata = bytes{0xBF, 0x25, 0x00};
        return p;
    }
    std::filesystem::path m_dir;
    std::string m_path;
    std::unique_ptr<store::inventory> m_inv;
};

} // namespace

TEST_F(sqlite_inventory, added_profile_is_found_by_matching_id_and_iccid)
{
    ASSERT_TRUE(m_inv->add_profile(profile("8949000000000000018", "AAAA-BBBB")));
    auto by_mid = m_inv->find_by_matching_id("AAAA-BBBB");
    ASSERT_TRUE(by_mid && *by_mid);
    EXPECT_EQ((*by_mid)->iccid, "8949000000000000018");
    EXPECT_EQ((*by_mid)->state, profile_state::released);
    EXPECT_EQ((*by_mid)->upp, (bytes{0xA0, 0x00}));
    auto by_iccid = m_inv->find_by_iccid("8949000000000000018");
    ASSERT_TRUE(by_iccid && *by_iccid);
    auto none = m_inv->find_by_matching_id("NOPE");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST_F(sqlite_inventory, when_iccid_or_matching_id_repeats_then_add_fails_and_changes_nothing)
{
    ASSERT_TRUE(m_inv->add_profile(profile("8949000000000000018", "AAAA")));
    auto dup_iccid = m_inv->add_profile(profile("8949000000000000018", "BBBB"));
    ASSERT_FALSE(dup_iccid);
    EXPECT_NE(dup_iccid.error().message.find("already"), std::string::npos);
    EXPECT_FALSE(m_inv->add_profile(profile("8949000000000000026", "AAAA")));
    EXPECT_EQ(m_inv->list_profiles()->size(), 1u);
}

TEST_F(sqlite_inventory, reservation_is_exclusive_until_it_expires)
{
    ASSERT_TRUE(m_inv->add_profile(profile("8949000000000000018", "AAAA")));
    EXPECT_TRUE(*m_inv->reserve_for_session("8949000000000000018", "T1", "EID1", 100, 400));
    EXPECT_FALSE(*m_inv->reserve_for_session("8949000000000000018", "T2", "EID1", 200, 500));
    // After the first session's expiry a new session may take it (the phone retried).
    EXPECT_TRUE(*m_inv->reserve_for_session("8949000000000000018", "T2", "EID1", 400, 700));
    // An expired, undelivered attempt does not bind the EID: another eUICC may take the order.
    EXPECT_TRUE(*m_inv->reserve_for_session("8949000000000000018", "T3", "EID2", 800, 900));
    // Once delivered to EID2, the profile belongs to it.
    ASSERT_TRUE(m_inv->record_delivery("8949000000000000018", "EID2", bytes{0x30, 0x00}));
    EXPECT_FALSE(*m_inv->reserve_for_session("8949000000000000018", "T4", "EID1", 1000, 1300));
    EXPECT_EQ((*m_inv->find_by_iccid("8949000000000000018"))->eid, "EID2");
}

TEST_F(sqlite_inventory, transition_needs_the_holding_session_and_the_expected_state)
{
    ASSERT_TRUE(m_inv->add_profile(profile("8949000000000000018", "AAAA")));
    ASSERT_TRUE(*m_inv->reserve_for_session("8949000000000000018", "T1", "EID1", 100, 400));
    EXPECT_FALSE(*m_inv->transition("8949000000000000018", profile_state::released, profile_state::downloaded, "T2"));
    EXPECT_TRUE(*m_inv->transition("8949000000000000018", profile_state::released, profile_state::downloaded, "T1"));
    EXPECT_FALSE(*m_inv->transition("8949000000000000018", profile_state::released, profile_state::downloaded, "T1"));
    EXPECT_FALSE(*m_inv->reserve_for_session("8949000000000000018", "T9", "EID1", 1000, 1300));
}

TEST_F(sqlite_inventory, matching_id_is_consumed_once_under_concurrent_sessions)
{
    ASSERT_TRUE(m_inv->add_profile(profile("8949000000000000018", "AAAA")));
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
        threads.emplace_back([&, i] {
            const std::string tid = "T" + std::to_string(i);
            auto r = m_inv->reserve_for_session("8949000000000000018", tid, "EID1", 100, 400);
            if (r && *r && *m_inv->transition("8949000000000000018", profile_state::released,
                                              profile_state::downloaded, tid))
                ++winners;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1);
}

TEST_F(sqlite_inventory, sessions_expire_and_are_purged)
{
    store::session_record s{"ABCD", "", "1", bytes{1, 2, 3}, 500};
    ASSERT_TRUE(m_inv->put_session(s));
    auto live = m_inv->get_session("ABCD", 499);
    ASSERT_TRUE(live && *live);
    EXPECT_EQ((*live)->data, (bytes{1, 2, 3}));
    auto expired = m_inv->get_session("ABCD", 500);
    ASSERT_TRUE(expired);
    EXPECT_FALSE(*expired);
    EXPECT_EQ(*m_inv->purge_expired_sessions(600), 1u);
}

TEST_F(sqlite_inventory, state_survives_reopening_the_file)
{
    ASSERT_TRUE(m_inv->add_profile(profile("8949000000000000018", "AAAA")));
    ASSERT_TRUE(m_inv->set_setting("smdp_address", "localhost:8443"));
    m_inv.reset();
    auto again = store::open_sqlite(m_path);
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)->list_profiles()->size(), 1u);
    EXPECT_EQ(*(*again)->get_setting("smdp_address").value(), "localhost:8443");
}

TEST(sqlite_inventory_open, when_path_is_unwritable_then_a_sentence_names_it)
{
    auto r = store::open_sqlite("/nonexistent-dir/x.db");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("/nonexistent-dir/x.db"), std::string::npos);
}
