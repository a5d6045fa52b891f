// Prometheus text exposition (format 0.0.4) of the SM-DP+'s counters.
#include "metrics.h"

#include <cstdio>

namespace openrsp::smdpp {

namespace {

void append_seconds(std::string& out, std::uint64_t us)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
    out += buf;
}

// Label values here are function names and SGP.22 codes (digits and dots), but escape anyway: a client picks them.
std::string escaped(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

} // namespace

metrics::metrics(std::vector<std::string> function_labels)
    : m_labels(std::move(function_labels)), m_functions(m_labels.size())
{
}

void metrics::observe(std::size_t function, bool success, std::chrono::steady_clock::duration latency)
{
    auto& m = m_functions[function];
    (success ? m.success : m.failed).fetch_add(1, std::memory_order_relaxed);
    const auto us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
    m.sum_us.fetch_add(us, std::memory_order_relaxed);
    std::size_t b = 0;
    while (b < bucket_bounds_us.size() && us > bucket_bounds_us[b])
        ++b;
    m.buckets[b].fetch_add(1, std::memory_order_relaxed);
}

void metrics::count_error(std::string_view subject, std::string_view reason)
{
    std::lock_guard lock(m_errors_mutex);
    // Bounded: codes come from our own fail() calls, but a cap keeps a bug from growing the map without end.
    auto key = std::pair<std::string, std::string>(subject, reason);
    if (auto it = m_errors.find(key); it != m_errors.end())
        ++it->second;
    else if (m_errors.size() < 256)
        m_errors.emplace(std::move(key), 1);
}

void metrics::render(std::string& out) const
{
    out += "# HELP openrsp_smdpp_requests_total ES9+ and ES2+ calls by function and functionExecutionStatus.\n"
           "# TYPE openrsp_smdpp_requests_total counter\n";
    for (std::size_t i = 0; i < m_functions.size(); ++i) {
        const auto& m = m_functions[i];
        for (auto [status, value] : {std::pair{"Executed-Success", m.success.load(std::memory_order_relaxed)},
                                     std::pair{"Failed", m.failed.load(std::memory_order_relaxed)}}) {
            out += "openrsp_smdpp_requests_total{function=\"";
            out += m_labels[i];
            out += "\",status=\"";
            out += status;
            out += "\"} " + std::to_string(value) + "\n";
        }
    }
    out += "# HELP openrsp_smdpp_errors_total Failed calls by SGP.22 subject and reason code.\n"
           "# TYPE openrsp_smdpp_errors_total counter\n";
    {
        std::lock_guard lock(m_errors_mutex);
        for (const auto& [key, n] : m_errors)
            out += "openrsp_smdpp_errors_total{subject=\"" + escaped(key.first) + "\",reason=\"" + escaped(key.second) +
                   "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP openrsp_smdpp_request_duration_seconds Time to answer a call, by function.\n"
           "# TYPE openrsp_smdpp_request_duration_seconds histogram\n";
    for (std::size_t i = 0; i < m_functions.size(); ++i) {
        const auto& m = m_functions[i];
        const std::string fn = "function=\"" + m_labels[i] + "\"";
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < m.buckets.size(); ++b) {
            cumulative += m.buckets[b].load(std::memory_order_relaxed);
            out += "openrsp_smdpp_request_duration_seconds_bucket{" + fn + ",le=\"";
            if (b < bucket_bounds_us.size())
                append_seconds(out, bucket_bounds_us[b]);
            else
                out += "+Inf";
            out += "\"} " + std::to_string(cumulative) + "\n";
        }
        out += "openrsp_smdpp_request_duration_seconds_sum{" + fn + "} ";
        append_seconds(out, m.sum_us.load(std::memory_order_relaxed));
        out += "\nopenrsp_smdpp_request_duration_seconds_count{" + fn + "} " + std::to_string(cumulative) + "\n";
    }
}

} // namespace openrsp::smdpp
