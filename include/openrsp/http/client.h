#pragma once
/// \file
/// \brief Blocking HTTPS client for the LPA (ES9+/ES11) over libcurl, reusing its connection between calls.

#include "openrsp/core/result.h"
#include "openrsp/http/message.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::http {

/// \brief Trust anchors, timeouts and identification.
struct client_config {
    /// Trust anchors as PEM text (e.g. the GSMA CI certificates). Empty: the system's default store.
    std::string ca_pem{};
    /// TLS client certificate (PEM, then any intermediates) and its PEM private key, for servers that authenticate
    /// clients by certificate (ES2+ operators). Both empty: no client certificate.
    std::string client_cert_pem{};
    std::string client_key_pem{};
    /// Check the server certificate chain and host name. Only tests should turn this off.
    bool verify_peer = true;
    std::chrono::milliseconds connect_timeout{5000};
    /// Whole request, connection included.
    std::chrono::milliseconds total_timeout{30000};
    /// SGP.22 §6.5.1 names "gsma-rsp-lpad" as the LPA's User-Agent.
    std::string user_agent = "gsma-rsp-lpad";
    /// A larger response body is cut off with an error: a Bound Profile Package is well under a megabyte, and a
    /// server (or an operator's callback endpoint) must not be able to fill our memory.
    std::size_t max_response_bytes = 16 * 1024 * 1024;
};

/// \brief Traffic counted over the life of a client (headers and bodies, before TLS).
struct client_stats {
    std::size_t bytes_sent = 0;
    std::size_t bytes_received = 0;
};

/// \brief One connection-reusing HTTP/1.1 client. Movable; not for concurrent use from several threads.
class client final {
    struct impl;

public:
    explicit client(client_config config);
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    ~client();

    /// \brief POSTs `body` with `headers` and waits for the response.
    ///
    /// Any HTTP status is a response; an error means no response arrived (refused, untrusted certificate,
    /// timeout...) and its message is one sentence naming the cause.
    result<response> post(const std::string& url, std::string_view body, const std::vector<header_field>& headers);

    /// \brief Bytes sent and received so far.
    [[nodiscard]] client_stats stats() const;

private:
    std::unique_ptr<impl> m_impl;
};

} // namespace openrsp::http
