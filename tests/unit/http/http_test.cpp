#include "openrsp/http/http.h"

#include "support/test_certs.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
namespace http = openrsp::http;
using clock_type = std::chrono::steady_clock;

/// Echoes the body and reports what the server saw in headers.
http::response echo(const http::request& req)
{
    return http::response{200,
                          {{"Content-Type", "application/json"},
                           {"X-Seen-Method", req.method},
                           {"X-Seen-Target", req.target},
                           {"X-Seen-Protocol", std::string(req.header("x-admin-protocol"))},
                           {"X-Seen-Agent", std::string(req.header("USER-AGENT"))},
                           {"X-Seen-Remote", req.remote_address}},
                          req.body};
}

std::unique_ptr<http::server> start_server(http::server_config cfg, http::handler h = echo)
{
    if (cfg.threads == 0) cfg.threads = 2;
    auto s = http::server::start(std::move(cfg), std::move(h));
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
}

std::string url(const http::server& s, bool tls = false,
                const std::string& path = "/gsma/rsp2/es9plus/initiateAuthentication")
{
    return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.port()) + path;
}

const std::vector<http::header_field> es9_headers = {{"Content-Type", "application/json;charset=UTF-8"},
                                                     {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};

/// A raw loopback TCP connection, for what curl will not do (slow or malformed clients).
class raw_socket {
public:
    explicit raw_socket(std::uint16_t port, std::chrono::milliseconds receive_timeout = 5000ms)
        : m_fd(::socket(AF_INET, SOCK_STREAM, 0))
    {
        timeval tv{static_cast<time_t>(receive_timeout.count() / 1000),
                   static_cast<suseconds_t>(receive_timeout.count() % 1000 * 1000)};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;
    ~raw_socket() { ::close(m_fd); }

    [[nodiscard]] bool connected() const { return m_connected; }
    bool send(std::string_view data)
    {
        return ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
    }
    /// One recv(): "" means the peer closed; nullopt a receive timeout or error.
    std::optional<std::string> receive()
    {
        char buf[4096];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }
    /// Reads until the peer closes (true) or a receive times out (false).
    bool read_until_closed(std::string& all)
    {
        for (;;) {
            auto chunk = receive();
            if (!chunk) return false;
            if (chunk->empty()) return true;
            all += *chunk;
        }
    }

private:
    int m_fd;
    bool m_connected = false;
};

/// A port nothing listens on: bound, then released.
std::uint16_t unused_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 3000ms)
{
    const auto end = clock_type::now() + limit;
    while (!pred()) {
        if (clock_type::now() > end) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

TEST(http_server, when_plain_post_then_echoed_with_headers_seen)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    http::client cli({});
    const std::string body = R"({"euiccChallenge":"ZmFrZQ==","smdpAddress":"smdp.example.com"})";
    auto res = cli.post(url(*srv), body, es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, body);
    EXPECT_EQ(res->header("content-type"), "application/json");
    EXPECT_EQ(res->header("X-Seen-Method"), "POST");
    EXPECT_EQ(res->header("X-Seen-Target"), "/gsma/rsp2/es9plus/initiateAuthentication");
    EXPECT_EQ(res->header("X-Seen-Protocol"), "gsma/rsp/v2.2.0");
    EXPECT_EQ(res->header("X-Seen-Agent"), "gsma-rsp-lpad");
    EXPECT_EQ(res->header("X-Seen-Remote"), "127.0.0.1");
    EXPECT_EQ(res->header("Content-Length"), std::to_string(body.size()));
}

TEST(http_server, when_two_requests_then_one_connection_is_reused)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    http::client cli({});
    ASSERT_TRUE(cli.post(url(*srv), "{}", es9_headers));
    ASSERT_TRUE(cli.post(url(*srv), "{\"second\":true}", es9_headers));
    EXPECT_EQ(srv->connections_accepted(), 1u);
}

TEST(http_server, when_tls_post_then_echoed_over_one_connection)
{
    const auto pki = http::test::make_self_signed("P-256");
    auto srv = start_server({.cert_chain_pem = pki.cert_pem, .private_key_pem = pki.key_pem});
    ASSERT_TRUE(srv);
    http::client cli({.ca_pem = pki.cert_pem});
    const std::string body = R"({"transactionId":"0123456789ABCDEF"})";
    for (int i = 0; i < 2; ++i) {
        auto res = cli.post(url(*srv, true), body, es9_headers);
        ASSERT_TRUE(res) << res.error().message;
        EXPECT_EQ(res->status, 200);
        EXPECT_EQ(res->body, body);
    }
    EXPECT_EQ(srv->connections_accepted(), 1u);
}

TEST(http_server, when_brainpool_certificate_then_tls_works)
{
    const auto pki = http::test::make_self_signed("brainpoolP256r1");
    auto srv = start_server({.cert_chain_pem = pki.cert_pem, .private_key_pem = pki.key_pem});
    ASSERT_TRUE(srv);
    http::client cli({.ca_pem = pki.cert_pem});
    auto res = cli.post(url(*srv, true), "{}", es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->body, "{}");
}

TEST(http_client, when_server_certificate_untrusted_then_error_says_so)
{
    const auto pki = http::test::make_self_signed();
    const auto other = http::test::make_self_signed();
    auto srv = start_server({.cert_chain_pem = pki.cert_pem, .private_key_pem = pki.key_pem});
    ASSERT_TRUE(srv);
    http::client cli({.ca_pem = other.cert_pem});
    auto res = cli.post(url(*srv, true), "{}", es9_headers);
    ASSERT_FALSE(res);
    EXPECT_NE(res.error().message.find("TLS certificate of 127.0.0.1 is not trusted"), std::string::npos)
        << res.error().message;
}

TEST(http_client, when_nothing_listens_then_connection_refused)
{
    const std::string target = "http://127.0.0.1:" + std::to_string(unused_port()) + "/x";
    http::client cli({});
    auto res = cli.post(target, "{}", es9_headers);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().message, "cannot reach " + target + ": connection refused");
}

