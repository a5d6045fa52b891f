// The LPA's download against our SM-DP+ over HTTPS on loopback: progress, notifications, IMEI, and what happens
// when the SM-DP+ is slow or the user interrupts (retries only where safe, cancel reasons, nothing left behind).
#include "lpa_fixture.h"

#include "openrsp/der/der.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>

using namespace openrsp;
using namespace std::chrono_literals;
using openrsp::lpa::test::slurp;

namespace {

class flow : public lpa::test::lpa_env {
protected:
    struct party {
        std::unique_ptr<euicc::virtual_euicc> chip;
        std::unique_ptr<rsp::card_transport> transport;
        std::unique_ptr<lpa::es10_client> es10;
        std::unique_ptr<http::client> http;
    };

    party open(std::chrono::milliseconds timeout = 10s)
    {
        party p;
        auto chip = euicc::virtual_euicc::open(m_euicc_path);
        if (!chip) throw std::runtime_error(chip.error().message);
        p.chip = std::move(*chip);
        p.transport = p.chip->make_transport();
        p.es10 = std::make_unique<lpa::es10_client>(*p.transport, 120);
        if (!p.es10->open()) throw std::runtime_error("open");
        p.http = std::make_unique<http::client>(http_config(timeout));
        return p;
    }

    result<lpa::download_result> download(party& p, lpa::download_options o)
    {
        return lpa::download_profile(*p.es10, *p.http, o);
    }

    /// A new attempt with the same activation code (after a cancelled one) downloads and installs the profile.
    void expect_the_code_installs(const rsp::activation_code& ac, const std::string& iccid)
    {
        auto again = open();
        lpa::download_options o;
        o.activation_code = ac;
        auto second = download(again, o);
        ASSERT_TRUE(second) << second.error().message;
        EXPECT_EQ(state_of(iccid), store::profile_state::installed);
    }

    /// CancelSessionReason of each cancelSession the SM-DP+ received (from the eUICC-signed BF41).
    std::vector<int> cancel_reasons()
    {
        std::vector<int> out;
        for (const auto& r : requests("cancelSession")) {
            auto j = nlohmann::json::parse(r.body);
            auto bf41 = base64_decode(j.at("cancelSessionResponse").get<std::string>());
            auto outer = der::parse_one(*bf41);
            auto ok_branch = der::reader(outer->value).find(0xA0);
            auto signed_part = der::reader(ok_branch->value).find(0x30);
            auto reason = der::reader(signed_part->value).find(0x82);
            out.push_back(static_cast<int>(*der::decode_uint(reason->value)));
        }
        return out;
    }
};

/// A TCP port that accepts connections (the kernel's backlog) and never answers: a hung SM-DP+.
struct silent_port {
    int fd = -1;
    int port = 0;
    silent_port()
    {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0)
            throw std::runtime_error("bind");
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~silent_port() { ::close(fd); }
    silent_port(const silent_port&) = delete;
    silent_port& operator=(const silent_port&) = delete;
};

} // namespace

TEST_F(flow, progress_reports_every_bpp_byte_and_imei_is_accepted)
{
    const auto ac = add("8949000000000000018");
    auto p = open();
    lpa::download_options o;
    o.activation_code = ac;
    o.device.imei = "356938035643809";
    std::vector<std::pair<std::size_t, std::size_t>> progress;
    o.on_bpp_progress = [&](std::size_t loaded, std::size_t total) { progress.emplace_back(loaded, total); };
    auto r = download(p, o);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_GE(progress.size(), 3u);
    for (std::size_t i = 1; i < progress.size(); ++i)
        EXPECT_GT(progress[i].first, progress[i - 1].first);
    EXPECT_EQ(progress.back().first, progress.back().second);
    EXPECT_EQ(progress.back().second, r->bpp_bytes) << "the STORE DATA series carry the whole BPP, once";
    ASSERT_TRUE(r->install_notification);
    EXPECT_TRUE(r->install_notification->delivered);
    EXPECT_EQ(r->install_notification->notification.operation, "install");
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
}

TEST_F(flow, notifications_are_reported_one_by_one_and_profiles_are_managed_by_aid)
{
    const auto ac = add("8949000000000000018");
    auto p = open();
    lpa::download_options o;
    o.activation_code = ac;
    o.send_notification = false;
    auto r = download(p, o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->install_notification);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::downloaded) << "not told yet";

    const auto profiles = p.es10->get_profiles_info();
    ASSERT_TRUE(profiles);
    ASSERT_EQ(profiles->size(), 1u);
    const std::string aid = to_hex((*profiles)[0].isdp_aid, true);
    auto enabled = p.es10->enable_profile(aid, false);
    ASSERT_TRUE(enabled);
    EXPECT_TRUE(enabled->ok()) << rsp::describe(enabled->value);

    auto report = lpa::deliver_notifications(*p.es10, *p.http);
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_EQ(report->size(), 2u);
    EXPECT_EQ((*report)[0].notification.operation, "install");
    EXPECT_EQ((*report)[1].notification.operation, "enable");
    for (const auto& d : *report)
        EXPECT_TRUE(d.delivered) << d.error;
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::enabled);
    EXPECT_TRUE(p.es10->list_notifications()->empty()) << "delivered ones are removed";

    // Disabled by ICCID this time; the SM-DP+ is gone, so the notification stays and says why.
    auto disabled = p.es10->disable_profile("8949000000000000018", false);
    ASSERT_TRUE(disabled && disabled->ok());
    m_smdp.stop();
    auto kept = lpa::deliver_notifications(*p.es10, *p.http);
    ASSERT_TRUE(kept);
    ASSERT_EQ(kept->size(), 1u);
    EXPECT_FALSE((*kept)[0].delivered);
    EXPECT_NE((*kept)[0].error.find("cannot reach"), std::string::npos) << (*kept)[0].error;
    EXPECT_EQ(p.es10->list_notifications()->size(), 1u);
}

