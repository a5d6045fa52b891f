#pragma once
/// \file
/// \brief Named SGP.22 v2.2.2 tags (rsp.asn, automatic tagging checked with asn1c; see shared/reference).

#include "openrsp/der/der.h"
#include "openrsp/der/tags.h"

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
// Universal tags: aliases of include/openrsp/der/tags.h, so each is defined once.
inline constexpr tag_t sequence = der::tag::sequence;
inline constexpr tag_t octet_string = der::tag::octet_string;
inline constexpr tag_t integer = der::tag::integer;
inline constexpr tag_t boolean = der::tag::boolean;
inline constexpr tag_t oid = der::tag::oid;
inline constexpr tag_t utf8_string = der::tag::utf8_string;
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

// Naming: the namespace is the snake_case ASN.1 type name; where that name is already the outer-tag constant above
// (bound_profile_package, control_ref_template, profile_installation_result(_data), notification_metadata,
// profile_info) the namespace carries the suffix `_fields`. Tags checked against RSPDefinitions v2.2.2 (automatic
// tagging applies only to SEQUENCEs and CHOICEs with no tagged component).

/// SmdpSigned2 (§5.7.5): transactionId [0], ccRequiredFlag BOOLEAN (universal), bppEuiccOtpk [APPLICATION 73].
namespace smdp_signed2 {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t cc_required_flag = 0x01;
inline constexpr tag_t bpp_euicc_otpk = 0x5F49;
} // namespace smdp_signed2

/// PrepareDownloadRequest `BF21` (§5.7.5): no automatic tags (smdpSignature2 is tagged).
namespace prepare_download_request {
inline constexpr tag_t smdp_signed2 = 0x30;
inline constexpr tag_t smdp_signature2 = 0x5F37;
inline constexpr tag_t hash_cc = 0x04;
inline constexpr tag_t smdp_certificate = 0x30;
} // namespace prepare_download_request

/// EUICCSigned2 (§5.7.5).
namespace euicc_signed2 {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t euicc_otpk = 0x5F49;
inline constexpr tag_t hash_cc = 0x04;
} // namespace euicc_signed2

/// PrepareDownloadResponse `BF21` CHOICE (automatic tags).
namespace prepare_download_response {
inline constexpr tag_t download_response_ok = 0xA0;
inline constexpr tag_t download_response_error = 0xA1;
} // namespace prepare_download_response

/// PrepareDownloadResponseOk.
namespace prepare_download_response_ok {
inline constexpr tag_t euicc_signed2 = 0x30;
inline constexpr tag_t euicc_signature2 = 0x5F37;
} // namespace prepare_download_response_ok

/// PrepareDownloadResponseError: transactionId is tagged, so downloadErrorCode keeps INTEGER `02`.
namespace prepare_download_response_error {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t download_error_code = 0x02;
} // namespace prepare_download_response_error

/// BoundProfilePackage `BF36` (§2.5.5, §5.5) and the segments of its SEQUENCE OFs.
namespace bound_profile_package_fields {
inline constexpr tag_t initialise_secure_channel_request = 0xBF23;
inline constexpr tag_t first_sequence_of_87 = 0xA0;
inline constexpr tag_t sequence_of_88 = 0xA1;
inline constexpr tag_t second_sequence_of_87 = 0xA2;
inline constexpr tag_t sequence_of_86 = 0xA3;
inline constexpr tag_t segment_87 = 0x87;
inline constexpr tag_t segment_88 = 0x88;
inline constexpr tag_t segment_86 = 0x86;
} // namespace bound_profile_package_fields

/// InitialiseSecureChannelRequest `BF23` (§5.5.1): RemoteOpId ::= [2] INTEGER.
namespace initialise_secure_channel_request {
inline constexpr tag_t remote_op_id = 0x82;
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t control_ref_template = 0xA6;
inline constexpr tag_t smdp_otpk = 0x5F49;
inline constexpr tag_t smdp_sign = 0x5F37;
} // namespace initialise_secure_channel_request

/// ControlRefTemplate (inside `A6`).
namespace control_ref_template_fields {
inline constexpr tag_t key_type = 0x80;
inline constexpr tag_t key_len = 0x81;
inline constexpr tag_t host_id = 0x84;
} // namespace control_ref_template_fields

/// StoreMetadataRequest `BF25` (§5.5.3).
namespace store_metadata_request {
inline constexpr tag_t iccid = 0x5A;
inline constexpr tag_t service_provider_name = 0x91;
inline constexpr tag_t profile_name = 0x92;
inline constexpr tag_t icon_type = 0x93;
inline constexpr tag_t icon = 0x94;
inline constexpr tag_t profile_class = 0x95;
inline constexpr tag_t notification_configuration_info = 0xB6;
inline constexpr tag_t profile_owner = 0xB7;
inline constexpr tag_t profile_policy_rules = 0x99;
} // namespace store_metadata_request