TEST(http_client, when_server_too_slow_then_timeout_error)
{
    auto srv = start_server({}, [](const http::request&) {
        std::this_thread::sleep_for(1500ms);
        return http::response{};
    });
    ASSERT_TRUE(srv);
    http::client cli({.total_timeout = 300ms});
    auto res = cli.post(url(*srv), "{}", es9_headers);
    ASSERT_FALSE(res);
    EXPECT_NE(res.error().message.find("timed out"), std::string::npos) << res.error().message;
}

TEST(http_client, when_requests_made_then_bytes_counted)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    http::client cli({});
    const std::string body(1000, 'a');
    ASSERT_TRUE(cli.post(url(*srv), body, es9_headers));
    const auto first = cli.stats();
    EXPECT_GT(first.bytes_sent, body.size());
    EXPECT_GT(first.bytes_received, body.size());
    ASSERT_TRUE(cli.post(url(*srv), body, es9_headers));
    EXPECT_GT(cli.stats().bytes_sent, first.bytes_sent + body.size());
}

TEST(http_client, when_response_exceeds_the_limit_then_error_and_client_still_usable)
{
    auto srv = start_server({}); // echoes the request body
    ASSERT_TRUE(srv);
    http::client_config cfg;
    cfg.max_response_bytes = 1000;
    http::client cli(cfg);
    auto big = cli.post(url(*srv), std::string(5000, 'b'), es9_headers);
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().message.find("larger than 1000 bytes"), std::string::npos) << big.error().message;
    auto small = cli.post(url(*srv), std::string(500, 's'), es9_headers);
    ASSERT_TRUE(small) << small.error().message;
    EXPECT_EQ(small->body, std::string(500, 's'));
}

TEST(http_client, when_moved_then_still_usable)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    http::client first({});
    http::client second(std::move(first));
    auto res = second.post(url(*srv), "moved", es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->body, "moved");
}

TEST(http_server, when_body_too_large_then_413_and_server_still_serves)
{
    auto srv = start_server({.max_body_bytes = 1024});
    ASSERT_TRUE(srv);
    http::client cli({});
    auto res = cli.post(url(*srv), std::string(4096, 'x'), es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 413);
    auto small = cli.post(url(*srv), std::string(1024, 'y'), es9_headers);
    ASSERT_TRUE(small) << small.error().message;
    EXPECT_EQ(small->status, 200);
}

TEST(http_server, when_tls_body_too_large_then_413_and_server_still_serves)
{
    const auto pki = http::test::make_self_signed();
    auto srv = start_server({.cert_chain_pem = pki.cert_pem, .private_key_pem = pki.key_pem, .max_body_bytes = 1024});
    ASSERT_TRUE(srv);
    http::client cli({.ca_pem = pki.cert_pem});
    auto res = cli.post(url(*srv, true), std::string(256 * 1024, 'x'), es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 413);
    auto small = cli.post(url(*srv, true), "{}", es9_headers);
    ASSERT_TRUE(small) << small.error().message;
    EXPECT_EQ(small->status, 200);
}

