#pragma once
// Shared by the `openrsp lpa` verbs (lpa*.cpp): choosing the card, the HTTPS client, --json output, exit codes
// (0 ok, 1 refused or failed, 2 usage) and questions on the terminal.

#include "common.h"

#include "openrsp/http/client.h"
#include "openrsp/lpa/download.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::cli::lpa_cmd {

struct card_args {
    std::string euicc_path;
    std::string card;      ///< `pcsc`, `pcsc:READER`, `file:PATH` or `stdio:COMMAND`; the alternative to euicc_path
    std::string isd_r_aid; ///< hex; empty for the standard ISD-R
    std::size_t block_size = 255;
};

struct http_args {
    std::string ca;
    bool insecure = false;
    double timeout_s = 30;
    bool no_notify = false;
};

/// The eUICC and the LPA's ES10 session on it, kept together so the transport outlives the client.
struct card {
    std::unique_ptr<euicc::virtual_euicc> chip; ///< only for --euicc / file:
    std::unique_ptr<rsp::card_transport> transport;
    std::unique_ptr<lpa::es10_client> es10;
};

/// Thrown by verbs: an operation refused or failed (exit 1), with the SGP.22 codes when there are some.
struct failure {
    error err;
};
/// Thrown by verbs: the command line is wrong or incomplete (exit 2).
struct usage_failure {
    std::string message;
};

[[noreturn]] inline void fail_with(error e)
{
    throw failure{std::move(e)};
}
[[noreturn]] inline void usage(std::string message)
{
    throw usage_failure{std::move(message)};
}

template <class T> T need(result<T> r)
{
    if (!r) fail_with(r.error());
    return std::move(*r);
}
inline void need(result<void> r)
{
    if (!r) fail_with(r.error());
}

void add_card_options(CLI::App* cmd, card_args& a);
/// --ca, --insecure, --timeout; with `notify`, also --no-notify.
void add_http_options(CLI::App* cmd, http_args& a, bool notify);
void add_json_option(CLI::App* cmd, bool& json);

card open_card(const card_args& a);
/// The HTTPS client for ES9+; nullopt when no CI certificate was given and --insecure was not set (`why` says so).
std::optional<http::client> make_http(const http_args& a, std::string* why = nullptr);

/// Runs a verb body and turns its failures into the documented exit codes and, with --json, the error object.
void run(bool json, const std::function<void()>& body);

/// Prints the one JSON result object (with --json) or the human text.
void emit(bool json, const nlohmann::json& j, const std::string& text);

/// JSON of a notification delivery report, and its human line.
nlohmann::json to_json(const lpa::notification_delivery& d);
std::string describe(const lpa::notification_delivery& d);

/// After a profile operation: sends pending notifications unless --no-notify (or no CA), reporting each.
/// Returns the JSON array for the result; human lines are printed unless json.
nlohmann::json notify_after(lpa::es10_client& es10, const http_args& a, bool json);

/// True if stdin is a terminal someone can answer on.
bool interactive();
/// Asks a yes/no question on the terminal (default no).
bool ask_yes_no(const std::string& question);
/// Reads one line from the terminal, without echo when `secret`.
std::optional<std::string> ask_line(const std::string& prompt, bool secret);

void register_chip(CLI::App* lpa);
void register_download(CLI::App* lpa);
void register_profile(CLI::App* lpa);
void register_notification(CLI::App* lpa);

} // namespace openrsp::cli::lpa_cmd
