#pragma once
/// \file
/// \brief The ES9+ ASN.1 binding part of the tag names (include openrsp/rsp/tags.h, which includes this).

#include "openrsp/der/der.h"

namespace openrsp::rsp::tag {
using der::tag_t;

// ---- ES9+ ASN.1 binding (SGP.22 §6.6: RemoteProfileProvisioningRequest / RemoteProfileProvisioningResponse and the
// ES9+ function types of RSPDefinitions, automatic tags). ------------------------------------------------------------

namespace es9p_asn1 {
/// RemoteProfileProvisioningRequest and RemoteProfileProvisioningResponse ::= [2] CHOICE: a tag on a CHOICE is
/// explicit (X.680 §31.2.7), so 'A2' wraps the function's own TLV.
inline constexpr tag_t remote_profile_provisioning = 0xA2;
inline constexpr tag_t initiate_authentication = 0xBF39;   ///< InitiateAuthenticationRequest / Response [57]
inline constexpr tag_t get_bound_profile_package = 0xBF3A; ///< GetBoundProfilePackageRequest / Response [58]
inline constexpr tag_t authenticate_client = 0xBF3B;       ///< AuthenticateClientRequest / ResponseEs9 [59]
inline constexpr tag_t handle_notification = 0xBF3D;       ///< HandleNotification [61]
/// CancelSessionRequestEs9 / CancelSessionResponseEs9 [65]: the ES10b CancelSession tag.
inline constexpr tag_t cancel_session = 0xBF41;

/// The two alternatives of every ES9+ *Response CHOICE (InitiateAuthenticationResponse, AuthenticateClientResponseEs9,
/// GetBoundProfilePackageResponse, CancelSessionResponseEs9): [0] the ok SEQUENCE, [1] the error INTEGER.
namespace response_choice {
inline constexpr tag_t ok = 0xA0;
inline constexpr tag_t error = 0x81;
} // namespace response_choice

/// InitiateAuthenticationRequest; euiccInfo1 keeps its own tag 'BF20'.
namespace initiate_authentication_request {
inline constexpr tag_t euicc_challenge = 0x81;
inline constexpr tag_t smdp_address = 0x83;
} // namespace initiate_authentication_request

/// transactionId [0] of InitiateAuthenticationOkEs9, AuthenticateClientRequest, AuthenticateClientOk,
/// GetBoundProfilePackageRequest and GetBoundProfilePackageOk; their other fields keep their own tags.
inline constexpr tag_t transaction_id = 0x80;

/// CancelSessionRequestEs9 has no tagged component, so both get automatic tags: transactionId [0] and
/// cancelSessionResponse [1], the latter implicit over the ES10b CancelSessionResponse ('BF41' becomes 'A1').
namespace cancel_session_request_es9 {
inline constexpr tag_t transaction_id = 0x80;
inline constexpr tag_t cancel_session_response = 0xA1;
} // namespace cancel_session_request_es9

/// HandleNotification's only component gets the automatic tag [0], explicit since PendingNotification is an untagged
/// CHOICE: 'A0' wraps the 'BF37' or '30' TLV.
namespace handle_notification_request {
inline constexpr tag_t pending_notification = 0xA0;
} // namespace handle_notification_request
} // namespace es9p_asn1

// (ES9+ ASN.1 binding section ends)

} // namespace openrsp::rsp::tag
