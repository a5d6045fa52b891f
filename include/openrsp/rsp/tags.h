#pragma once
/// \file
/// \brief Named SGP.22 v2.2.2 tags (rsp.asn, automatic tagging checked with asn1c; see shared/reference).

#include "openrsp/der/der.h"

namespace openrsp::rsp::tag {
using der::tag_t;

// ES10 functions (request and response share the outer tag)
inline constexpr tag_t get_euicc_info1 = 0xBF20;
inline constexpr tag_t prepare_download = 0xBF21;
inline constexpr tag_t euicc_info2 = 0xBF22;
inline constexpr tag_t initialise_secure_channel = 0xBF23;
inline constexpr tag_t configure_isdp = 0xBF24;
inline constexpr tag_t store_metadata = 0xBF25;
inline constexpr tag_t replace_session_keys = 0xBF26;
inline constexpr tag_t profile_installation_result_data = 0xBF27;
inline constexpr tag_t list_notification = 0xBF28;
inline constexpr tag_t set_nickname = 0xBF29;
inline constexpr tag_t retrieve_notifications_list = 0xBF2B;
inline constexpr tag_t get_profiles_info = 0xBF2D;
inline constexpr tag_t get_euicc_challenge = 0xBF2E;
inline constexpr tag_t notification_metadata = 0xBF2F;
inline constexpr tag_t notification_sent = 0xBF30;
inline constexpr tag_t enable_profile = 0xBF31;
inline constexpr tag_t disable_profile = 0xBF32;
inline constexpr tag_t delete_profile = 0xBF33;
inline constexpr tag_t euicc_memory_reset = 0xBF34;
inline constexpr tag_t bound_profile_package = 0xBF36;
inline constexpr tag_t profile_installation_result = 0xBF37;
inline constexpr tag_t authenticate_server = 0xBF38;
inline constexpr tag_t get_euicc_configured_addresses = 0xBF3C;
inline constexpr tag_t get_eid = 0xBF3E;
inline constexpr tag_t set_default_dp_address = 0xBF3F;
inline constexpr tag_t cancel_session = 0xBF41;
inline constexpr tag_t get_rat = 0xBF43;

// Common fields
inline constexpr tag_t sequence = 0x30;
inline constexpr tag_t octet_string = 0x04;
inline constexpr tag_t integer = 0x02;
inline constexpr tag_t boolean = 0x01;
inline constexpr tag_t oid = 0x06;
inline constexpr tag_t utf8_string = 0x0C;
inline constexpr tag_t signature = 0x5F37;     ///< raw r||s ECDSA signature
inline constexpr tag_t public_key = 0x5F49;    ///< uncompressed EC point
inline constexpr tag_t iccid = 0x5A;
inline constexpr tag_t isdp_aid = 0x4F;
inline constexpr tag_t profile_state = 0x9F70;
inline constexpr tag_t profile_nickname = 0x90;
inline constexpr tag_t service_provider_name = 0x91;
inline constexpr tag_t profile_name = 0x92;
inline constexpr tag_t icon_type = 0x93;
inline constexpr tag_t icon = 0x94;
inline constexpr tag_t profile_class = 0x95;
inline constexpr tag_t notification_configuration_info = 0xB6;
inline constexpr tag_t profile_owner = 0xB7;
inline constexpr tag_t dp_proprietary_data = 0xB8;
inline constexpr tag_t profile_policy_rules = 0x99;
inline constexpr tag_t profile_info = 0xE3;

// Bound Profile Package
inline constexpr tag_t first_sequence_of_87 = 0xA0;
inline constexpr tag_t sequence_of_88 = 0xA1;
inline constexpr tag_t second_sequence_of_87 = 0xA2;
inline constexpr tag_t sequence_of_86 = 0xA3;
inline constexpr tag_t control_ref_template = 0xA6;


// ---- Context tags inside the authentication messages (EUICCInfo1/2, ServerSigned1, EuiccSigned1, CtxParams1,
// DeviceInfo, CancelSession): one nested namespace per ASN.1 type. -------------------------------------------------

// (authentication section ends)

// ---- Context tags inside the download and notification messages (PrepareDownload, SmdpSigned2, EuiccSigned2,
// BoundProfilePackage, StoreMetadataRequest, ProfileInstallationResult, NotificationMetadata, ProfileInfo):
// one nested namespace per ASN.1 type. --------------------------------------------------------------------------

// (download and notification section ends)

// ---- SAIP (TS.48 / SIMalliance eUICC Profile Package) Profile Element tags. ----------------------------------

// (SAIP section ends)

} // namespace openrsp::rsp::tag

namespace openrsp::rsp {

/// NotificationEvent bits (profileManagementOperation), SGP.22 §5.6.
enum class notification_event : unsigned { install = 0, enable = 1, disable = 2, del = 3 };

/// ProfileInstallationResult errorReason values (SGP.22 §5.7.6).
enum class install_error_reason : unsigned {
    incorrect_input_values = 1,
    invalid_signature = 2,
    invalid_transaction_id = 3,
    unsupported_crt_values = 4,
    unsupported_remote_operation_type = 5,
    unsupported_profile_class = 6,
    scp03t_structure_error = 7,
    scp03t_security_error = 8,
    iccid_already_exists = 9,
    insufficient_memory = 10,
    interruption = 11,
    pe_processing_error = 12,
    data_mismatch = 13,
    test_profile_invalid_naa_key = 14,
    ppr_not_allowed = 15,
    unknown = 127,
};

/// bppCommandId values.
enum class bpp_command_id : unsigned {
    initialise_secure_channel = 0,
    configure_isdp = 1,
    store_metadata = 2,
    store_metadata2 = 3,
    replace_session_keys = 4,
    load_profile_elements = 5,
};

} // namespace openrsp::rsp
