/// \file
/// \brief The one table per code set of the download and notification messages (SGP.22 §5.7.6 ErrorReason and
/// BppCommandId, §5.7.9 NotificationEvent): ASN.1 name and user sentence side by side.

#include "openrsp/rsp/install_codes.h"

#include <string_view>

namespace openrsp::rsp {

namespace {

struct code_entry {
    unsigned value;
    std::string_view asn1;
    std::string_view text;
};

// SGP.22 v2.2.2 ErrorReason. The sentences are the ones the LPA has always printed after "could not install the
// profile: "; 13 was iccidMismatch in v2.0 and is dataMismatch since v2.1.
constexpr code_entry error_reasons[] = {
    {1, "incorrectInputValues", "incorrect input values"},
    {2, "invalidSignature", "invalid signature"},
    {3, "invalidTransactionId", "invalid transaction ID"},
    {4, "unsupportedCrtValues", "unsupported CRT values"},
    {5, "unsupportedRemoteOperationType", "unsupported remote operation type"},
    {6, "unsupportedProfileClass", "unsupported profile class"},
    {7, "scp03tStructureError", "SCP03t structure error"},
    {8, "scp03tSecurityError", "SCP03t security error"},
    {9, "installFailedDueToIccidAlreadyExistsOnEuicc", "the ICCID is already installed"},
    {10, "installFailedDueToInsufficientMemoryForProfile", "insufficient memory"},
    {11, "installFailedDueToInterruption", "interruption"},
    {12, "installFailedDueToPEProcessingError", "profile element processing error"},
    {13, "installFailedDueToDataMismatch", "data mismatch"},
    {14, "testProfileInstallFailedDueToInvalidNaaKey", "invalid test profile NAA key"},
    {15, "pprNotAllowed", "profile policy rules not allowed"},
    {127, "installFailedDueToUnknownError", "unknown error"},
};

// SGP.22 v2.2.2 BppCommandId: the ES8+ step of the Bound Profile Package (§5.5) the eUICC was in.
constexpr code_entry bpp_commands[] = {
    {0, "initialiseSecureChannel", "setting up the secure channel"},
    {1, "configureISDP", "creating the profile's security domain"},
    {2, "storeMetadata", "storing the profile metadata"},
    {3, "storeMetadata2", "storing the second part of the profile metadata"},
    {4, "replaceSessionKeys", "replacing the session keys"},
    {5, "loadProfileElements", "loading the profile elements"},
};

// NotificationEvent named bits; the text is the operation word the LPA shows (notification lists, JSON output).
constexpr code_entry events[] = {
    {0, "notificationInstall", "install"},
    {1, "notificationEnable", "enable"},
    {2, "notificationDisable", "disable"},
    {3, "notificationDelete", "delete"},
};

template <std::size_t N> const code_entry* lookup(const code_entry (&table)[N], unsigned value)
{
    for (const auto& e : table)
        if (e.value == value) return &e;
    return nullptr;
}

} // namespace

std::string asn1_name(install_error_reason r)
{
    const auto* e = lookup(error_reasons, static_cast<unsigned>(r));
    return e ? std::string(e->asn1) : "errorReason " + std::to_string(static_cast<unsigned>(r));
}

std::string describe(install_error_reason r)
{
    const auto* e = lookup(error_reasons, static_cast<unsigned>(r));
    return e ? std::string(e->text) : "unknown error";
}

std::string asn1_name(bpp_command_id c)
{
    const auto* e = lookup(bpp_commands, static_cast<unsigned>(c));
    return e ? std::string(e->asn1) : "bppCommandId " + std::to_string(static_cast<unsigned>(c));
}

std::string describe(bpp_command_id c)
{
    const auto* e = lookup(bpp_commands, static_cast<unsigned>(c));
    return e ? std::string(e->text) : "BPP command " + std::to_string(static_cast<unsigned>(c));
}

std::string asn1_name(notification_event ev)
{
    const auto* e = lookup(events, static_cast<unsigned>(ev));
    return e ? std::string(e->asn1) : "notificationEvent " + std::to_string(static_cast<unsigned>(ev));
}

std::string describe(notification_event ev)
{
    const auto* e = lookup(events, static_cast<unsigned>(ev));
    return e ? std::string(e->text) : "unknown";
}

} // namespace openrsp::rsp
