// The ES2+ HTTP edge (SGP.22 §6.5): operator bearer token, then one order function per path.
#include "service_impl.h"

#include "openrsp/http/message.h"
#include "openrsp/smdpp/es2p.h"

namespace openrsp::smdpp {

namespace {

http::response json_response(int status, std::string body)
{
    http::response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json;charset=UTF-8"},
                 {"X-Admin-Protocol", std::string(rsp::es9p::admin_protocol)}};
    r.body = std::move(body);
    return r;
}

http::response failure(call_outcome& out, const error& e)
{
    out.failed(e);
    return json_response(200, rsp::es9p::failure_json(e));
}

template <class Req, class F> http::response run(call_outcome& out, const result<Req>& parsed, F&& call)
{
    if (!parsed) return failure(out, parsed.error());
    auto r = call(*parsed);
    if (!r) return failure(out, r.error());
    if constexpr (std::is_same_v<decltype(r), result<void>>)
        return json_response(200, rsp::es9p::success_header_only());
    else
        return json_response(200, es2p::to_json(*r));
}

} // namespace

http::response service::impl::handle_es2p(const http::request& req, call_outcome& out)
{
    std::string_view path = req.target;
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    const std::string_view function = path.substr(es2p::path_prefix.size());
    out.function = function_from_name(function);
    if (out.function < function_id::download_order) out.function = function_id::other;
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
    const es2p::order_context ctx{std::move(*who), cfg.address};

    switch (out.function) {
    case function_id::download_order:
        return run(out, es2p::parse_download_order_request(req.body),
                   [&](const auto& r) { return es2p::download_order(inventory, ctx, r); });
    case function_id::confirm_order:
        return run(out, es2p::parse_confirm_order_request(req.body),
                   [&](const auto& r) { return es2p::confirm_order(inventory, ctx, r); });
    case function_id::cancel_order:
        return run(out, es2p::parse_cancel_order_request(req.body),
                   [&](const auto& r) { return es2p::cancel_order(inventory, ctx, r); });
    case function_id::release_profile:
        return run(out, es2p::parse_release_profile_request(req.body),
                   [&](const auto& r) { return es2p::release_profile(inventory, ctx, r); });
    default:
        return failure(out, error::rsp("1.6", "3.1", "unknown ES2+ function"));
    }
}

} // namespace openrsp::smdpp
