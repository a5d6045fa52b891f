#pragma once
/// \file
/// \brief EC keys, ECDSA and ECKA over OpenSSL 3 (NIST P-256 and brainpoolP256r1).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace openrsp::crypto {

enum class curve { nist_p256, brainpool_p256r1 };

/// \brief Name for messages ("NIST P-256", "brainpoolP256r1").
std::string_view curve_name(curve c);

/// \brief Signature encodings: SGP.22 `5F37` uses raw r||s (BSI TR-03111); X.509 uses DER ECDSA-Sig-Value.
enum class sig_format { raw_rs, der };

/// \brief An EC key pair or public key. Move-only RAII over EVP_PKEY.
class ec_key final {
public:
    /// Fresh key pair (one-time ECKA keys, PKI generation).
    static result<ec_key> generate(curve c);
    /// PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY") or PEM public key.
    static result<ec_key> from_pem(std::string_view pem);
    /// Uncompressed point 04||X||Y (65 bytes) on the given curve; fails if not on the curve.
    static result<ec_key> from_public_point(curve c, byte_view point);
    /// Takes ownership of an EVP_PKEY (e.g. a certificate's public key).
    static result<ec_key> adopt(EVP_PKEY* pkey);

    ec_key(ec_key&&) noexcept;
    ec_key& operator=(ec_key&&) noexcept;
    ~ec_key();

    [[nodiscard]] curve key_curve() const { return m_curve; }
    [[nodiscard]] bool has_private() const { return m_has_private; }
    /// Uncompressed public point 04||X||Y.
    [[nodiscard]] bytes public_point() const;
    /// PKCS#8 PEM of the private key (for `pki init`).
    [[nodiscard]] std::string private_pem() const;
    [[nodiscard]] std::string public_pem() const;
    [[nodiscard]] EVP_PKEY* native() const { return m_pkey.get(); }

private:
    struct deleter {
        void operator()(EVP_PKEY* p) const;
    };
    ec_key(std::unique_ptr<EVP_PKEY, deleter> p, curve c, bool priv);
    std::unique_ptr<EVP_PKEY, deleter> m_pkey;
    curve m_curve = curve::nist_p256;
    bool m_has_private = false;
};

/// \brief ECDSA with SHA-256 over the message bytes.
result<bytes> ecdsa_sign(const ec_key& key, byte_view message, sig_format format = sig_format::raw_rs);
/// \brief True only if the signature is valid and well-formed.
bool ecdsa_verify(const ec_key& key, byte_view message, byte_view signature, sig_format format = sig_format::raw_rs);

/// \brief DER ECDSA-Sig-Value -> r||s (each padded to 32 bytes).
result<bytes> ecdsa_der_to_raw(byte_view der_sig);
/// \brief r||s (64 bytes) -> DER ECDSA-Sig-Value.
result<bytes> ecdsa_raw_to_der(byte_view raw_sig);

/// \brief ECKA-DH (BSI TR-03111): shared secret = x-coordinate of d*Q (32 bytes). Keys must share a curve.
result<bytes> ecka(const ec_key& private_key, const ec_key& peer_public);

/// \brief SHA-256.
bytes sha256(byte_view data);
/// \brief Cryptographically random bytes (OpenSSL RAND_bytes).
bytes random_bytes(std::size_t n);

} // namespace openrsp::crypto
