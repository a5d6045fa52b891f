#pragma once
/// \file
/// \brief Throwaway self-signed TLS certificates for loopback tests.

#include <string>

namespace openrsp::http::test {

/// \brief A PEM certificate and its PEM (PKCS#8) private key.
struct cert_and_key {
    std::string cert_pem;
    std::string key_pem;
};

/// \brief Self-signed certificate for CN=localhost with SAN DNS:localhost and IP:127.0.0.1, valid for a day.
/// \param group OpenSSL curve name, e.g. "P-256" or "brainpoolP256r1".
cert_and_key make_self_signed(const std::string& group = "P-256");

} // namespace openrsp::http::test
