#pragma once
/// \file
/// \brief The small ES10a/ES10b/ES10c messages beyond download and notifications (SGP.22 v2.2.2 §5.7):
/// GetEUICCChallenge, GetEID (GetEuiccData), GetEuiccConfiguredAddresses, SetDefaultDpAddress, Enable/Disable/
/// DeleteProfile, SetNickname, eUICCMemoryReset and GetRAT, as typed messages.
///
/// Same shape as the other typed messages (download.h): `decode(der)` takes the whole TLV and refuses another outer
/// tag, trailing bytes, a missing mandatory field (1.3.1 / 2.2) or an invalid one (1.3.1 / 2.1), and skips unknown
/// ones; `encode()` writes DER. Requests with no content (GetEUICCChallenge, GetEuiccConfiguredAddresses, GetRAT)
/// are the bare outer tag: `empty_request(tag::get_rat)`.
///
/// The result answers (`BF31{80 enableResult}` and the like) are one template over the code sets of codes.h:
///
/// **Example**
/// \code
///   auto r = rsp::enable_profile_response::decode(bf31);   // result<management_result<enable_profile_result>>
///   if (r && r->result != rsp::enable_profile_result::ok) print(rsp::describe(r->result));
///   bytes answer = rsp::delete_profile_response{rsp::delete_profile_result::ok}.encode();
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"
#include "openrsp/rsp/codes.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/tags.h"

#include <optional>
#include <string>
#include <vector>

namespace openrsp::rsp {

/// A request with no content: the outer tag and length 0 (GetEUICCChallenge `BF2E`, GetEuiccConfiguredAddresses
/// `BF3C`, GetRAT `BF43`, EUICCInfo1/2 `BF20`/`BF22`).
bytes empty_request(der::tag_t outer);

/// GetEuiccChallengeResponse `BF2E` (§5.7.7).
struct get_euicc_challenge_response {
    bytes euicc_challenge; ///< 80: Octet16

    static result<get_euicc_challenge_response> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// GetEuiccDataRequest `BF3E` (GetEID, §5.7.20): tagList `5C`, which SGP.22 v2.2.2 only lets be `5A`.
struct get_eid_request {
    bytes tag_list{static_cast<std::uint8_t>(tag::get_eid_response::eid)}; ///< 5C: the EID tag `5A`

    static result<get_eid_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// GetEuiccDataResponse `BF3E`: the EID.
struct get_eid_response {
    bytes eid; ///< 5A: Octet16, digits packed in plain order

    static result<get_eid_response> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// EuiccConfiguredAddressesResponse `BF3C` (§5.7.3).
struct euicc_configured_addresses_response {
    std::optional<std::string> default_dp_address; ///< 80: FQDN, absent when none is set
    /// 81: FQDN. Mandatory in SGP.22; an answer without it is still read (empty here), as the LPA always read it.
    std::string root_ds_address;

    static result<euicc_configured_addresses_response> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// SetDefaultDpAddressRequest `BF3F` (§5.7.4): an empty address clears the default.
struct set_default_dp_address_request {
    std::string default_dp_address; ///< 80

    static result<set_default_dp_address_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// profileIdentifier CHOICE of Enable/Disable/DeleteProfile: exactly one of the two is set.
struct profile_identifier {
    bytes isdp_aid; ///< 4F: AID; empty: the iccid alternative
    /// 5A: ICCID, BCD. SGP.22 sizes it at 10; older lpac sends 9 for 18-digit ICCIDs, so 1..10 is accepted (the
    /// eUICC pads with F).
    bytes iccid;

    /// The chosen alternative as one TLV (`4F` or `5A`), as it goes inside `A0` or `BF33`.
    [[nodiscard]] bytes encode() const;
};

/// EnableProfileRequest `BF31` (§5.7.16) and DisableProfileRequest `BF32` (§5.7.17): `A0{4F|5A}`, refreshFlag `81`.
/// refreshFlag is mandatory in SGP.22; a request without it is still read (absent here), as the eUICC always did.
struct enable_profile_request {
    rsp::profile_identifier profile_identifier;
    std::optional<bool> refresh_flag;

    static result<enable_profile_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};
struct disable_profile_request {
    rsp::profile_identifier profile_identifier;
    std::optional<bool> refresh_flag;