TEST_F(flow, when_smdp_never_answers_then_initiate_authentication_is_retried_and_the_error_says_timeout)
{
    silent_port hung;
    const std::string before = slurp(m_euicc_path);
    auto p = open(300ms);
    lpa::download_options o;
    o.activation_code.smdp_address = "localhost:" + std::to_string(hung.port);
    o.activation_code.matching_id = "ANY";
    o.retries = 2;
    o.retry_backoff = 50ms;
    const auto start = std::chrono::steady_clock::now();
    auto r = download(p, o);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r);
    EXPECT_TRUE(lpa::is_timeout(r.error())) << r.error().message;
    EXPECT_NE(r.error().message.find("initiateAuthentication"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("3 attempts"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("--timeout"), std::string::npos) << "a next step";
    EXPECT_FALSE(lpa::next_step(r.error()).empty());
    EXPECT_GE(took, 3 * 300ms + 150ms) << "three attempts with 50 + 100 ms between them";
    EXPECT_EQ(slurp(m_euicc_path), before);
}

TEST_F(flow, when_authenticate_client_times_out_then_it_is_not_retried_and_the_session_is_cancelled_as_timeout)
{
    const auto ac = add("8949000000000000018");
    std::atomic<int> delayed{0};
    m_hook = [&](const http::request& r) {
        if (r.target.ends_with("authenticateClient") && delayed++ == 0) std::this_thread::sleep_for(1500ms);
    };
    auto p = open(700ms);
    lpa::download_options o;
    o.activation_code = ac;
    auto r = download(p, o);
    ASSERT_FALSE(r);
    EXPECT_TRUE(lpa::is_timeout(r.error())) << r.error().message;
    EXPECT_NE(r.error().message.find("session cancelled on the eUICC and at the SM-DP+"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(requests("authenticateClient").size(), 1u) << "a step that consumes the matching ID is never retried";
    EXPECT_EQ(cancel_reasons(), std::vector<int>{rsp::to_int(rsp::cancel_session_reason::timeout)});

    std::this_thread::sleep_for(1200ms); // the delayed authenticateClient finishes (and finds no session)
    m_hook = nullptr;
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
    expect_the_code_installs(ac, "8949000000000000018");
}

TEST_F(flow, when_interrupted_then_the_session_is_cancelled_as_postponed_and_the_code_works_again)
{
    const auto ac = add("8949000000000000018");
    std::atomic<bool> interrupted{false};
    auto p = open();
    lpa::download_options o;
    o.activation_code = ac;
    o.interrupted = [&] { return interrupted.load(); };
    // Ctrl-C while the user looks at the profile metadata.
    o.confirm = [&](const lpa::profile_metadata& m) {
        EXPECT_EQ(m.service_provider_name, "OpenRSP Mobile");
        EXPECT_EQ(m.icon_bytes, 0u);
        interrupted = true;
        return true;
    };
    auto r = download(p, o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("interrupted"), std::string::npos) << r.error().message;
    EXPECT_EQ(cancel_reasons(), std::vector<int>{rsp::to_int(rsp::cancel_session_reason::postponed)});
    EXPECT_TRUE(requests("getBoundProfilePackage").empty());
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
    EXPECT_TRUE(p.chip->profiles().empty());

    expect_the_code_installs(ac, "8949000000000000018");
}

TEST_F(flow, when_user_declines_then_cancelled_as_end_user_rejection)
{
    const auto ac = add("8949000000000000018");
    auto p = open();
    lpa::download_options o;
    o.activation_code = ac;
    o.confirm = [](const lpa::profile_metadata&) { return false; };
    auto r = download(p, o);
    ASSERT_FALSE(r);
    EXPECT_EQ(cancel_reasons(), std::vector<int>{rsp::to_int(rsp::cancel_session_reason::end_user_rejection)});
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
}

TEST_F(flow, refusals_keep_their_sgp22_code_and_get_a_next_step)
{
    const auto ac = add("8949000000000000018");
    auto p = open();
    lpa::download_options o;
    o.activation_code = ac;
    o.activation_code.matching_id = "TYPO-IN-CODE";
    auto r = download(p, o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().subject, "8.2.6");
    EXPECT_EQ(r.error().reason, "3.8");
    EXPECT_NE(lpa::next_step(r.error()).find("typos"), std::string::npos);
    EXPECT_EQ(lpa::next_step(error::rsp("8.2.7", "2.2", "x")).find("--confirmation-code") != std::string::npos, true);
    EXPECT_EQ(lpa::next_step(error::plain("local")), "");
}

TEST(metadata, icon_and_owner_are_read_from_store_metadata)
{
    der::writer w;
    w.begin(rsp::tag::store_metadata)
        .add(rsp::tag::iccid, *rsp::iccid_to_bcd("8949000000000000018"))
        .add(rsp::tag::service_provider_name, std::string_view{"Op"})
        .add(rsp::tag::profile_name, std::string_view{"Plan"})
        .add_uint(rsp::tag::icon_type, 1)
        .add(rsp::tag::icon, bytes(300, 0x42))
        .add_uint(rsp::tag::profile_class, 0)
        .begin(rsp::tag::profile_owner)
        .add(0x80, hex("130062")) // MCC 310, MNC 260 (three digits)
        .end()
        .end();
    auto m = lpa::parse_metadata(w.finish());
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->icon_type, "png");
    EXPECT_EQ(m->icon_bytes, 300u);
    EXPECT_EQ(lpa::profile_class_name(m->profile_class), "test");
    EXPECT_EQ(m->profile_owner, "310260");
}
