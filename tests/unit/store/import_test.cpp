/// \file
/// \brief Bulk import, metrics gauges and the re-download policy in the store, every case on SQLite and
/// PostgreSQL.

#include "support/store_backends.h"

#include "openrsp/store/store.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace openrsp;
using store::import_outcome;
using store::profile_state;
using store::testing::backend;

namespace {

class store_import : public store::testing::backend_test {
protected:
    static store::inventory_profile available(const std::string& iccid, const std::string& imsi = "001010000000001")
    {
        store::inventory_profile p;
        p.iccid = iccid;
        p.state = profile_state::available;
        p.description_json = R"({"imsi":")" + imsi + R"("})";
        p.upp = bytes{0xA0, 0x00};
        p.metadata = bytes{0xBF, 0x25, 0x00};
        p.operator_id = "acme";
        p.profile_type = "gold";
        return p;
    }

    std::size_t count() const
    {
        auto all = m_inventory->list_profiles();
        EXPECT_TRUE(all) << all.error().message;
        return all ? all->size() : 0;
    }
};

} // namespace

TEST_P(store_import, a_batch_is_added_and_a_rerun_finds_every_profile_present)
{
    std::vector<store::inventory_profile> batch{available("8949000000000000018"), available("8949000000000000026"),
                                             available("8949000000000000034")};
    auto first = m_inventory->import_profiles(batch, false);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, std::vector<import_outcome>(3, import_outcome::added));
    EXPECT_EQ(count(), 3u);

    auto again = m_inventory->import_profiles(batch, false);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, std::vector<import_outcome>(3, import_outcome::present));
    EXPECT_EQ(count(), 3u);
    auto p = m_inventory->find_by_iccid("8949000000000000026");
    ASSERT_TRUE(p && *p);
    EXPECT_EQ((*p)->state, profile_state::available);
    EXPECT_EQ((*p)->operator_id, "acme");
    EXPECT_EQ((*p)->profile_type, "gold");
    EXPECT_TRUE((*p)->matching_id.empty());
}

TEST_P(store_import, a_known_iccid_with_other_data_is_a_conflict_and_is_not_overwritten)
{
    ASSERT_TRUE(m_inventory->import_profiles({available("8949000000000000018")}, false));
    auto other_imsi = available("8949000000000000018", "001010000000999");
    auto other_owner = available("8949000000000000018");
    other_owner.operator_id = "other";
    auto r = m_inventory->import_profiles({other_imsi, available("8949000000000000026"), other_owner}, false);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, (std::vector{import_outcome::conflict, import_outcome::added, import_outcome::conflict}));
    auto p = m_inventory->find_by_iccid("8949000000000000018");
    ASSERT_TRUE(p && *p);
    EXPECT_EQ((*p)->description_json, available("8949000000000000018").description_json);
    EXPECT_EQ((*p)->operator_id, "acme");
    EXPECT_EQ(count(), 2u);
}

TEST_P(store_import, all_or_nothing_rolls_the_batch_back_on_a_conflict)
{
    ASSERT_TRUE(m_inventory->import_profiles({available("8949000000000000018")}, false));
    auto r = m_inventory->import_profiles(
        {available("8949000000000000026"), available("8949000000000000018", "001010000000999")}, true);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, (std::vector{import_outcome::added, import_outcome::conflict}));
    auto rolled_back = m_inventory->find_by_iccid("8949000000000000026");
    ASSERT_TRUE(rolled_back);
    EXPECT_FALSE(*rolled_back) << "the batch's other profile must not stay";
    EXPECT_EQ(count(), 1u);
}

TEST_P(store_import, the_same_iccid_twice_in_one_batch_is_added_once)
{
    auto r = m_inventory->import_profiles({available("8949000000000000018"), available("8949000000000000018"),
                                           available("8949000000000000018", "001010000000999")},
                                          false);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, (std::vector{import_outcome::added, import_outcome::present, import_outcome::conflict}));
    EXPECT_EQ(count(), 1u);
}

TEST_P(store_import, sealed_imports_compare_in_clear_and_a_store_without_the_key_refuses)
{
    auto key = store::make_kek(bytes(32, 0x42));
    ASSERT_TRUE(key) << key.error().message;
    m_inventory.reset();
    auto sealed = store::open_inventory(m_location, store::key_ring{{*key}});
    ASSERT_TRUE(sealed) << sealed.error().message;
    m_inventory = std::move(*sealed);
    ASSERT_TRUE(m_inventory->import_profiles({available("8949000000000000018")}, false));
    auto again = m_inventory->import_profiles({available("8949000000000000018")}, false);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, std::vector<import_outcome>{import_outcome::present});

    m_inventory.reset();
    auto keyless = store::open_inventory(m_location);
    ASSERT_TRUE(keyless) << keyless.error().message;
    auto refused = (*keyless)->import_profiles({available("8949000000000000026")}, false);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("--kek"), std::string::npos) << refused.error().message;
}

