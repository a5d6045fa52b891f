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

/// EUICCInfo1 (BF20, SGP.22 §5.7.8).
namespace euicc_info1 {
inline constexpr tag_t svn = 0x82;
inline constexpr tag_t ci_pkid_list_for_verification = 0xA9;
inline constexpr tag_t ci_pkid_list_for_signing = 0xAA;
} // namespace euicc_info1

/// EUICCInfo2 (BF22, SGP.22 §5.7.8); ppVersion is a universal OCTET STRING, sasAcreditationNumber a UTF8String.
/// (Named `_fields` because `tag::euicc_info2` is already the BF22 constant above.)
namespace euicc_info2_fields {
inline constexpr tag_t profile_version = 0x81;
inline constexpr tag_t svn = 0x82;
inline constexpr tag_t euicc_firmware_ver = 0x83;
inline constexpr tag_t ext_card_resource = 0x84;
inline constexpr tag_t uicc_capability = 0x85;
inline constexpr tag_t ts102241_version = 0x86;
inline constexpr tag_t globalplatform_version = 0x87;
inline constexpr tag_t rsp_capability = 0x88;
inline constexpr tag_t ci_pkid_list_for_verification = 0xA9;
inline constexpr tag_t ci_pkid_list_for_signing = 0xAA;
inline constexpr tag_t euicc_category = 0x8B;
inline constexpr tag_t forbidden_profile_policy_rules = 0x99;
inline constexpr tag_t pp_version = 0x04;
inline constexpr tag_t sas_acreditation_number = 0x0C;
inline constexpr tag_t certification_data_object = 0xAC;
} // namespace euicc_info2_fields

/// ETSI TS 102 226 extended card resource TLVs inside EUICCInfo2 extCardResource (84).
namespace ext_card_resource {
inline constexpr tag_t installed_applications = 0x81;
inline constexpr tag_t free_non_volatile_memory = 0x82;
inline constexpr tag_t free_volatile_memory = 0x83;
} // namespace ext_card_resource

/// ServerSigned1 (SGP.22 §5.7.13); there is no [2].
namespace server_signed1 {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t euicc_challenge = 0x81;
inline constexpr tag_t server_address = 0x83;
inline constexpr tag_t server_challenge = 0x84;
} // namespace server_signed1

/// AuthenticateServerRequest (BF38): serverSigned1 and serverCertificate are universal SEQUENCEs.
namespace authenticate_server_request {
inline constexpr tag_t server_signed1 = 0x30;
inline constexpr tag_t server_signature1 = 0x5F37;
inline constexpr tag_t euicc_ci_pkid_to_be_used = 0x04;
inline constexpr tag_t server_certificate = 0x30;
inline constexpr tag_t ctx_params1 = 0xA0;
} // namespace authenticate_server_request

/// CtxParams1 CHOICE: its only alternative ctxParamsForCommonAuthentication [0].
namespace ctx_params1 {
inline constexpr tag_t ctx_params_for_common_authentication = 0xA0;
} // namespace ctx_params1

/// CtxParamsForCommonAuthentication.
namespace ctx_params_for_common_authentication {
inline constexpr tag_t matching_id = 0x80;
inline constexpr tag_t device_info = 0xA1;
} // namespace ctx_params_for_common_authentication

/// DeviceInfo (tac is Octet4 in v2.2.2, Octet8 in v2.0).
namespace device_info {
inline constexpr tag_t tac = 0x80;
inline constexpr tag_t device_capabilities = 0xA1;
inline constexpr tag_t imei = 0x82;
} // namespace device_info

/// AuthenticateServerResponse (BF38) CHOICE.
namespace authenticate_server_response {
inline constexpr tag_t authenticate_response_ok = 0xA0;
inline constexpr tag_t authenticate_response_error = 0xA1;
} // namespace authenticate_server_response

/// AuthenticateResponseOk: euiccSigned1 and both certificates are universal SEQUENCEs.
namespace authenticate_response_ok {
inline constexpr tag_t euicc_signed1 = 0x30;
inline constexpr tag_t euicc_signature1 = 0x5F37;
inline constexpr tag_t euicc_certificate = 0x30;
inline constexpr tag_t eum_certificate = 0x30;
} // namespace authenticate_response_ok

/// EuiccSigned1.
namespace euicc_signed1 {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t server_address = 0x83;
inline constexpr tag_t server_challenge = 0x84;
inline constexpr tag_t euicc_info2 = 0xBF22;
inline constexpr tag_t ctx_params1 = 0xA0;
} // namespace euicc_signed1

/// AuthenticateResponseError (explicit [0] on transactionId, so the error code stays a universal INTEGER).
namespace authenticate_response_error {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t authenticate_error_code = 0x02;
} // namespace authenticate_response_error

/// CancelSessionRequest (BF41, SGP.22 §5.7.14).
namespace cancel_session_request {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t reason = 0x81;
} // namespace cancel_session_request

/// CancelSessionResponse (BF41) CHOICE: the error alternative is an INTEGER with automatic tag [1].
namespace cancel_session_response {
inline constexpr tag_t cancel_session_response_ok = 0xA0;
inline constexpr tag_t cancel_session_response_error = 0x81;
} // namespace cancel_session_response

/// CancelSessionResponseOk.
namespace cancel_session_response_ok {
inline constexpr tag_t euicc_cancel_session_signed = 0x30;
inline constexpr tag_t euicc_cancel_session_signature = 0x5F37;
} // namespace cancel_session_response_ok

/// EuiccCancelSessionSigned (automatic tags: no component carries its own).
namespace euicc_cancel_session_signed {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t smdp_oid = 0x81;
inline constexpr tag_t reason = 0x82;
} // namespace euicc_cancel_session_signed

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
