#pragma once
/// \file
/// \brief EUICCInfo1 (BF20) and EUICCInfo2 (BF22), SGP.22 v2.2.2 §5.7.8 GetEUICCInfo, as typed messages.
///
/// decode() takes the whole TLV (outer tag included) and refuses a wrong outer tag, trailing bytes, a missing
/// mandatory element (1.3.1 / 2.2) or an element of the wrong size or form (1.3.1 / 2.1). Unknown elements (fields
/// of later SGP.22 versions) are skipped. encode() writes DER in the ASN.1 order; for DER input without unknown
/// elements it reproduces the input byte for byte.
///
/// **Example**
/// \code
///   auto info = rsp::euicc_info1::decode(bf20);   // result<euicc_info1>
///   if (info && info->svn[0] == 2) ...
///   bytes again = info->encode();
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::rsp {

/// VersionType: major, minor, revision as three binary bytes ('02 02 02' is v2.2.2).
using version_type = std::array<std::uint8_t, 3>;
/// "2.2.2".
std::string version_text(const version_type& v);

/// \brief EUICCInfo1 `BF20` (SGP.22 §5.7.8): what the LPA passes to initiateAuthentication.
struct euicc_info1 {
    version_type svn{};                           ///< 82: SGP.22 version the eUICC supports
    std::vector<bytes> ci_pkids_for_verification; ///< A9: SubjectKeyIdentifiers (04 values) of CIs it verifies with
    std::vector<bytes> ci_pkids_for_signing;      ///< AA: SubjectKeyIdentifiers of CIs that certified its keys

    static result<euicc_info1> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// \brief ETSI TS 102 226 extended card resource (EUICCInfo2 extCardResource `84`): unsigned big-endian numbers.
struct ext_card_resource {
    std::optional<std::uint64_t> installed_applications; ///< 81 (absent or empty: unknown)
    std::optional<std::uint64_t> free_nvm;               ///< 82: free non-volatile memory, bytes
    std::optional<std::uint64_t> free_ram;               ///< 83: free volatile memory, bytes

    /// Reads the TLVs of an extCardResource value; malformed or over-long numbers read as absent (as the LPA always
    /// did: the field is informative).
    static ext_card_resource parse(byte_view ext_card_resource_value);
};

/// \brief EUICCInfo2 `BF22` (SGP.22 §5.7.8). BIT STRINGs are kept as their DER contents (unused-bits byte first),
/// as der::bit_is_set reads them. lpa::euicc_info2 is the view for people built on the same fields.
struct euicc_info2 {
    version_type profile_version{};                      ///< 81: SAIP version supported
    version_type svn{};                                  ///< 82
    version_type euicc_firmware_version{};               ///< 83: euiccFirmwareVer
    bytes ext_card_resource;                             ///< 84: TS 102 226 TLVs (rsp::ext_card_resource::parse)
    bytes uicc_capability;                               ///< 85: UICCCapability BIT STRING contents
    std::optional<version_type> ts102241_version;        ///< 86
    std::optional<version_type> globalplatform_version;  ///< 87
    bytes rsp_capability;                                ///< 88: RspCapability BIT STRING contents
    std::vector<bytes> ci_pkids_for_verification;        ///< A9
    std::vector<bytes> ci_pkids_for_signing;             ///< AA
    std::optional<int> euicc_category;                   ///< 8B: 0 other, 1 basic, 2 medium, 3 contactless
    std::optional<bytes> forbidden_profile_policy_rules; ///< 99: PprIds BIT STRING contents
    version_type pp_version{};                           ///< 04: Protection Profile version
    std::string sas_accreditation_number;                ///< 0C: sasAcreditationNumber, 0..64 bytes
    /// AC: certificationDataObject contents {80 platformLabel, 81 discoveryBaseURL} as received, not decoded
    /// (informative only; cards are known to send incomplete ones and the LPA has always skipped it).
    std::optional<bytes> certification_data_object;

    static result<euicc_info2> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

} // namespace openrsp::rsp
