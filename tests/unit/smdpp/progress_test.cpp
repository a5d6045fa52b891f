/// \file
/// \brief ES2+ HandleDownloadProgressInfo (SGP.22 §5.3.5) on both backends: what is queued with which state change,
/// delivery to a real local HTTP receiver, retries with backoff, and a pending callback surviving a restart.

#include "smdpp_fixture.h"

#include "openrsp/http/server.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/smdpp/progress.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <thread>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using store::profile_state;
using json = nlohmann::json;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* operator_name = "acme";

/// An operator's ES2+ endpoint on loopback (plain HTTP): records every POST and answers `status`.
class receiver {
public:
    receiver()
    {
        http::server_config sc;
        sc.threads = 1;
        auto s = http::server::start(sc, [this](const http::request& r) {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(r);
            http::response out;
            out.status = m_status;
            out.body = m_body;
            return out;
        });
        if (!s) throw std::runtime_error(s.error().message);
        m_server = std::move(*s);
    }
    [[nodiscard]] std::string url() const
    {
        return "http://127.0.0.1:" + std::to_string(m_server->port()) + "/gsma/rsp2/es2plus/handleDownloadProgressInfo";
    }
    void answer(int status, std::string body = {})
    {
        std::lock_guard lock(m_mutex);
        m_status = status;
        m_body = std::move(body);
    }
    std::vector<http::request> requests()
    {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    std::vector<json> bodies()
    {
        std::vector<json> out;
        for (const auto& r : requests())
            out.push_back(json::parse(r.body));
        return out;
    }

private:
    std::mutex m_mutex;
    std::vector<http::request> m_requests;
    int m_status = 204;
    std::string m_body;
    std::unique_ptr<http::server> m_server;
};

class progress : public smdpp_test {
protected:
    void SetUp() override
    {
        smdpp_test::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_TRUE(es2p::add_operator(*m_inventory, operator_name));
        ASSERT_TRUE(m_inventory->set_operator_callback(operator_name, m_receiver.url()));
    }

    smdpp::progress_sender make_sender(store::inventory& inv)
    {
        smdpp::progress_sender_config c;
        c.requester_id = smdp_address;
        c.now = [this] { return m_now.load(); };
        c.first_retry_seconds = 5;
        c.max_retry_seconds = 20;
        c.max_attempts = 4;
        c.http.total_timeout = std::chrono::milliseconds(3000);
        return smdpp::progress_sender(std::move(c), inv);
    }

    /// An ES2+ order (Available -> Released) for `iccid`, with a confirmation code if given; its matching ID.
    std::string order(const std::string& iccid, std::optional<std::string> cc = std::nullopt)
    {
        add_available(iccid, operator_name);
        const es2p::order_context ctx{operator_name, smdp_address};
        es2p::download_order_request d;
        d.iccid = iccid;
        EXPECT_TRUE(es2p::download_order(*m_inventory, ctx, d));
        es2p::confirm_order_request c;
        c.iccid = iccid;
        c.release_flag = true;
        c.confirmation_code = std::move(cc);
        auto r = es2p::confirm_order(*m_inventory, ctx, c);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? r->matching_id : "";
    }

    std::vector<store::progress_callback> queued()
    {
        auto q = m_inventory->list_progress_callbacks();
        EXPECT_TRUE(q) << (q ? "" : q.error().message);
        return q ? *q : std::vector<store::progress_callback>{};
    }

    /// Sends the eUICC's pending notifications of `operation` (enable, disable, delete) to the service.
    void send_notifications(const std::string& euicc_path, const std::string& operation, int times = 1)
    {
        auto opened = open_euicc(euicc_path);
        ASSERT_TRUE(opened) << opened.error().message;
        auto& es10 = *opened->es10;
        auto list = es10.list_notifications();
        ASSERT_TRUE(list);
        bool found = false;
        for (const auto& n : *list) {
            if (n.operation != operation) continue;
            found = true;
            auto pending = es10.retrieve_notification(n.seq_number);
            ASSERT_TRUE(pending);
            for (int i = 0; i < times; ++i) {
                auto r = m_service->handle_notification({*pending});
                ASSERT_TRUE(r) << r.error().message;
            }
        }
        EXPECT_TRUE(found) << "no " << operation << " notification";
    }

