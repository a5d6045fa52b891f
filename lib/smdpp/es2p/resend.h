#pragma once
/// \file
/// \brief Private to lib/smdpp: an ES2+ call sent again is answered with the first call's answer (SGP.22 §6.5.1.3).

#include "routes.h"

#include <functional>
#include <string_view>

namespace openrsp::smdpp::es2p {

/// Runs `run` for the authenticated operator's call unless the same call (same function, functionCallIdentifier
/// and body) was answered within the resend window: then that answer again, status and body byte for byte. Two
/// identical calls at once never both run (the store's unique key decides). Transient store failures (8.8 / 4.2)
/// are not kept, so a resend of one runs again.
http::response answer_once(route_call& c, std::string_view call_id, const std::function<http::response()>& run);

} // namespace openrsp::smdpp::es2p
