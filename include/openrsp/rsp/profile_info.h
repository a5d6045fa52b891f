#pragma once
/// \file
/// \brief Typed GetProfilesInfo messages (SGP.22 v2.2.2 §5.7.15): ProfileInfoListRequest, ProfileInfoListResponse
/// and ProfileInfo `E3`. Same shape as download.h (decode the whole TLV, encode DER).
///
/// Every ProfileInfo field is OPTIONAL (a tagList may ask for a few): absent fields stay nullopt/empty.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"
#include "openrsp/rsp/download.h"

#include <optional>
#include <string>
#include <vector>

namespace openrsp::rsp {

/// ProfileInfo `E3`.
struct profile_info {
    bytes iccid;                                      ///< BCD, 10 bytes; empty: absent
    bytes isdp_aid;                                   ///< 1..16 bytes; empty: absent
    std::optional<unsigned> profile_state;            ///< ProfileState disabled(0), enabled(1)
    std::optional<std::string> profile_nickname;      ///< at most 64 bytes
    std::optional<std::string> service_provider_name; ///< at most 32 bytes
    std::optional<std::string> profile_name;          ///< at most 64 bytes
    std::optional<unsigned> icon_type;                ///< jpg(0), png(1)
    std::optional<bytes> icon;                        ///< at most 1024 bytes
    std::optional<unsigned> profile_class;            ///< test(0), provisioning(1), operational(2)
    std::vector<notification_configuration_information> notification_configuration_info; ///< empty: absent
    std::optional<rsp::operator_id> profile_owner;
    std::optional<bytes> dp_proprietary_data; ///< `B8` contents (DpProprietaryData)
    bytes profile_policy_rules;               ///< PprIds BIT STRING contents; empty: absent
    std::optional<bytes> ref_ar_do;           ///< `BF76` contents (SEQUENCE OF RefArDo), kept as is

    [[nodiscard]] bool enabled() const { return profile_state == 1u; }
    /// The ICCID digits, empty when absent.
    [[nodiscard]] std::string iccid_digits() const;

    static result<profile_info> decode(byte_view der);
    bytes encode() const;
};

/// ProfileInfoListRequest `BF2D`: searchCriteria CHOICE (at most one of the three) and tagList.
struct profile_info_list_request {
    std::optional<bytes> search_isdp_aid;            ///< `A0{4F}`, 1..16 bytes
    std::optional<bytes> search_iccid;               ///< `A0{5A}`; our eUICC pads a short one with F, so 1..10 bytes
    std::optional<unsigned> search_profile_class;    ///< `A0{95}`
    std::optional<std::vector<der::tag_t>> tag_list; ///< `5C`: the ProfileInfo tags wanted (tags of 1 to 3 bytes)

    static result<profile_info_list_request> decode(byte_view der);
    bytes encode() const;
};

/// ProfileInfoListResponse `BF2D`: the profiles, or profileInfoListError (1 incorrectInputValues, 127).
struct profile_info_list_response {
    std::vector<profile_info> profiles;
    std::optional<unsigned> error;

    static result<profile_info_list_response> decode(byte_view der);
    bytes encode() const;
};

} // namespace openrsp::rsp
