// The only file that sees Boost.Beast/Asio: an asynchronous HTTP/1.1 server over plain TCP or TLS.
#include "openrsp/http/server.h"

#include "tls_context.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace openrsp::http {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t header_limit = 16 * 1024;
// How long stop() lets requests in progress finish before it cuts them off.
constexpr auto stop_grace = std::chrono::seconds(5);
// After an error response the client may still be sending its body; reading (and dropping) it for a while avoids
// a TCP reset that would destroy the response before the client reads it.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = 4 << 20;

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }

bool has_control_chars(std::string_view s)
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// RFC 9110 §5.6.2 token, the syntax of a field name.
bool is_token(std::string_view s)
{
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
    });
}

std::string sentence_case(std::string s)
{
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

/// What stop() needs from a connection; implemented per stream type.
class connection_base {
public:
    virtual ~connection_base() = default;
    /// Asks the connection to close once its current request is answered (thread-safe).
    virtual void request_stop() = 0;
};

/// State shared by the acceptor and all connections. Outlives every connection: stop() drains them before it returns.
class server_core {
public:
    server_core(server_config config, handler on_request, std::optional<net::ssl::context> tls, unsigned threads)
        : m_config(std::move(config)), m_handler(std::move(on_request)), m_tls(std::move(tls)), m_thread_count(threads),
          m_ioc(static_cast<int>(threads)), m_acceptor(net::make_strand(m_ioc)),
          m_accept_retry(m_acceptor.get_executor())
    {
    }

    result<void> listen();
    void run();
    void stop();

    const server_config& config() const { return m_config; }
    const handler& on_request() const { return m_handler; }
    bool stopping() const { return m_stopping.load(std::memory_order_relaxed); }
    std::uint16_t port() const { return m_port; }
    std::uint64_t accepted() const { return m_accepted.load(); }
    std::size_t active() const { return m_active.load(); }

    /// Adds a connection to the stop list; false once stopping (the caller then drops the connection).
    bool add(std::uint64_t& id, const std::shared_ptr<connection_base>& s);
    void remove(std::uint64_t id);

private:
    void accept();
    void on_accept(error_code ec, tcp::socket socket);
    template <class Stream>
    void start_connection(Stream stream, std::string remote);

    server_config m_config;
    handler m_handler;
    std::optional<net::ssl::context> m_tls; // built once, shared by every connection
    unsigned m_thread_count;

    std::mutex m_mutex;
    std::condition_variable m_drained;
    std::unordered_map<std::uint64_t, std::weak_ptr<connection_base>> m_connections;
    std::uint64_t m_next_id = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<std::uint64_t> m_accepted{0};
    std::atomic<std::size_t> m_active{0};
    bool m_stopped = false;
    std::mutex m_stop_mutex;

    // Declared after everything connections touch: destroying the io_context destroys the connections still queued.
    net::io_context m_ioc;
    tcp::acceptor m_acceptor;
    net::steady_timer m_accept_retry;
    std::vector<std::thread> m_threads;
    std::uint16_t m_port = 0;
};

/// One connection: reads requests, calls the handler, writes responses, on its own strand.
template <class Stream>
class connection final : public connection_base, public std::enable_shared_from_this<connection<Stream>> {
public:
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

    connection(server_core& owner, Stream stream, std::string remote)
        : m_owner(owner), m_stream(std::move(stream)), m_remote(std::move(remote))
    {
    }
    ~connection() override { m_owner.remove(m_id); }

    void start(std::uint64_t id)
    {
        m_id = id;
        // The acceptor runs on its own strand; everything of this connection runs on the socket's strand.
        net::dispatch(m_stream.get_executor(), [self = this->shared_from_this()] { self->begin(); });
    }

    void request_stop() override
    {
        net::post(m_stream.get_executor(), [self = this->shared_from_this()] { self->on_stop(); });
    }

private:
    enum class phase { handshake, idle, reading, busy, closing };

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }
    auto self() { return this->shared_from_this(); }

    void begin()
    {
        if constexpr (is_tls) {
            m_phase = phase::handshake;
            lowest().expires_after(m_owner.config().header_timeout);
            m_stream.async_handshake(net::ssl::stream_base::server, [self = self()](error_code ec) {
                if (ec) return self->close_now();
                // Once per connection: every request on it carries the same verified identity (or none).
                if (!self->m_owner.config().client_ca_pem.empty())
                    self->m_client_cert = detail::verified_client_sha256(self->m_stream.native_handle());
                self->next_request(true);
            });
        } else {
            next_request(true);
        }
    }

    void on_stop()
    {
        m_stop = true;
        // Between requests nothing is lost by closing; a request being answered finishes first (see on_write).
        if (m_phase == phase::handshake || m_phase == phase::idle || m_phase == phase::reading) close_now();
    }

    void next_request(bool first)
    {
        if (m_stop) return close_now();
        m_parser.emplace();
        m_parser->header_limit(header_limit);
        m_parser->body_limit(m_owner.config().max_body_bytes);
        if (first || m_buffer.size() > 0) return read_header();

        // Idle keep-alive: wait for the first byte with the idle timeout and a small buffer, so thousands of idle
        // connections stay cheap; the header timeout starts once the client actually sends something.
        m_phase = phase::idle;
        m_buffer.shrink_to_fit();
        lowest().expires_after(m_owner.config().idle_timeout);
        m_stream.async_read_some(m_buffer.prepare(512), [self = self()](error_code ec, std::size_t n) {
            if (ec) return self->close_now();
            self->m_buffer.commit(n);
            self->read_header();
        });
    }

    void read_header()
    {
        m_phase = phase::reading;
        lowest().expires_after(m_owner.config().header_timeout);
        bhttp::async_read_header(m_stream, m_buffer, *m_parser, [self = self()](error_code ec, std::size_t) {
            if (ec) return self->on_read_error(ec);
            self->on_header();
        });
    }

    void on_header()
    {
        m_phase = phase::busy; // the request is committed: stop() lets it complete
        const auto& req = m_parser->get();
        if (iequals(to_std(req[bhttp::field::expect]), "100-continue") && !m_parser->is_done()) {
            static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
            lowest().expires_after(m_owner.config().body_timeout);
            net::async_write(m_stream, net::buffer(go_on.data(), go_on.size()),
                             [self = self()](error_code ec, std::size_t) {
                                 if (ec) return self->close_now();
                                 self->read_body();
                             });
            return;
        }
        read_body();
    }

    void read_body()
    {
        lowest().expires_after(m_owner.config().body_timeout);
        bhttp::async_read(m_stream, m_buffer, *m_parser, [self = self()](error_code ec, std::size_t) {
            if (ec) return self->on_read_error(ec);
            self->dispatch();
        });
    }

    void on_read_error(error_code ec)
    {
        if (ec == bhttp::error::body_limit) return send_error(413, "request body too large\n");
        if (ec == bhttp::error::header_limit) return send_error(431, "request header fields too large\n");
        const bool parse_error = ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
        if (parse_error && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
            return send_error(400, "malformed request\n");
        close_now(); // timeout, reset, end of stream, or stopping
    }

    void dispatch()
    {
        m_phase = phase::busy;
        auto message = m_parser->release();
        request req;
        req.method = std::string(message.method_string());
        req.target = std::string(message.target());
        req.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
        for (const auto& field : message)
            req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        req.body = std::move(message.body());
        req.remote_address = m_remote;
        req.client_cert_sha256 = m_client_cert;

        response res;
        try {
            res = m_owner.on_request()(req);
        } catch (...) {
            // A handler bug must cost one request, not the server.
            res = response{500, {{"Content-Type", "text/plain"}}, "internal server error\n"};
        }
        m_head = message.method() == bhttp::verb::head;
        build_response(std::move(res), message.version(), message.keep_alive());
        write(false);
    }

    void build_response(response res, unsigned version, bool keep_alive)
    {
        bool valid = res.status >= 200 && res.status <= 599;
        for (const auto& h : res.headers) valid = valid && is_token(h.name) && !has_control_chars(h.value);
        if (!valid) res = response{500, {{"Content-Type", "text/plain"}}, "internal server error\n"};

        m_response = {};
        m_response.version(version);
        m_response.result(static_cast<unsigned>(res.status));
        for (auto& h : res.headers) {
            if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding")) continue;
            if (iequals(h.name, "Connection")) {
                if (iequals(h.value, "close")) keep_alive = false;
                continue;
            }
            m_response.insert(h.name, h.value);
        }
        // 204 and 304 must not carry a body (RFC 9110 §15.3.5, §15.4.5).
        if (res.status != 204 && res.status != 304) m_response.body() = std::move(res.body);
        m_response.keep_alive(keep_alive && !m_stop && !m_owner.stopping());
        m_response.prepare_payload();
        if (m_head) m_response.body().clear(); // HEAD: Content-Length of the would-be body, no body
    }

    void send_error(int status, std::string text)
    {
        m_phase = phase::busy;
        m_head = false;
        build_response(response{status, {{"Content-Type", "text/plain"}}, std::move(text)}, 11, false);
        write(true);
    }

    void write(bool request_unread)
    {
        lowest().expires_after(m_owner.config().body_timeout);
        bhttp::async_write(m_stream, m_response, [self = self(), request_unread](error_code ec, std::size_t) {
            if (ec) return self->close_now();
            const bool keep_alive = self->m_response.keep_alive();
            self->m_response = {}; // an idle connection should not hold on to the last response body
            if (keep_alive && !self->m_stop && !self->m_owner.stopping()) return self->next_request(false);
            self->close_after_response(request_unread);
        });
    }

    void close_after_response(bool request_unread)
    {
        m_phase = phase::closing;
        lowest().expires_after(linger_time);
        if constexpr (is_tls) {
            if (!request_unread) {
                m_stream.async_shutdown([self = self()](error_code) { self->close_now(); });
                return;
            }
        } else {
            error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
        drain();
    }

    /// Reads and drops input until the client closes, linger_bytes have passed, or linger_time is up.
    void drain()
    {
        m_buffer.consume(m_buffer.size());
        m_stream.async_read_some(m_buffer.prepare(16 * 1024), [self = self()](error_code ec, std::size_t n) {
            self->m_drained += n;
            if (ec || self->m_drained > linger_bytes) return self->close_now();
            self->drain();
        });
    }

    void close_now()
    {
        m_phase = phase::closing;
        lowest().close();
    }

    server_core& m_owner;
    Stream m_stream;
    std::string m_remote;
    std::string m_client_cert; ///< verified client certificate, SHA-256 hex; empty if none
    std::uint64_t m_id = 0;
    beast::flat_buffer m_buffer{64 * 1024};
    std::optional<bhttp::request_parser<bhttp::string_body>> m_parser;
    bhttp::response<bhttp::string_body> m_response;
    phase m_phase = phase::handshake;
    bool m_stop = false;
    bool m_head = false;
    std::size_t m_drained = 0;
};

result<void> server_core::listen()
{
    error_code ec;
    const auto address = net::ip::make_address(m_config.bind_address, ec);
    if (ec) return fail("cannot listen on " + m_config.bind_address + ": not an IP address");
    const tcp::endpoint endpoint{address, m_config.port};
    const std::string where =
        (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" + std::to_string(m_config.port);
    auto failed = [&](error_code e) { return fail("cannot listen on " + where + ": " + sentence_case(e.message())); };

    if (m_acceptor.open(endpoint.protocol(), ec); ec) return failed(ec);
    // A restarted SM-DP+ must be able to bind while old connections sit in TIME_WAIT.
    if (m_acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) return failed(ec);
    if (m_acceptor.bind(endpoint, ec); ec) return failed(ec);
    if (m_acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return failed(ec);
    m_port = m_acceptor.local_endpoint(ec).port();
    return ok();
}

void server_core::run()
{
    accept();
    m_threads.reserve(m_thread_count);
    for (unsigned i = 0; i < m_thread_count; ++i) {
        m_threads.emplace_back([this] {
            for (;;) {
                try {
                    m_ioc.run();
                    return;
                } catch (const std::exception&) {
                    // Only a bug (or bad_alloc) in a completion handler gets here; keep the other connections served.
                }
            }
        });
    }
}

void server_core::accept()
{
    m_acceptor.async_accept(net::make_strand(m_ioc),
                            [this](error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void server_core::on_accept(error_code ec, tcp::socket socket)
{
    if (ec == net::error::operation_aborted || stopping()) return;
    if (ec) {
        // Out of descriptors or memory: retrying at once would spin, so back off and let connections close.
        const bool resource = ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
                              ec == net::error::no_memory || ec.value() == ENFILE;
        if (!resource) return accept();
        m_accept_retry.expires_after(std::chrono::milliseconds(100));
        m_accept_retry.async_wait([this](error_code wait_ec) {
            if (!wait_ec && !stopping()) accept();
        });
        return;
    }
    m_accepted.fetch_add(1);
    if (m_active.load() >= m_config.max_connections) {
        socket.close(ec);
        return accept();
    }
    socket.set_option(tcp::no_delay(true), ec); // request/response traffic: do not wait for Nagle
    const auto peer = socket.remote_endpoint(ec);
    std::string remote = ec ? std::string() : peer.address().to_string();
    if (m_tls)
        start_connection(tls_stream(std::move(socket), *m_tls), std::move(remote));
    else
        start_connection(plain_stream(std::move(socket)), std::move(remote));
    accept();
}

template <class Stream>
void server_core::start_connection(Stream stream, std::string remote)
{
    auto s = std::make_shared<connection<Stream>>(*this, std::move(stream), std::move(remote));
    std::uint64_t id = 0;
    if (!add(id, s)) return;
    s->start(id);
}

bool server_core::add(std::uint64_t& id, const std::shared_ptr<connection_base>& s)
{
    const std::lock_guard lock(m_mutex);
    if (m_stopping) return false;
    id = ++m_next_id;
    m_connections.emplace(id, s);
    m_active.fetch_add(1);
    return true;
}

void server_core::remove(std::uint64_t id)
{
    if (id == 0) return; // never registered
    const std::lock_guard lock(m_mutex);
    if (m_connections.erase(id) == 0) return;
    m_active.fetch_sub(1);
    if (m_connections.empty()) m_drained.notify_all();
}

void server_core::stop()
{
    const std::lock_guard stop_lock(m_stop_mutex);
    if (m_stopped) return;
    m_stopped = true;

    std::vector<std::shared_ptr<connection_base>> live;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
        live.reserve(m_connections.size());
        for (auto& [id, weak] : m_connections)
            if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    net::post(m_acceptor.get_executor(), [this] {
        error_code ignored;
        m_acceptor.close(ignored);
        m_accept_retry.cancel();
    });
    for (auto& s : live) s->request_stop();
    live.clear(); // outside m_mutex: the last reference runs ~connection, which takes it

    {
        std::unique_lock lock(m_mutex);
        m_drained.wait_for(lock, stop_grace, [this] { return m_connections.empty(); });
    }
    m_ioc.stop(); // whatever is still running past the grace period is cut off
    for (auto& t : m_threads)
        if (t.joinable()) t.join();
}

} // namespace

struct server::impl {
    template <class... Args>
    explicit impl(Args&&... args) : core(std::forward<Args>(args)...)
    {
    }
    server_core core;
};

result<std::unique_ptr<server>> server::start(server_config config, handler on_request)
{
    if (!on_request) return fail("an HTTP server needs a request handler");
    std::optional<net::ssl::context> tls;
    if (!config.client_ca_pem.empty() && config.cert_chain_pem.empty() && config.private_key_pem.empty())
        return fail("client certificates need TLS: give the server a certificate and key as well");
    if (!config.cert_chain_pem.empty() || !config.private_key_pem.empty()) {
        auto ctx = detail::make_server_tls_context(config.cert_chain_pem, config.private_key_pem, config.client_ca_pem);
        if (!ctx) return ctx.take_error();
        tls.emplace(ctx->release()); // asio takes ownership of the SSL_CTX
    }
    unsigned threads = config.threads != 0 ? config.threads : std::thread::hardware_concurrency();
    if (threads == 0) threads = 1;

    auto state = std::make_unique<impl>(std::move(config), std::move(on_request), std::move(tls), threads);
    OPENRSP_TRY_VOID(state->core.listen());
    state->core.run();
    return std::make_unique<server>(std::move(state));
}

server::server(std::unique_ptr<impl> state) : m_impl(std::move(state)) {}

server::~server() { stop(); }

void server::stop()
{
    if (m_impl) m_impl->core.stop();
}

std::uint16_t server::port() const { return m_impl->core.port(); }
std::uint64_t server::connections_accepted() const { return m_impl->core.accepted(); }
std::size_t server::active_connections() const { return m_impl->core.active(); }

} // namespace openrsp::http
