#pragma once
/// \file
/// \brief Typed notification messages (SGP.22 v2.2.2): OtherSignedNotification and PendingNotification (§5.7.10,
/// ES9+ HandleNotification §5.6.4), ListNotification (§5.7.9), RetrieveNotificationsList (§5.7.10) and
/// NotificationSent / RemoveNotificationFromList (§5.7.11). NotificationMetadata is in notification_metadata.h.
///
/// Same shape as download.h: `decode(der)` takes the whole TLV and rejects another outer tag, trailing bytes, missing
/// (1.3.1 / 2.2) or invalid (1.3.1 / 2.1) fields; `encode()` writes DER, signed parts from their received bytes.
/// A CHOICE response with an error alternative carries `std::optional<unsigned> error` (set: the error branch).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/installation_result.h"
#include "openrsp/rsp/notification_metadata.h"

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace openrsp::rsp {

/// OtherSignedNotification `30`: enable, disable and delete notifications (and install ones of other SM-DP+s).
/// euiccNotificationSignature covers `tbs_other_notification.raw`.
struct other_signed_notification {
    notification_metadata tbs_other_notification;
    bytes euicc_notification_signature; ///< `5F37` contents: raw r||s
    bytes euicc_certificate;            ///< CERT.EUICC, the whole `30` TLV
    bytes eum_certificate;              ///< CERT.EUM, the whole `30` TLV

    static result<other_signed_notification> decode(byte_view der);
    bytes encode() const;
};

/// PendingNotification CHOICE: `BF37` ProfileInstallationResult or `30` OtherSignedNotification.
struct pending_notification {
    std::variant<profile_installation_result, other_signed_notification> value;

    [[nodiscard]] const profile_installation_result* installation_result() const { return std::get_if<0>(&value); }
    [[nodiscard]] const other_signed_notification* other() const { return std::get_if<1>(&value); }
    /// The NotificationMetadata either alternative carries.
    [[nodiscard]] const notification_metadata& metadata() const;

    static result<pending_notification> decode(byte_view der);
    bytes encode() const;
};

/// ListNotificationRequest `BF28`: an optional NotificationEvent filter.
struct list_notification_request {
    std::optional<bytes> profile_management_operation; ///< BIT STRING contents

    static result<list_notification_request> decode(byte_view der);
    bytes encode() const;
};

/// ListNotificationResponse `BF28`: the metadata list, or listNotificationsResultError (127 undefinedError).
struct list_notification_response {
    std::vector<notification_metadata> notification_metadata_list;
    std::optional<unsigned> error;

    static result<list_notification_response> decode(byte_view der);
    bytes encode() const;
};

/// RetrieveNotificationsListRequest `BF2B`: searchCriteria CHOICE (at most one of the two is set).
struct retrieve_notifications_list_request {
    std::optional<std::uint64_t> seq_number;
    std::optional<bytes> profile_management_operation; ///< BIT STRING contents

    static result<retrieve_notifications_list_request> decode(byte_view der);
    bytes encode() const;
};

/// RetrieveNotificationsListResponse `BF2B`: the notifications, or notificationsListResultError
/// (1 noResultAvailable, 127 undefinedError).
struct retrieve_notifications_list_response {
    std::vector<pending_notification> notification_list;
    std::optional<unsigned> error;

    static result<retrieve_notifications_list_response> decode(byte_view der);
    bytes encode() const;
};

/// NotificationSentRequest `BF30` (ES10b RemoveNotificationFromList).
struct notification_sent_request {
    std::uint64_t seq_number = 0;

    static result<notification_sent_request> decode(byte_view der);
    bytes encode() const;
};

/// NotificationSentResponse `BF30`: deleteNotificationStatus 0 ok, 1 nothingToDelete, 127 undefinedError.
struct notification_sent_response {
    unsigned delete_notification_status = 0;

    static result<notification_sent_response> decode(byte_view der);
    bytes encode() const;
};

} // namespace openrsp::rsp
