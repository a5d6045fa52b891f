#pragma once
/// \file
/// \brief The virtual eUICC as a vpcd card (vsmartcard): pcscd's vpcd driver (Debian `vsmartcard-vpcd`) listens on
/// TCP, we connect to it, and from then on the eUICC is a card in the PC/SC reader "Virtual PCD 00 00", for lpac's
/// pcsc driver, `openrsp lpa --card pcsc` and any other PC/SC tool.
///
/// Wire format (vsmartcard's vpcd/vpicc protocol): every message in both directions is a 2-byte big-endian length
/// and that many bytes. From the driver, a 1-byte message is a control command (0x00 power off, 0x01 power on,
/// 0x02 reset: no answer; 0x04: answer with the ATR); a longer one is a C-APDU, answered with the R-APDU.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/euicc/virtual_euicc.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace openrsp::euicc {

/// \brief The ATR the virtual eUICC presents: 3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4F 83 00 90 00 92.
/// TA1 96 (Fi 512, Di 32), T=0 with a T=15 global block whose TA3 C7 says clock stop allowed and classes A, B, C
/// (ETSI TS 102 221 §6.3.3), then 15 compact-TLV historical bytes as commercial eUICCs send them (card service
/// data, card capabilities with logical channels, status 00 90 00), then TCK. Only tools that print the ATR care;
/// pcscd needs it well-formed to accept the card.
const bytes& euicc_atr();

/// \brief The vpcd protocol without the socket: one message payload from the driver in, the reply (if any) out.
/// Channels the PC/SC client opened with MANAGE CHANNEL are closed on power off and reset, as a real card forgets
/// them, so a client that died mid-session does not leave the eUICC with channels in use.
class vpcd_responder {
public:
    explicit vpcd_responder(virtual_euicc& card, bytes atr = euicc_atr());

    /// Handles one message; nullopt means "no answer" (power on/off, reset, unknown control bytes, empty message).
    std::optional<bytes> handle(byte_view message);

    [[nodiscard]] bool powered() const { return m_powered; }

    /// Control commands (vsmartcard vpcd.h).
    static constexpr std::uint8_t ctrl_off = 0x00;
    static constexpr std::uint8_t ctrl_on = 0x01;
    static constexpr std::uint8_t ctrl_reset = 0x02;
    static constexpr std::uint8_t ctrl_atr = 0x04;

private:
    void close_channels();

    virtual_euicc& m_card;
    bytes m_atr;
    bool m_powered = false;
    std::uint32_t m_channel_mask = 0; ///< logical channels 1..19 opened through us
};

/// \brief Where the vpcd driver listens; Debian's /etc/reader.conf.d/vpcd sets CHANNELID 0x8C7B = 35963.
struct vpcd_endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 35963;
};

/// \brief Connects to the vpcd driver and answers it until it closes the connection or `stop` becomes true
/// (checked a few times a second). An error is a sentence: cannot connect, or the connection broke.
result<void> serve_vpcd(virtual_euicc& card, const vpcd_endpoint& endpoint, const std::atomic<bool>& stop);

} // namespace openrsp::euicc