    receiver m_receiver;
};

} // namespace

TEST_P(progress, an_installation_queues_one_success_callback_delivered_to_the_operator)
{
    const auto mid = order(iccid1);
    ASSERT_TRUE(queued().empty()); // ordering is the operator's own doing: nothing to report
    ASSERT_TRUE(download(make_euicc(), mid));

    // The BPP went out (point 3), then the eUICC installed it (point 4).
    auto q = queued();
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0].state, "pending");
    EXPECT_EQ(q[0].event.notification_point_id, smdpp::notification_point::bpp_download);
    EXPECT_EQ(q[1].event.notification_point_id, smdpp::notification_point::bpp_installation);

    auto sender = make_sender(*m_inventory);
    auto n = sender.run_once();
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 2u);
    auto bodies = m_receiver.bodies();
    ASSERT_EQ(bodies.size(), 2u);
    EXPECT_EQ(bodies[0]["notificationPointId"], 3);
    EXPECT_FALSE(bodies[0].contains("resultData"));
    const auto& b = bodies[1];
    EXPECT_EQ(b["iccid"], iccid1);
    EXPECT_EQ(b["eid"], "89049032123451234512345678901235");
    EXPECT_EQ(b["notificationPointId"], 4);
    EXPECT_EQ(b["notificationPointStatus"]["status"], "Executed-Success");
    EXPECT_EQ(b["header"]["functionRequesterIdentifier"], smdp_address);
    EXPECT_EQ(b["header"]["functionCallIdentifier"], q[1].event.id);
    EXPECT_EQ(b["timestamp"], smdpp::w3c_timestamp(m_now.load()));
    // resultData is the eUICC's signed ProfileInstallationResult (BF37).
    auto pir = base64_decode(b["resultData"].get<std::string>());
    ASSERT_TRUE(pir && pir->size() > 2);
    EXPECT_EQ((*pir)[0], 0xBF);
    EXPECT_EQ((*pir)[1], 0x37);
    const auto req = m_receiver.requests()[1];
    EXPECT_EQ(req.header("X-Admin-Protocol"), "gsma/rsp/v2.2.2");

    EXPECT_EQ(queued()[1].state, "delivered");
    auto again = sender.run_once();
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0u);
    EXPECT_EQ(m_receiver.requests().size(), 2u); // each delivered once
}

TEST_P(progress, a_failed_install_and_a_cancelled_session_are_reported_as_failed)
{
    const auto mid = order(iccid1);
    const auto euicc = make_euicc();
    ASSERT_TRUE(download(euicc, mid, std::nullopt, finish::tamper_bpp));
    ASSERT_TRUE(download(euicc, mid, std::nullopt, finish::cancel_after_bpp));
    auto all = queued();
    std::vector<store::progress_callback> q; // the installation outcomes (the deliveries are point 3)
    for (const auto& c : all)
        if (c.event.notification_point_id != smdpp::notification_point::bpp_download) q.push_back(c);
    ASSERT_EQ(all.size(), 4u);
    ASSERT_EQ(q.size(), 2u);
    for (const auto& c : q) {
        EXPECT_FALSE(c.event.success);
        EXPECT_EQ(c.event.notification_point_id, smdpp::notification_point::bpp_installation);
        EXPECT_EQ(c.event.subject_code, "8.1");
        EXPECT_EQ(c.event.reason_code, "4.2");
    }
    EXPECT_NE(q[0].event.message.find("installation failed"), std::string::npos) << q[0].event.message;
    EXPECT_NE(q[1].event.message.find("cancelled"), std::string::npos) << q[1].event.message;
    EXPECT_NE(q[0].event.id, q[1].event.id);

    auto sender = make_sender(*m_inventory);
    ASSERT_TRUE(sender.run_once());
    auto bodies = m_receiver.bodies();
    ASSERT_EQ(bodies.size(), 4u);
    EXPECT_EQ(bodies[1]["notificationPointStatus"]["status"], "Failed");
    EXPECT_EQ(bodies[1]["notificationPointStatus"]["statusCodeData"]["subjectCode"], "8.1");
    EXPECT_EQ(bodies[1]["notificationPointStatus"]["statusCodeData"]["reasonCode"], "4.2");
}

