// Two `openrsp smdpp serve` processes on one PostgreSQL inventory: any node serves any step of a session, and a
// matching ID is handed out once however many eUICCs claim it on whichever node.
//
// A TLS front (in this process, with the DPtls certificate, as a load balancer in front of the nodes) passes the
// LPA's ES9+ calls to the nodes in turn, so one download's calls alternate between node A and node B. The nodes
// run with --plain-http behind it, which is how they are meant to sit behind a TLS-terminating proxy.
//
// Needs OPENRSP_TEST_POSTGRES_URL (a role that may CREATE DATABASE); without it the test is skipped, or fails
// when OPENRSP_REQUIRE_POSTGRES=1 (as the store suite does).
#include "support/parties.h"
#include "support/store_backends.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/http/client.h"
#include "openrsp/http/server.h"
#include "openrsp/lpa/download.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/pki/pki.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/smdpp/smdpp.h"
#include "openrsp/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

using namespace openrsp;
namespace fs = std::filesystem;
namespace es9p = rsp::es9p;

using openrsp::test::slurp;

namespace {

const std::string cli = OPENRSP_CLI;

/// `openrsp smdpp serve --plain-http` on an ephemeral port, learnt from its start line; SIGTERM on destruction.
class node_process {
public:
    node_process(const fs::path& pki, const std::string& db, const std::string& address)
    {
        int out[2];
        if (::pipe(out) != 0) return;
        posix_spawn_file_actions_t actions;
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        ::posix_spawn_file_actions_addclose(&actions, out[0]);
        std::vector<std::string> args{cli,         "smdpp",     "serve", "--pki",    pki.string(),  "--db",
                                      db,          "--address", address, "--listen", "127.0.0.1:0", "--plain-http",
                                      "--threads", "4"};
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&m_pid, cli.c_str(), &actions, nullptr, argv.data(), environ) != 0) m_pid = -1;
        ::posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        m_stdout = out[0];
        if (m_pid > 0) m_port = read_port();
    }
    ~node_process()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
        if (m_stdout >= 0) ::close(m_stdout);
    }
    node_process(const node_process&) = delete;
    node_process& operator=(const node_process&) = delete;

    /// 0 if the node did not come up (its own sentence is on the test's stderr).
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
    // "SM-DP+ ... serving ES9+ and ES2+ on http://127.0.0.1:PORT (inventory ...)"
    int read_port()
    {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            pollfd p{m_stdout, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            char buf[256];
            const ssize_t n = ::read(m_stdout, buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
        const auto at = line.find("127.0.0.1:");
        if (at == std::string::npos) return 0;
        return std::atoi(line.c_str() + at + 10);
    }

    pid_t m_pid = -1;
    int m_stdout = -1;
    int m_port = 0;
};

http::response post_json(const std::string& url, const std::string& body)
{
    http::client c(http::client_config{});
    auto r = c.post(url, body, {{"Content-Type", "application/json"}, {"X-Admin-Protocol", "gsma/rsp/v2.2.2"}});
    if (!r) return http::response{599, {}, r.error().message};
    return std::move(*r);
}

class two_nodes : public ::testing::Test {
protected:
    void SetUp() override
    {
        const auto pg = store::testing::postgres_for_tests();
        if (pg.verdict == store::testing::postgres_availability::fail) FAIL() << pg.reason;
        if (pg.verdict == store::testing::postgres_availability::skip) GTEST_SKIP() << pg.reason;
        m_pg = std::make_unique<store::testing::postgres_scratch>(pg.admin_url);
        auto db = m_pg->create();
        ASSERT_TRUE(db) << db.error().message;
        m_db = *db;

        std::string tmpl = (fs::temp_directory_path() / "openrsp-2nodes-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        m_dir = tmpl;
        pki::init_options o;
        o.directory = (m_dir / "pki").string();
        o.smdp_host = "localhost";
        ASSERT_TRUE(pki::init(o));

        start_front();
        m_nodes.push_back(std::make_unique<node_process>(m_dir / "pki", m_db, m_address));
        m_nodes.push_back(std::make_unique<node_process>(m_dir / "pki", m_db, m_address));
        for (const auto& n : m_nodes)
            ASSERT_NE(n->port(), 0) << "an `openrsp smdpp serve` node did not start";

        auto inv = store::open_inventory(m_db);
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
    }

    void TearDown() override
    {
        if (m_front) m_front->stop();
        m_front.reset();
        m_nodes.clear();
        m_inventory.reset();
        m_pg.reset(); // drops the database
        if (!m_dir.empty()) fs::remove_all(m_dir);
    }

    /// The TLS front: each ES9+ call goes to the next node in turn; which node served what is logged.
    void start_front()
    {
        auto creds = smdpp::load_credentials((m_dir / "pki").string());
        ASSERT_TRUE(creds) << creds.error().message;
        http::server_config sc;
        sc.cert_chain_pem = creds->dptls.cert.pem();
        sc.private_key_pem = creds->dptls.key.private_pem();
        auto server = http::server::start(sc, [this](const http::request& r) {
            const std::size_t n = m_next++ % m_nodes.size();
            {
                std::lock_guard lock(m_log_mutex);
                m_served.emplace_back(r.target.substr(r.target.rfind('/') + 1), n);
            }
            return post_json(m_nodes[n]->url() + r.target, r.body);
        });
        ASSERT_TRUE(server) << server.error().message;
        m_front = std::move(*server);
        m_address = "localhost:" + std::to_string(m_front->port());
    }

    std::string make_euicc(const std::string& name)
    {
        const std::string path = (m_dir / (name + ".json")).string();
        auto r = test::create_euicc(path, m_dir / "pki");
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return path;
    }

    rsp::activation_code add(const std::string& iccid)
    {
        smdpp::add_profile_options o;
        o.smdp_address = m_address;
        auto ac = smdpp::add_profile(*m_inventory, test::test_profile(iccid, "Two nodes", ""), o);
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? *ac : rsp::activation_code{};
    }

    store::profile_state state_of(const std::string& iccid)
    {
        auto p = m_inventory->find_by_iccid(iccid);
        return p && *p ? (*p)->state : store::profile_state::error;
    }

    std::unique_ptr<store::testing::postgres_scratch> m_pg;
    std::string m_db;
    fs::path m_dir;
    std::unique_ptr<http::server> m_front;
    std::string m_address;
    std::vector<std::unique_ptr<node_process>> m_nodes;
    std::atomic<std::size_t> m_next{0};
    std::mutex m_log_mutex;
    std::vector<std::pair<std::string, std::size_t>> m_served; ///< (ES9+ function, node)
    std::unique_ptr<store::inventory> m_inventory;
};

} // namespace

TEST_F(two_nodes, one_download_whose_calls_alternate_between_the_nodes_installs)
{
    const auto ac = add("8949000000000000018");
    auto chip = euicc::virtual_euicc::open(make_euicc("euicc"));
    ASSERT_TRUE(chip);
    auto transport = (*chip)->make_transport();
    lpa::es10_client es10(*transport);
    ASSERT_TRUE(es10.open());
    http::client_config hc;
    hc.ca_pem = slurp(m_dir / "pki" / pki::files::ci_cert);
    http::client http(hc);
    lpa::download_options o;
    o.activation_code = ac;
    auto r = lpa::download_profile(es10, http, o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->notification_sent);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);

    // initiateAuthentication, authenticateClient, getBoundProfilePackage, handleNotification: A, B, A, B.
    std::lock_guard lock(m_log_mutex);
    ASSERT_EQ(m_served.size(), 4u);
    for (std::size_t i = 1; i < m_served.size(); ++i)
        EXPECT_NE(m_served[i].second, m_served[i - 1].second) << m_served[i].first << " ran on the same node";
    EXPECT_EQ(m_served[1].first, "authenticateClient");
    EXPECT_EQ(m_served[2].first, "getBoundProfilePackage");
}

