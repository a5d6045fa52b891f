// One JSON line per ES9+/ES2+ call, formatted into one buffer and written with one fwrite.
#include "openrsp/smdpp/request_log.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <unistd.h>

namespace openrsp::smdpp {

namespace {

constexpr std::array<std::string_view, 4> level_names{"error", "warn", "info", "debug"};

// JSON string escaping (RFC 8259 §7) of a value that is normally plain ASCII (codes, ids, sentences).
/// Length of the well-formed UTF-8 sequence starting at v[i] (RFC 3629), 0 if the bytes there are not one.
std::size_t utf8_sequence(std::string_view v, std::size_t i)
{
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(v[k]); };
    const unsigned char lead = b(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) n = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        if (lead == 0xE0) lo = 0xA0; // no overlongs
        if (lead == 0xED) hi = 0x9F; // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (i + n > v.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
}

void append_string(std::string& out, std::string_view v)
{
    out += '"';
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        // Client-supplied text (User-Agent, messages quoting input) may be any bytes; a log line stays valid JSON.
        if (static_cast<unsigned char>(c) >= 0x80) {
            if (const std::size_t n = utf8_sequence(v, i); n != 0) {
                out.append(v.substr(i, n));
                i += n - 1;
            } else {
                out += "\\ufffd";
            }
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[(c >> 4) & 0xF];
                out += hex[c & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void append_field(std::string& out, std::string_view key, std::string_view value)
{
    out += ",\"";
    out += key;
    out += "\":";
    append_string(out, value);
}

void append_number(std::string& out, std::string_view key, std::uint64_t value)
{
    out += ",\"";
    out += key;
    out += "\":";
    out += std::to_string(value);
}

} // namespace

std::string_view to_string(log_level l)
{
    return level_names[static_cast<std::size_t>(l)];
}

std::optional<log_level> parse_log_level(std::string_view s)
{
    for (std::size_t i = 0; i < level_names.size(); ++i)
        if (level_names[i] == s) return static_cast<log_level>(i);
    return std::nullopt;
}

log_level level_of(const request_log_entry& e)
{
    if (e.http_status >= 500) return log_level::error;
    if (e.success) return log_level::info;
    // 8.8 / 4.2: the SM-DP+ itself failed (store, signing); everything else is the caller's or the order's problem.
    if (e.subject_code == "8.8" && e.reason_code == "4.2") return log_level::error;
    return log_level::warn;
}

std::string rfc3339_now()
{
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

std::string default_node_id()
{
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) std::strcpy(host.data(), "localhost");
    return std::string(host.data()) + ":" + std::to_string(::getpid());
}

request_log::request_log(std::FILE* out, std::string node_id, log_level level)
    : m_out(out), m_node(std::move(node_id)), m_level(level)
{
}

request_log::~request_log()
{
    if (m_owned && m_out) std::fclose(m_out);
}

result<std::unique_ptr<request_log>> request_log::open(const std::string& path, std::string node_id, log_level level)
{
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f) return fail("cannot open the log file " + path + ": " + std::strerror(errno));
    auto log = std::make_unique<request_log>(f, std::move(node_id), level);
    log->m_owned = true;
    return log;
}

void request_log::write(const request_log_entry& e)
{
    const log_level l = level_of(e);
    if (!enabled(l)) return;
    std::string line;
    line.reserve(320 + e.message.size());
    line += "{\"time\":\"";
    line += rfc3339_now();
    line += '"';
    append_field(line, "level", to_string(l));
    append_field(line, "node", m_node);
    append_field(line, "function", e.function);
    if (!e.transaction_id.empty()) append_field(line, "transactionId", e.transaction_id);
    if (!e.operator_id.empty()) append_field(line, "operator", e.operator_id);
    append_field(line, "status", e.success ? "Executed-Success" : "Failed");
    if (!e.success) {
        if (!e.subject_code.empty()) append_field(line, "subjectCode", e.subject_code);
        if (!e.reason_code.empty()) append_field(line, "reasonCode", e.reason_code);
        append_field(line, "message", e.message);
    }
    append_number(line, "http_status", static_cast<std::uint64_t>(e.http_status));
    append_number(line, "duration_us", e.duration_us);
    append_field(line, "remote", e.remote_address);
    append_number(line, "bytes_in", e.bytes_in);
    append_number(line, "bytes_out", e.bytes_out);
    if (m_level == log_level::debug && !e.user_agent.empty()) append_field(line, "user_agent", e.user_agent);
    line += "}\n";
    // One write per line under the lock: lines from concurrent requests never interleave.
    std::lock_guard lock(m_mutex);
    std::fwrite(line.data(), 1, line.size(), m_out);
    std::fflush(m_out);
}

} // namespace openrsp::smdpp