TEST_P(progress, a_confirmation_code_locked_order_is_reported_once_at_the_limit)
{
    const auto mid = order(iccid1, "1234");
    ASSERT_FALSE(mid.empty());
    const auto euicc = make_euicc();
    for (int i = 0; i < 3; ++i)
        ASSERT_FALSE(download(euicc, mid, std::string("9999")));
    // Each refused attempt ends with the LPA cancelling its session (reported at point 3); of the wrong codes only
    // the locking one is news of its own.
    auto all = queued();
    std::vector<store::progress_callback> q;
    for (const auto& e : all)
        if (e.event.notification_point_id == smdpp::notification_point::confirmation_failure) q.push_back(e);
    ASSERT_EQ(q.size(), 1u);
    ASSERT_EQ(all.size(), 3u);
    for (const auto& e : all)
        EXPECT_FALSE(e.event.success);
    EXPECT_EQ(q[0].event.notification_point_id, smdpp::notification_point::confirmation_failure);
    EXPECT_FALSE(q[0].event.success);
    EXPECT_EQ(q[0].event.subject_code, "8.2.7");
    EXPECT_EQ(q[0].event.reason_code, "6.4");
}

TEST_P(progress, enable_disable_and_delete_notifications_are_forwarded_once_each)
{
    const auto mid = order(iccid1);
    const auto euicc = make_euicc();
    ASSERT_TRUE(download(euicc, mid));
    {
        auto opened = open_euicc(euicc);
        ASSERT_TRUE(opened) << opened.error().message;
        auto& es10 = *opened->es10;
        ASSERT_TRUE(es10.enable_profile(iccid1));
    }
    send_notifications(euicc, "enable", 2); // the LPA sends it twice: one callback
    EXPECT_EQ(profile(iccid1).state, profile_state::enabled);
    {
        auto opened = open_euicc(euicc);
        ASSERT_TRUE(opened) << opened.error().message;
        auto& es10 = *opened->es10;
        ASSERT_TRUE(es10.disable_profile(iccid1));
        ASSERT_TRUE(es10.delete_profile(iccid1));
    }
    send_notifications(euicc, "disable");
    send_notifications(euicc, "delete");
    EXPECT_EQ(profile(iccid1).state, profile_state::deleted);

    auto q = queued();
    ASSERT_EQ(q.size(), 5u);
    EXPECT_EQ(q[0].event.notification_point_id, smdpp::notification_point::bpp_download);
    EXPECT_EQ(q[1].event.notification_point_id, smdpp::notification_point::bpp_installation);
    EXPECT_EQ(q[2].event.notification_point_id, smdpp::notification_point::enabled);
    EXPECT_EQ(q[3].event.notification_point_id, smdpp::notification_point::disabled);
    EXPECT_EQ(q[4].event.notification_point_id, smdpp::notification_point::deleted);
    for (const auto& c : q)
        EXPECT_TRUE(c.event.success);
}

