#pragma once
// Shared by the CLI verbs: one way to fail, read files and open the parties.

#include "openrsp/core/result.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/rsp/saip.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

namespace openrsp::cli {

/// Thrown by verbs to end with a sentence and exit code 1; caught in main.
struct command_error {
    std::string message;
};

/// Thrown by a verb whose exit code is not 0/1, e.g. `euicc lpac` handing back lpac's own; caught in main.
struct exit_status {
    int code;
};

[[noreturn]] inline void die(std::string message) { throw command_error{std::move(message)}; }

template <class T>
T must(result<T> r)
{
    if (!r) die(r.error().message);
    return std::move(*r);
}
inline void must(result<void> r)
{
    if (!r) die(r.error().message);
}

result<std::string> read_text_file(const std::string& path);

/// Runs AKA between a network that knows `subscriber` and the eUICC's enabled profile; returns the IMSI.
std::string attach_enabled_profile(const euicc::virtual_euicc& chip, const rsp::profile_description& subscriber);

void register_pki(CLI::App& app);
void register_euicc(CLI::App& app);
/// `euicc lpac`, registered under the `euicc` group (euicc_lpac.cpp).
void register_euicc_lpac(CLI::App& euicc_group);
/// `euicc vpcd`, registered under the `euicc` group (euicc_vpcd.cpp).
void register_euicc_vpcd(CLI::App& euicc_group);
void register_smdpp(CLI::App& app);
void register_lpa(CLI::App& app);
void register_netsim(CLI::App& app);
void register_demo(CLI::App& app);

} // namespace openrsp::cli
