#pragma once
/// \file
/// \brief The LPA's profile download (SGP.22 §3.1: common mutual authentication, download and installation)
/// and notification delivery.

#include "openrsp/core/result.h"
#include "openrsp/http/client.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/rsp/activation_code.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace openrsp::lpa {

/// StoreMetadataRequest fields shown to the user before consent.
struct profile_metadata {
    std::string iccid;
    std::string service_provider_name;
    std::string profile_name;
    int profile_class = 2;
};

/// One step of the activation minute, measured.
struct step_report {
    std::string name;
    std::chrono::microseconds duration{0};
    std::size_t http_bytes = 0; ///< request + response bytes on ES9+
    std::size_t apdu_bytes = 0; ///< command + response APDU bytes on ES10
    std::string detail;
};

struct download_options {
    rsp::activation_code activation_code;
    /// Asked when the activation code or the SM-DP+ requires a confirmation code.
    std::function<std::optional<std::string>()> ask_confirmation_code;
    /// Shown the profile metadata; returning false rejects the download (endUserRejection).
    std::function<bool(const profile_metadata&)> confirm;
    std::function<void(const step_report&)> on_step;
    /// Send the installation notification at once and remove it from the eUICC when acknowledged.
    bool send_notification = true;
};

struct download_result {
    profile_metadata metadata;
    std::string transaction_id;
    bool notification_sent = false;
};

/// \brief Runs the whole download. On failure after the eUICC opened a session, the session is cancelled on
/// both sides (ES10b and ES9+ CancelSession) so nothing stays reserved.
result<download_result> download_profile(es10_client& euicc, http::client& http, const download_options& options);

/// \brief Sends every pending notification to its address and removes the acknowledged ones.
/// Returns how many were delivered.
result<std::size_t> process_notifications(es10_client& euicc, http::client& http);

/// \brief Parses a StoreMetadataRequest (BF25).
result<profile_metadata> parse_metadata(byte_view bf25);

} // namespace openrsp::lpa