TEST(http_server, when_tls_handshake_never_starts_then_dropped_after_header_timeout)
{
    const auto pki = http::test::make_self_signed();
    auto srv = start_server({.cert_chain_pem = pki.cert_pem, .private_key_pem = pki.key_pem, .header_timeout = 1s});
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    const auto t0 = clock_type::now();
    std::string reply;
    EXPECT_TRUE(s.read_until_closed(reply));
    EXPECT_GE(clock_type::now() - t0, 900ms);
    EXPECT_LT(clock_type::now() - t0, 4s);
}

TEST(http_server, when_chunked_body_too_large_then_413)
{
    auto srv = start_server({.max_body_bytes = 16});
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n"
                       "0123456789abcdef0123456789abcdef\r\n0\r\n\r\n"));
    std::string reply;
    EXPECT_TRUE(s.read_until_closed(reply));
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply;
}

TEST(http_server, when_handler_throws_then_500)
{
    auto srv = start_server({}, [](const http::request&) -> http::response { throw std::runtime_error("bug"); });
    ASSERT_TRUE(srv);
    http::client cli({});
    auto res = cli.post(url(*srv), "{}", es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 500);
    EXPECT_LT(res->body.size(), 100u);
}

TEST(http_server, when_handler_sets_bad_header_then_500)
{
    auto srv = start_server({}, [](const http::request&) {
        return http::response{200, {{"X-Injected", "a\r\nSet-Cookie: evil"}}, "x"};
    });
    ASSERT_TRUE(srv);
    http::client cli({});
    auto res = cli.post(url(*srv), "{}", es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 500);
    EXPECT_TRUE(res->header("Set-Cookie").empty());
}

TEST(http_server, when_request_malformed_then_400_and_closed)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.send("THIS IS NOT HTTP\r\n\r\n"));
    std::string reply;
    EXPECT_TRUE(s.read_until_closed(reply));
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
}

TEST(http_server, when_client_expects_100_continue_then_server_says_continue)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    auto interim = s.receive();
    ASSERT_TRUE(interim);
    EXPECT_TRUE(interim->starts_with("HTTP/1.1 100 Continue\r\n\r\n")) << *interim;
    ASSERT_TRUE(s.send("hello"));
    std::string reply = interim->substr(std::string_view("HTTP/1.1 100 Continue\r\n\r\n").size());
    while (reply.find("hello") == std::string::npos) {
        auto more = s.receive();
        ASSERT_TRUE(more && !more->empty()) << reply;
        reply += *more;
    }
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
}

TEST(http_server, when_head_request_then_length_without_body)
{
    auto srv = start_server({}, [](const http::request&) { return http::response{200, {}, "twelve bytes"}; });
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    std::string reply;
    EXPECT_TRUE(s.read_until_closed(reply));
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
    EXPECT_NE(reply.find("Content-Length: 12\r\n"), std::string::npos) << reply;
    EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;
}

TEST(http_server, when_headers_never_finish_then_dropped_after_header_timeout)
{
    auto srv = start_server({.header_timeout = 1s});
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    const auto t0 = clock_type::now();
    ASSERT_TRUE(s.send("POST / HTTP/1.1\r\nHost: slow\r\n")); // and never the blank line
    std::string reply;
    EXPECT_TRUE(s.read_until_closed(reply));
    const auto waited = clock_type::now() - t0;
    EXPECT_GE(waited, 900ms);
    EXPECT_LT(waited, 4s);
    EXPECT_TRUE(reply.empty()) << reply;
}

