// The ES9+ and ES2+ functions served over HTTP (SGP.22 §6.5), declared once each in `table` below: path, request
// type, handler and metrics label. Each handler only reads its request, runs the procedure and writes the answer.
#include "routes.h"

#include "es2p/resend.h"

#include "openrsp/rsp/es9p.h"
#include "openrsp/rsp/es9p_asn1.h"
#include "openrsp/rsp/notifications.h"

#include <type_traits>
#include <variant>

namespace openrsp::smdpp {

namespace {

namespace es9p = rsp::es9p;

constexpr std::string_view other_label = "other";

// The transactionId of a ProfileInstallationResult, for the request log; empty for other notifications (they
// belong to no session).
std::string installation_result_tid(const rsp::pending_notification& notification)
{
    const auto* pir = notification.installation_result();
    return pir ? to_hex(pir->transaction_id, true) : std::string();
}

/// A row's handler: the body read as `Request` (1.3.1 / 2.x failures from the JSON binding), then `answer`.
template <class Request, result<Request> (*parse)(std::string_view),
          http::response (*answer)(route_call&, const Request&)>
http::response serve(route_call& c)
{
    auto parsed = parse(c.req.body);
    if (!parsed) return failure(c.out, parsed.error());
    return answer(c, *parsed);
}

// ES9+ (SGP.22 §5.6): the procedures are lib/smdpp/es9p/<function>.cpp. The transaction id is noted for the request
// log as soon as the call names one.

http::response initiate_authentication(route_call& c, const es9p::initiate_authentication_request& m)
{
    auto r = c.self.initiate_authentication(m);
    if (!r) return failure(c.out, r.error());
    c.out.transaction_id = r->transaction_id;
    return json_response(200, es9p::to_json(*r));
}

http::response authenticate_client(route_call& c, const es9p::authenticate_client_request& m)
{
    c.out.transaction_id = normalize_tid(m.transaction_id);
    auto r = c.self.authenticate_client(m);
    if (!r) return failure(c.out, r.error());
    return json_response(200, es9p::to_json(*r));
}

http::response get_bound_profile_package(route_call& c, const es9p::get_bound_profile_package_request& m)
{
    c.out.transaction_id = normalize_tid(m.transaction_id);
    auto r = c.self.get_bound_profile_package(m);
    if (!r) return failure(c.out, r.error());
    return json_response(200, es9p::to_json(*r));
}

http::response handle_notification(route_call& c, const es9p::handle_notification_request& m)
{
    // Decoded once, here: the request log names its transaction even when the procedure refuses it.
    auto notification = read_pending_notification(m.pending_notification);
    if (!notification) return failure(c.out, notification.error());
    c.out.transaction_id = installation_result_tid(*notification);
    auto r = c.self.handle_notification(m, *notification);
    if (!r) return failure(c.out, r.error());
    http::response ok_response; // SGP.22 §6.5.2.4: no content on success
    ok_response.status = 204;
    ok_response.headers = {{"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
    return ok_response;
}

http::response cancel_session(route_call& c, const es9p::cancel_session_request& m)
{
    c.out.transaction_id = normalize_tid(m.transaction_id);
    auto r = c.self.cancel_session(m);
    if (!r) return failure(c.out, r.error());
    // SGP.22 §5.6.5 defines no output data for CancelSession: the header alone (strict clients refuse more).
    return json_response(200, es9p::success_header_only());
}

// The ES9+ ASN.1 binding (SGP.22 §6.6): the same procedures as the JSON rows above, answered with the DER
// RemoteProfileProvisioningResponse; a refusal is the function's error alternative (asn1_failure).
namespace asn1 = rsp::es9p::asn1;

http::response asn1_answer(route_call& c, const es9p::initiate_authentication_request& m)
{
    auto r = c.self.initiate_authentication(m);
    if (!r) return asn1_failure(c.out, asn1::function::initiate_authentication, r.error());
    c.out.transaction_id = r->transaction_id;
    return asn1_response(200, asn1::encode_response(*r));
}

http::response asn1_answer(route_call& c, const es9p::authenticate_client_request& m)
{
    c.out.transaction_id = normalize_tid(m.transaction_id);
    auto r = c.self.authenticate_client(m);
    if (!r) return asn1_failure(c.out, asn1::function::authenticate_client, r.error());
    return asn1_response(200, asn1::encode_response(*r));
}

http::response asn1_answer(route_call& c, const es9p::get_bound_profile_package_request& m)
{
    c.out.transaction_id = normalize_tid(m.transaction_id);
    auto r = c.self.get_bound_profile_package(m);
    if (!r) return asn1_failure(c.out, asn1::function::get_bound_profile_package, r.error());
    return asn1_response(200, asn1::encode_response(*r));
}

http::response asn1_answer(route_call& c, const es9p::handle_notification_request& m)
{
    // HandleNotification has no response type: success is HTTP 204 as in the JSON binding, a refusal an HTTP error
    // status with the sentence (asn1_failure).
    auto notification = read_pending_notification(m.pending_notification);
    if (!notification) return asn1_failure(c.out, asn1::function::handle_notification, notification.error());
    c.out.transaction_id = installation_result_tid(*notification);
    auto r = c.self.handle_notification(m, *notification);
    if (!r) return asn1_failure(c.out, asn1::function::handle_notification, r.error());
    http::response ok_response;
    ok_response.status = 204;
    ok_response.headers = {{"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
    return ok_response;
}

http::response asn1_answer(route_call& c, const es9p::cancel_session_request& m)
{
    c.out.transaction_id = normalize_tid(m.transaction_id);
    auto r = c.self.cancel_session(m);
    if (!r) return asn1_failure(c.out, asn1::function::cancel_session, r.error());
    return asn1_response(200, asn1::encode_cancel_session_ok());
}

// ES2+ (SGP.22 §5.3): the procedures are lib/smdpp/es2p/<function>.cpp, run for the operator the edge authenticated.
// A call sent again is answered as the first one was (es2p/resend.cpp).
template <class Request, auto procedure> http::response order(route_call& c, const Request& m)
{
    return es2p::answer_once(c, m.header.function_call_identifier, [&c, &m] {
        auto r = procedure(c.inventory, *c.ctx, m);
        if (!r) return failure(c.out, r.error());
        if constexpr (std::is_same_v<decltype(r), result<void>>)
            return json_response(200, es9p::success_header_only());
        else
            return json_response(200, es2p::to_json(*r));
    });
}

// The order of the rows is the order of the series in /metrics (dashboards and tests read it); nothing else
// depends on it.
const route table[] = {
    {interface::es9p, "initiateAuthentication",
     &serve<es9p::initiate_authentication_request, es9p::parse_initiate_authentication_request,
            initiate_authentication>,
     "initiateAuthentication"},
    {interface::es9p, "authenticateClient",
     &serve<es9p::authenticate_client_request, es9p::parse_authenticate_client_request, authenticate_client>,
     "authenticateClient"},
    {interface::es9p, "getBoundProfilePackage",
     &serve<es9p::get_bound_profile_package_request, es9p::parse_get_bound_profile_package_request,
            get_bound_profile_package>,
     "getBoundProfilePackage"},
    {interface::es9p, "handleNotification",
     &serve<es9p::handle_notification_request, es9p::parse_handle_notification_request, handle_notification>,
     "handleNotification"},
    {interface::es9p, "cancelSession",
     &serve<es9p::cancel_session_request, es9p::parse_cancel_session_request, cancel_session>, "cancelSession"},
    {interface::es2p, "downloadOrder",
     &serve<es2p::download_order_request, es2p::parse_download_order_request,
            order<es2p::download_order_request, es2p::download_order>>,
     "downloadOrder"},
    {interface::es2p, "confirmOrder",
     &serve<es2p::confirm_order_request, es2p::parse_confirm_order_request,
            order<es2p::confirm_order_request, es2p::confirm_order>>,
     "confirmOrder"},
    {interface::es2p, "cancelOrder",
     &serve<es2p::cancel_order_request, es2p::parse_cancel_order_request,
            order<es2p::cancel_order_request, es2p::cancel_order>>,
     "cancelOrder"},
    {interface::es2p, "releaseProfile",
     &serve<es2p::release_profile_request, es2p::parse_release_profile_request,
            order<es2p::release_profile_request, es2p::release_profile>>,
     "releaseProfile"},
};

} // namespace

http::response serve_asn1(route_call& call, const rsp::es9p::asn1::request& req)
{
    return std::visit([&call](const auto& m) { return asn1_answer(call, m); }, req);
}

std::string_view path_prefix(interface i)
{
    return i == interface::es9p ? es9p::path_prefix : es2p::path_prefix;
}

std::optional<interface> interface_of(std::string_view path)
{
    for (auto i : {interface::es9p, interface::es2p})
        if (path.starts_with(path_prefix(i))) return i;
    return std::nullopt;
}

std::span<const route> routes()
{
    return table;
}

const route* find_route(interface iface, std::string_view function)
{
    for (const route& r : table)
        if (r.iface == iface && r.function == function) return &r;
    return nullptr;
}

std::size_t route_index(const route* r)
{
    return r == nullptr ? std::size(table) : static_cast<std::size_t>(r - std::begin(table));
}

std::string_view route_label(const route* r)
{
    return r == nullptr ? other_label : r->metrics_label;
}

std::vector<std::string> metrics_labels()
{
    std::vector<std::string> out;
    for (const route& r : table)
        out.emplace_back(r.metrics_label);
    out.emplace_back(other_label);
    return out;
}

http::response json_response(int status, std::string body)
{
    http::response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json;charset=UTF-8"},
                 {"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
    r.body = std::move(body);
    return r;
}

http::response text_response(int status, std::string body)
{
    http::response r;
    r.status = status;
    r.headers = {{"Content-Type", "text/plain"}};
    r.body = std::move(body);
    return r;
}

http::response asn1_response(int status, bytes body)
{
    http::response r;
    r.status = status;
    r.headers = {{"Content-Type", std::string(rsp::es9p::asn1::content_type)},
                 {"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
    r.body.assign(body.begin(), body.end());
    return r;
}

http::response asn1_failure(call_outcome& out, rsp::es9p::asn1::function f, const error& e)
{
    out.failed(e);
    if (auto der = rsp::es9p::asn1::encode_error(f, e)) return asn1_response(200, std::move(*der));
    return text_response(rsp::es9p::asn1::http_status(e),
                         "SGP.22 " + (e.has_codes() ? e.subject + "/" + e.reason : std::string("error")) + ": " +
                             e.message + "\n");
}

http::response failure(call_outcome& out, const error& e)
{
    out.failed(e);
    return json_response(200, es9p::failure_json(e));
}

} // namespace openrsp::smdpp
