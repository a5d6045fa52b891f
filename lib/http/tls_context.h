#pragma once
/// \file
/// \brief Server-side SSL_CTX construction, kept apart from the Asio code (internal to lib/http).

#include "openrsp/core/result.h"

#include <memory>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace openrsp::http::detail {

struct ssl_ctx_deleter {
    void operator()(SSL_CTX* ctx) const;
};
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, ssl_ctx_deleter>;

/// \brief TLS 1.2/1.3 server context with the certificate chain and key loaded from PEM text.
///
/// TLS 1.2 prefers ECDHE-ECDSA-AES128-GCM-SHA256 (the suite SGP.22 mandates for ES9+) and offers the brainpool groups
/// so a brainpoolP256r1 DPtls certificate can be used.
///
/// ALPN: http/1.1 is selected whenever the client offers it (curl-based LPAs offer h2 first); a client offering
/// neither gets no ALPN answer and the handshake goes on. With `client_ca_pem` the server requests (never
/// requires) a client certificate and records whether it verified to those CAs (see verified_client_sha256).
result<ssl_ctx_ptr> make_server_tls_context(const std::string& cert_chain_pem, const std::string& private_key_pem,
                                            const std::string& client_ca_pem = {});

/// \brief After the handshake: SHA-256 (lower-case hex) of the client certificate if one was presented and it
/// verified to the context's client CAs; empty otherwise.
std::string verified_client_sha256(SSL* ssl);

/// \brief Groups (curves) to offer in TLS: P-256 and X25519 first, plus the brainpool curves when this OpenSSL has
/// them.
///
/// OpenSSL's default list lacks brainpool, and in TLS 1.2 an ECDSA certificate is only usable when its curve is among
/// the groups both sides accept, so a brainpoolP256r1 DPtls certificate needs it listed on both ends.
const char* tls_groups();

/// \brief The reason of the most recent OpenSSL error (then clears the queue); `fallback` if there is none.
std::string take_openssl_error(const std::string& fallback);

} // namespace openrsp::http::detail