/// NotificationConfigurationInformation (a `30` inside `B6`, automatic tags).
namespace notification_configuration_information {
inline constexpr tag_t profile_management_operation = 0x80;
inline constexpr tag_t notification_address = 0x81;
} // namespace notification_configuration_information

/// OperatorId (inside `B7`, automatic tags).
namespace operator_id {
inline constexpr tag_t mcc_mnc = 0x80;
inline constexpr tag_t gid1 = 0x81;
inline constexpr tag_t gid2 = 0x82;
} // namespace operator_id

/// ProfileInstallationResult `BF37` (§5.7.6).
namespace profile_installation_result_fields {
inline constexpr tag_t profile_installation_result_data = 0xBF27;
inline constexpr tag_t euicc_sign_pir = 0x5F37;
} // namespace profile_installation_result_fields

/// ProfileInstallationResultData `BF27`: tagged components, so smdpOid keeps OBJECT IDENTIFIER `06`.
namespace profile_installation_result_data_fields {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t notification_metadata = 0xBF2F;
inline constexpr tag_t smdp_oid = 0x06;
inline constexpr tag_t final_result = 0xA2;
} // namespace profile_installation_result_data_fields

/// finalResult [2] CHOICE (automatic tags inside the explicit `A2`).
namespace final_result {
inline constexpr tag_t success_result = 0xA0;
inline constexpr tag_t error_result = 0xA1;
} // namespace final_result

/// SuccessResult: aid is tagged, so simaResponse keeps OCTET STRING `04`.
namespace success_result {
inline constexpr tag_t aid = 0x4F;
inline constexpr tag_t sima_response = 0x04;
} // namespace success_result

/// ErrorResult (automatic tags).
namespace error_result {
inline constexpr tag_t bpp_command_id = 0x80;
inline constexpr tag_t error_reason = 0x81;
inline constexpr tag_t sima_response = 0x82;
} // namespace error_result

/// NotificationMetadata `BF2F` (§5.7.9).
namespace notification_metadata_fields {
inline constexpr tag_t seq_number = 0x80;
inline constexpr tag_t profile_management_operation = 0x81;
inline constexpr tag_t notification_address = 0x0C;
inline constexpr tag_t iccid = 0x5A;
} // namespace notification_metadata_fields

/// OtherSignedNotification `30` (§5.7.10): euiccNotificationSignature is tagged, so no automatic tags.
namespace other_signed_notification {
inline constexpr tag_t tbs_other_notification = 0xBF2F;
inline constexpr tag_t euicc_notification_signature = 0x5F37;
inline constexpr tag_t euicc_certificate = 0x30;
inline constexpr tag_t eum_certificate = 0x30;
} // namespace other_signed_notification

/// ListNotificationRequest `BF28` (§5.7.9).
namespace list_notification_request {
inline constexpr tag_t profile_management_operation = 0x81;
} // namespace list_notification_request

/// ListNotificationResponse `BF28` CHOICE.
namespace list_notification_response {
inline constexpr tag_t notification_metadata_list = 0xA0;
inline constexpr tag_t list_notifications_result_error = 0x81;
} // namespace list_notification_response

/// RetrieveNotificationsListRequest `BF2B` (§5.7.10): searchCriteria is an (explicit) `A0` CHOICE.
namespace retrieve_notifications_list_request {
inline constexpr tag_t search_criteria = 0xA0;
inline constexpr tag_t seq_number = 0x80;
inline constexpr tag_t profile_management_operation = 0x81;
} // namespace retrieve_notifications_list_request

/// RetrieveNotificationsListResponse `BF2B` CHOICE.
namespace retrieve_notifications_list_response {
inline constexpr tag_t notification_list = 0xA0;
inline constexpr tag_t notifications_list_result_error = 0x81;
} // namespace retrieve_notifications_list_response

/// NotificationSentRequest / NotificationSentResponse `BF30` (§5.7.11).
namespace notification_sent_request {
inline constexpr tag_t seq_number = 0x80;
} // namespace notification_sent_request
namespace notification_sent_response {
inline constexpr tag_t delete_notification_status = 0x80;
} // namespace notification_sent_response

/// ProfileInfo `E3` (§5.7.15).
namespace profile_info_fields {
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
inline constexpr tag_t ref_ar_do = 0xBF76;
} // namespace profile_info_fields

/// ProfileInfoListRequest `BF2D` (§5.7.15): searchCriteria [0] CHOICE {4F | 5A | 95}, tagList `5C`.
namespace profile_info_list_request {
inline constexpr tag_t search_criteria = 0xA0;
inline constexpr tag_t isdp_aid = 0x4F;
inline constexpr tag_t iccid = 0x5A;
inline constexpr tag_t profile_class = 0x95;
inline constexpr tag_t tag_list = 0x5C;
} // namespace profile_info_list_request

