/// \file
/// \brief Notifications (SGP.22 §5.7.9-§5.7.11, facts §5.6): building OtherSignedNotifications for local
/// profile events, ListNotification, RetrieveNotificationsList and RemoveNotificationFromList.

#include "euicc_impl.h"

namespace openrsp::euicc::detail {

namespace {

/// True if a PMO filter (NotificationEvent BIT STRING contents) selects an event.
bool filter_selects(byte_view pmo_filter, rsp::notification_event ev)
{
    return der::bit_is_set(pmo_filter, static_cast<unsigned>(ev));
}

} // namespace

bytes euicc_impl::notification_metadata(std::uint64_t seq, rsp::notification_event ev, std::string_view address,
                                        byte_view iccid_bcd)
{
    der::writer w;
    w.begin(rsp::tag::notification_metadata)
        .add_uint(0x80, seq)
        .add_named_bits(0x81, {static_cast<unsigned>(ev)})
        .add(rsp::tag::utf8_string, address);
    if (!iccid_bcd.empty()) w.add(rsp::tag::iccid, iccid_bcd);
    w.end();
    return w.finish();
}

result<void> euicc_impl::add_other_notifications(card_state& s, const installed_profile& p,
                                                 rsp::notification_event ev) const
{
    if (p.notification_config.empty()) return ok();
    auto entries = der::reader(p.notification_config).all();
    if (!entries) return fail("The profile's notification configuration is malformed.");
    // One notification per configured address that asked for this event (SGP.22 §2.6.2.2).
    for (const auto& e : *entries) {
        if (e.tag != rsp::tag::sequence) continue;
        const der::reader r(e.value);
        const auto pmo = r.find(0x80);
        const auto address = r.find(0x81);
        if (!pmo || !address || !filter_selects(pmo->value, ev)) continue;
        const std::uint64_t seq = s.next_seq++;
        const bytes tbs = notification_metadata(seq, ev, to_string(address->value), p.iccid_bcd);
        // Signed by the chain that downloaded the profile: its SM-DP+ may trust no other CI.
        const std::size_t id = p.identity < m_creds.identity_count() ? p.identity : 0;
        auto sig = sign_tlv(tbs, id);
        if (!sig) return sig.take_error();
        der::writer w;
        w.begin(rsp::tag::sequence)
            .raw(tbs)
            .raw(*sig)
            .raw(m_creds.euicc_cert_at(id).der())
            .raw(m_creds.eum_cert_at(id).der())
            .end();
        s.notifications.push_back(notification_record{seq, ev, to_string(address->value), p.iccid_bcd, w.finish()});
    }
    return ok();
}

/// SGP.22 §5.7.9 ListNotification: the metadata of each pending notification, optionally filtered by PMO.
bytes euicc_impl::list_notification(const der::tlv& request) const
{
    // listNotificationsResultError undefinedError: the only failure v2.2.2 defines, for a body we cannot read.
    if (!request.value.empty() && !der::reader(request.value).all()) {
        der::writer w;
        w.begin(rsp::tag::list_notification).add_uint(0x81, 127).end();
        return w.finish();
    }
    const auto filter = der::reader(request.value).find(0x81);
    der::writer w;
    w.begin(rsp::tag::list_notification).begin(0xA0);
    for (const auto& n : m_state.notifications) {
        if (filter && !filter_selects(filter->value, n.event)) continue;
        w.raw(notification_metadata(n.seq, n.event, n.address, n.iccid_bcd));
    }
    w.end().end();
    return w.finish();
}

/// SGP.22 §5.7.10 RetrieveNotificationsList: the signed notifications, by seqNumber or PMO filter.
bytes euicc_impl::retrieve_notifications(const der::tlv& request) const
{
    constexpr der::tag_t outer = rsp::tag::retrieve_notifications_list;
    std::optional<std::uint64_t> by_seq;
    std::optional<der::tlv> by_pmo;
    if (const auto criteria = der::reader(request.value).find(0xA0)) {
        const der::reader c(criteria->value);
        if (const auto s = c.find(0x80)) {
            auto v = der::decode_uint(s->value);
            if (!v) {
                // notificationsListResultError [1] undefinedError.
                der::writer w;
                w.begin(outer).add_uint(0x81, 127).end();
                return w.finish();
            }
            by_seq = *v;
        }
        by_pmo = c.find(0x81);
    }
    der::writer w;
    w.begin(outer).begin(0xA0);
    std::size_t found = 0;
    for (const auto& n : m_state.notifications) {
        if (by_seq && n.seq != *by_seq) continue;
        if (by_pmo && !filter_selects(by_pmo->value, n.event)) continue;
        w.raw(n.der);
        ++found;
    }
    w.end().end();
    if (found == 0 && (by_seq || by_pmo)) {
        der::writer none;
        none.begin(outer).add_uint(0x81, 1).end(); // noResultAvailable
        return none.finish();
    }
    return w.finish();
}

/// SGP.22 §5.7.11 RemoveNotificationFromList (NotificationSent).
bytes euicc_impl::remove_notification(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::notification_sent;
    const auto seq_tlv = der::reader(request.value).find(0x80);
    if (!seq_tlv) return simple_result(outer, 127);
    auto seq = der::decode_uint(seq_tlv->value);
    if (!seq) return simple_result(outer, 127);
    card_state next = m_state;
    const auto removed = std::erase_if(next.notifications, [&](const notification_record& n) { return n.seq == *seq; });
    if (removed == 0) return simple_result(outer, 1); // nothingToDelete
    if (!commit(std::move(next))) return simple_result(outer, 127);
    return simple_result(outer, 0);
}

} // namespace openrsp::euicc::detail
