// The HTTP edge (SGP.22 §6.5): routes ES9+, ES2+, /healthz and /metrics; one place turns results into
// functionExecutionStatus and counts them.
#include "service_impl.h"

#include "openrsp/http/message.h"
#include "openrsp/rsp/tags.h"
#include "openrsp/smdpp/es2p.h"
#include "openrsp/smdpp/request_log.h"

#include <cctype>
#include <optional>

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

/// RFC 9110 §8.3.1: media types compare case-insensitively, and parameters (charset=UTF-8, as lpac and pySim send)
/// follow a ';'. "application/jsonx" is not JSON.
bool is_json_content_type(std::string_view v)
{
    constexpr std::string_view json = "application/json";
    if (v.size() < json.size()) return false;
    for (std::size_t i = 0; i < json.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(v[i])) != json[i]) return false;
    const std::string_view rest = v.substr(json.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

/// SGP.22 §6.5.1: requests carry `X-Admin-Protocol: gsma/rsp/v<x.y.z>`. Any 2.x is served (lpac sends v2.2.2, pySim
/// v2.5.0; the JSON binding is the same); a missing header (1.3.2 / 2.2), a malformed one (2.1) or another major
/// version (3.1) is refused before the body is looked at.
std::optional<error> check_admin_protocol(std::string_view v)
{
    if (v.empty()) return error::rsp("1.3.2", "2.2", "the X-Admin-Protocol header is missing");
    constexpr std::string_view prefix = "gsma/rsp/v";
    if (!v.starts_with(prefix)) return error::rsp("1.3.2", "2.1", "X-Admin-Protocol must be gsma/rsp/v<x.y.z>");
    const std::string_view version = v.substr(prefix.size());
    const auto dot = version.find('.');
    const std::string_view major = version.substr(0, dot);
    if (dot == std::string_view::npos || major.empty() ||
        major.find_first_not_of("0123456789") != std::string_view::npos)
        return error::rsp("1.3.2", "2.1", "X-Admin-Protocol must be gsma/rsp/v<x.y.z>");
    if (major != "2")
        return error::rsp("1.3.2", "3.1",
                          "protocol version " + std::string(version) + " is not supported; this SM-DP+ speaks 2.x");
    return std::nullopt;
}

// The transactionId inside a ProfileInstallationResult (BF37 { BF27 { 80 tid ... } ... }), for the request log;
// empty for other notifications (they belong to no session) or anything unreadable.
std::string installation_result_tid(byte_view notification)
{
    auto outer = der::parse_one(notification);
    if (!outer || outer->tag != rsp::tag::profile_installation_result) return {};
    auto data = der::reader(outer->value).find(rsp::tag::profile_installation_result_data);
    if (!data) return {};
    auto tid = der::reader(data->value).find(0x80);
    return tid ? to_hex(tid->value, true) : std::string();
}

// Every state of each family is written, zeros included, so dashboards see a series from the start.
void render_gauges(std::string& body, const store::inventory_gauges& g)
{
    auto count = [](const auto& pairs, const auto& key) -> std::int64_t {
        for (const auto& [k, n] : pairs)
            if (k == key) return n;
        return 0;
    };
    body += "# HELP openrsp_smdpp_profiles Profiles in the inventory by state.\n"
            "# TYPE openrsp_smdpp_profiles gauge\n";
    for (int s = 0; s <= static_cast<int>(store::profile_state::unavailable); ++s) {
        const auto state = static_cast<store::profile_state>(s);
        body += "openrsp_smdpp_profiles{state=\"" + std::string(store::to_string(state)) + "\"} " +
                std::to_string(count(g.profiles, state)) + "\n";
    }
    // Stages as rsp_session::stage numbers them in the store.
    body += "# HELP openrsp_smdpp_sessions Live RSP sessions (not expired) by stage, all nodes.\n"
            "# TYPE openrsp_smdpp_sessions gauge\n";
    for (auto [stage, label] : {std::pair{"1", "authenticating"}, {"2", "authenticated"}, {"3", "bpp_delivered"}})
        body += std::string("openrsp_smdpp_sessions{stage=\"") + label + "\"} " +
                std::to_string(count(g.sessions, std::string(stage))) + "\n";
    body += "# HELP openrsp_smdpp_progress_callbacks ES2+ HandleDownloadProgressInfo callbacks by state.\n"
            "# TYPE openrsp_smdpp_progress_callbacks gauge\n";
    for (const char* state : {"pending", "delivered", "abandoned"})
        body += std::string("openrsp_smdpp_progress_callbacks{state=\"") + state + "\"} " +
                std::to_string(count(g.progress_callbacks, std::string(state))) + "\n";
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
    if (!is_json_content_type(req.header("Content-Type")))
        return failure(out, error::rsp("1.2.1", "2.1", "Content-Type must be application/json"));
    if (auto bad = check_admin_protocol(req.header("X-Admin-Protocol"))) return failure(out, *bad);

    switch (out.function) {
    case function_id::initiate_authentication:
        return run(
            out,
            [&](const auto& m) {
                auto r = self.initiate_authentication(m);
                if (r) out.transaction_id = r->transaction_id;
                return r;
            },
            es9p::parse_initiate_authentication_request(req.body));
    case function_id::authenticate_client:
        return run(
            out,
            [&](const auto& m) {
                out.transaction_id = normalize_tid(m.transaction_id);
                return self.authenticate_client(m);
            },
            es9p::parse_authenticate_client_request(req.body));
    case function_id::get_bound_profile_package:
        return run(
            out,
            [&](const auto& m) {
                out.transaction_id = normalize_tid(m.transaction_id);
                return self.get_bound_profile_package(m);
            },
            es9p::parse_get_bound_profile_package_request(req.body));
    case function_id::handle_notification: {
        auto parsed = es9p::parse_handle_notification_request(req.body);
        if (parsed) out.transaction_id = installation_result_tid(parsed->pending_notification);
        auto r = parsed ? self.handle_notification(*parsed) : result<void>(parsed.take_error());
        if (!r) return failure(out, r.error());
        http::response ok_response; // SGP.22 §6.5.2.4: no content on success
        ok_response.status = 204;
        ok_response.headers = {{"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
        return ok_response;
    }
    case function_id::cancel_session: {
        auto parsed = es9p::parse_cancel_session_request(req.body);
        if (parsed) out.transaction_id = normalize_tid(parsed->transaction_id);
        auto r = parsed ? self.cancel_session(*parsed) : result<void>(parsed.take_error());
        if (!r) return failure(out, r.error());
        return json_response(es9p::success_header_only(normalize_tid(parsed->transaction_id)));
    }
    default:
        return failure(out, error::rsp("1.6", "3.1", "unknown ES9+ function"));
    }
}

std::optional<store::inventory_gauges> service::impl::gauges()
{
    std::lock_guard lock(gauges_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (gauges_cache && now - gauges_read_at < gauges_ttl) return gauges_cache;
    auto fresh = inventory.gauges(this->now());
    if (!fresh) return std::nullopt; // not cached: the next scrape asks again
    gauges_cache = std::move(*fresh);
    gauges_read_at = now;
    return gauges_cache;
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
    // Shared by all nodes: read from the store (cached for gauges_ttl), not counted per request.
    const auto g = gauges();
    body += "# HELP openrsp_smdpp_store_up Whether the store answered the last gauge query.\n"
            "# TYPE openrsp_smdpp_store_up gauge\nopenrsp_smdpp_store_up ";
    body += g ? "1\n" : "0\n";
    if (g) render_gauges(body, *g);
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
    const auto took = std::chrono::steady_clock::now() - start;
    m.telemetry.observe(out.function, out.failure == nullptr, took);
    if (out.failure != nullptr && out.failure->has_codes())
        m.telemetry.count_error(out.failure->subject, out.failure->reason);
    if (m.cfg.log) {
        request_log_entry e;
        e.function = out.function == function_id::other ? std::string_view("other") : to_label(out.function);
        e.transaction_id = out.transaction_id;
        e.operator_id = out.operator_id;
        e.success = out.failure == nullptr;
        if (out.failure) {
            e.subject_code = out.failure->subject;
            e.reason_code = out.failure->reason;
            e.message = out.failure->message;
        }
        e.http_status = r.status;
        e.duration_us =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
        e.remote_address = req.remote_address;
        e.bytes_in = req.body.size();
        e.bytes_out = r.body.size();
        e.user_agent = req.header("User-Agent");
        m.cfg.log->write(e);
    }
    return r;
}

} // namespace openrsp::smdpp
