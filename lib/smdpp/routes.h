#pragma once
// Private to lib/smdpp: the one table of the ES9+ and ES2+ functions served over HTTP (SGP.22 §6.5). Routing, the
// "unknown function" answers, the request log's function name and the /metrics labels all come from it.

#include "service_impl.h"

#include "openrsp/http/message.h"
#include "openrsp/rsp/es9p_asn1.h"
#include "openrsp/smdpp/es2p.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::smdpp {

/// The two HTTP interfaces of an SM-DP+: ES9+ towards the LPA (SGP.22 §5.6), ES2+ towards the operator (§5.3).
enum class interface : std::uint8_t { es9p, es2p };

/// `/gsma/rsp2/es9plus/` or `/gsma/rsp2/es2plus/` (SGP.22 §6.5.1).
std::string_view path_prefix(interface i);
/// The interface whose prefix starts `path`; nullopt for any other path (404).
std::optional<interface> interface_of(std::string_view path);

/// Everything a route's handler may use for one call.
struct route_call {
    service& self;               ///< runs the ES9+ procedures
    store::inventory& inventory; ///< the ES2+ procedures work on it directly
    const http::request& req;
    call_outcome& out;
    const es2p::order_context* ctx = nullptr; ///< ES2+ only: the operator the edge authenticated
    /// ES2+ only: seconds an answer is given again to the same call sent again (SGP.22 §6.5.1.3); 0: never.
    std::int64_t resend_window = 0;
    /// ES2+ only: when this node last purged answers older than the window (es2p/resend.cpp).
    std::atomic<std::int64_t>* resend_purged_at = nullptr;
};

/// \brief One ES9+ or ES2+ function. `handle` reads the function's request type from the JSON body, runs the
/// procedure (lib/smdpp/es9p/<function>.cpp, lib/smdpp/es2p/<function>.cpp) and writes its answer; the interface's
/// edge (method, headers, operator authentication) has run before.
struct route {
    interface iface;
    std::string_view function; ///< last path segment: the SGP.22 function name
    http::response (*handle)(route_call& call);
    std::string_view metrics_label; ///< `function` label in /metrics and `function` in the request log
};

/// All rows, in the order of the /metrics series.
std::span<const route> routes();
/// The row serving `function` on `iface`; nullptr if there is none (counted as "other").
const route* find_route(interface iface, std::string_view function);
/// Position of the row in routes(); routes().size() for nullptr ("other"). Indexes the /metrics counters.
std::size_t route_index(const route* r);
/// The row's metrics label, "other" for nullptr.
std::string_view route_label(const route* r);
/// Every metrics label in route_index order, "other" last.
std::vector<std::string> metrics_labels();

/// \brief The ES9+ ASN.1 binding's edge (SGP.22 §6.6, `POST /gsma/rsp2/asn1`): method, Content-Type and
/// X-Admin-Protocol, then the RemoteProfileProvisioningRequest decoded and run by serve_asn1(). Notes the function's
/// row of the table (found by its SGP.22 name) in `out`, so /metrics and the request log count it as the JSON call.
http::response handle_es9p_asn1(route_call& call);
/// Runs the procedure of one decoded request (the same as the JSON row's) and answers with the DER
/// RemoteProfileProvisioningResponse, HTTP 204 for handleNotification.
http::response serve_asn1(route_call& call, const rsp::es9p::asn1::request& req);
/// SGP.22 §6.5.1 / §6.6: a request's X-Admin-Protocol names a 2.x version; the error to answer otherwise.
std::optional<error> check_admin_protocol(std::string_view value);

// Answers shared by the edges and the route handlers.
/// JSON body with `X-Admin-Protocol` (SGP.22 §6.5.1).
http::response json_response(int status, std::string body);
http::response text_response(int status, std::string body);
/// A DER body, Content-Type application/x-gsma-rsp-asn1, with `X-Admin-Protocol` (SGP.22 §6.6).
http::response asn1_response(int status, bytes body);
/// The error alternative of `f`'s response for `e` (HTTP 200), or, where the function's type has none, an HTTP error
/// status with the sentence as text (rsp::es9p::asn1::http_status); recorded in `out` as failure() does.
http::response asn1_failure(call_outcome& out, rsp::es9p::asn1::function f, const error& e);
/// functionExecutionStatus Failed with the error's subject/reason codes, HTTP 200; recorded in `out` for /metrics
/// and the request log.
http::response failure(call_outcome& out, const error& e);

} // namespace openrsp::smdpp
