#pragma once
/// \file
/// \brief ES10b CancelSession (SGP.22 v2.2.2 §5.7.14) request and response as typed messages; the response is what
/// the LPA forwards to the SM-DP+ in ES9+ cancelSession (§5.6.5).
///
/// Same rules as the other typed messages (see authentication.h): decode() takes the whole TLV, refuses wrong outer
/// tags, trailing bytes, missing (1.3.1 / 2.2) or invalid (1.3.1 / 2.1) elements, skips unknown ones; the signed
/// part keeps its received bytes in `euicc_cancel_session_signed_raw`.
///
/// **Example**
/// \code
///   auto r = rsp::cancel_session_response::decode(bf41);
///   if (r && r->ok()) verify(euicc_key, r->ok()->euicc_cancel_session_signed_raw,
///                            r->ok()->euicc_cancel_session_signature);
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/codes.h"

#include <variant>

namespace openrsp::rsp {

/// \brief CancelSessionRequest `BF41` {80 transactionId, 81 reason} (LPA to eUICC).
struct cancel_session_request {
    bytes transaction_id;                                                   ///< 80: 1..16 bytes
    cancel_session_reason reason = cancel_session_reason::undefined_reason; ///< 81

    static result<cancel_session_request> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// \brief EuiccCancelSessionSigned `30` {80 transactionId, 81 smdpOid, 82 reason}: what the eUICC signs.
struct euicc_cancel_session_signed {
    bytes transaction_id; ///< 80: 1..16 bytes
    /// 81: OBJECT IDENTIFIER contents (checked on decode): the SM-DP+ OID of the session's CERT.DPauth.
    /// der::decode_oid / der::encode_oid convert from and to dotted text.
    bytes smdp_oid;
    cancel_session_reason reason = cancel_session_reason::undefined_reason; ///< 82

    static result<euicc_cancel_session_signed> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// \brief CancelSessionResponseOk `A0`.
struct cancel_session_response_ok {
    rsp::euicc_cancel_session_signed euicc_cancel_session_signed;
    bytes euicc_cancel_session_signed_raw; ///< the whole 30 TLV as received: what the signature covers
    bytes euicc_cancel_session_signature;  ///< 5F37 value
};

/// \brief CancelSessionResponse `BF41` (CHOICE ok `A0` | cancelSessionResponseError `81`).
struct cancel_session_response {
    std::variant<cancel_session_response_ok, cancel_session_error> response;

    [[nodiscard]] const cancel_session_response_ok* ok() const
    {
        return std::get_if<cancel_session_response_ok>(&response);
    }
    [[nodiscard]] const cancel_session_error* error() const { return std::get_if<cancel_session_error>(&response); }

    static result<cancel_session_response> decode(byte_view der);
    /// Writes euicc_cancel_session_signed_raw verbatim when set.
    [[nodiscard]] bytes encode() const;
};

} // namespace openrsp::rsp
