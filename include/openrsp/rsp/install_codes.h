#pragma once
/// \file
/// \brief The code sets of the download and notification messages, each with its ASN.1 names and the sentence a
/// user sees: ErrorReason and BppCommandId of ProfileInstallationResult (SGP.22 §5.7.6) and NotificationEvent
/// (profileManagementOperation, SGP.22 §5.7.9 / §2.6.2.2).
///
/// The enums are open: a value the table does not know (sent by a newer peer) is kept as it is and stays printable
/// (`asn1_name` says "errorReason 99", `describe` says "unknown error"). Same mechanism as codes.h: one code_set
/// table per enum, read by rsp::asn1_name / rsp::describe.

#include "openrsp/rsp/codes.h"

#include <array>
#include <string_view>

namespace openrsp::rsp {

/// NotificationEvent named bits (bit number in the BIT STRING), SGP.22 §5.7.9 NotificationMetadata.
enum class notification_event : unsigned { install = 0, enable = 1, disable = 2, del = 3 };

/// ProfileInstallationResult ErrorResult.errorReason (SGP.22 §5.7.6, ASN.1 type ErrorReason).
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

/// ProfileInstallationResult ErrorResult.bppCommandId (SGP.22 §5.7.6, ASN.1 type BppCommandId): the BPP step that
/// failed.
enum class bpp_command_id : unsigned {
    initialise_secure_channel = 0,
    configure_isdp = 1,
    store_metadata = 2,
    store_metadata2 = 3,
    replace_session_keys = 4,
    load_profile_elements = 5,
};

// SGP.22 v2.2.2 ErrorReason. The sentences are the ones the LPA has always printed after "could not install the
// profile: "; 13 was iccidMismatch in v2.0 and is dataMismatch since v2.1.
template <> struct code_set<install_error_reason> {
    using E = install_error_reason;
    static constexpr std::string_view unknown_name = "errorReason ";
    static constexpr std::string_view unknown_sentence = "unknown error";
    static constexpr bool unknown_sentence_numbered = false;
    static constexpr std::array<code_entry<E>, 16> table{{
        {E::incorrect_input_values, "incorrectInputValues", "incorrect input values"},
        {E::invalid_signature, "invalidSignature", "invalid signature"},
        {E::invalid_transaction_id, "invalidTransactionId", "invalid transaction ID"},
        {E::unsupported_crt_values, "unsupportedCrtValues", "unsupported CRT values"},
        {E::unsupported_remote_operation_type, "unsupportedRemoteOperationType", "unsupported remote operation type"},
        {E::unsupported_profile_class, "unsupportedProfileClass", "unsupported profile class"},
        {E::scp03t_structure_error, "scp03tStructureError", "SCP03t structure error"},
        {E::scp03t_security_error, "scp03tSecurityError", "SCP03t security error"},
        {E::iccid_already_exists, "installFailedDueToIccidAlreadyExistsOnEuicc", "the ICCID is already installed"},
        {E::insufficient_memory, "installFailedDueToInsufficientMemoryForProfile", "insufficient memory"},
        {E::interruption, "installFailedDueToInterruption", "interruption"},
        {E::pe_processing_error, "installFailedDueToPEProcessingError", "profile element processing error"},
        {E::data_mismatch, "installFailedDueToDataMismatch", "data mismatch"},
        {E::test_profile_invalid_naa_key, "testProfileInstallFailedDueToInvalidNaaKey", "invalid test profile NAA key"},
        {E::ppr_not_allowed, "pprNotAllowed", "profile policy rules not allowed"},
        {E::unknown, "installFailedDueToUnknownError", "unknown error"},
    }};
};

// SGP.22 v2.2.2 BppCommandId: the ES8+ step of the Bound Profile Package (§5.5) the eUICC was in.
template <> struct code_set<bpp_command_id> {
    using E = bpp_command_id;
    static constexpr std::string_view unknown_name = "bppCommandId ";
    static constexpr std::string_view unknown_sentence = "BPP command ";
    static constexpr std::array<code_entry<E>, 6> table{{
        {E::initialise_secure_channel, "initialiseSecureChannel", "setting up the secure channel"},
        {E::configure_isdp, "configureISDP", "creating the profile's security domain"},
        {E::store_metadata, "storeMetadata", "storing the profile metadata"},
        {E::store_metadata2, "storeMetadata2", "storing the second part of the profile metadata"},
        {E::replace_session_keys, "replaceSessionKeys", "replacing the session keys"},
        {E::load_profile_elements, "loadProfileElements", "loading the profile elements"},
    }};
};

// NotificationEvent named bits; the sentence is the operation word the LPA shows (notification lists, JSON output).
template <> struct code_set<notification_event> {
    using E = notification_event;
    static constexpr std::string_view unknown_name = "notificationEvent ";
    static constexpr std::string_view unknown_sentence = "unknown";
    static constexpr bool unknown_sentence_numbered = false;
    static constexpr std::array<code_entry<E>, 4> table{{
        {E::install, "notificationInstall", "install"},
        {E::enable, "notificationEnable", "enable"},
        {E::disable, "notificationDisable", "disable"},
        {E::del, "notificationDelete", "delete"},
    }};
};

} // namespace openrsp::rsp
