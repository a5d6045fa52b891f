#pragma once
/// \file
/// \brief A GSMA-shaped test PKI (SGP.22 §4.5, SGP.26 profiles): CI root; EUM -> eUICC; DPauth, DPpb, DPtls.

#include "openrsp/core/result.h"
#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/x509.h"

#include <string>

namespace openrsp::pki {

/// \brief Options for `openrsp pki init`.
struct init_options {
    std::string directory;
    std::string smdp_host = "localhost";   ///< DPtls SAN dNSName (host part of the SM-DP+ address)
    std::string smdp_oid = "2.999.10";      ///< SAN registeredID of DPauth/DPpb/DPtls
    std::string eid = "89049032123451234512345678901235"; ///< eUICC EID (subject serialNumber)
    std::string eum_eid_prefix = "89049032"; ///< EUM NameConstraints permitted serialNumber
    crypto::curve curve = crypto::curve::nist_p256;
    bool overwrite = false;
};

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
