// `openrsp lpa`: the verbs live in lpa_chip.cpp, lpa_download.cpp and lpa_profile.cpp; this file holds what they
// share: card selection, the ES9+ client, output and exit codes, terminal questions.
#include "lpa_common.h"

#include "openrsp/lpa/pcsc_transport.h"
#include "openrsp/lpa/stdio_transport.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include <termios.h>
#include <unistd.h>

namespace openrsp::cli {

namespace lpa_cmd {

void add_card_options(CLI::App* cmd, card_args& a)
{
    auto* euicc_opt = cmd->add_option("--euicc", a.euicc_path, "Virtual eUICC file (same as --card file:PATH)");
    auto* card_opt = cmd->add_option("--card", a.card,
                                     "pcsc: the card in the first PC/SC reader holding one; pcsc:READER: in that "
                                     "reader (exact name or part of it); file:PATH: a virtual eUICC file; "
                                     "stdio:COMMAND: a program answering lpac's stdio APDU protocol");
    euicc_opt->excludes(card_opt);
    // One of the two is required; open_card says so in a sentence, since CLI11 cannot express "exactly one".
    cmd->add_option("--block-size", a.block_size, "STORE DATA block size (6..255)")->capture_default_str();
    cmd->add_option("--isd-r-aid", a.isd_r_aid, "ISD-R AID in hex, for eUICCs that do not use the standard one");
}

void add_http_options(CLI::App* cmd, http_args& a, bool notify)
{
    cmd->add_option("--ca", a.ca, "CI certificate (PEM) the SM-DP+ TLS certificate must chain to (or OPENRSP_CA)");
    cmd->add_flag("--insecure", a.insecure, "Do not verify the SM-DP+ TLS certificate");
    cmd->add_option("--timeout", a.timeout_s, "Seconds to wait for each SM-DP+ request")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    if (notify)
        cmd->add_flag("--no-notify", a.no_notify, "Keep pending notifications instead of sending them afterwards");
}

void add_json_option(CLI::App* cmd, bool& json)
{
    cmd->add_flag("--json", json, "Print one JSON object (fields in docs/lpa.md)");
}

card open_card(const card_args& a)
{
    card c;
    if (a.euicc_path.empty() == a.card.empty())
        usage("name the card: --euicc FILE, or --card pcsc[:READER] | file:PATH | stdio:COMMAND");
    const std::string_view spec = a.card;
    std::string file = a.euicc_path;
    if (spec.starts_with("file:")) file = a.card.substr(5);
    if (!file.empty()) {
        auto chip = euicc::virtual_euicc::open(file);
        if (!chip) fail_with(error::plain("no eSIM found: " + chip.error().message));
        c.chip = std::move(*chip);
        c.transport = c.chip->make_transport();
    } else if (spec == "pcsc" || spec.starts_with("pcsc:")) {
        c.transport = lpa::make_pcsc_transport(std::string(spec.substr(std::min<std::size_t>(spec.size(), 5))));
    } else if (spec.starts_with("stdio:") && spec.size() > 6) {
        c.transport = lpa::make_stdio_transport(std::string(spec.substr(6)));
    } else {
        usage("unknown card \"" + a.card + "\": use pcsc, pcsc:READER, file:PATH or stdio:COMMAND");
    }
    bytes aid;
    if (!a.isd_r_aid.empty()) {
        auto parsed = from_hex(a.isd_r_aid);
        if (!parsed || parsed->size() < 5 || parsed->size() > 16)
            usage("--isd-r-aid wants an AID of 5 to 16 bytes in hex");
        aid = std::move(*parsed);
    }
    c.es10 = std::make_unique<lpa::es10_client>(*c.transport, a.block_size, std::move(aid));
    need(c.es10->open());
    return c;
}

std::optional<http::client> make_http(const http_args& a, std::string* why)
{
    http::client_config cfg;
    std::string ca = a.ca;
    if (ca.empty())
        if (const char* env = std::getenv("OPENRSP_CA")) ca = env;
    if (!ca.empty()) {
        auto pem = read_text_file(ca);
        if (!pem) usage("cannot read the CI certificate " + ca);
        cfg.ca_pem = std::move(*pem);
    } else if (a.insecure) {
        cfg.verify_peer = false;
        std::fprintf(stderr, "warning: not verifying the SM-DP+ TLS certificate (--insecure)\n");
    } else {
        if (why) *why = "no CI certificate to verify the SM-DP+ (--ca FILE or OPENRSP_CA, or --insecure)";
        return std::nullopt;
    }
    cfg.total_timeout = std::chrono::milliseconds(static_cast<long long>(a.timeout_s * 1000));
    cfg.connect_timeout = std::min(cfg.connect_timeout, cfg.total_timeout);
    return http::client(cfg);
}

namespace {

nlohmann::json code_or_null(const std::string& s)
{
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

void report_error(bool json, const error& e, bool usage_error)
{
    const std::string next = usage_error ? std::string{} : lpa::next_step(e);
    if (json) {
        nlohmann::json j{{"error",
                          {{"subject", code_or_null(e.subject)},
                           {"reason", code_or_null(e.reason)},
                           {"message", e.message},
                           {"nextStep", code_or_null(next)},
                           {"usage", usage_error}}}};
        std::printf("%s\n", j.dump().c_str());
        std::fflush(stdout);
    }
    std::string line = "error: " + e.message;
    if (e.has_codes() && e.message.find(e.subject + "/" + e.reason) == std::string::npos)
        line += " (SGP.22 " + e.subject + "/" + e.reason + ")";
    if (!next.empty()) line += ". " + next;
    std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace

void run(bool json, const std::function<void()>& body)
{
    try {
        body();
    } catch (const failure& f) {
        report_error(json, f.err, false);
        throw exit_status{1};
    } catch (const command_error& e) {
        report_error(json, error::plain(e.message), false);
        throw exit_status{1};
    } catch (const usage_failure& u) {
        report_error(json, error::plain(u.message), true);
        throw exit_status{2};
    }
}

void emit(bool json, const nlohmann::json& j, const std::string& text)
{
    if (json)
        std::printf("%s\n", j.dump().c_str());
    else if (!text.empty())
        std::printf("%s%s", text.c_str(), text.ends_with('\n') ? "" : "\n");
    std::fflush(stdout);
}

nlohmann::json to_json(const lpa::notification_delivery& d)
{
    return nlohmann::json{{"seqNumber", d.notification.seq_number},
                          {"operation", d.notification.operation},
                          {"iccid", d.notification.iccid},
                          {"address", d.notification.address},
                          {"delivered", d.delivered},
                          {"error", code_or_null(d.error)}};
}

std::string describe(const lpa::notification_delivery& d)
{
    std::string s = "notification " + std::to_string(d.notification.seq_number) + " (" + d.notification.operation +
                    " " + d.notification.iccid + ") to " + d.notification.address + ": ";
    return s + (d.delivered ? "delivered" : "kept, " + d.error);
}

nlohmann::json notify_after(lpa::es10_client& es10, const http_args& a, bool json)
{
    nlohmann::json out = nlohmann::json::array();
    if (a.no_notify) {
        if (!json) std::printf("notifications: not sent (--no-notify); send them with `lpa notification process`\n");
        return out;
    }
    std::string why;
    auto http = make_http(a, &why);
    std::vector<lpa::notification_delivery> report;
    if (!http) {
        for (const auto& n : need(es10.list_notifications()))
            report.push_back({n, false, why});
    } else {
        report = need(lpa::deliver_notifications(es10, *http));
    }
    for (const auto& d : report) {
        out.push_back(to_json(d));
        if (!json) std::printf("%s\n", describe(d).c_str());
    }
    return out;
}

bool interactive()
{
    return ::isatty(STDIN_FILENO) == 1;
}

bool ask_yes_no(const std::string& question)
{
    std::fprintf(stderr, "%s [y/N] ", question.c_str());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

std::optional<std::string> ask_line(const std::string& prompt, bool secret)
{
    std::fprintf(stderr, "%s", prompt.c_str());
    std::fflush(stderr);
    termios old{};
    const bool hide = secret && ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (hide) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (hide) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::fprintf(stderr, "\n");
    }
    if (!got) return std::nullopt;
    return line;
}

} // namespace lpa_cmd

void register_lpa(CLI::App& app)
{
    auto* lpa = app.add_subcommand("lpa", "Local Profile Assistant");
    lpa->require_subcommand(1);
    lpa_cmd::register_chip(lpa);
    lpa_cmd::register_download(lpa);
    lpa_cmd::register_profile(lpa);
    lpa_cmd::register_notification(lpa);
}

} // namespace openrsp::cli
