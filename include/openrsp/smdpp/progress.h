#pragma once
/// \file
/// \brief ES2+ HandleDownloadProgressInfo (SGP.22 §5.3.5): the SM-DP+ tells an operator how the download of one of
/// its profiles went, and later what the eUICC did with it.
///
/// Delivery is durable. The call is queued in the store (an outbox row) in the same transaction as the profile
/// state change it reports, and a progress_sender posts queued calls to the operator's callback URL
/// (`smdpp operator set-callback`; SGP.22 gives the operator's address out of band, not in DownloadOrder), retrying
/// with exponential backoff. Whatever node or process is running later sends what an earlier one queued, so a
/// restart loses nothing. A call may arrive more than once (a crash between the POST and recording it); its
/// header.functionCallIdentifier is the same every time, so the operator can drop repeats.

#include "openrsp/core/result.h"
#include "openrsp/http/client.h"
#include "openrsp/store/store.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace openrsp::smdpp {

/// notificationPointId values (SGP.22 §5.3.5). 1-4 are corroborated by public operator API documentation; the
/// values for notifications about an installed profile (5, 101, 102) are UNCONFIRMED readings of the spec table.
namespace notification_point {
inline constexpr std::int64_t eligibility_and_retry_limit = 1;
inline constexpr std::int64_t confirmation_failure = 2;
inline constexpr std::int64_t bpp_download = 3;
inline constexpr std::int64_t bpp_installation = 4;
inline constexpr std::int64_t deleted = 5;
inline constexpr std::int64_t enabled = 101;
inline constexpr std::int64_t disabled = 102;
} // namespace notification_point

/// \brief The ES2+ path the operator's endpoint answers (appended to nothing: the callback URL is used as given).
inline constexpr std::string_view handle_download_progress_info = "handleDownloadProgressInfo";

/// \brief A stable functionCallIdentifier for the event `point` of `iccid` in `occasion` (the RSP transaction id,
/// or the eUICC's notification sequence number): the same event always gets the same id, so a notification the LPA
/// sends twice is queued once and the operator can drop a repeated delivery.
std::string progress_event_id(std::string_view iccid, std::int64_t point, std::string_view occasion);

/// \brief The HandleDownloadProgressInfo request body for a queued callback. `requester` is this SM-DP+'s
/// functionRequesterIdentifier (its address).
std::string progress_request_json(const store::progress_callback& c, std::string_view requester);

/// \brief W3C date-time in UTC ("2024-05-01T12:00:00Z"), as SGP.22 timestamps are written.
std::string w3c_timestamp(std::int64_t seconds_since_epoch);

struct progress_sender_config {
    std::string requester_id;                      ///< functionRequesterIdentifier (the SM-DP+ address)
    std::chrono::milliseconds poll_interval{1000}; ///< how often the outbox is looked at when nothing wakes us
    std::int64_t first_retry_seconds = 5;          ///< delay after the first failed POST; doubles each time
    std::int64_t max_retry_seconds = 3600;         ///< the doubling stops here
    std::int64_t max_attempts = 60;                ///< then the call is abandoned (shown by `smdpp callbacks`)
    std::size_t batch = 8;                         ///< calls claimed per round
    http::client_config http{.ca_pem = {},
                             .verify_peer = true,
                             .connect_timeout = std::chrono::milliseconds(5000),
                             .total_timeout = std::chrono::milliseconds(10000),
                             .user_agent = "openrsp-smdpp"};
    std::function<std::int64_t()> now; ///< seconds since the epoch; the system clock when empty
};

/// \brief Posts queued progress callbacks. One background thread (start()), or run_once() driven by the caller.
class progress_sender {
public:
    progress_sender(progress_sender_config config, store::inventory& inventory);
    ~progress_sender();
    progress_sender(const progress_sender&) = delete;
    progress_sender& operator=(const progress_sender&) = delete;

    /// \brief Starts the background thread (idempotent).
    void start();
    /// \brief Stops and joins it; a POST in flight finishes first (bounded by the HTTP timeout).
    void stop();
    /// \brief Something was queued: look now rather than at the next poll.
    void wake();
    /// \brief One round: claims due callbacks and posts each. Returns how many were delivered.
    result<std::size_t> run_once();

private:
    [[nodiscard]] std::int64_t now() const;
    void loop();

    progress_sender_config m_cfg;
    store::inventory& m_inventory;
    http::client m_client;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stopping = false;
    bool m_woken = false;
    std::thread m_thread;
};

} // namespace openrsp::smdpp