/// ProfileInfoListResponse `BF2D` CHOICE.
namespace profile_info_list_response {
inline constexpr tag_t profile_info_list_ok = 0xA0;
inline constexpr tag_t profile_info_list_error = 0x81;
} // namespace profile_info_list_response

// (download and notification section ends)

// ---- ES10a/b/c requests and answers the eUICC and the LPA exchange beyond the messages above (GetEUICCChallenge,
// GetEID, GetEuiccConfiguredAddresses, SetDefaultDpAddress, Enable/Disable/DeleteProfile, SetNickname,
// eUICCMemoryReset, GetRAT): one nested namespace per ASN.1 type. -------------------------------------------------

/// GetEuiccChallengeResponse `BF2E` (§5.7.7); the request is an empty `BF2E`.
namespace get_euicc_challenge_response {
inline constexpr tag_t euicc_challenge = 0x80;
} // namespace get_euicc_challenge_response

/// GetEuiccDataRequest `BF3E` (GetEID, §5.7.20): tagList [APPLICATION 28], value `5A`.
namespace get_eid_request {
inline constexpr tag_t tag_list = 0x5C;
} // namespace get_eid_request
/// GetEuiccDataResponse `BF3E`: eidValue [APPLICATION 26].
namespace get_eid_response {
inline constexpr tag_t eid = 0x5A;
} // namespace get_eid_response
namespace get_euicc_data_request = get_eid_request;
namespace get_euicc_data_response = get_eid_response;

/// EuiccConfiguredAddressesResponse `BF3C` (§5.7.3, automatic tags); the request is an empty `BF3C`.
namespace euicc_configured_addresses_response {
inline constexpr tag_t default_dp_address = 0x80;
inline constexpr tag_t root_ds_address = 0x81;
} // namespace euicc_configured_addresses_response
namespace get_euicc_configured_addresses_response = euicc_configured_addresses_response;

/// SetDefaultDpAddressRequest / SetDefaultDpAddressResponse `BF3F` (§5.7.4, automatic tags).
namespace set_default_dp_address_request {
inline constexpr tag_t default_dp_address = 0x80;
} // namespace set_default_dp_address_request
namespace set_default_dp_address_response {
inline constexpr tag_t set_default_dp_address_result = 0x80;
} // namespace set_default_dp_address_response

/// EnableProfileRequest `BF31` (§5.7.16, automatic tags): profileIdentifier [0] CHOICE {isdpAid `4F` | iccid
/// `5A`} (explicit because it is a CHOICE), refreshFlag [1] BOOLEAN.
namespace enable_profile_request {
inline constexpr tag_t profile_identifier = 0xA0;
inline constexpr tag_t isdp_aid = 0x4F;
inline constexpr tag_t iccid = 0x5A;
inline constexpr tag_t refresh_flag = 0x81;
} // namespace enable_profile_request
/// EnableProfileResponse `BF31`.
namespace enable_profile_response {
inline constexpr tag_t enable_result = 0x80;
} // namespace enable_profile_response

/// DisableProfileRequest `BF32` (§5.7.17): same shape as EnableProfileRequest.
namespace disable_profile_request {
inline constexpr tag_t profile_identifier = 0xA0;
inline constexpr tag_t isdp_aid = 0x4F;
inline constexpr tag_t iccid = 0x5A;
inline constexpr tag_t refresh_flag = 0x81;
} // namespace disable_profile_request
/// DisableProfileResponse `BF32`.
namespace disable_profile_response {
inline constexpr tag_t disable_result = 0x80;
} // namespace disable_profile_response

/// DeleteProfileRequest `BF33` (§5.7.18): a CHOICE {isdpAid `4F` | iccid `5A`} directly inside `BF33`.
namespace delete_profile_request {
inline constexpr tag_t isdp_aid = 0x4F;
inline constexpr tag_t iccid = 0x5A;
} // namespace delete_profile_request
/// DeleteProfileResponse `BF33`.
namespace delete_profile_response {
inline constexpr tag_t delete_result = 0x80;
} // namespace delete_profile_response

/// SetNicknameRequest `BF29` (§5.7.21): iccid [APPLICATION 26], profileNickname [16] UTF8String.
namespace set_nickname_request {
inline constexpr tag_t iccid = 0x5A;
inline constexpr tag_t profile_nickname = 0x90;
} // namespace set_nickname_request
/// SetNicknameResponse `BF29`.
namespace set_nickname_response {
inline constexpr tag_t set_nickname_result = 0x80;
} // namespace set_nickname_response

