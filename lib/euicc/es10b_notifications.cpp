/// \file
/// \brief Notifications (SGP.22 §5.7.9-§5.7.11, facts §5.6): building OtherSignedNotifications for local
/// profile events, ListNotification, RetrieveNotificationsList and RemoveNotificationFromList.

#include "euicc_impl.h"

#include "openrsp/rsp/notifications.h"

namespace openrsp::euicc::detail {

namespace {

/// True if a PMO filter (NotificationEvent BIT STRING contents) selects an event.
bool filter_selects(byte_view pmo_filter, rsp::notification_event ev)
{
    return rsp::has_event(pmo_filter, ev);
}

/// The one error code of ListNotification and of RetrieveNotificationsList for a request we cannot read.
constexpr unsigned undefined_error = 127;
/// RetrieveNotificationsList notificationsListResultError noResultAvailable.
constexpr unsigned no_result_available = 1;

} // namespace

rsp::notification_metadata euicc_impl::notification_metadata(std::uint64_t seq, rsp::notification_event ev,
                                                             std::string_view address, byte_view iccid_bcd)
{
    rsp::notification_metadata m;
    m.seq_number = seq;
    m.profile_management_operation = rsp::notification_events({ev});
    m.notification_address = std::string(address);
    m.iccid.assign(iccid_bcd.begin(), iccid_bcd.end());
    return m;
}

result<void> euicc_impl::add_other_notifications(card_state& s, const installed_profile& p,
                                                 rsp::notification_event ev) const
{
    if (p.notification_config.empty()) return ok();
    auto entries = rsp::decode_notification_configuration_info(p.notification_config);
    if (!entries) return fail("The profile's notification configuration is malformed.");
    // One notification per configured address that asked for this event (SGP.22 §2.6.2.2).
    for (const auto& e : *entries) {
        if (!e.has(ev)) continue;
        const std::uint64_t seq = s.next_seq++;
        rsp::other_signed_notification n;
        n.tbs_other_notification = notification_metadata(seq, ev, e.notification_address, p.iccid_bcd);
        n.tbs_other_notification.raw = n.tbs_other_notification.encode();
        // Signed by the chain that downloaded the profile: its SM-DP+ may trust no other CI.
        const std::size_t id = p.identity < m_creds.identity_count() ? p.identity : 0;
        auto sig = sign(n.tbs_other_notification.raw, id);
        if (!sig) return sig.take_error();
        n.euicc_notification_signature = std::move(*sig);
        n.euicc_certificate = m_creds.euicc_cert_at(id).der();
        n.eum_certificate = m_creds.eum_cert_at(id).der();
        s.notifications.push_back(notification_record{seq, ev, e.notification_address, p.iccid_bcd, n.encode()});
    }
    return ok();
}

/// SGP.22 §5.7.9 ListNotification: the metadata of each pending notification, optionally filtered by PMO.
bytes euicc_impl::list_notification(const der::tlv& request) const
{
    rsp::list_notification_response out;
    // listNotificationsResultError undefinedError: the only failure v2.2.2 defines, for a body we cannot read.
    const auto req = rsp::list_notification_request::decode(request.raw);
    if (!req) {
        out.error = undefined_error;
        return out.encode();
    }
    const auto& filter = req->profile_management_operation;
    for (const auto& n : m_state.notifications) {
        if (filter && !filter_selects(*filter, n.event)) continue;
        out.notification_metadata_list.push_back(notification_metadata(n.seq, n.event, n.address, n.iccid_bcd));
    }
    return out.encode();
}

/// SGP.22 §5.7.10 RetrieveNotificationsList: the signed notifications, by seqNumber or PMO filter.
bytes euicc_impl::retrieve_notifications(const der::tlv& request) const
{
    const auto refuse = [](unsigned code) {
        rsp::retrieve_notifications_list_response r;
        r.error = code;
        return r.encode();
    };
    const auto req = rsp::retrieve_notifications_list_request::decode(request.raw);
    if (!req) return refuse(undefined_error);
    const auto& by_seq = req->seq_number;
    const auto& by_pmo = req->profile_management_operation;
    // The stored PendingNotifications go out byte for byte as they were signed; decoding each one only to encode
    // it again through rsp::retrieve_notifications_list_response would be work for nothing.
    der::writer w;
    w.begin(rsp::tag::retrieve_notifications_list)
        .begin(rsp::tag::retrieve_notifications_list_response::notification_list);
    std::size_t found = 0;
    for (const auto& n : m_state.notifications) {
        if (by_seq && n.seq != *by_seq) continue;
        if (by_pmo && !filter_selects(*by_pmo, n.event)) continue;
        w.raw(n.der);
        ++found;
    }
    w.end().end();
    if (found == 0 && (by_seq || by_pmo)) return refuse(no_result_available);
    return w.finish();
}

/// SGP.22 §5.7.11 RemoveNotificationFromList (NotificationSent).
bytes euicc_impl::remove_notification(const der::tlv& request)
{
    using rsp::notification_sent_result;
    const auto answer = [](notification_sent_result r) {
        return rsp::notification_sent_response{static_cast<unsigned>(rsp::to_int(r))}.encode();
    };
    const auto req = rsp::notification_sent_request::decode(request.raw);
    if (!req) return answer(notification_sent_result::undefined_error);
    card_state next = m_state;
    const auto removed =
        std::erase_if(next.notifications, [&](const notification_record& n) { return n.seq == req->seq_number; });
    if (removed == 0) return answer(notification_sent_result::nothing_to_delete);
    if (!commit(std::move(next))) return answer(notification_sent_result::undefined_error);
    return answer(notification_sent_result::ok);
}

} // namespace openrsp::euicc::detail
