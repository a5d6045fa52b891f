#pragma once
/// \file
/// \brief HTTP/1.1 request and response values shared by the SM-DP+ server and the LPA client.

#include <string>
#include <string_view>
#include <vector>

namespace openrsp::http {

/// \brief One header line; names compare case-insensitively (RFC 9110 §5.1).
struct header_field {
    std::string name{};
    std::string value{};
};

/// \brief First value of header `name` (case-insensitive) in `headers`; empty if absent.
std::string_view find_header(const std::vector<header_field>& headers, std::string_view name);

/// \brief A complete request as the server hands it to a handler.
struct request {
    std::string method{};
    std::string target{};
    std::vector<header_field> headers{};
    std::string body{};
    /// Peer IP address (no port), for logs and rate limiting.
    std::string remote_address{};
    /// Identity of the TLS client certificate: SHA-256 of its DER, lower-case hex (see certificate_sha256()). Set
    /// only when the server was given client CAs (server_config::client_ca_pem) and the certificate the client
    /// presented verified to one of them; empty for plain HTTP, no certificate, or one that did not verify.
    std::string client_cert_sha256{};

    /// \brief Value of header `name` (case-insensitive); empty if absent.
    [[nodiscard]] std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

/// \brief A response from a handler, or as the client received it.
///
/// The server owns Content-Length, Transfer-Encoding and Connection: handler values for those are ignored,
/// except that `Connection: close` makes the server close the connection after this response.
struct response {
    int status = 200;
    std::vector<header_field> headers{};
    std::string body{};

    /// \brief Value of header `name` (case-insensitive); empty if absent.
    [[nodiscard]] std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

} // namespace openrsp::http
