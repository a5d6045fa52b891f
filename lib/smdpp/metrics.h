#pragma once
// Private to lib/smdpp: Prometheus counters of one SM-DP+ process (GET /metrics).

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openrsp::smdpp {

/// \brief Requests, errors and latencies. Recording is a few relaxed atomic increments; only an error takes a
/// lock (to count it by its subject/reason pair, a set too open for a fixed array).
class metrics {
public:
    /// Upper bounds of the latency histogram buckets, in microseconds (Prometheus `le` in seconds).
    static constexpr std::array<std::uint64_t, 12> bucket_bounds_us{1000,   2500,   5000,   10000,   25000,   50000,
                                                                    100000, 250000, 500000, 1000000, 2500000, 5000000};

    /// One set of counters per `function` label, rendered in this order (routes.cpp: the route table, then
    /// "other"). Fixed at construction, so the hot path indexes a vector of atomics.
    explicit metrics(std::vector<std::string> function_labels);

    /// `function` indexes the labels given at construction.
    void observe(std::size_t function, bool success, std::chrono::steady_clock::duration latency);
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
    std::vector<std::string> m_labels;
    std::vector<per_function> m_functions; ///< one per label; never resized (atomics do not move)
    mutable std::mutex m_errors_mutex;
    std::map<std::pair<std::string, std::string>, std::uint64_t> m_errors;
};

} // namespace openrsp::smdpp
