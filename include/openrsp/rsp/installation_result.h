#pragma once
/// \file
/// \brief ProfileInstallationResult `BF37` (SGP.22 §5.7.6): written once by the eUICC at the end of
/// LoadBoundProfilePackage, read by the LPA and by the SM-DP+ (ES9+ HandleNotification, §5.6.4).
///
/// euiccSignPIR covers the whole ProfileInstallationResultData TLV as received (`data_raw`); never re-encode it for
/// the check. The code sets (install_error_reason, bpp_command_id) are in install_codes.h.
///
/// **Example**
/// \code
///   auto pir = rsp::profile_installation_result::decode(der);
///   if (!pir) return pir.take_error();
///   bool good = crypto::ecdsa_verify(euicc_key, pir->data_raw, pir->euicc_sign_pir);
///   if (const auto* e = pir->error()) log(rsp::describe(e->error_reason));
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/install_codes.h"
#include "openrsp/rsp/notification_metadata.h"

#include <optional>
#include <string>
#include <variant>

namespace openrsp::rsp {

/// SuccessResult (`A0` in finalResult).
struct success_result {
    bytes aid;           ///< ISD-P AID, 5..16 bytes
    bytes sima_response; ///< SAIP EUICCResponse DER(s)
};

/// ErrorResult (`A1` in finalResult).
struct error_result {
    rsp::bpp_command_id bpp_command_id = rsp::bpp_command_id::initialise_secure_channel;
    install_error_reason error_reason = install_error_reason::unknown;
    std::optional<bytes> sima_response;

    /// "<describe(reason)> (BPP command N)", the sentence the LPA prints after "could not install the profile: ".
    [[nodiscard]] std::string sentence() const;
};

/// ProfileInstallationResult `BF37` with its ProfileInstallationResultData `BF27` flattened in.
struct profile_installation_result {
    // ProfileInstallationResultData
    bytes transaction_id; ///< 1..16 bytes
    rsp::notification_metadata notification_metadata;
    std::string smdp_oid; ///< dotted OID of CERT.DPpb (SAN registeredID)
    std::variant<success_result, error_result> final_result;
    bytes data_raw; ///< the whole `BF27` TLV as received: what euiccSignPIR covers; empty when built locally

    bytes euicc_sign_pir; ///< `5F37` contents: raw r||s

    [[nodiscard]] const success_result* success() const { return std::get_if<0>(&final_result); }
    [[nodiscard]] const error_result* error() const { return std::get_if<1>(&final_result); }

    /// The `BF27` TLV: data_raw when set, else encoded from the fields (what the eUICC signs).
    [[nodiscard]] bytes encode_data() const;

    static result<profile_installation_result> decode(byte_view der);
    bytes encode() const;
};

} // namespace openrsp::rsp
