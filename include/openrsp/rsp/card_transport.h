#pragma once
/// \file
/// \brief How the LPA reaches an eUICC: the five calls lpac's APDU drivers have (connect, disconnect,
/// logic_channel_open, logic_channel_close, transmit), so the in-process, PC/SC, lpac-stdio and vpcd
/// back ends are interchangeable.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

namespace openrsp::rsp {

/// ISD-R AID (SGP.22 §2.2.3).
inline const bytes& isd_r_aid()
{
    static const bytes aid{0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
    return aid;
}

class card_transport {
public:
    virtual ~card_transport() = default;
    virtual result<void> connect() = 0;
    virtual void disconnect() = 0;
    /// MANAGE CHANNEL open + SELECT aid; returns the logical channel number.
    virtual result<int> open_logical_channel(byte_view aid) = 0;
    virtual void close_logical_channel(int channel) = 0;
    /// Sends one C-APDU; returns the R-APDU including SW1 SW2.
    virtual result<bytes> transmit(byte_view command_apdu) = 0;
};

} // namespace openrsp::rsp
