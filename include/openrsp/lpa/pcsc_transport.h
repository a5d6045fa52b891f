#pragma once
/// \file
/// \brief The LPA's card_transport over PC/SC (pcsclite): real eUICCs in readers and modems, and the virtual eUICC
/// served by `openrsp euicc vpcd`.

#include "openrsp/core/result.h"
#include "openrsp/rsp/card_transport.h"

#include <memory>
#include <string>
#include <vector>

namespace openrsp::lpa {

/// \brief The readers pcscd knows; a sentence if pcscd is unreachable. An empty list is not an error.
result<std::vector<std::string>> list_pcsc_readers();

/// \brief A transport to the card in a PC/SC reader. `reader` empty: the first reader holding a card; otherwise the
/// reader with that exact name, or else the first holding a card whose name contains `reader` (so "Virtual PCD" or a
/// modem's vendor name is enough). Nothing is contacted until connect().
std::unique_ptr<rsp::card_transport> make_pcsc_transport(std::string reader = {});

} // namespace openrsp::lpa
