#pragma once
/// \file
/// \brief The code sets of the download and notification messages, each with its ASN.1 names and the sentence a
/// user sees: ErrorReason and BppCommandId of ProfileInstallationResult (SGP.22 §5.7.6) and NotificationEvent
/// (profileManagementOperation, SGP.22 §5.7.9 / §2.6.2.2).
///
/// The enums are open: a value the table does not know (sent by a newer peer) is kept as it is and stays printable
/// (`asn1_name` says "errorReason 99", `describe` says "unknown error").

#include <string>

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

/// The SGP.22 v2.2.2 ASN.1 identifier, e.g. "installFailedDueToIccidAlreadyExistsOnEuicc"; "errorReason N" if unknown.
std::string asn1_name(install_error_reason r);
/// A plain sentence for users, e.g. "the ICCID is already installed"; "unknown error" if unknown or 127.
std::string describe(install_error_reason r);

/// The ASN.1 identifier, e.g. "storeMetadata"; "bppCommandId N" if unknown.
std::string asn1_name(bpp_command_id c);
/// What the eUICC was doing, e.g. "storing the profile metadata"; "BPP command N" if unknown.
std::string describe(bpp_command_id c);

/// The ASN.1 identifier, e.g. "notificationEnable"; "notificationEvent N" if unknown.
std::string asn1_name(notification_event e);
/// The word users see for the operation: "install", "enable", "disable", "delete"; "unknown" otherwise.
std::string describe(notification_event e);

} // namespace openrsp::rsp