TEST_P(store_import, deletion_is_final_unless_the_order_allows_redownload)
{
    auto a = available("8949000000000000018");
    auto b = available("8949000000000000026");
    ASSERT_TRUE(m_inventory->import_profiles({a, b}, false));
    // Both delivered to an eUICC (the store's own transitions, as a download leaves them).
    for (const char* iccid : {"8949000000000000018", "8949000000000000026"}) {
        store::order_change c;
        c.to = profile_state::released;
        c.eid = std::string(32, '1');
        c.matching_id = std::string("MID-") + iccid;
        c.allow_redownload = std::string(iccid) == "8949000000000000026";
        ASSERT_EQ(*m_inventory->update_order(iccid, "acme", profile_state::available, c), store::order_outcome::done);
        ASSERT_TRUE(*m_inventory->reserve_for_session(iccid, "T1", std::string(32, '1'), 100, 400));
        ASSERT_TRUE(*m_inventory->deliver(iccid, "T1", std::string(32, '1'), bytes{0x30, 0x00}));
        ASSERT_TRUE(*m_inventory->transition(iccid, profile_state::downloaded, profile_state::installed, "T1"));
    }
    auto gone = m_inventory->record_deletion("8949000000000000018");
    ASSERT_TRUE(gone) << gone.error().message;
    EXPECT_EQ(*gone, profile_state::deleted);
    auto back = m_inventory->record_deletion("8949000000000000026");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, profile_state::released);
    auto p = **m_inventory->find_by_iccid("8949000000000000026");
    EXPECT_EQ(p.state, profile_state::released);
    EXPECT_EQ(p.eid, std::string(32, '1')) << "the EID binding stays";
    EXPECT_EQ(p.matching_id, "MID-8949000000000000026");
    EXPECT_TRUE(p.session_tid.empty());
    EXPECT_EQ(p.download_attempts, 0);
    EXPECT_TRUE(p.allow_redownload);
    auto twice = m_inventory->record_deletion("8949000000000000026"); // sent again: the re-download stays open
    ASSERT_TRUE(twice);
    EXPECT_FALSE(*twice);
    EXPECT_EQ((**m_inventory->find_by_iccid("8949000000000000026")).state, profile_state::released);
    auto unknown = m_inventory->record_deletion("8949000000000000999");
    ASSERT_TRUE(unknown);
    EXPECT_FALSE(*unknown);

    // The operator changes the policy afterwards; only its own profiles.
    EXPECT_TRUE(*m_inventory->set_redownload_policy("8949000000000000018", "acme", true));
    EXPECT_FALSE(*m_inventory->set_redownload_policy("8949000000000000018", "other", false));
    EXPECT_TRUE((**m_inventory->find_by_iccid("8949000000000000018")).allow_redownload);
    // CancelOrder's reset clears the policy with the rest of the order.
    store::order_change reset;
    reset.to = profile_state::available;
    reset.reset = true;
    ASSERT_EQ(*m_inventory->update_order("8949000000000000026", "acme", profile_state::released, reset),
              store::order_outcome::done);
    EXPECT_FALSE((**m_inventory->find_by_iccid("8949000000000000026")).allow_redownload);
}

TEST_P(store_import, gauges_count_profiles_live_sessions_and_callbacks_in_one_call)
{
    ASSERT_TRUE(
        m_inventory->import_profiles({available("8949000000000000018"), available("8949000000000000026")}, false));
    ASSERT_TRUE(m_inventory->put_session({"AA01", "", "1", bytes{1}, 1000}));
    ASSERT_TRUE(m_inventory->put_session({"AA02", "", "2", bytes{1}, 1000}));
    ASSERT_TRUE(m_inventory->put_session({"AA03", "", "2", bytes{1}, 1000}));
    ASSERT_TRUE(m_inventory->put_session({"AA04", "", "2", bytes{1}, 50})); // expired at 100
    auto g = m_inventory->gauges(100);
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->profiles, (std::vector<std::pair<profile_state, std::int64_t>>{{profile_state::available, 2}}));
    auto sessions = g->sessions;
    std::sort(sessions.begin(), sessions.end());
    EXPECT_EQ(sessions, (std::vector<std::pair<std::string, std::int64_t>>{{"1", 1}, {"2", 2}}));
    EXPECT_TRUE(g->progress_callbacks.empty());
}

INSTANTIATE_TEST_SUITE_P(backends, store_import, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
