// ES2+ HandleDownloadProgressInfo delivery (SGP.22 §5.3.5): the outbox in the store, posted with backoff.
#include "openrsp/smdpp/progress.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/es9p.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>

namespace openrsp::smdpp {

std::string progress_event_id(std::string_view iccid, std::int64_t point, std::string_view occasion)
{
    // A hash rather than the parts themselves: ids stay one shape and reveal nothing of the transaction id.
    const std::string key = std::string(iccid) + '|' + std::to_string(point) + '|' + std::string(occasion);
    const bytes h = crypto::sha256(as_bytes(key));
    return to_hex(byte_view(h).first(16));
}

std::string w3c_timestamp(std::int64_t seconds)
{
    const auto t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

std::string progress_request_json(const store::progress_callback& c, std::string_view requester)
{
    using json = nlohmann::json;
    const auto& e = c.event;
    json status{{"status", e.success ? "Executed-Success" : "Failed"}};
    if (!e.success) {
        status["statusCodeData"] = {{"subjectCode", e.subject_code}, {"reasonCode", e.reason_code}};
        if (!e.message.empty()) status["statusCodeData"]["message"] = e.message;
    }
    json body{{"header", {{"functionRequesterIdentifier", requester}, {"functionCallIdentifier", e.id}}},
              {"iccid", c.iccid},
              {"profileType", c.profile_type},
              {"timestamp", w3c_timestamp(e.time)},
              {"notificationPointId", e.notification_point_id},
              {"notificationPointStatus", std::move(status)}};
    if (!c.eid.empty()) body["eid"] = c.eid;
    if (!e.result_data.empty()) body["resultData"] = e.result_data;
    // Text from imports (profileType, messages) may not be UTF-8; replace what is invalid rather than throw.
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// SGP.22 has the operator answer 204; a 200 carrying a Failed functionExecutionStatus is a refusal.
result<void> check_answer(const http::response& r)
{
    if (r.status < 200 || r.status > 299) return fail("the operator answered HTTP " + std::to_string(r.status));
    if (r.status == 204 || r.body.empty()) return ok();
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return ok();
    const auto* status =
        j.contains("header") && j["header"].is_object() && j["header"].contains("functionExecutionStatus")
            ? &j["header"]["functionExecutionStatus"]
            : nullptr;
    // Whatever shape the operator's JSON has, reading it must not throw (the sender thread would die with it).
    if (status && status->is_object()) {
        const auto st = status->find("status");
        if (st != status->end() && st->is_string() && st->get<std::string>() == "Failed")
            return fail("the operator answered Failed: " +
                        status->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return ok();
}

} // namespace

progress_sender::progress_sender(progress_sender_config config, store::inventory& inventory)
    : m_cfg(std::move(config)), m_inventory(inventory), m_client(m_cfg.http)
{
}

progress_sender::~progress_sender()
{
    stop();
}

std::int64_t progress_sender::now() const
{
    if (m_cfg.now) return m_cfg.now();
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void progress_sender::start()
{
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable()) return;
    m_stopping = false;
    m_thread = std::thread([this] { loop(); });
}

void progress_sender::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void progress_sender::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_cv.notify_all();
}

void progress_sender::loop()
{
    for (;;) {
        // A store error (database restarting) is retried at the next poll; the outbox keeps the work.
        result<std::size_t> delivered = std::size_t{0};
        try {
            delivered = run_once();
        } catch (const std::exception& e) {
            delivered = fail(std::string("progress callbacks: ") + e.what());
        }
        std::unique_lock lock(m_mutex);
        if (m_stopping) return;
        // A full batch suggests more are due: go again at once.
        if (delivered && *delivered >= m_cfg.batch) continue;
        m_cv.wait_for(lock, m_cfg.poll_interval, [this] { return m_stopping || m_woken; });
        m_woken = false;
        if (m_stopping) return;
    }
}

result<std::size_t> progress_sender::run_once()
{
    // The lease covers every POST of the batch at its timeout, so no other sender takes them meanwhile.
    const auto per_call = std::chrono::duration_cast<std::chrono::seconds>(m_cfg.http.total_timeout).count() + 1;
    const std::int64_t lease = per_call * static_cast<std::int64_t>(m_cfg.batch) + 30;
    auto due = m_inventory.claim_progress_callbacks(now(), lease, m_cfg.batch);
    if (!due) return due.take_error();
    // RETURNING gives no order; the operator should hear of a download before its installation.
    std::sort(due->begin(), due->end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    std::size_t delivered = 0;
    for (const auto& c : *due) {
        // Stop between POSTs, not only between batches: a hanging operator endpoint must not hold up shutdown for a
        // whole batch of timeouts. What is left keeps its lease and goes out after it (or from another node).
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) break;
        }
        result<void> sent = ok();
        try {
            auto op = m_inventory.find_operator_by_name(c.operator_id);
            if (!op)
                sent = op.take_error();
            else if (!*op || (*op)->callback_url.empty())
                sent = fail("the operator " + c.operator_id + " has no callback URL any more");
            else {
                const std::string body = progress_request_json(c, m_cfg.requester_id);
                auto r = m_client.post((*op)->callback_url, body,
                                       {{"Content-Type", "application/json;charset=UTF-8"},
                                        {"X-Admin-Protocol", std::string(rsp::es9p::admin_protocol)}});
                sent = r ? check_answer(*r) : r.take_error();
            }
        } catch (const std::exception& e) {
            // One bad callback (or answer) is a failed attempt with backoff, never the end of the sender thread.
            sent = fail(std::string("the callback could not be sent: ") + e.what());
        }
        if (sent) {
            OPENRSP_TRY_VOID(m_inventory.progress_callback_delivered(c.event.id));
            ++delivered;
            continue;
        }
        // Exponential backoff from the failures so far, capped; past max_attempts the call is given up.
        const std::int64_t failures = c.attempts + 1;
        std::int64_t delay = m_cfg.first_retry_seconds;
        for (std::int64_t i = 1; i < failures && delay < m_cfg.max_retry_seconds; ++i)
            delay *= 2;
        delay = std::min(delay, m_cfg.max_retry_seconds);
        OPENRSP_TRY_VOID(m_inventory.progress_callback_failed(c.event.id, now() + delay, failures >= m_cfg.max_attempts,
                                                              sent.error().message));
    }
    return delivered;
}

} // namespace openrsp::smdpp