TEST_P(progress, a_profile_whose_operator_has_no_callback_url_queues_nothing)
{
    ASSERT_TRUE(m_inventory->set_operator_callback(operator_name, ""));
    const auto mid = order(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
    EXPECT_TRUE(queued().empty());
    // Shell-added profiles without an operator neither.
    const auto mid2 = add_released("8949000000000000026");
    ASSERT_TRUE(download(make_euicc("other"), mid2));
    EXPECT_TRUE(queued().empty());
    EXPECT_FALSE(m_inventory->set_operator_callback("nobody", "http://x"));
}

TEST_P(progress, failed_posts_back_off_exponentially_and_are_abandoned_at_the_limit)
{
    const auto mid = order(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    m_receiver.answer(503);
    auto sender = make_sender(*m_inventory);
    const std::int64_t start = m_now.load();

    ASSERT_EQ(*sender.run_once(), 0u);
    auto q = queued();
    ASSERT_EQ(q.size(), 2u); // delivery and installation
    EXPECT_EQ(q[0].attempts, 1);
    EXPECT_EQ(q[0].next_attempt_at, start + 5);
    EXPECT_NE(q[0].last_error.find("503"), std::string::npos) << q[0].last_error;
    ASSERT_EQ(*sender.run_once(), 0u); // not due yet: no POST
    EXPECT_EQ(m_receiver.requests().size(), 2u);

    m_now += 5;
    ASSERT_EQ(*sender.run_once(), 0u);
    EXPECT_EQ(queued()[0].next_attempt_at, m_now.load() + 10);
    m_now += 10;
    ASSERT_EQ(*sender.run_once(), 0u);
    EXPECT_EQ(queued()[0].next_attempt_at, m_now.load() + 20);
    m_now += 20;
    ASSERT_EQ(*sender.run_once(), 0u); // 4th failure: max_attempts
    q = queued();
    EXPECT_EQ(q[0].state, "abandoned");
    EXPECT_EQ(q[0].attempts, 4);
    m_now += 1000;
    m_receiver.answer(204);
    ASSERT_EQ(*sender.run_once(), 0u);
    EXPECT_EQ(m_receiver.requests().size(), 8u); // 4 attempts each, none after giving up
}

TEST_P(progress, odd_operator_answers_neither_stop_the_sender_nor_count_as_delivered_when_failed)
{
    const auto mid = order(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    auto sender = make_sender(*m_inventory);
    // A Failed status in a 200 is a refusal, retried later.
    m_receiver.answer(200, R"({"header":{"functionExecutionStatus":{"status":"Failed"}}})");
    auto sent = sender.run_once();
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(*sent, 0u);
    EXPECT_NE(queued()[0].last_error.find("Failed"), std::string::npos) << queued()[0].last_error;
    // A status of the wrong JSON type, or no JSON at all, is not a refusal and must not throw in the sender.
    m_now += 5;
    m_receiver.answer(200, R"({"header":{"functionExecutionStatus":{"status":1}}})");
    sent = sender.run_once();
    ASSERT_TRUE(sent) << sent.error().message;
    EXPECT_EQ(*sent, 2u);
    EXPECT_EQ(m_receiver.requests().size(), 4u);
}

TEST_P(progress, a_pending_callback_survives_a_restart_and_is_delivered_by_the_next_process)
{
    const auto mid = order(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    m_receiver.answer(500);
    {
        auto sender = make_sender(*m_inventory);
        ASSERT_EQ(*sender.run_once(), 0u);
    }
    const std::string id = queued()[0].event.id;
    // Stop everything, then a new service and sender on the same database.
    m_service.reset();
    m_inventory.reset();
    auto reopened = store::open_inventory(m_location);
    ASSERT_TRUE(reopened) << reopened.error().message;
    m_inventory = std::move(*reopened);
    start_service(smdpp::config{});
    m_receiver.answer(204);
    m_now += 60;
    auto sender = make_sender(*m_inventory);
    auto n = sender.run_once();
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 2u);
    auto bodies = m_receiver.bodies();
    ASSERT_EQ(bodies.size(), 4u); // the refused attempts, then the deliveries
    EXPECT_EQ(bodies[0]["header"]["functionCallIdentifier"], id);
    EXPECT_EQ(bodies[2]["header"]["functionCallIdentifier"], id); // same id: the operator can dedupe
    EXPECT_EQ(queued()[0].state, "delivered");
    EXPECT_EQ(queued()[1].state, "delivered");
}

TEST_P(progress, the_background_sender_posts_as_soon_as_a_change_wakes_it)
{
    auto sender = make_sender(*m_inventory);
    smdpp::config cfg;
    cfg.progress_queued = [&sender] { sender.wake(); };
    start_service(cfg);
    sender.start();
    const auto mid = order(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    for (int i = 0; i < 300 && m_receiver.requests().size() < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    sender.stop();
    ASSERT_EQ(m_receiver.requests().size(), 2u);
    EXPECT_EQ(queued()[1].state, "delivered");
}

INSTANTIATE_TEST_SUITE_P(backends, progress, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
