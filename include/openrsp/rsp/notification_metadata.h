#pragma once
/// \file
/// \brief NotificationMetadata `BF2F` (SGP.22 §5.7.9), shared by ProfileInstallationResult (installation_result.h)
/// and the notification messages (notifications.h, which includes this header).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/install_codes.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace openrsp::rsp {

/// NotificationEvent BIT STRING contents with the given events set, DER-minimal (e.g. enable: `06 40`).
bytes notification_events(std::initializer_list<notification_event> events);
/// True if NotificationEvent BIT STRING contents have the event's bit set.
bool has_event(byte_view bit_string_contents, notification_event e);

/// NotificationMetadata `BF2F`: the tbsOtherNotification of an OtherSignedNotification, part of the signed
/// ProfileInstallationResultData, and an element of ListNotification.
struct notification_metadata {
    std::uint64_t seq_number = 0;
    bytes profile_management_operation; ///< NotificationEvent BIT STRING contents, exactly one bit set
    std::string notification_address;   ///< FQDN the notification goes to
    bytes iccid;                        ///< BCD, 10 bytes; empty: absent (OPTIONAL)
    bytes raw;                          ///< the whole `BF2F` TLV as received; empty when built locally

    /// The operation: the lowest of install, enable, disable, delete that is set (SGP.22 sets exactly one);
    /// nullopt if none of them is.
    [[nodiscard]] std::optional<notification_event> event() const;
    [[nodiscard]] bool has(notification_event e) const { return has_event(profile_management_operation, e); }
    /// The ICCID digits, empty when absent.
    [[nodiscard]] std::string iccid_digits() const;

    static result<notification_metadata> decode(byte_view der);
    bytes encode() const;
};

} // namespace openrsp::rsp