TEST_F(two_nodes, two_hundred_concurrent_claims_of_one_matching_id_produce_one_download)
{
    constexpr std::size_t claims = 200;
    const auto ac = add("8949000000000000026");

    // Each claimant is its own eUICC with its own RSP session, opened on alternating nodes.
    struct claimant {
        std::unique_ptr<euicc::virtual_euicc> chip;
        std::unique_ptr<rsp::card_transport> transport;
        std::unique_ptr<lpa::es10_client> es10;
        std::string tid;
        std::string node_url;
        bytes authenticate_server_response;
    };
    const std::string euicc_template = make_euicc("template");
    std::vector<claimant> who(claims);
    for (std::size_t i = 0; i < claims; ++i) {
        auto& c = who[i];
        const fs::path path = m_dir / ("euicc" + std::to_string(i) + ".json");
        fs::copy_file(euicc_template, path);
        auto chip = euicc::virtual_euicc::open(path.string());
        ASSERT_TRUE(chip);
        c.chip = std::move(*chip);
        c.transport = c.chip->make_transport();
        c.es10 = std::make_unique<lpa::es10_client>(*c.transport);
        ASSERT_TRUE(c.es10->open());
        auto info1 = c.es10->get_euicc_info1();
        auto challenge = c.es10->get_euicc_challenge();
        ASSERT_TRUE(info1 && challenge);
        c.node_url = m_nodes[i % 2]->url();
        es9p::initiate_authentication_request ia{m_address, *challenge, *info1};
        auto resp = post_json(c.node_url + "/gsma/rsp2/es9plus/initiateAuthentication", es9p::to_json(ia));
        auto parsed = es9p::parse_initiate_authentication_response(resp.body);
        ASSERT_TRUE(parsed) << parsed.error().message;
        c.tid = parsed->transaction_id;
        auto as =
            c.es10->authenticate_server(parsed->server_signed1, parsed->server_signature1,
                                        parsed->euicc_ci_pkid_to_be_used, parsed->server_certificate, ac.matching_id);
        ASSERT_TRUE(as) << as.error().message;
        c.authenticate_server_response = std::move(*as);
        // The claim itself goes to the other node than the one that opened the session.
        c.node_url = m_nodes[(i + 1) % 2]->url();
    }

    std::vector<std::string> outcome(claims);
    std::vector<es9p::authenticate_client_response> granted(claims);
    std::latch go(claims);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < claims; ++i)
        threads.emplace_back([&, i] {
            es9p::authenticate_client_request req{who[i].tid, who[i].authenticate_server_response};
            const std::string body = es9p::to_json(req);
            go.arrive_and_wait();
            auto resp = post_json(who[i].node_url + "/gsma/rsp2/es9plus/authenticateClient", body);
            auto parsed = es9p::parse_authenticate_client_response(resp.body);
            if (parsed) {
                outcome[i] = "ok";
                granted[i] = std::move(*parsed);
            } else {
                outcome[i] = parsed.error().subject + "/" + parsed.error().reason;
            }
        });
    for (auto& t : threads)
        t.join();

    std::size_t winners = 0, in_use = 0, winner = claims;
    for (std::size_t i = 0; i < claims; ++i) {
        if (outcome[i] == "ok") {
            ++winners;
            winner = i;
        } else if (outcome[i] == "8.2.6/3.3") {
            ++in_use;
        } else {
            ADD_FAILURE() << "claim " << i << " ended with " << outcome[i];
        }
    }
    ASSERT_EQ(winners, 1u);
    EXPECT_EQ(in_use, claims - 1);

    // The winner finishes its download, BPP from one node and installation result to the other.
    auto& c = who[winner];
    auto pd = c.es10->prepare_download(granted[winner].smdp_signed2, granted[winner].smdp_signature2,
                                       granted[winner].smdp_certificate, std::nullopt);
    ASSERT_TRUE(pd);
    es9p::get_bound_profile_package_request gb{c.tid, *pd};
    auto bpp = es9p::parse_get_bound_profile_package_response(
        post_json(m_nodes[winner % 2]->url() + "/gsma/rsp2/es9plus/getBoundProfilePackage", es9p::to_json(gb)).body);
    ASSERT_TRUE(bpp) << bpp.error().message;
    auto pir = c.es10->load_bound_profile_package(bpp->bound_profile_package);
    ASSERT_TRUE(pir);
    auto notified = post_json(m_nodes[(winner + 1) % 2]->url() + "/gsma/rsp2/es9plus/handleNotification",
                              es9p::to_json(es9p::handle_notification_request{*pir}));
    EXPECT_EQ(notified.status, 204) << notified.body;
    EXPECT_EQ(state_of("8949000000000000026"), store::profile_state::installed);
    auto p = m_inventory->find_by_iccid("8949000000000000026");
    ASSERT_TRUE(p && *p);
    EXPECT_EQ((*p)->download_attempts, 1);

    // Both nodes count in /metrics; their downloads add up to one.
    std::uint64_t downloads = 0;
    for (const auto& n : m_nodes) {
        http::client h(http::client_config{});
        auto m = h.post(n->url() + "/metrics", "", {});
        ASSERT_TRUE(m);
        const std::string sample = "\nopenrsp_smdpp_downloads_total ";
        const auto at = m->body.find(sample);
        ASSERT_NE(at, std::string::npos) << m->body;
        downloads += std::stoull(m->body.substr(at + sample.size()));
    }
    EXPECT_EQ(downloads, 1u);
}
