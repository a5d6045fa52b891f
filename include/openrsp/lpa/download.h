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
#include <string_view>

namespace openrsp::lpa {

/// StoreMetadataRequest fields shown to the user before consent.
struct profile_metadata {
    std::string iccid;
    std::string service_provider_name;
    std::string profile_name;
    int profile_class = 2; ///< 0 test, 1 provisioning, 2 operational
    std::string icon_type; ///< "jpg", "png" or empty when the profile has no icon
    std::size_t icon_bytes = 0;
    std::string profile_owner; ///< B7 mccMnc as 5 or 6 digits, empty if absent
};

/// Name of a profileClass value ("test", "provisioning", "operational"), or the number.
std::string profile_class_name(int profile_class);

/// One step of the activation minute, measured.
struct step_report {
    std::string name;
    std::chrono::microseconds duration{0};
    std::size_t http_bytes = 0; ///< request + response bytes on ES9+
    std::size_t apdu_bytes = 0; ///< command + response APDU bytes on ES10
    std::string detail;
};

/// How the LPA talks ES9+ to the SM-DP+: the JSON binding (SGP.22 §6.5, `/gsma/rsp2/es9plus/<function>`, what
/// every SM-DP+ serves) or the ASN.1 binding (§6.6, `/gsma/rsp2/asn1`, DER bodies).
enum class es9p_binding : std::uint8_t { json, asn1 };

/// "json" / "asn1"; nullopt for anything else.
std::optional<es9p_binding> parse_es9p_binding(std::string_view name);

struct download_options {
    rsp::activation_code activation_code;
    /// DeviceInfo for AuthenticateServer (IMEI).
    device_info device;
    /// Asked when the activation code or the SM-DP+ requires a confirmation code.
    std::function<std::optional<std::string>()> ask_confirmation_code;
    /// Shown the profile metadata; returning false rejects the download (endUserRejection).
    std::function<bool(const profile_metadata&)> confirm;
    std::function<void(const step_report&)> on_step;
    /// Called after each LoadBoundProfilePackage series with the BPP bytes sent so far and the total.
    std::function<void(std::size_t loaded, std::size_t total)> on_bpp_progress;
    /// Polled between steps; true (e.g. after Ctrl-C) stops the download and cancels the session with reason
    /// postponed, so the SM-DP+ releases the profile and the same activation code works again.
    std::function<bool()> interrupted;
    /// Extra attempts of initiateAuthentication and of getBoundProfilePackage when the SM-DP+ cannot be reached or
    /// times out. initiateAuthentication opens nothing a retry could duplicate; getBoundProfilePackage is asked
    /// again in the same session after a new PrepareDownload, which keeps the eUICC's one-time key, so the SM-DP+
    /// rebuilds the same package (SGP.22 §3.1.3). authenticateClient (consumes the matching ID) is never retried.
    int retries = 2;
    /// Wait before the first retry; doubled for each further one.
    std::chrono::milliseconds retry_backoff{500};
    /// Send the installation notification at once and remove it from the eUICC when acknowledged.
    bool send_notification = true;
    /// The ES9+ binding of every call of this download, its cancellation and its notification.
    es9p_binding binding = es9p_binding::json;
};

/// One pending notification and what happened when the LPA tried to send it.
struct notification_delivery {
    notification_info notification;
    bool delivered = false;
    std::string error; ///< why it stays pending, when not delivered
};

struct download_result {
    profile_metadata metadata;
    std::string transaction_id;
    bool notification_sent = false;
    std::size_t bpp_bytes = 0;
    /// The installation-result notification, when send_notification was set and the eUICC produced one.
    std::optional<notification_delivery> install_notification;
};

/// \brief Runs the whole download. On failure after the eUICC opened a session, the session is cancelled on
/// both sides (ES10b and ES9+ CancelSession) so nothing stays reserved.
result<download_result> download_profile(es10_client& euicc, http::client& http, const download_options& options);

/// \brief Sends every pending notification to its address and removes the acknowledged ones.
/// Returns how many were delivered.
result<std::size_t> process_notifications(es10_client& euicc, http::client& http,
                                          es9p_binding binding = es9p_binding::json);

/// \brief Same, reporting each notification: delivered (and removed from the eUICC) or why it stays pending.
/// `only`: restrict to these sequence numbers (empty: all). Fails only if the eUICC cannot list them.
result<std::vector<notification_delivery>> deliver_notifications(es10_client& euicc, http::client& http,
                                                                 const std::vector<std::uint64_t>& only = {},
                                                                 es9p_binding binding = es9p_binding::json);

/// \brief A next step for a person, for an error from download_profile or the ES10 calls: what to do about an SGP.22
/// subject/reason pair (e.g. 8.2.6/3.8: check the code or ask for a new one). Empty when there is nothing better to
/// say than the message itself.
std::string next_step(const error& e);

/// True if the error says the SM-DP+ did not answer in time (the message of a timed-out ES9+ call).
bool is_timeout(const error& e);

/// \brief Parses a StoreMetadataRequest (BF25).
result<profile_metadata> parse_metadata(byte_view bf25);

} // namespace openrsp::lpa
