#pragma once
/// \file
/// \brief Asynchronous HTTP/1.1 server (plain or TLS 1.2/1.3) for the SM-DP+ ES9+/ES2+ endpoints.

#include "openrsp/core/result.h"
#include "openrsp/http/message.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace openrsp::http {

/// \brief Produces the response to one request.
///
/// Runs on a server worker thread and may do blocking CPU work (crypto, SQLite); other connections keep being
/// served by the remaining threads. An exception becomes a 500 response.
using handler = std::function<response(const request&)>;

/// \brief Listening socket, TLS material, limits and timeouts.
struct server_config {
    std::string bind_address = "127.0.0.1";
    /// 0 picks an ephemeral port; read it back with server::port().
    std::uint16_t port = 0;
    /// PEM certificate, then any intermediates (SGP.22 DPtls cert and chain). Empty with an empty key: plain HTTP,
    /// for tests or behind a TLS-terminating proxy.
    std::string cert_chain_pem{};
    /// PEM private key of the first certificate.
    std::string private_key_pem{};
    /// PEM certificates of the CAs that issue client certificates (ES2+ operators). Non-empty: the TLS server asks
    /// for a client certificate without requiring one (phones have none), and a client certificate that does not
    /// verify to these CAs does not end the handshake either: the request just carries no identity
    /// (request::client_cert_sha256 empty). Empty: no client certificate is asked for.
    std::string client_ca_pem{};
    /// Larger bodies get 413.
    std::size_t max_body_bytes = 1 << 20;
    /// Time allowed for the TLS handshake and for a request's headers once they start arriving.
    std::chrono::seconds header_timeout{10};
    /// Time a keep-alive connection may sit between requests.
    std::chrono::seconds idle_timeout{30};
    /// Time allowed to receive a request body, and to send a response.
    std::chrono::seconds body_timeout{30};
    /// Worker threads; 0 uses std::thread::hardware_concurrency().
    unsigned threads = 0;
    /// Connections beyond this are accepted and closed at once.
    std::size_t max_connections = 20000;
};

/// \brief The identity a verified TLS client certificate gives a request: SHA-256 over the certificate's DER,
/// lower-case hex (64 characters). It names that one certificate; a renewed certificate has another.
/// \param pem_or_der a PEM certificate (the first one is used) or DER bytes.
result<std::string> certificate_sha256(std::string_view pem_or_der);

/// \brief A running server. Stops and joins its threads on destruction.
class server final {
    struct impl;

public:
    /// \brief Binds, builds the TLS context once, and starts the worker threads.
    /// \return the server, or an error sentence (bad PEM, address in use, ...).
    static result<std::unique_ptr<server>> start(server_config config, handler on_request);

    /// \brief The bound port (useful when the configured port is 0).
    [[nodiscard]] std::uint16_t port() const;
    /// \brief Connections accepted since start (including those refused for max_connections).
    [[nodiscard]] std::uint64_t connections_accepted() const;
    /// \brief Connections currently open.
    [[nodiscard]] std::size_t active_connections() const;

    /// \brief Stops accepting, closes idle connections, lets requests in progress finish (up to a few seconds),
    /// then joins the worker threads. Idempotent. Must not be called from a handler (it joins the handler's thread).
    void stop();

    /// Not for direct use: call start().
    explicit server(std::unique_ptr<impl> state);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

private:
    std::unique_ptr<impl> m_impl;
};

} // namespace openrsp::http
