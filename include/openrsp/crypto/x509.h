#pragma once
/// \file
/// \brief X.509 certificates and chain checks with the RSP rules (SGP.22 §4.5, SGP.14).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/crypto/ec.h"

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

typedef struct x509_st X509;

namespace openrsp::crypto {

/// RSP certificate policy OIDs (id-rspRole, SGP.22 §4.5.2.1).
namespace rsp_oid {
inline constexpr const char* ci = "2.23.146.1.2.1.0";
inline constexpr const char* euicc = "2.23.146.1.2.1.1";
inline constexpr const char* eum = "2.23.146.1.2.1.2";
inline constexpr const char* dp_tls = "2.23.146.1.2.1.3";
inline constexpr const char* dp_auth = "2.23.146.1.2.1.4";
inline constexpr const char* dp_pb = "2.23.146.1.2.1.5";
} // namespace rsp_oid

/// \brief A parsed certificate; parsed once and kept (never per request). Copyable (shared, immutable).
class certificate final {
public:
    static result<certificate> from_der(byte_view der);
    static result<certificate> from_pem(std::string_view pem);
    /// Reads a PEM or DER file.
    static result<certificate> load_file(const std::string& path);

    [[nodiscard]] const bytes& der() const { return m_der; }
    [[nodiscard]] std::string pem() const;
    /// The OpenSSL object, decoded on first use (d2i_X509 is slow in OpenSSL 3; the RSP paths never need it).
    [[nodiscard]] X509* native() const;

    /// SubjectKeyIdentifier (20 bytes for RSP certificates); empty if absent.
    [[nodiscard]] const bytes& subject_key_id() const { return m_ski; }
    /// AuthorityKeyIdentifier keyIdentifier; empty if absent.
    [[nodiscard]] const bytes& authority_key_id() const { return m_aki; }
    /// Certificate policy OIDs, dotted.
    [[nodiscard]] const std::vector<std::string>& policies() const { return m_policies; }
    [[nodiscard]] bool has_policy(std::string_view oid) const;
    /// SAN registeredID (the SM-DP+ OID, e.g. 2.999.10); empty if none.
    [[nodiscard]] const std::string& san_registered_id() const { return m_san_rid; }
    /// SAN dNSName entries.
    [[nodiscard]] const std::vector<std::string>& san_dns() const { return m_san_dns; }
    /// Subject serialNumber attribute (for eUICC certificates: the EID); empty if absent.
    [[nodiscard]] const std::string& subject_serial_number() const { return m_subject_serial; }
    /// NameConstraints permitted directoryName serialNumber values (EUM: permitted EID prefixes).
    [[nodiscard]] const std::vector<std::string>& permitted_eid_prefixes() const { return m_permitted_eid_prefixes; }
    /// One-line subject for messages.
    [[nodiscard]] std::string subject_text() const;
    /// Public key (parsed once at load).
    [[nodiscard]] const ec_key& public_key() const { return *m_public_key; }

    /// BasicConstraints cA.
    [[nodiscard]] bool is_ca() const { return m_is_ca; }
    /// True if this certificate's signature verifies with the issuer's public key.
    [[nodiscard]] bool signed_by(const certificate& issuer) const;
    /// Validity check against a time (default now).
    [[nodiscard]] bool valid_at(std::chrono::system_clock::time_point t = std::chrono::system_clock::now()) const;
    /// notAfter, seconds since the epoch.
    [[nodiscard]] std::int64_t not_after() const { return m_not_after; }
    /// Serial number: the INTEGER's magnitude, big-endian, without leading zero octets (as CRLs are compared).
    [[nodiscard]] const bytes& serial_number() const { return m_serial; }

private:
    struct lazy_x509;
    std::shared_ptr<lazy_x509> m_x509;
    bytes m_der;
    std::size_t m_tbs_offset = 0, m_tbs_length = 0; ///< the signed TBSCertificate within m_der
    bytes m_signature;                              ///< DER ECDSA-Sig-Value
    bool m_ecdsa_sha256 = false;                    ///< signatureAlgorithm is ecdsa-with-SHA256
    bool m_is_ca = false;
    std::int64_t m_not_before = 0, m_not_after = 0; ///< seconds since the epoch (year 7496 fits)
    bytes m_ski, m_aki;
    bytes m_serial;
    std::vector<std::string> m_policies;
    std::string m_san_rid;
    std::vector<std::string> m_san_dns;
    std::string m_subject_serial;
    std::vector<std::string> m_permitted_eid_prefixes;
    std::shared_ptr<ec_key> m_public_key;
};

/// \brief An X.509 CRL (RFC 5280 §5), parsed once at load: which serial numbers its issuer revoked.
class revocation_list final {
public:
    static result<revocation_list> from_der(byte_view der);
    static result<revocation_list> from_pem(std::string_view pem);
    /// Reads a PEM or DER file.
    static result<revocation_list> load_file(const std::string& path);

    /// AuthorityKeyIdentifier keyIdentifier of the CRL (the issuer's SKI); empty if absent.
    [[nodiscard]] const bytes& authority_key_id() const { return m_aki; }
    /// True if the CRL's signature verifies with the issuer's public key.
    [[nodiscard]] bool signed_by(const certificate& issuer) const;
    /// True if the certificate with this serial number (as certificate::serial_number()) is on the list.
    [[nodiscard]] bool revokes(byte_view serial) const;
    /// Number of revoked entries.
    [[nodiscard]] std::size_t size() const { return m_serials.size(); }

private:
    bytes m_der;
    bytes m_aki;
    std::vector<bytes> m_serials; ///< sorted
};

/// \brief What went wrong in a chain check; callers map it to SGP.22 codes for their side.
enum class chain_error { none, unknown_issuer, bad_signature, expired, wrong_policy, not_a_ca, eid_out_of_range };

struct chain_check {
    chain_error error = chain_error::none;
    std::string message; ///< plain sentence naming the certificate and the problem
    explicit operator bool() const { return error == chain_error::none; }
};

/// \brief Verifies leaf <- [intermediate] <- root with RSP rules: AKI/SKI linkage, signatures,
/// validity periods (if check_time), the leaf's required policy OID, CA flags on issuers.
/// RFC 5280 name constraints are deliberately NOT applied (SGP.26 EUM constraints break them); for an
/// eUICC leaf the EID (subject serialNumber) is instead checked against the EUM's permitted prefixes.
chain_check verify_rsp_chain(const certificate& leaf, const certificate* intermediate, const certificate& root,
                             std::string_view leaf_policy_oid, bool check_time = true);

} // namespace openrsp::crypto
