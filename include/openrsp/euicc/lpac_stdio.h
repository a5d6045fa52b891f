#pragma once
/// \file
/// \brief The card side of lpac's stdio APDU driver (`LPAC_APDU=stdio`): lpac writes one JSON request per line on
/// its stdout and reads one JSON reply per line on its stdin (lpac `docs/backends/stdio-schema.json`, facts §4.5).
/// This class turns one such line into the reply line; spawning lpac and moving the bytes is the caller's job.

#include "openrsp/rsp/card_transport.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openrsp::euicc {

/// \brief Answers lpac's five APDU driver calls from a card_transport.
///
/// Requests look like `{"type":"apdu","payload":{"func":"transmit","param":"81E2910003BF2000"}}`; replies like
/// `{"type":"apdu","payload":{"ecode":0,"data":"BF20...9000"}}`. ecode is the channel number for
/// logic_channel_open, 0 for success otherwise, and negative when the call failed.
class lpac_stdio_responder {
public:
    explicit lpac_stdio_responder(rsp::card_transport& card) : m_card(card) {}

    /// \brief Handles one line of lpac's stdout (without the newline).
    /// \return the reply line (without newline) if the line is an APDU driver request; nullopt if it is anything
    /// else (lpac's own result and progress lines), which the caller passes through unchanged.
    std::optional<std::string> handle_line(std::string_view line);

    /// \brief True for lpac's `profile download -p` prompt (`{"type":"progress","payload":{"message":"preview",
    /// "data":"y/n"}}`), after which lpac reads one character (getchar) from the stdin it shares with the APDU replies.
    static bool is_user_prompt(std::string_view line);

    /// Number of logical channels lpac opened and has not closed yet.
    [[nodiscard]] int open_channels() const;
    /// Closes whatever lpac left open (it may die mid-session), so the card does not run out of channels.
    void close_all();

private:
    rsp::card_transport& m_card;
    /// Bit i set: channel i was opened through this responder and is still open.
    std::uint32_t m_channel_mask = 0;
};

} // namespace openrsp::euicc
