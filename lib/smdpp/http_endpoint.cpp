// The ES9+ HTTP edge (SGP.22 §6.5): one place turns results into functionExecutionStatus.
#include "service_impl.h"

#include "openrsp/http/message.h"

namespace openrsp::smdpp {

namespace {

http::response json_response(std::string body)
{
    http::response r;
    r.status = 200;
    r.headers = {{"Content-Type", "application/json;charset=UTF-8"},
                 {"X-Admin-Protocol", std::string(rsp::es9p::admin_protocol)}};
    r.body = std::move(body);
    return r;
}

template <class T, class F>
http::response run(F&& f, const result<T>& parsed)
{
    if (!parsed) return json_response(rsp::es9p::failure_json(parsed.error()));
    auto out = f(*parsed);
    if (!out) return json_response(rsp::es9p::failure_json(out.error()));
    return json_response(rsp::es9p::to_json(*out));
}

} // namespace

http::response service::handle_http(const http::request& req)
{
    namespace es9p = rsp::es9p;
    std::string_view target = req.target;
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    if (target.substr(0, es9p::path_prefix.size()) != es9p::path_prefix) {
        http::response r;
        r.status = 404;
        r.headers = {{"Content-Type", "text/plain"}};
        r.body = "not an ES9+ path\n";
        return r;
    }
    if (req.method != "POST") {
        http::response r;
        r.status = 405;
        r.headers = {{"Allow", "POST"}, {"Content-Type", "text/plain"}};
        r.body = "ES9+ functions take POST\n";
        return r;
    }
    const std::string_view function = target.substr(es9p::path_prefix.size());
    const std::string_view content_type = req.header("Content-Type");
    if (content_type.substr(0, 16) != "application/json")
        return json_response(es9p::failure_json(error::rsp("1.2.1", "2.1", "Content-Type must be application/json")));
    const std::string_view protocol = req.header("X-Admin-Protocol");
    if (!protocol.empty() && protocol.substr(0, 10) != "gsma/rsp/v")
        return json_response(es9p::failure_json(error::rsp("1.2.2", "2.1", "unsupported X-Admin-Protocol")));

    if (function == es9p::initiate_authentication_request::function)
        return run([&](const auto& m) { return initiate_authentication(m); },
                   es9p::parse_initiate_authentication_request(req.body));
    if (function == es9p::authenticate_client_request::function)
        return run([&](const auto& m) { return authenticate_client(m); },
                   es9p::parse_authenticate_client_request(req.body));
    if (function == es9p::get_bound_profile_package_request::function)
        return run([&](const auto& m) { return get_bound_profile_package(m); },
                   es9p::parse_get_bound_profile_package_request(req.body));
    if (function == es9p::handle_notification_request::function) {
        auto parsed = es9p::parse_handle_notification_request(req.body);
        auto out = parsed ? handle_notification(*parsed) : result<void>(parsed.take_error());
        if (!out) return json_response(es9p::failure_json(out.error()));
        http::response r; // SGP.22 §6.5.2.4: no content on success
        r.status = 204;
        r.headers = {{"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
        return r;
    }
    if (function == es9p::cancel_session_request::function) {
        auto parsed = es9p::parse_cancel_session_request(req.body);
        auto out = parsed ? cancel_session(*parsed) : result<void>(parsed.take_error());
        if (!out) return json_response(es9p::failure_json(out.error()));
        return json_response(es9p::success_header_only(normalize_tid(parsed->transaction_id)));
    }
    return json_response(es9p::failure_json(error::rsp("1.6", "3.1", "unknown ES9+ function")));
}

} // namespace openrsp::smdpp
