/// \file
/// \brief NotificationMetadata and the notification messages (SGP.22 §5.7.9-§5.7.11, §5.6.4).

#include "message_codec.h"

#include "openrsp/rsp/notifications.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>

namespace openrsp::rsp {

namespace {
constexpr std::string_view metadata_type = "NotificationMetadata";
constexpr std::string_view other_type = "OtherSignedNotification";
constexpr std::string_view pending_type = "PendingNotification";
constexpr std::string_view list_request_type = "ListNotificationRequest";
constexpr std::string_view list_response_type = "ListNotificationResponse";
constexpr std::string_view retrieve_request_type = "RetrieveNotificationsListRequest";
constexpr std::string_view retrieve_response_type = "RetrieveNotificationsListResponse";
constexpr std::string_view sent_request_type = "NotificationSentRequest";
constexpr std::string_view sent_response_type = "NotificationSentResponse";

/// A `BFxx` CHOICE of `A0` list | `81` INTEGER error: the list's elements or the error code.
struct list_or_error {
    std::vector<der::tlv> items;
    std::optional<unsigned> error;
};

result<list_or_error> decode_list_or_error(const der::tlv& outer, std::string_view type, der::tag_t list_tag,
                                           der::tag_t error_tag)
{
    auto choice = der::parse_one(outer.value);
    if (!choice) return codec::invalid(type, "the contents are not exactly one CHOICE alternative");
    list_or_error out;
    if (choice->tag == error_tag) {
        auto c = codec::code(*choice, type, "the error code");
        if (!c) return c.take_error();
        out.error = *c;
        return out;
    }
    if (choice->tag != list_tag)
        return codec::invalid(type, "the CHOICE alternative " + codec::tag_text(choice->tag) + " is unknown");
    auto items = der::reader(choice->value).all();
    if (!items) return codec::invalid(type, "the list is not valid DER");
    out.items = std::move(*items);
    return out;
}
} // namespace

bytes notification_events(std::initializer_list<notification_event> events)
{
    if (events.size() == 0) return bytes{0x00};
    unsigned highest = 0;
    for (const auto e : events)
        highest = std::max(highest, static_cast<unsigned>(e));
    // DER: trailing zero bits are removed (X.690 §11.2.2), so the last byte holds the highest named bit.
    bytes v(2 + highest / 8, 0);
    v[0] = static_cast<std::uint8_t>(7 - highest % 8);
    for (const auto e : events) {
        const auto b = static_cast<unsigned>(e);
        v[1 + b / 8] |= static_cast<std::uint8_t>(0x80 >> (b % 8));
    }
    return v;
}

bool has_event(byte_view bit_string_contents, notification_event e)
{
    return der::bit_is_set(bit_string_contents, static_cast<unsigned>(e));
}

std::optional<notification_event> notification_metadata::event() const
{
    for (const auto e : {notification_event::install, notification_event::enable, notification_event::disable,
                         notification_event::del})
        if (has(e)) return e;
    return std::nullopt;
}

std::string notification_metadata::iccid_digits() const
{
    return iccid_from_bcd(iccid);
}

result<notification_metadata> notification_metadata::decode(byte_view der)
{
    namespace t = tag::notification_metadata_fields;
    auto outer = codec::open(der, tag::notification_metadata, metadata_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, metadata_type,
                                 {t::seq_number, t::profile_management_operation, t::notification_address, t::iccid});
    if (!f) return f.take_error();
    notification_metadata out;
    auto seq = f->need(t::seq_number, "seqNumber");
    if (!seq) return seq.take_error();
    auto seq_v = codec::uinteger(*seq, metadata_type, "seqNumber");
    if (!seq_v) return seq_v.take_error();
    out.seq_number = *seq_v;
    auto pmo = f->need(t::profile_management_operation, "profileManagementOperation");
    if (!pmo) return pmo.take_error();
    auto pmo_v = codec::bit_string(*pmo, metadata_type, "profileManagementOperation");
    if (!pmo_v) return pmo_v.take_error();
    out.profile_management_operation = std::move(*pmo_v);
    auto address = f->need(t::notification_address, "notificationAddress");
    if (!address) return address.take_error();
    out.notification_address = to_string(address->value);
    if (const auto i = f->find(t::iccid)) {
        auto v = codec::iccid(*i, metadata_type);
        if (!v) return v.take_error();
        out.iccid = std::move(*v);
    }
    out.raw.assign(der.begin(), der.end());
    return out;
}

bytes notification_metadata::encode() const
{
    if (!raw.empty()) return raw;
    namespace t = tag::notification_metadata_fields;
    der::writer w;
    w.begin(tag::notification_metadata)
        .add_uint(t::seq_number, seq_number)
        .add(t::profile_management_operation, profile_management_operation)
        .add(t::notification_address, notification_address);
    if (!iccid.empty()) w.add(t::iccid, iccid);
    w.end();
    return w.finish();
}

result<other_signed_notification> other_signed_notification::decode(byte_view der)
{
    namespace t = tag::other_signed_notification;
    auto outer = codec::open(der, tag::sequence, other_type);
    if (!outer) return outer.take_error();
    auto f =
        codec::fields::read(outer->value, other_type, {t::tbs_other_notification, t::euicc_notification_signature});
    if (!f) return f.take_error();
    other_signed_notification out;
    auto tbs = f->need(t::tbs_other_notification, "tbsOtherNotification");
    if (!tbs) return tbs.take_error();
    auto meta = notification_metadata::decode(tbs->raw);
    if (!meta) return meta.take_error();
    out.tbs_other_notification = std::move(*meta);
    auto sig = f->need(t::euicc_notification_signature, "euiccNotificationSignature");
    if (!sig) return sig.take_error();
    out.euicc_notification_signature.assign(sig->value.begin(), sig->value.end());
    // Both certificates are universal SEQUENCEs: the first is the eUICC's, the second the EUM's (component order).
    std::vector<der::tlv> certs;
    for (const auto& item : f->all())
        if (item.tag == tag::sequence) certs.push_back(item);
    if (certs.empty()) return codec::missing(other_type, "euiccCertificate", tag::sequence);
    if (certs.size() < 2) return codec::missing(other_type, "eumCertificate", tag::sequence);
    out.euicc_certificate.assign(certs[0].raw.begin(), certs[0].raw.end());
    out.eum_certificate.assign(certs[1].raw.begin(), certs[1].raw.end());
    return out;
}

bytes other_signed_notification::encode() const
{
    der::writer w;
    w.begin(tag::sequence)
        .raw(tbs_other_notification.encode())
        .add(tag::other_signed_notification::euicc_notification_signature, euicc_notification_signature)
        .raw(euicc_certificate)
        .raw(eum_certificate)
        .end();
    return w.finish();
}

const notification_metadata& pending_notification::metadata() const
{
    if (const auto* p = installation_result()) return p->notification_metadata;
    return std::get<1>(value).tbs_other_notification;
}

result<pending_notification> pending_notification::decode(byte_view der)
{
    auto first = der::parse_prefix(der);
    if (!first) return codec::invalid(pending_type, "not valid DER (" + first.error().message + ")");
    if (first->tag == tag::profile_installation_result) {
        auto pir = profile_installation_result::decode(der);
        if (!pir) return pir.take_error();
        return pending_notification{std::move(*pir)};
    }
    if (first->tag == tag::sequence) {
        auto other = other_signed_notification::decode(der);
        if (!other) return other.take_error();
        return pending_notification{std::move(*other)};
    }
    return codec::invalid(pending_type, "the tag " + codec::tag_text(first->tag) +
                                            " is neither a ProfileInstallationResult (BF37) nor an "
                                            "OtherSignedNotification (30)");
}

bytes pending_notification::encode() const
{
    if (const auto* p = installation_result()) return p->encode();
    return std::get<1>(value).encode();
}

result<list_notification_request> list_notification_request::decode(byte_view der)
{
    namespace t = tag::list_notification_request;
    auto outer = codec::open(der, tag::list_notification, list_request_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, list_request_type, {t::profile_management_operation});
    if (!f) return f.take_error();
    list_notification_request out;
    if (const auto pmo = f->find(t::profile_management_operation)) {
        auto bits = codec::bit_string(*pmo, list_request_type, "profileManagementOperation");
        if (!bits) return bits.take_error();
        out.profile_management_operation = std::move(*bits);
    }
    return out;
}

bytes list_notification_request::encode() const
{
    der::writer w;
    w.begin(tag::list_notification);
    if (profile_management_operation)
        w.add(tag::list_notification_request::profile_management_operation, *profile_management_operation);
    w.end();
    return w.finish();
}

result<list_notification_response> list_notification_response::decode(byte_view der)
{
    namespace t = tag::list_notification_response;
    auto outer = codec::open(der, tag::list_notification, list_response_type);
    if (!outer) return outer.take_error();
    auto choice = decode_list_or_error(*outer, list_response_type, t::notification_metadata_list,
                                       t::list_notifications_result_error);
    if (!choice) return choice.take_error();
    list_notification_response out;
    out.error = choice->error;
    for (const auto& item : choice->items) {
        auto meta = notification_metadata::decode(item.raw);
        if (!meta) return meta.take_error();
        out.notification_metadata_list.push_back(std::move(*meta));
    }
    return out;
}

bytes list_notification_response::encode() const
{
    namespace t = tag::list_notification_response;
    der::writer w;
    w.begin(tag::list_notification);
    if (error) {
        w.add_uint(t::list_notifications_result_error, *error);
    } else {
        w.begin(t::notification_metadata_list);
        for (const auto& m : notification_metadata_list)
            w.raw(m.encode());
        w.end();
    }
    w.end();
    return w.finish();
}

result<retrieve_notifications_list_request> retrieve_notifications_list_request::decode(byte_view der)
{
    namespace t = tag::retrieve_notifications_list_request;
    auto outer = codec::open(der, tag::retrieve_notifications_list, retrieve_request_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, retrieve_request_type, {t::search_criteria});
    if (!f) return f.take_error();
    retrieve_notifications_list_request out;
    const auto criteria = f->find(t::search_criteria);
    if (!criteria) return out;
    auto choice = der::parse_one(criteria->value);
    if (!choice) return codec::invalid(retrieve_request_type, "searchCriteria is not exactly one CHOICE alternative");
    if (choice->tag == t::seq_number) {
        auto v = codec::uinteger(*choice, retrieve_request_type, "seqNumber");
        if (!v) return v.take_error();
        out.seq_number = *v;
    } else if (choice->tag == t::profile_management_operation) {
        auto bits = codec::bit_string(*choice, retrieve_request_type, "profileManagementOperation");
        if (!bits) return bits.take_error();
        out.profile_management_operation = std::move(*bits);
    } else {
        return codec::invalid(retrieve_request_type,
                              "searchCriteria has the unknown alternative " + codec::tag_text(choice->tag));
    }
    return out;
}

bytes retrieve_notifications_list_request::encode() const
{
    namespace t = tag::retrieve_notifications_list_request;
    der::writer w;
    w.begin(tag::retrieve_notifications_list);
    if (seq_number)
        w.begin(t::search_criteria).add_uint(t::seq_number, *seq_number).end();
    else if (profile_management_operation)
        w.begin(t::search_criteria).add(t::profile_management_operation, *profile_management_operation).end();
    w.end();
    return w.finish();
}

result<retrieve_notifications_list_response> retrieve_notifications_list_response::decode(byte_view der)
{
    namespace t = tag::retrieve_notifications_list_response;
    auto outer = codec::open(der, tag::retrieve_notifications_list, retrieve_response_type);
    if (!outer) return outer.take_error();
    auto choice =
        decode_list_or_error(*outer, retrieve_response_type, t::notification_list, t::notifications_list_result_error);
    if (!choice) return choice.take_error();
    retrieve_notifications_list_response out;
    out.error = choice->error;
    for (const auto& item : choice->items) {
        auto n = pending_notification::decode(item.raw);
        if (!n) return n.take_error();
        out.notification_list.push_back(std::move(*n));
    }
    return out;
}

bytes retrieve_notifications_list_response::encode() const
{
    namespace t = tag::retrieve_notifications_list_response;
    der::writer w;
    w.begin(tag::retrieve_notifications_list);
    if (error) {
        w.add_uint(t::notifications_list_result_error, *error);
    } else {
        w.begin(t::notification_list);
        for (const auto& n : notification_list)
            w.raw(n.encode());
        w.end();
    }
    w.end();
    return w.finish();
}

result<notification_sent_request> notification_sent_request::decode(byte_view der)
{
    namespace t = tag::notification_sent_request;
    auto outer = codec::open(der, tag::notification_sent, sent_request_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, sent_request_type, {t::seq_number});
    if (!f) return f.take_error();
    auto seq = f->need(t::seq_number, "seqNumber");
    if (!seq) return seq.take_error();
    auto v = codec::uinteger(*seq, sent_request_type, "seqNumber");
    if (!v) return v.take_error();
    return notification_sent_request{*v};
}

bytes notification_sent_request::encode() const
{
    der::writer w;
    w.begin(tag::notification_sent).add_uint(tag::notification_sent_request::seq_number, seq_number).end();
    return w.finish();
}

result<notification_sent_response> notification_sent_response::decode(byte_view der)
{
    namespace t = tag::notification_sent_response;
    auto outer = codec::open(der, tag::notification_sent, sent_response_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, sent_response_type, {t::delete_notification_status});
    if (!f) return f.take_error();
    auto status = f->need(t::delete_notification_status, "deleteNotificationStatus");
    if (!status) return status.take_error();
    auto v = codec::code(*status, sent_response_type, "deleteNotificationStatus");
    if (!v) return v.take_error();
    return notification_sent_response{*v};
}

bytes notification_sent_response::encode() const
{
    der::writer w;
    w.begin(tag::notification_sent)
        .add_uint(tag::notification_sent_response::delete_notification_status, delete_notification_status)
        .end();
    return w.finish();
}

} // namespace openrsp::rsp