/// EuiccMemoryResetRequest `BF34` (§5.7.19): resetOptions [2] BIT STRING.
namespace euicc_memory_reset_request {
inline constexpr tag_t reset_options = 0x82;
} // namespace euicc_memory_reset_request
/// EuiccMemoryResetResponse `BF34`.
namespace euicc_memory_reset_response {
inline constexpr tag_t reset_result = 0x80;
} // namespace euicc_memory_reset_response

/// GetRatResponse `BF43` (§5.7.22 GetRAT): rat [0] RulesAuthorisationTable (automatic tags); the
/// request is an empty `BF43`.
namespace get_rat_response {
inline constexpr tag_t rat = 0xA0;
} // namespace get_rat_response
/// ProfilePolicyAuthorisationRule (a `30` in the RAT, automatic tags); its operators are OperatorId `30`s (see
/// tag::operator_id).
namespace profile_policy_authorisation_rule {
inline constexpr tag_t ppr_ids = 0x80;
inline constexpr tag_t allowed_operators = 0xA1;
inline constexpr tag_t ppr_flags = 0x82;
} // namespace profile_policy_authorisation_rule

/// ReplaceSessionKeysRequest `BF26` (§5.5.4), the plaintext of the BPP's second sequence of `87` (automatic tags).
/// Not an ES10 message, but only the eUICC reads it and no other section lists it.
namespace replace_session_keys_request {
inline constexpr tag_t initial_mac_chaining_value = 0x80;
inline constexpr tag_t ppk_enc = 0x81;
inline constexpr tag_t ppk_cmac = 0x82;
} // namespace replace_session_keys_request

/// The ISD-R's answer to SELECT (ISO/IEC 7816-4 §7.4.1, FCI template with the DF name = the selected AID); the
/// LPA opens every ES10 session with it.
namespace select_fci {
inline constexpr tag_t fci_template = 0x6F;
inline constexpr tag_t df_name = 0x84;
} // namespace select_fci

// (ES10 management section ends)

// ---- Tags the SM-DP+ needs beyond the messages above (its own serialized session record, ES2+ helpers). -------

/// The SM-DP+'s own serialized RSP session record (lib/smdpp/rsp_session.cpp), kept in the store between ES9+ calls
/// (SGP.22 §3.1.3) so that any node can serve the next step. Not an SGP.22 structure: a universal SEQUENCE of
/// context-specific primitives [0]..[9] in this order.
namespace smdp_session_record {
inline constexpr tag_t record = 0x30;
inline constexpr tag_t stage = 0x80;             ///< INTEGER: 1 authenticating, 2 authenticated, 3 BPP delivered
inline constexpr tag_t transaction_id = 0x81;    ///< TransactionId of the session
inline constexpr tag_t server_challenge = 0x82;  ///< serverChallenge sent in ServerSigned1
inline constexpr tag_t ci_pkid = 0x83;           ///< euiccCiPKIdToBeUsed
inline constexpr tag_t euicc_certificate = 0x84; ///< CERT.EUICC DER, after authenticateClient
inline constexpr tag_t eid = 0x85;               ///< EID digits
inline constexpr tag_t iccid = 0x86;             ///< ICCID digits of the reserved profile
inline constexpr tag_t smdp_signature2 = 0x87;   ///< the whole smdpSignature2 5F37 TLV
inline constexpr tag_t cc_required = 0x88;       ///< BOOLEAN: a confirmation code is required
inline constexpr tag_t set_ci_pkid = 0x89;       ///< CI of the certificate set (DPauth, DPpb) chosen
inline constexpr tag_t euicc_otpk = 0x8A;        ///< otPK.EUICC.ECKA the delivered BPP was bound to
inline constexpr tag_t smdp_otsk = 0x8B;         ///< otSK.DP.ECKA of that BPP, sealed by the store
inline constexpr tag_t host_id = 0x8C;           ///< hostId of that BPP's ControlRefTemplate
} // namespace smdp_session_record

// (SM-DP+ section ends)

// ---- ES9+ ASN.1 binding (SGP.22 §6.6) tags: in rsp/es9p_asn1_tags.h, included at the end of this header. -------


// ---- SAIP (TS.48 / SIMalliance eUICC Profile Package) Profile Element tags: in rsp/saip_tags.h, included at the
// end of this header (same namespace), so this stays the one header that names every tag. ----------------------


} // namespace openrsp::rsp::tag

// The code sets (notification_event, install_error_reason, bpp_command_id) live in install_codes.h; this include
// keeps code that reaches them through tags.h compiling.
#include "openrsp/rsp/install_codes.h"

#include "openrsp/rsp/es9p_asn1_tags.h" // IWYU pragma: export
#include "openrsp/rsp/saip_tags.h"      // IWYU pragma: export
