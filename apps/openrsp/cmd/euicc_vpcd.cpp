/// \file
/// \brief `openrsp euicc vpcd --euicc FILE`: serves a virtual eUICC as the card in pcscd's vpcd reader
/// (Debian `vsmartcard-vpcd`), so PC/SC programs (lpac's default driver, `openrsp lpa --card pcsc`) can use it.
/// Runs until pcscd closes the connection or the user presses Ctrl-C.

#include "common.h"

#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/euicc/vpcd.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

namespace openrsp::cli {

namespace {

/// Set from the signal handler; serve_vpcd polls it, so Ctrl-C ends the session cleanly (the store is crash-safe
/// anyway, but pcscd then sees the card removed instead of a half-answered APDU).
std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int)
{
    g_stop.store(true);
}

} // namespace

void register_euicc_vpcd(CLI::App& euicc_group)
{
    auto* cmd = euicc_group.add_subcommand(
        "vpcd", "Present a virtual eUICC as a card in a PC/SC reader through pcscd's vpcd driver (vsmartcard-vpcd)");
    cmd->footer("Example: openrsp euicc vpcd --euicc euicc.json &  then  openrsp lpa profile list --card pcsc\n"
                "The card appears in the reader \"Virtual PCD 00 00\" while this runs.");
    auto path = std::make_shared<std::string>();
    auto endpoint = std::make_shared<euicc::vpcd_endpoint>();
    cmd->add_option("--euicc", *path, "eUICC file")->required();
    cmd->add_option("--host", endpoint->host, "Host where pcscd's vpcd driver listens")->capture_default_str();
    cmd->add_option("--port", endpoint->port, "Port of the vpcd driver (reader.conf CHANNELID)")->capture_default_str();
    cmd->callback([path, endpoint] {
        auto card = must(euicc::virtual_euicc::open(*path));
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGTERM, on_stop_signal);
        std::fprintf(stderr, "eUICC %s in the vpcd reader at %s:%u; Ctrl-C to remove it\n", card->eid().c_str(),
                     endpoint->host.c_str(), static_cast<unsigned>(endpoint->port));
        must(euicc::serve_vpcd(*card, *endpoint, g_stop));
    });
}

} // namespace openrsp::cli
