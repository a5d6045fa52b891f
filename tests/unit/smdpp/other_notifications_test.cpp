/// \file
/// \brief ES9+ HandleNotification accepts every valid PendingNotification (SGP.22 §5.6.4): an
/// OtherSignedNotification for enable, disable or delete is Executed-Success whether its NotificationMetadata names
/// one of our profiles, an ICCID we never had, or no ICCID at all (iccid is OPTIONAL in NotificationMetadata,
/// §5.7.9). Notifications are signed by hand with the test PKI's eUICC key, as a card would sign them. Both backends.

#include "smdpp_fixture.h"

#include "openrsp/http/http.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/rsp/notifications.h"
#include "openrsp/rsp/saip.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* never_had = "8949000000000000992";

class other_notifications : public smdpp_test {
protected:
    /// A PendingNotification (OtherSignedNotification) for `event`, with the ICCID in BCD as §5.7.9 Iccid defines
    /// it when given, signed by the test eUICC.
    bytes notification(rsp::notification_event event, std::optional<std::string> iccid)
    {
        const auto& pki = shared_pki::get();
        rsp::other_signed_notification n;
        n.tbs_other_notification.seq_number = ++m_seq;
        n.tbs_other_notification.profile_management_operation = rsp::notification_events({event});
        n.tbs_other_notification.notification_address = smdp_address;
        if (iccid) n.tbs_other_notification.iccid = *rsp::iccid_to_bcd(*iccid);
        n.tbs_other_notification.raw = n.tbs_other_notification.encode();
        auto key = crypto::ec_key::from_pem(slurp(pki.path(pki::files::euicc_key)));
        EXPECT_TRUE(key);
        auto sig = crypto::ecdsa_sign(*key, n.tbs_other_notification.raw);
        EXPECT_TRUE(sig);
        n.euicc_notification_signature = *sig;
        n.euicc_certificate = crypto::certificate::load_file(pki.path(pki::files::euicc_cert))->der();
        n.eum_certificate = crypto::certificate::load_file(pki.path(pki::files::eum_cert))->der();
        return n.encode();
    }

    result<void> send(rsp::notification_event event, std::optional<std::string> iccid)
    {
        return m_service->handle_notification({notification(event, std::move(iccid))});
    }

    std::uint64_t m_seq = 0;
};

constexpr rsp::notification_event operations[] = {rsp::notification_event::enable, rsp::notification_event::disable,
                                                  rsp::notification_event::del};

} // namespace

TEST_P(other_notifications, enable_disable_and_delete_of_our_profile_are_executed_success)
{
    const auto mid = add_released(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    ASSERT_EQ(profile(iccid1).state, profile_state::installed);
    auto enabled = send(rsp::notification_event::enable, iccid1);
    ASSERT_TRUE(enabled) << enabled.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::enabled);
    auto disabled = send(rsp::notification_event::disable, iccid1);
    ASSERT_TRUE(disabled) << disabled.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::disabled);
    auto deleted = send(rsp::notification_event::del, iccid1);
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::deleted);
}

TEST_P(other_notifications, an_unknown_profile_or_no_iccid_is_executed_success_and_changes_nothing)
{
    const auto mid = add_released(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    for (const auto op : operations) {
        auto unknown = send(op, std::string(never_had));
        EXPECT_TRUE(unknown) << rsp::asn1_name(op) << ": " << unknown.error().message;
        auto none = send(op, std::nullopt);
        EXPECT_TRUE(none) << rsp::asn1_name(op) << ": " << none.error().message;
        // A twenty-digit ICCID fills all ten bytes without the F filler.
        auto long_iccid = send(op, std::string("89490000000000009920"));
        EXPECT_TRUE(long_iccid) << rsp::asn1_name(op) << ": " << long_iccid.error().message;
    }
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
    EXPECT_FALSE(*m_inventory->find_by_iccid(never_had));
}

TEST_P(other_notifications, over_http_a_notification_without_iccid_gets_204_no_content)
{
    for (const auto op : operations) {
        http::request req;
        req.method = "POST";
        req.target = std::string(rsp::es9p::path_prefix) + "handleNotification";
        req.headers = {{"Content-Type", "application/json"},
                       {"X-Admin-Protocol", std::string(rsp::es9p::admin_protocol)}};
        req.body = rsp::es9p::to_json(rsp::es9p::handle_notification_request{notification(op, std::nullopt)});
        const auto r = m_service->handle_http(req);
        EXPECT_EQ(r.status, 204) << rsp::asn1_name(op) << ": " << r.body;
        EXPECT_TRUE(r.body.empty()) << r.body;
    }
}

INSTANTIATE_TEST_SUITE_P(backends, other_notifications, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