    static result<disable_profile_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// DeleteProfileRequest `BF33` (§5.7.18): the CHOICE directly inside `BF33`.
struct delete_profile_request {
    rsp::profile_identifier profile_identifier;

    static result<delete_profile_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// SetNicknameRequest `BF29` (§5.7.21).
struct set_nickname_request {
    bytes iccid;                  ///< 5A: BCD; like profile_identifier, 1..10 bytes are read
    std::string profile_nickname; ///< 90: at most 64 bytes

    static result<set_nickname_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// EuiccMemoryResetRequest `BF34` (§5.7.19): resetOptions BIT STRING deleteOperationalProfiles(0),
/// deleteFieldLoadedTestProfiles(1), resetDefaultSmdpAddress(2).
struct euicc_memory_reset_request {
    bytes reset_options; ///< 82: BIT STRING contents (unused-bits byte first, der::bit_is_set reads it)

    static result<euicc_memory_reset_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// ProfilePolicyAuthorisationRule (a `30` of the RAT, §2.9.2.2).
struct profile_policy_authorisation_rule {
    bytes ppr_ids;                                   ///< 80: PprIds BIT STRING contents
    std::vector<rsp::operator_id> allowed_operators; ///< A1: OperatorId `30`s
    bytes ppr_flags;                                 ///< 82: BIT STRING contents, consentRequired(0)

    [[nodiscard]] bytes encode() const;
};

/// GetRatResponse `BF43` (§5.7.22): the Rules Authorisation Table.
struct get_rat_response {
    std::vector<profile_policy_authorisation_rule> rat; ///< A0

    static result<get_rat_response> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// The outer tag and ASN.1 type name of each result answer.
template <class E> struct management_result_traits;
template <> struct management_result_traits<enable_profile_result> {
    static constexpr der::tag_t outer = tag::enable_profile;
    static constexpr std::string_view type = "EnableProfileResponse";
    static constexpr std::string_view field = "enableResult";
};
template <> struct management_result_traits<disable_profile_result> {
    static constexpr der::tag_t outer = tag::disable_profile;
    static constexpr std::string_view type = "DisableProfileResponse";
    static constexpr std::string_view field = "disableResult";
};
template <> struct management_result_traits<delete_profile_result> {
    static constexpr der::tag_t outer = tag::delete_profile;
    static constexpr std::string_view type = "DeleteProfileResponse";
    static constexpr std::string_view field = "deleteResult";
};
template <> struct management_result_traits<euicc_memory_reset_result> {
    static constexpr der::tag_t outer = tag::euicc_memory_reset;
    static constexpr std::string_view type = "EuiccMemoryResetResponse";
    static constexpr std::string_view field = "resetResult";
};
template <> struct management_result_traits<set_nickname_result> {
    static constexpr der::tag_t outer = tag::set_nickname;
    static constexpr std::string_view type = "SetNicknameResponse";
    static constexpr std::string_view field = "setNicknameResult";
};
template <> struct management_result_traits<set_default_dp_address_result> {
    static constexpr der::tag_t outer = tag::set_default_dp_address;
    static constexpr std::string_view type = "SetDefaultDpAddressResponse";
    static constexpr std::string_view field = "setDefaultDpAddressResult";
};

/// \brief `OUTER{80 code}`: EnableProfileResponse, DisableProfileResponse, DeleteProfileResponse,
/// EuiccMemoryResetResponse, SetNicknameResponse, SetDefaultDpAddressResponse (the result is always the first
/// component, automatic tag [0]). Values codes.h does not name are kept (extensible INTEGERs).
template <class E> struct management_result {
    E result{};

    static openrsp::result<management_result> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

using enable_profile_response = management_result<enable_profile_result>;
using disable_profile_response = management_result<disable_profile_result>;
using delete_profile_response = management_result<delete_profile_result>;
using euicc_memory_reset_response = management_result<euicc_memory_reset_result>;
using set_nickname_response = management_result<set_nickname_result>;
using set_default_dp_address_response = management_result<set_default_dp_address_result>;

extern template struct management_result<enable_profile_result>;
extern template struct management_result<disable_profile_result>;
extern template struct management_result<delete_profile_result>;
extern template struct management_result<euicc_memory_reset_result>;
extern template struct management_result<set_nickname_result>;
extern template struct management_result<set_default_dp_address_result>;

} // namespace openrsp::rsp
