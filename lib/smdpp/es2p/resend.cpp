// ES2+ resends (SGP.22 §6.5.1.3): an operator whose connection broke sends the same request again and gets the
// first call's outcome, not a new error caused by the state the first call already moved.
//
// Reading of SGP.22 §6.5.1.3: functionCallIdentifier identifies a function call, so a resend carries the same one.
// A call is keyed on (operator, function, functionCallIdentifier, request body): the same identifier with a
// different body is not a resend of that call but a new call, and runs (operators that reuse one identifier for
// every call keep working). A header without an identifier is refused by the JSON binding before this runs.
#include "es2p/resend.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/es9p.h"

#include <chrono>
#include <limits>
#include <thread>

namespace openrsp::smdpp::es2p {

namespace {

// A call still marked running after this long belongs to a node that died mid-call: a resend may take it over.
constexpr std::int64_t stale_claim_seconds = 60;
// How long a resend waits for an identical call that is still running before answering "try again".
constexpr int wait_polls = 40;
constexpr std::chrono::milliseconds wait_step{50};

bool transient(const error& e)
{
    return e.subject == "8.8" && e.reason == "4.2";
}

http::response replay(route_call& c, const store::es2p_call_record& rec)
{
    // The request log and /metrics count a replayed refusal as the refusal it was.
    if (auto e = rsp::es9p::parse_header_only_response(rec.body); !e) c.out.failed(e.error());
    return json_response(static_cast<int>(rec.status), rec.body);
}

void purge_now_and_then(route_call& c, std::int64_t now)
{
    if (c.resend_purged_at == nullptr) return;
    std::int64_t last = c.resend_purged_at->load(std::memory_order_relaxed);
    const std::int64_t every = std::max<std::int64_t>(60, c.resend_window / 24);
    if (now - last < every || !c.resend_purged_at->compare_exchange_strong(last, now)) return;
    (void)c.inventory.purge_es2p_calls(now - c.resend_window); // best effort: the next purge catches up
}

} // namespace

http::response answer_once(route_call& c, std::string_view call_id, const std::function<http::response()>& run)
{
    if (c.resend_window <= 0 || c.ctx == nullptr || c.out.function == nullptr) return run();
    const std::string& op = c.ctx->operator_id;
    const std::int64_t now = c.ctx->now;
    const std::string_view function = c.out.function->function;

    // One hash names the call: each part length-prefixed so no two different triples hash alike.
    std::string material;
    material.reserve(function.size() + call_id.size() + c.req.body.size() + 32);
    for (std::string_view part : {function, call_id, std::string_view(c.req.body)})
        material.append(std::to_string(part.size())).append(":").append(part);
    const bytes hash = crypto::sha256(as_bytes(material));
    const std::string key = to_hex(hash);

    for (int attempt = 0;; ++attempt) {
        auto claimed = c.inventory.begin_es2p_call(op, key, hash, now);
        if (!claimed) return failure(c.out, error::rsp("8.8", "4.2", claimed.error().message));
        if (*claimed) break;
        auto rec = c.inventory.find_es2p_call(op, key);
        if (!rec) return failure(c.out, error::rsp("8.8", "4.2", rec.error().message));
        if (!*rec) continue; // purged meanwhile: claim again
        if ((*rec)->created_at < now - c.resend_window) {
            // Outside the window: the call runs as a new one.
            (void)c.inventory.forget_es2p_call(op, key, now - c.resend_window);
            if (attempt < 2) continue;
        } else if ((*rec)->status != 0) {
            return replay(c, **rec);
        } else if ((*rec)->created_at < now - stale_claim_seconds) {
            (void)c.inventory.forget_es2p_call(op, key, now - stale_claim_seconds);
            if (attempt < 2) continue;
        } else if (attempt < wait_polls) {
            std::this_thread::sleep_for(wait_step); // the identical first call is running: wait for its answer
            continue;
        }
        return failure(c.out, error::rsp("8.8", "4.2", "the same call is still being processed; send it again later"));
    }

    purge_now_and_then(c, now);
    http::response r = run();
    if (c.out.failure != nullptr && transient(*c.out.failure)) {
        (void)c.inventory.forget_es2p_call(op, key, std::numeric_limits<std::int64_t>::max());
        return r;
    }
    if (!c.inventory.finish_es2p_call(op, key, r.status, r.body))
        (void)c.inventory.forget_es2p_call(op, key, std::numeric_limits<std::int64_t>::max());
    return r;
}

} // namespace openrsp::smdpp::es2p
