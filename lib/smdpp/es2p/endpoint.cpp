// The ES2+ HTTP edge (SGP.22 §6.5): method, Content-Type and the operator (bearer token or client certificate), then
// the function's route.
#include "routes.h"

#include "openrsp/rsp/es9p.h"
#include "openrsp/smdpp/es2p.h"

namespace openrsp::smdpp {

http::response service::impl::handle_es2p(route_call& c)
{
    const http::request& req = c.req;
    call_outcome& out = c.out;
    if (req.method != "POST") {
        out.failed(error::rsp("1.3.1", "2.1", "not a POST"));
        http::response r = json_response(405, rsp::es9p::failure_json(*out.failure));
        r.headers.push_back({"Allow", "POST"});
        return r;
    }
    if (req.header("Content-Type").substr(0, 16) != "application/json")
        return failure(out, error::rsp("1.2.1", "2.1", "Content-Type must be application/json"));

    // Authentication before anything else: an unknown caller learns nothing about the function or the profile.
    // A bearer token, or a TLS client certificate verified to an --operator-ca and registered to an operator.
    auto who = es2p::authenticate_operator(inventory, req.header("Authorization"), req.client_cert_sha256);
    if (!who) {
        out.failed(who.error());
        if (who.error().subject != "1.1") return json_response(200, rsp::es9p::failure_json(who.error()));
        http::response r = json_response(401, rsp::es9p::failure_json(who.error()));
        r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"es2plus\""});
        return r;
    }
    out.operator_id = *who;
    const es2p::order_context ctx{std::move(*who), cfg.address, now(), cfg.default_order_ttl.count()};
    c.ctx = &ctx;
    c.resend_window = cfg.es2p_resend_window.count();
    c.resend_purged_at = &es2p_purged_at;

    if (out.function == nullptr) return failure(out, error::rsp("1.6", "3.1", "unknown ES2+ function"));
    return out.function->handle(c);
}

} // namespace openrsp::smdpp
