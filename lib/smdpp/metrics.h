#pragma once
// Private to lib/smdpp: Prometheus counters of one SM-DP+ process (GET /metrics).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace openrsp::smdpp {

/// The functions served over HTTP, as metric labels. Fixed, so the hot path indexes arrays of atomics.
enum class function_id : std::uint8_t {
    initiate_authentication,
    authenticate_client,
    get_bound_profile_package,
    handle_notification,
    cancel_session,
    download_order,
    confirm_order,
    cancel_order,
    release_profile,
    other,
    count
};

std::string_view to_label(function_id f);
/// ES9+ or ES2+ function name (the last path segment) -> id; `other` if unknown.
function_id function_from_name(std::string_view name);

/// \brief Requests, errors and latencies. Recording is a few relaxed atomic increments; only an error takes a
/// lock (to count it by its subject/reason pair, a set too open for a fixed array).
class metrics {
public:
    /// Upper bounds of the latency histogram buckets, in microseconds (Prometheus `le` in seconds).
    static constexpr std::array<std::uint64_t, 12> bucket_bounds_us{1000,   2500,   5000,   10000,   25000,   50000,
                                                                    100000, 250000, 500000, 1000000, 2500000, 5000000};

    void observe(function_id f, bool success, std::chrono::steady_clock::duration latency);
    void count_error(std::string_view subject, std::string_view reason);

    /// Appends the request, error and latency families in Prometheus text format 0.0.4.
    void render(std::string& out) const;

private:
    struct per_function {
        std::atomic<std::uint64_t> success{0};
        std::atomic<std::uint64_t> failed{0};
        std::atomic<std::uint64_t> sum_us{0};
        std::array<std::atomic<std::uint64_t>, bucket_bounds_us.size() + 1> buckets{}; ///< last: above every bound
    };
    std::array<per_function, static_cast<std::size_t>(function_id::count)> m_functions;
    mutable std::mutex m_errors_mutex;
    std::map<std::pair<std::string, std::string>, std::uint64_t> m_errors;
};

} // namespace openrsp::smdpp
