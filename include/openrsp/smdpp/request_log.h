#pragma once
/// \file
/// \brief Structured request log of the SM-DP+: one JSON line per ES9+ or ES2+ call (time, level, node, function,
/// transactionId, operator, functionExecutionStatus with its codes, duration, peer, sizes). Never bodies, keys or
/// hex dumps: a line says who asked for what and how it ended.

#include "openrsp/core/result.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace openrsp::smdpp {

/// Ordered by verbosity: a log at `info` writes error, warn and info lines.
enum class log_level : std::uint8_t { error, warn, info, debug };

std::string_view to_string(log_level l);
std::optional<log_level> parse_log_level(std::string_view s);

/// \brief What one call did, as the HTTP edge saw it. Views are only read during request_log::write.
struct request_log_entry {
    std::string_view function;       ///< ES9+/ES2+ function name, "other" for an unknown path
    std::string_view transaction_id; ///< ES9+ transactionId when known
    std::string_view operator_id;    ///< ES2+ caller when authenticated
    bool success = true;
    std::string_view subject_code; ///< SGP.22 statusCodeData when failed
    std::string_view reason_code;
    std::string_view message;
    int http_status = 200;
    std::uint64_t duration_us = 0;
    std::string_view remote_address;
    std::size_t bytes_in = 0;
    std::size_t bytes_out = 0;
    std::string_view user_agent; ///< written at debug level only
};

/// \brief The level of a call's line: success is info; a refusal is warn; an internal failure (8.8 / 4.2, or an
/// HTTP 5xx) is error.
log_level level_of(const request_log_entry& e);

/// \brief Thread-safe writer of request lines to a FILE (stderr or a file opened in append mode).
class request_log {
public:
    /// Writes to `out` (not closed by the log).
    request_log(std::FILE* out, std::string node_id, log_level level);
    ~request_log();
    request_log(const request_log&) = delete;
    request_log& operator=(const request_log&) = delete;

    /// Opens (creating, appending to) `path`.
    static result<std::unique_ptr<request_log>> open(const std::string& path, std::string node_id, log_level level);

    /// True if a line of level `l` would be written.
    [[nodiscard]] bool enabled(log_level l) const { return l <= m_level; }
    /// Formats the entry into one line and writes it with one call, if its level is enabled.
    void write(const request_log_entry& e);

    [[nodiscard]] const std::string& node_id() const { return m_node; }

private:
    std::FILE* m_out;
    bool m_owned = false;
    std::string m_node;
    log_level m_level;
    std::mutex m_mutex;
};

/// \brief `hostname:pid`, the default node id.
std::string default_node_id();

/// \brief RFC 3339 UTC time with milliseconds, e.g. 2024-05-01T12:00:00.123Z, of the system clock now.
std::string rfc3339_now();

} // namespace openrsp::smdpp
