/// \file
/// \brief Re-download policy per order (SGP.22: after the eUICC deletes a profile, may the same order download
/// again?): by default the deletion is final; an order allowing it returns to Released for the same EID only.

#include "smdpp_fixture.h"

#include "openrsp/http/message.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";

class redownload : public smdpp_test {
protected:
    /// An ES2+ order for iccid1, released, with the given re-download policy (absent: the default).
    std::string order(std::optional<bool> allow, bool at_confirm = false)
    {
        add_available(iccid1, "acme");
        es2p::download_order_request d;
        d.iccid = iccid1;
        if (!at_confirm) d.allow_redownload = allow;
        EXPECT_TRUE(es2p::download_order(*m_inventory, {"acme", smdp_address}, d));
        es2p::confirm_order_request c;
        c.iccid = iccid1;
        c.release_flag = true;
        if (at_confirm) c.allow_redownload = allow;
        auto r = es2p::confirm_order(*m_inventory, {"acme", smdp_address}, c);
        EXPECT_TRUE(r) << r.error().message;
        return r ? r->matching_id : "";
    }

    /// Deletes iccid1 on the eUICC and sends the delete notification to the SM-DP+.
    void delete_on_euicc(const std::string& euicc_path)
    {
        auto opened = open_euicc(euicc_path);
        ASSERT_TRUE(opened) << opened.error().message;
        auto& es10 = *opened->es10;
        ASSERT_TRUE(es10.delete_profile(iccid1));
        auto list = es10.list_notifications();
        ASSERT_TRUE(list);
        bool sent = false;
        for (const auto& n : *list) {
            if (n.operation != "delete") continue;
            auto pending = es10.retrieve_notification(n.seq_number);
            ASSERT_TRUE(pending);
            ASSERT_TRUE(m_service->handle_notification({*pending}));
            ASSERT_TRUE(es10.remove_notification(n.seq_number));
            sent = true;
        }
        ASSERT_TRUE(sent);
    }

    /// Downloads iccid1, enables and disables it on the eUICC keeping the disable notification unsent (a phone
    /// offline, say), deletes it (notification sent), then delivers the late disable notification.
    void late_disable_after_delete(bool allow)
    {
        const auto mid = order(allow);
        const auto euicc = make_euicc();
        ASSERT_TRUE(download(euicc, mid));
        bytes late_disable;
        {
            auto opened = open_euicc(euicc);
            ASSERT_TRUE(opened) << opened.error().message;
            auto& es10 = *opened->es10;
            ASSERT_TRUE(es10.enable_profile(iccid1));
            ASSERT_TRUE(es10.disable_profile(iccid1));
            auto list = es10.list_notifications();
            ASSERT_TRUE(list);
            for (const auto& n : *list) {
                if (n.operation != "disable") continue;
                auto pending = es10.retrieve_notification(n.seq_number);
                ASSERT_TRUE(pending);
                late_disable = *pending;
                ASSERT_TRUE(es10.remove_notification(n.seq_number));
            }
        }
        ASSERT_FALSE(late_disable.empty());
        delete_on_euicc(euicc);
        const auto after_delete = allow ? profile_state::released : profile_state::deleted;
        ASSERT_EQ(profile(iccid1).state, after_delete);
        ASSERT_TRUE(m_service->handle_notification({late_disable})); // acknowledged, but changes nothing
        EXPECT_EQ(profile(iccid1).state, after_delete);
    }
};

} // namespace

TEST_P(redownload, by_default_a_deleted_profile_stays_deleted_and_its_code_is_spent)
{
    const auto mid = order(std::nullopt);
    const auto euicc = make_euicc();
    ASSERT_TRUE(download(euicc, mid));
    delete_on_euicc(euicc);
    EXPECT_EQ(profile(iccid1).state, profile_state::deleted);
    auto again = download(euicc, mid);
    ASSERT_FALSE(again);
    expect_codes(again.error(), "8.2.6", "3.8");
    EXPECT_EQ(profile(iccid1).state, profile_state::deleted);
}

TEST_P(redownload, an_order_allowing_it_is_released_again_for_the_same_eid_and_downloads_again)
{
    const auto mid = order(true);
    EXPECT_TRUE(profile(iccid1).allow_redownload);
    const auto euicc = make_euicc();
    ASSERT_TRUE(download(euicc, mid));
    delete_on_euicc(euicc);
    auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::released);
    EXPECT_EQ(p.matching_id, mid);
    EXPECT_FALSE(p.eid.empty()) << "the EID binding stays";

    auto again = download(euicc, mid);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
    EXPECT_EQ(profile(iccid1).download_attempts, 1);
}

TEST_P(redownload, the_policy_is_set_at_confirm_order_or_later_by_the_operator_and_scoped_to_it)
{
    const auto mid = order(true, /*at_confirm=*/true);
    EXPECT_TRUE(profile(iccid1).allow_redownload);
    ASSERT_TRUE(es2p::set_redownload_policy(*m_inventory, {"acme", smdp_address}, iccid1, false));
    EXPECT_FALSE(profile(iccid1).allow_redownload);
    auto foreign = es2p::set_redownload_policy(*m_inventory, {"other", smdp_address}, iccid1, true);
    ASSERT_FALSE(foreign);
    expect_codes(foreign.error(), "8.2.1", "3.9");
    EXPECT_FALSE(profile(iccid1).allow_redownload);

    const auto euicc = make_euicc();
    ASSERT_TRUE(download(euicc, mid));
    delete_on_euicc(euicc);
    EXPECT_EQ(profile(iccid1).state, profile_state::deleted);
}

TEST_P(redownload, the_json_binding_carries_allow_redownload_and_refuses_a_non_boolean)
{
    es2p::confirm_order_request c;
    c.header = {"acme", "1"};
    c.iccid = iccid1;
    c.allow_redownload = true;
    auto parsed = es2p::parse_confirm_order_request(es2p::to_json(c));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->allow_redownload, std::optional<bool>(true));
    auto absent = es2p::parse_download_order_request(
        R"({"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"1"},"iccid":"8949000000000000018"})");
    ASSERT_TRUE(absent) << absent.error().message;
    EXPECT_FALSE(absent->allow_redownload);
    auto bad = es2p::parse_download_order_request(
        R"({"header":{"functionRequesterIdentifier":"a","functionCallIdentifier":"1"},"iccid":"8949000000000000018",)"
        R"("allowRedownload":"yes"})");
    ASSERT_FALSE(bad);
    expect_codes(bad.error(), "1.3.1", "2.1");
}

INSTANTIATE_TEST_SUITE_P(backends, redownload, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });

TEST_P(redownload, a_late_disable_notification_does_not_pull_a_deleted_profile_back)
{
    late_disable_after_delete(false);
}

TEST_P(redownload, a_late_disable_notification_leaves_a_profile_released_again_for_redownload_in_released)
{
    late_disable_after_delete(true);
}
