#pragma once
// `smdpp serve` request-log options (--log, --log-level, --node-id), kept apart from the other serve options.

#include "openrsp/smdpp/request_log.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace openrsp::cli {

struct log_args {
    std::string file;           ///< empty: stderr
    std::string level = "info"; ///< error, warn, info or debug
    std::string node_id;        ///< empty: hostname:pid
};

/// Registers --log, --log-level and --node-id on the serve command.
void add_log_options(CLI::App& serve, log_args& a);

/// The request log the options describe (dies with a sentence if the file cannot be opened).
std::shared_ptr<smdpp::request_log> open_request_log(const log_args& a);

} // namespace openrsp::cli
