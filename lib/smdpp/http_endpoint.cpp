// The HTTP edge (SGP.22 §6.5): routes ES9+, ES2+, /healthz and /metrics; one place turns results into
// functionExecutionStatus and counts them.
#include "service_impl.h"

#include "openrsp/http/message.h"
#include "openrsp/smdpp/es2p.h"

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

http::response text_response(int status, std::string body)
{
    http::response r;
    r.status = status;
    r.headers = {{"Content-Type", "text/plain"}};
    r.body = std::move(body);
    return r;
}

http::response failure(call_outcome& out, const error& e)
{
    out.failed(e);
    return json_response(rsp::es9p::failure_json(e));
}

template <class T, class F> http::response run(call_outcome& out, F&& f, const result<T>& parsed)
{
    if (!parsed) return failure(out, parsed.error());
    auto r = f(*parsed);
    if (!r) return failure(out, r.error());
    return json_response(rsp::es9p::to_json(*r));
}

std::string_view path_of(std::string_view target)
{
    if (const auto q = target.find('?'); q != std::string_view::npos) return target.substr(0, q);
    return target;
}

} // namespace

http::response service::impl::handle_es9p(service& self, const http::request& req, call_outcome& out)
{
    namespace es9p = rsp::es9p;
    const std::string_view function = path_of(req.target).substr(es9p::path_prefix.size());
    out.function = function_from_name(function);
    if (out.function > function_id::cancel_session) out.function = function_id::other;
    if (req.method != "POST") {
        http::response r = text_response(405, "ES9+ functions take POST\n");
        r.headers.push_back({"Allow", "POST"});
        out.failed(error::rsp("1.3.1", "2.1", "not a POST"));
        return r;
    }
    const std::string_view content_type = req.header("Content-Type");
    if (content_type.substr(0, 16) != "application/json")
        return failure(out, error::rsp("1.2.1", "2.1", "Content-Type must be application/json"));
    const std::string_view protocol = req.header("X-Admin-Protocol");
    if (!protocol.empty() && protocol.substr(0, 10) != "gsma/rsp/v")
        return failure(out, error::rsp("1.2.2", "2.1", "unsupported X-Admin-Protocol"));

    switch (out.function) {
    case function_id::initiate_authentication:
        return run(
            out, [&](const auto& m) { return self.initiate_authentication(m); },
            es9p::parse_initiate_authentication_request(req.body));
    case function_id::authenticate_client:
        return run(
            out, [&](const auto& m) { return self.authenticate_client(m); },
            es9p::parse_authenticate_client_request(req.body));
    case function_id::get_bound_profile_package:
        return run(
            out, [&](const auto& m) { return self.get_bound_profile_package(m); },
            es9p::parse_get_bound_profile_package_request(req.body));
    case function_id::handle_notification: {
        auto parsed = es9p::parse_handle_notification_request(req.body);
        auto r = parsed ? self.handle_notification(*parsed) : result<void>(parsed.take_error());
        if (!r) return failure(out, r.error());
        http::response ok_response; // SGP.22 §6.5.2.4: no content on success
        ok_response.status = 204;
        ok_response.headers = {{"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
        return ok_response;
    }
    case function_id::cancel_session: {
        auto parsed = es9p::parse_cancel_session_request(req.body);
        auto r = parsed ? self.cancel_session(*parsed) : result<void>(parsed.take_error());
        if (!r) return failure(out, r.error());
        return json_response(es9p::success_header_only(normalize_tid(parsed->transaction_id)));
    }
    default:
        return failure(out, error::rsp("1.6", "3.1", "unknown ES9+ function"));
    }
}

http::response service::impl::health()
{
    // The store is the only dependency a node needs to serve any step; one cheap read proves it answers.
    auto r = inventory.get_setting("smdp_address");
    if (!r) return text_response(503, "store unavailable: " + r.error().message + "\n");
    return text_response(200, "ok\n");
}

http::response service::impl::render_metrics()
{
    std::string body;
    body.reserve(16384);
    telemetry.render(body);
    body += "# HELP openrsp_smdpp_downloads_total Bound Profile Packages delivered by this node.\n"
            "# TYPE openrsp_smdpp_downloads_total counter\nopenrsp_smdpp_downloads_total " +
            std::to_string(downloads.load()) +
            "\n# HELP openrsp_smdpp_installs_total Successful installation results received by this node.\n"
            "# TYPE openrsp_smdpp_installs_total counter\nopenrsp_smdpp_installs_total " +
            std::to_string(installs.load()) +
            "\n# HELP openrsp_smdpp_failures_total Failed installs, locked orders and cancelled deliveries seen by "
            "this node.\n# TYPE openrsp_smdpp_failures_total counter\nopenrsp_smdpp_failures_total " +
            std::to_string(failures.load()) + "\n";
    // Shared by all nodes: read from the store at scrape time, not counted per request.
    if (auto states = inventory.count_by_state()) {
        body += "# HELP openrsp_smdpp_profiles Profiles in the inventory by state.\n"
                "# TYPE openrsp_smdpp_profiles gauge\n";
        for (const auto& [state, n] : *states)
            body += "openrsp_smdpp_profiles{state=\"" + std::string(store::to_string(state)) + "\"} " +
                    std::to_string(n) + "\n";
    }
    http::response r = text_response(200, std::move(body));
    r.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
    return r;
}

http::response service::handle_http(const http::request& req)
{
    auto& m = *m_impl;
    const std::string_view path = path_of(req.target);
    if (path == "/healthz") return m.health();
    if (path == "/metrics") return m.render_metrics();

    const bool es9p = path.starts_with(rsp::es9p::path_prefix);
    if (!es9p && !path.starts_with(es2p::path_prefix)) return text_response(404, "not an ES9+ or ES2+ path\n");
    const auto start = std::chrono::steady_clock::now();
    call_outcome out;
    http::response r = es9p ? m.handle_es9p(*this, req, out) : m.handle_es2p(req, out);
    m.telemetry.observe(out.function, out.failure == nullptr, std::chrono::steady_clock::now() - start);
    if (out.failure != nullptr && out.failure->has_codes())
        m.telemetry.count_error(out.failure->subject, out.failure->reason);
    return r;
}

} // namespace openrsp::smdpp
