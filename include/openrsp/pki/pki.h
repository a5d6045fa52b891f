#pragma once
/// \file
/// \brief A GSMA-shaped test PKI (SGP.22 §4.5, SGP.26 profiles): CI root; EUM -> eUICC; DPauth, DPpb, DPtls.

#include "openrsp/core/result.h"
#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/x509.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::pki {

/// \brief Options for `openrsp pki init`.
struct init_options {
    std::string directory;
    std::string smdp_host = "localhost";   ///< DPtls SAN dNSName (host part of the SM-DP+ address)
    std::string smdp_oid = "2.999.10";      ///< SAN registeredID of DPauth/DPpb/DPtls
    std::string eid = "89049032123451234512345678901235"; ///< eUICC EID (subject serialNumber)
    std::string eum_eid_prefix = "89049032"; ///< EUM NameConstraints permitted serialNumber
    crypto::curve curve = crypto::curve::nist_p256;
    /// Two complete hierarchies, NIST P-256 in `nist/` and brainpoolP256r1 in `brainpool/`, each with its own CI,
    /// EUM, eUICC (same EID: one eUICC holding two identities) and DPauth/DPpb/DPtls; `curve` is then ignored.
    bool both_curves = false;
    bool overwrite = false;
};

/// Subdirectories of a two-curve PKI directory (init_options::both_curves).
namespace layout {
inline constexpr const char* nist = "nist";
inline constexpr const char* brainpool = "brainpool";
} // namespace layout

/// \brief The certificate-set directories of a PKI directory: the directory itself when it holds ci.pem (the
/// single-curve layout), else its subdirectories holding ci.pem (nist/ first, then brainpool/, then the rest by
/// name). Empty if there are none.
std::vector<std::string> set_directories(const std::string& dir);

/// File names inside a PKI directory (PEM). Keys are PKCS#8 PEM.
namespace files {
inline constexpr const char* ci_cert = "ci.pem";
inline constexpr const char* ci_key = "ci.key.pem";
inline constexpr const char* eum_cert = "eum.pem";
inline constexpr const char* eum_key = "eum.key.pem";
inline constexpr const char* euicc_cert = "euicc.pem";
inline constexpr const char* euicc_key = "euicc.key.pem";
inline constexpr const char* dpauth_cert = "dpauth.pem";
inline constexpr const char* dpauth_key = "dpauth.key.pem";
inline constexpr const char* dppb_cert = "dppb.pem";
inline constexpr const char* dppb_key = "dppb.key.pem";
inline constexpr const char* dptls_cert = "dptls.pem";
inline constexpr const char* dptls_key = "dptls.key.pem";
} // namespace files

/// \brief Creates the whole hierarchy in options.directory (creating it). Fails if files exist and !overwrite.
result<void> init(const init_options& options);

/// \brief Roles of the RSP PKI (SGP.22 §4.5.2.1 id-rspRole).
enum class role { ci, eum, euicc, dpauth, dppb, dptls };

/// \brief One certificate with the SGP.26 profile of its role (what init issues; tests use it for expired or
/// otherwise unusual certificates).
struct certificate_request {
    role kind = role::euicc;
    std::string eid = "89049032123451234512345678901235"; ///< eUICC: subject serialNumber
    std::string eum_eid_prefix = "89049032";              ///< EUM: NameConstraints permitted serialNumber
    std::string smdp_host = "localhost";                  ///< DPtls: CN and SAN dNSName
    std::string smdp_oid = "2.999.10";                    ///< DPauth/DPpb/DPtls: SAN registeredID
    std::string name_suffix;                              ///< appended to the CN (tells two hierarchies apart)
    /// Validity; unset: from an hour ago for the role's usual lifetime. Either may lie in the past.
    std::optional<std::chrono::system_clock::time_point> not_before, not_after;
};

/// \brief Issues one certificate for subject_key, signed by issuer/issuer_key (issuer == nullptr: self-signed CI).
result<crypto::certificate> issue_certificate(const certificate_request& request, const crypto::ec_key& subject_key,
                                              const crypto::certificate* issuer, const crypto::ec_key& issuer_key);

/// \brief A PEM CRL (RFC 5280 §5, v2 with AuthorityKeyIdentifier and cRLNumber) issued by `issuer`, revoking the
/// certificates with the given serial numbers (certificate::serial_number()), valid from an hour ago for `days`.
result<std::string> make_crl(const crypto::certificate& issuer, const crypto::ec_key& issuer_key,
                             const std::vector<bytes>& revoked_serials, int days = 30);

/// \brief A certificate with its private key, loaded once.
struct credential {
    crypto::certificate cert;
    crypto::ec_key key;
};

/// \brief Loads `<dir>/<cert_file>` and `<dir>/<key_file>` and checks that the key matches the certificate.
result<credential> load_credential(const std::string& dir, const std::string& cert_file, const std::string& key_file);

/// \brief EID check digits: true if the 32-digit EID satisfies int(EID) mod 97 == 1 (SGP.29).
bool eid_checksum_ok(std::string_view eid);
/// \brief Replaces the last two digits of a 32-digit EID with valid check digits.
std::string eid_with_check_digits(std::string_view eid30_or_32);

} // namespace openrsp::pki
