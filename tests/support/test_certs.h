#pragma once
/// \file
/// \brief Throwaway self-signed TLS certificates for loopback tests, and the loopback connection itself.

#include <cstdint>
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

/// \brief A P-256 CA certificate (CA:TRUE, keyCertSign) named `cn`, valid for a day.
cert_and_key make_ca(const std::string& cn);

/// \brief A P-256 end-entity certificate for `cn` issued by `ca`, valid for a day, with extendedKeyUsage
/// `eku` ("clientAuth" for an operator's TLS client certificate, "serverAuth" for a server).
cert_and_key make_issued(const cert_and_key& ca, const std::string& cn, const std::string& eku = "clientAuth");

/// \brief A TCP socket connected to 127.0.0.1:port, or -1 when nothing accepts there (the caller closes it).
int connect_loopback(std::uint16_t port);

} // namespace openrsp::http::test
