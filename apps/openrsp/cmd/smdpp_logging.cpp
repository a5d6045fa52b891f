// `smdpp serve --log FILE --log-level LEVEL --node-id ID`: one JSON line per ES9+/ES2+ call.
#include "smdpp_logging.h"

#include "common.h"

#include <cstdio>

namespace openrsp::cli {

void add_log_options(CLI::App& serve, log_args& a)
{
    serve.add_option("--log", a.file,
                     "Append the request log (one JSON line per ES9+/ES2+ call: time, level, node, function, "
                     "transactionId, operator, status and codes, duration_us, remote, bytes_in/out) to FILE "
                     "instead of stderr");
    serve
        .add_option("--log-level", a.level,
                    "Request lines to write: error (internal failures), warn (+ refused calls), info (+ successes), "
                    "debug (+ the client's User-Agent)")
        ->capture_default_str()
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
    serve.add_option("--node-id", a.node_id,
                     "Name of this node in the request log (default: hostname:pid), to tell nodes sharing one "
                     "database apart");
}

std::shared_ptr<smdpp::request_log> open_request_log(const log_args& a)
{
    const auto level = smdpp::parse_log_level(a.level);
    if (!level) die("--log-level must be error, warn, info or debug, not '" + a.level + "'");
    const std::string node = a.node_id.empty() ? smdpp::default_node_id() : a.node_id;
    if (a.file.empty()) return std::make_shared<smdpp::request_log>(stderr, node, *level);
    return std::shared_ptr<smdpp::request_log>(must(smdpp::request_log::open(a.file, node, *level)));
}

} // namespace openrsp::cli