TEST(http_server, when_keep_alive_connection_idle_then_closed_after_idle_timeout)
{
    auto srv = start_server({.idle_timeout = 1s});
    ASSERT_TRUE(srv);
    raw_socket s(srv->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
    auto reply = s.receive();
    ASSERT_TRUE(reply && reply->starts_with("HTTP/1.1 200")) << reply.value_or("(timeout)");
    const auto t0 = clock_type::now();
    std::string rest;
    EXPECT_TRUE(s.read_until_closed(rest));
    EXPECT_GE(clock_type::now() - t0, 900ms);
    EXPECT_LT(clock_type::now() - t0, 4s);
}

TEST(http_server, when_200_idle_connections_then_all_held_and_requests_still_served)
{
    auto srv = start_server({.threads = 1});
    ASSERT_TRUE(srv);
    std::vector<std::unique_ptr<raw_socket>> idle;
    for (int i = 0; i < 200; ++i) {
        idle.push_back(std::make_unique<raw_socket>(srv->port()));
        ASSERT_TRUE(idle.back()->connected()) << i;
    }
    EXPECT_TRUE(eventually([&] { return srv->active_connections() >= 200; })) << srv->active_connections();
    http::client cli({});
    auto res = cli.post(url(*srv), "still here", es9_headers);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->body, "still here");
    idle.clear();
    EXPECT_TRUE(eventually([&] { return srv->active_connections() <= 1; })) << srv->active_connections();
}

TEST(http_server, when_max_connections_reached_then_extra_connections_closed)
{
    auto srv = start_server({.max_connections = 2});
    ASSERT_TRUE(srv);
    raw_socket a(srv->port()), b(srv->port());
    ASSERT_TRUE(eventually([&] { return srv->active_connections() == 2; }));
    raw_socket c(srv->port());
    std::string reply;
    EXPECT_TRUE(c.read_until_closed(reply));
    EXPECT_TRUE(reply.empty());
}

TEST(http_server, when_stopped_with_idle_connections_then_returns_promptly)
{
    auto srv = start_server({});
    ASSERT_TRUE(srv);
    raw_socket idle(srv->port());
    ASSERT_TRUE(eventually([&] { return srv->active_connections() == 1; }));
    const auto t0 = clock_type::now();
    srv->stop();
    EXPECT_LT(clock_type::now() - t0, 1s);
    std::string reply;
    EXPECT_TRUE(idle.read_until_closed(reply));
    srv->stop(); // idempotent
}

TEST(http_server, when_stopped_during_request_then_request_completes)
{
    std::atomic<bool> in_handler{false};
    auto srv = start_server({}, [&](const http::request& req) {
        in_handler = true;
        std::this_thread::sleep_for(300ms);
        return http::response{200, {}, req.body};
    });
    ASSERT_TRUE(srv);
    std::optional<openrsp::result<http::response>> res;
    std::thread caller([&] {
        http::client cli({});
        res.emplace(cli.post(url(*srv), "finish me", es9_headers));
    });
    ASSERT_TRUE(eventually([&] { return in_handler.load(); }));
    srv->stop();
    caller.join();
    ASSERT_TRUE(res && *res) << (res ? res->error().message : "no result");
    EXPECT_EQ((*res)->body, "finish me");
    EXPECT_EQ((*res)->header("Connection"), "close");
}

TEST(http_server, when_port_in_use_then_plain_error)
{
    auto first = start_server({});
    ASSERT_TRUE(first);
    auto second = http::server::start({.port = first->port()}, echo);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message,
              "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": address already in use");
}

TEST(http_server, when_tls_material_bad_then_plain_error)
{
    const auto pki = http::test::make_self_signed();
    const auto other = http::test::make_self_signed();
    auto garbage = http::server::start({.cert_chain_pem = "not a pem", .private_key_pem = pki.key_pem}, echo);
    ASSERT_FALSE(garbage);
    EXPECT_TRUE(garbage.error().message.starts_with("cannot load the TLS certificate")) << garbage.error().message;

    auto mismatch = http::server::start({.cert_chain_pem = pki.cert_pem, .private_key_pem = other.key_pem}, echo);
    ASSERT_FALSE(mismatch);
    EXPECT_EQ(mismatch.error().message, "the TLS private key does not match the certificate");

    auto half = http::server::start({.cert_chain_pem = pki.cert_pem}, echo);
    ASSERT_FALSE(half);

    auto bad_address = http::server::start({.bind_address = "smdp.example.com"}, echo);
    ASSERT_FALSE(bad_address);
    EXPECT_EQ(bad_address.error().message, "cannot listen on smdp.example.com: not an IP address");
}

TEST(http_request, when_header_looked_up_then_case_ignored)
{
    http::request req;
    req.headers = {{"Content-Type", "application/json"}, {"X-Admin-Protocol", "gsma/rsp/v2.2.0"}};
    EXPECT_EQ(req.header("x-admin-protocol"), "gsma/rsp/v2.2.0");
    EXPECT_EQ(req.header("CONTENT-TYPE"), "application/json");
    EXPECT_EQ(req.header("Accept"), "");
}

} // namespace
