// The HTTP edge (SGP.22 §6.5, §6.6): routes ES9+ (JSON and ASN.1 bindings) and ES2+ through the route table
// (routes.cpp), serves /healthz and /metrics; one place counts every call and writes the request log.
#include "routes.h"
#include "service_impl.h"

#include "openrsp/http/message.h"
#include "openrsp/smdpp/request_log.h"

namespace openrsp::smdpp {

namespace {

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

    // The ES9+ ASN.1 binding (SGP.22 §6.6) has one path; its edge finds the function in the body.
    const bool asn1 = path == rsp::es9p::asn1::path;
    const auto iface = asn1 ? std::optional(interface::es9p) : interface_of(path);
    if (!iface) return text_response(404, "not an ES9+ or ES2+ path\n");
    const auto start = std::chrono::steady_clock::now();
    call_outcome out;
    // A name no row of this interface serves is still answered by the interface's edge, and counted as "other".
    if (!asn1) out.function = find_route(*iface, path.substr(path_prefix(*iface).size()));
    route_call call{*this, m.inventory, req, out};
    http::response r = asn1                        ? handle_es9p_asn1(call)
                       : *iface == interface::es9p ? m.handle_es9p(call)
                                                   : m.handle_es2p(call);
    const auto took = std::chrono::steady_clock::now() - start;
    m.telemetry.observe(route_index(out.function), out.failure == nullptr, took);
    if (out.failure != nullptr && out.failure->has_codes())
        m.telemetry.count_error(out.failure->subject, out.failure->reason);
    if (m.cfg.log) {
        request_log_entry e;
        e.function = route_label(out.function);
        e.transaction_id = out.transaction_id;
        e.operator_id = out.operator_id;
        e.success = out.failure == nullptr;
        if (out.failure) {
            e.subject_code = out.failure->subject;
            e.reason_code = out.failure->reason;
            e.message = out.failure->message;
        }
        e.http_status = r.status;
        e.duration_us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
        e.remote_address = req.remote_address;
        e.bytes_in = req.body.size();
        e.bytes_out = r.body.size();
        e.user_agent = req.header("User-Agent");
        m.cfg.log->write(e);
    }
    return r;
}

} // namespace openrsp::smdpp
