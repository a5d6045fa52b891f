#pragma once
/// \file
/// \brief The LPA's card_transport to a child process that answers lpac's stdio APDU protocol (lpac
/// `docs/backends/stdio-schema.json`, facts §4.5): here the LPA sends the requests, one JSON line each on the child's
/// stdin, `{"type":"apdu","payload":{"func":"transmit","param":"80E2..."}}`, and reads one reply line each from its
/// stdout, `{"type":"apdu","payload":{"ecode":0,"data":"...9000"}}`. The inverse of euicc::lpac_stdio_responder.

#include "openrsp/rsp/card_transport.h"

#include <chrono>
#include <memory>
#include <string>

namespace openrsp::lpa {

/// \brief Runs `command` with /bin/sh -c at connect() and talks to it until disconnect(). Lines the child writes that
/// are not APDU replies go to our stderr (a card program's own messages). A child that exits, or does not answer
/// within `reply_timeout`, fails the call with a sentence.
std::unique_ptr<rsp::card_transport>
make_stdio_transport(std::string command, std::chrono::milliseconds reply_timeout = std::chrono::seconds(30));

} // namespace openrsp::lpa
