#pragma once
/// \file
/// \brief SGP.22 v2.2.2 code sets of the ES10b authentication and the ES10c management functions: one enum per
/// ASN.1 INTEGER type, each with one table giving the ASN.1 name and the sentence shown to people.
///
/// The ASN.1 INTEGERs are extensible: a peer may send a value that has no name here. Such values stay in the enum
/// (`code_from_int`) and print as their number (`asn1_name`) or with the set's fallback sentence (`describe`).
///
/// **Example**
/// \code
///   auto r = rsp::code_from_int<rsp::enable_profile_result>(2);
///   rsp::asn1_name(r);  // "profileNotInDisabledState"
///   rsp::describe(r);   // "the profile is already enabled"
///   rsp::describe(rsp::code_from_int<rsp::enable_profile_result>(9)); // "undefined error 9"
/// \endcode

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace openrsp::rsp {

/// CancelSessionReason (SGP.22 §5.7.14).
enum class cancel_session_reason : int {
    end_user_rejection = 0,
    postponed = 1,
    timeout = 2,
    ppr_not_allowed = 3,
    metadata_mismatch = 4,
    load_bpp_execution_error = 5,
    undefined_reason = 127,
};

/// CancelSessionResponse cancelSessionResponseError (SGP.22 §5.7.14).
enum class cancel_session_error : int {
    invalid_transaction_id = 5,
    undefined_error = 127,
};

/// AuthenticateErrorCode (SGP.22 §5.7.13 AuthenticateServer).
enum class authenticate_error_code : int {
    invalid_certificate = 1,
    invalid_signature = 2,
    unsupported_curve = 3,
    no_session_context = 4,
    invalid_oid = 5,
    euicc_challenge_mismatch = 6,
    ci_pk_unknown = 7,
    undefined_error = 127,
};

/// DownloadErrorCode (SGP.22 §5.7.5 PrepareDownload).
enum class download_error_code : int {
    invalid_certificate = 1,
    invalid_signature = 2,
    unsupported_curve = 3,
    no_session_context = 4,
    invalid_transaction_id = 5,
    undefined_error = 127,
};

/// EnableProfileResponse enableResult (SGP.22 §5.7.16).
enum class enable_profile_result : int {
    ok = 0,
    iccid_or_aid_not_found = 1,
    profile_not_in_disabled_state = 2,
    disallowed_by_policy = 3,
    wrong_profile_reenabling = 4,
    cat_busy = 5,
    undefined_error = 127,
};

/// DisableProfileResponse disableResult (SGP.22 §5.7.17).
enum class disable_profile_result : int {
    ok = 0,
    iccid_or_aid_not_found = 1,
    profile_not_in_enabled_state = 2,
    disallowed_by_policy = 3,
    cat_busy = 5,
    undefined_error = 127,
};

/// DeleteProfileResponse deleteResult (SGP.22 §5.7.18).
enum class delete_profile_result : int {
    ok = 0,
    iccid_or_aid_not_found = 1,
    profile_not_in_disabled_state = 2,
    disallowed_by_policy = 3,
    undefined_error = 127,
};

/// EuiccMemoryResetResponse resetResult (SGP.22 §5.7.19).
enum class euicc_memory_reset_result : int {
    ok = 0,
    nothing_to_delete = 1,
    cat_busy = 5,
    undefined_error = 127,
};

/// SetNicknameResponse setNicknameResult (SGP.22 §5.7.21).
enum class set_nickname_result : int {
    ok = 0,
    iccid_not_found = 1,
    undefined_error = 127,
};

/// SetDefaultDpAddressResponse setDefaultDpAddressResult (SGP.22 §5.7.4).
enum class set_default_dp_address_result : int {
    ok = 0,
    undefined_error = 127,
};

/// NotificationSentResponse deleteNotificationStatus (SGP.22 §5.7.10 RemoveNotificationFromList).
enum class notification_sent_result : int {
    ok = 0,
    nothing_to_delete = 1,
    undefined_error = 127,
};

/// One named value of a code set.
template <class E> struct code_entry {
    E value;
    std::string_view asn1_name; ///< the ASN.1 named number, e.g. "iccidOrAidNotFound"
    std::string_view sentence;  ///< what people are told, e.g. "no profile with that ICCID or AID on the eUICC"
};

/// \brief The table of a code set and the start of the sentence for values it does not name ("undefined error "
/// followed by the number). Specialised once per enum (here, and in install_codes.h for the installation result's
/// sets); nothing else lists the values. Optional members: `unknown_name` (prefix of an unnamed value's name) and
/// `unknown_sentence_numbered = false` (the fallback sentence stands without the number).
template <class E> struct code_set;

template <> struct code_set<cancel_session_reason> {
    using E = cancel_session_reason;
    static constexpr std::string_view unknown_sentence = "reason ";
    static constexpr std::array<code_entry<E>, 7> table{{
        {E::end_user_rejection, "endUserRejection", "the user declined the download"},
        {E::postponed, "postponed", "the download was postponed"},
        {E::timeout, "timeout", "a step of the download took too long"},
        {E::ppr_not_allowed, "pprNotAllowed", "the profile policy rules are not allowed on this eUICC"},
        {E::metadata_mismatch, "metadataMismatch", "the profile metadata did not match"},
        {E::load_bpp_execution_error, "loadBppExecutionError", "loading the Bound Profile Package failed"},
        {E::undefined_reason, "undefinedReason", "an undefined reason"},
    }};
};

template <> struct code_set<cancel_session_error> {
    using E = cancel_session_error;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 2> table{{
        {E::invalid_transaction_id, "invalidTransactionId", "the eUICC has no session with that transaction ID"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

// Sentences as the LPA has always printed them (lib/lpa download: authenticate_server_error).
template <> struct code_set<authenticate_error_code> {
    using E = authenticate_error_code;
    static constexpr std::string_view unknown_sentence = "error ";
    static constexpr std::array<code_entry<E>, 8> table{{
        {E::invalid_certificate, "invalidCertificate", "the SM-DP+ certificate is invalid"},
        {E::invalid_signature, "invalidSignature", "the SM-DP+ signature is invalid"},
        {E::unsupported_curve, "unsupportedCurve", "the SM-DP+ uses an unsupported curve"},
        {E::no_session_context, "noSessionContext", "the eUICC has no session context"},
        {E::invalid_oid, "invalidOid", "the SM-DP+ certificate has the wrong role (OID)"},
        {E::euicc_challenge_mismatch, "euiccChallengeMismatch", "the SM-DP+ answered a different eUICC challenge"},
        {E::ci_pk_unknown, "ciPKUnknown", "the SM-DP+ certificate issuer is unknown to the eUICC"},
        {E::undefined_error, "undefinedError", "error 127"},
    }};
};

template <> struct code_set<download_error_code> {
    using E = download_error_code;
    static constexpr std::string_view unknown_sentence = "error ";
    static constexpr std::array<code_entry<E>, 6> table{{
        {E::invalid_certificate, "invalidCertificate", "the SM-DP+ certificate (CERT.DPpb) is invalid"},
        {E::invalid_signature, "invalidSignature", "the SM-DP+ signature (smdpSignature2) is invalid"},
        {E::unsupported_curve, "unsupportedCurve", "the SM-DP+ uses an unsupported curve"},
        {E::no_session_context, "noSessionContext", "the eUICC has no session context"},
        {E::invalid_transaction_id, "invalidTransactionId", "the SM-DP+ named another transaction"},
        {E::undefined_error, "undefinedError", "error 127"},
    }};
};

// ES10c sentences as the LPA CLI has always printed them (lib/lpa es10: describe_*_result).
template <> struct code_set<enable_profile_result> {
    using E = enable_profile_result;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 7> table{{
        {E::ok, "ok", "ok"},
        {E::iccid_or_aid_not_found, "iccidOrAidNotFound", "no profile with that ICCID or AID on the eUICC"},
        {E::profile_not_in_disabled_state, "profileNotInDisabledState", "the profile is already enabled"},
        {E::disallowed_by_policy, "disallowedByPolicy", "the profile policy rules forbid it"},
        {E::wrong_profile_reenabling, "wrongProfileReenabling", "the profile cannot be re-enabled"},
        {E::cat_busy, "catBusy", "the card is busy (CAT)"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

template <> struct code_set<disable_profile_result> {
    using E = disable_profile_result;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 6> table{{
        {E::ok, "ok", "ok"},
        {E::iccid_or_aid_not_found, "iccidOrAidNotFound", "no profile with that ICCID or AID on the eUICC"},
        {E::profile_not_in_enabled_state, "profileNotInEnabledState", "the profile is not enabled"},
        {E::disallowed_by_policy, "disallowedByPolicy", "the profile policy rules forbid it"},
        {E::cat_busy, "catBusy", "the card is busy (CAT)"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

template <> struct code_set<delete_profile_result> {
    using E = delete_profile_result;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 5> table{{
        {E::ok, "ok", "ok"},
        {E::iccid_or_aid_not_found, "iccidOrAidNotFound", "no profile with that ICCID or AID on the eUICC"},
        {E::profile_not_in_disabled_state, "profileNotInDisabledState", "the profile is enabled; disable it first"},
        {E::disallowed_by_policy, "disallowedByPolicy", "the profile policy rules forbid it"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

template <> struct code_set<euicc_memory_reset_result> {
    using E = euicc_memory_reset_result;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 4> table{{
        {E::ok, "ok", "ok"},
        {E::nothing_to_delete, "nothingToDelete", "there was nothing to delete"},
        {E::cat_busy, "catBusy", "the card is busy (CAT); try again in a moment"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

// The CLI's nickname verb prints "error N" for anything but iccidNotFound.
template <> struct code_set<set_nickname_result> {
    using E = set_nickname_result;
    static constexpr std::string_view unknown_sentence = "error ";
    static constexpr std::array<code_entry<E>, 3> table{{
        {E::ok, "ok", "ok"},
        {E::iccid_not_found, "iccidNotFound", "no profile with that ICCID on the eUICC"},
        {E::undefined_error, "undefinedError", "error 127"},
    }};
};

template <> struct code_set<set_default_dp_address_result> {
    using E = set_default_dp_address_result;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 2> table{{
        {E::ok, "ok", "ok"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

template <> struct code_set<notification_sent_result> {
    using E = notification_sent_result;
    static constexpr std::string_view unknown_sentence = "undefined error ";
    static constexpr std::array<code_entry<E>, 3> table{{
        {E::ok, "ok", "ok"},
        {E::nothing_to_delete, "nothingToDelete", "there is no pending notification with that sequence number"},
        {E::undefined_error, "undefinedError", "undefined error 127"},
    }};
};

/// The enums that have a code_set table.
template <class E>
concept code_enum = std::is_enum_v<E> && requires
{
    code_set<E>::table;
};

/// The number of a code.
template <code_enum E> constexpr int to_int(E code)
{
    return static_cast<int>(code);
}
/// Any number as a code; values the table does not name are kept (they print as numbers).
template <code_enum E> constexpr E code_from_int(int value)
{
    return static_cast<E>(value);
}

/// The table row of a code, or nullptr for a value SGP.22 v2.2.2 does not name.
template <code_enum E> constexpr const code_entry<E>* find_code(E code)
{
    for (const auto& e : code_set<E>::table)
        if (e.value == code) return &e;
    return nullptr;
}
/// Whether SGP.22 v2.2.2 names this value.
template <code_enum E> constexpr bool is_known(E code)
{
    return find_code(code) != nullptr;
}

/// The ASN.1 name ("catBusy"), or the decimal number for an unnamed value.
template <code_enum E> std::string asn1_name(E code)
{
    if (const auto* e = find_code(code)) return std::string(e->asn1_name);
    // A set may name its unnamed values ("errorReason 99"); by default they are the bare number.
    if constexpr (requires { code_set<E>::unknown_name; })
        return std::string(code_set<E>::unknown_name) + std::to_string(to_int(code));
    else
        return std::to_string(to_int(code));
}

/// The sentence for people; an unnamed value gets the set's fallback ("undefined error 9", "error 9", "reason 9").
template <code_enum E> std::string describe(E code)
{
    if (const auto* e = find_code(code)) return std::string(e->sentence);
    // A set whose fallback is a whole sentence ("unknown error") does not append the number.
    if constexpr (requires { code_set<E>::unknown_sentence_numbered; })
        if constexpr (!code_set<E>::unknown_sentence_numbered) return std::string(code_set<E>::unknown_sentence);
    return std::string(code_set<E>::unknown_sentence) + std::to_string(to_int(code));
}

/// The code whose ASN.1 name is `name` (exact spelling), if any.
template <code_enum E> std::optional<E> code_from_asn1_name(std::string_view name)
{
    for (const auto& e : code_set<E>::table)
        if (e.asn1_name == name) return e.value;
    return std::nullopt;
}

} // namespace openrsp::rsp
