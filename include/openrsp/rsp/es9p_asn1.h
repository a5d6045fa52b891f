#pragma once
/// \file
/// \brief ES9+ ASN.1 binding (SGP.22 §6.6): `POST /gsma/rsp2/asn1`, Content-Type application/x-gsma-rsp-asn1, the body
/// one DER RemoteProfileProvisioningRequest, the answer one DER RemoteProfileProvisioningResponse (handleNotification:
/// HTTP 204, no body). The functions carry the same typed requests and responses as the JSON binding (es9p.h), so the
/// SM-DP+ runs the same procedures for both.
///
/// Errors: the JSON binding reports a subject/reason pair (SGP.22 §5.2.6); the ASN.1 binding has no header, and each
/// *Response CHOICE carries only an error INTEGER from its own list (RSPDefinitions v2.2.2:
/// initiateAuthenticationError, authenticateClientError, getBoundProfilePackageError, cancelSessionError). Our reading
/// of §6.6: the SM-DP+ answers the code whose name states the same condition as the function's subject/reason pair in
/// §5.6 (e.g. 8.2.7/3.8 "confirmation code refused" -> confirmationCodeRefused(3)); a pair with no such name gets
/// undefinedError(127) where the list has one. initiateAuthenticationError has no undefinedError, and
/// handleNotification and a body that is no RemoteProfileProvisioningRequest have no response type at all: those are
/// answered with an HTTP error status and a plain-text sentence (http_status()).
///
/// **Example**
/// \code
///   auto req = rsp::es9p::asn1::decode_request(body);                      // result<request>
///   bytes answer = rsp::es9p::asn1::encode_response(initiate_auth_response); // A2 { BF39 { A0 {...} } }
///   bytes refused = rsp::es9p::asn1::encode_error(function::get_bound_profile_package,
///                                                 error::rsp("8.2.7", "3.8", "wrong code")); // ... 81 01 03
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/es9p.h"

#include <optional>
#include <string_view>
#include <variant>

namespace openrsp::rsp::es9p::asn1 {

inline constexpr std::string_view path = "/gsma/rsp2/asn1";
inline constexpr std::string_view content_type = "application/x-gsma-rsp-asn1";

/// The ES9+ functions of the RemoteProfileProvisioningRequest CHOICE.
enum class function : std::uint8_t {
    initiate_authentication,
    authenticate_client,
    get_bound_profile_package,
    cancel_session,
    handle_notification,
};
/// The function's SGP.22 name, as the JSON binding's path names it ("initiateAuthentication", ...).
std::string_view function_name(function f);

/// One decoded RemoteProfileProvisioningRequest: the alternative's typed request (transaction IDs as upper-case hex).
using request = std::variant<initiate_authentication_request, authenticate_client_request,
                             get_bound_profile_package_request, cancel_session_request, handle_notification_request>;
function function_of(const request& r);

/// \brief Decodes a RemoteProfileProvisioningRequest. Fails with 1.3.1/2.1 (not DER, not 'A2', an alternative we
/// do not serve) or 1.3.1/2.2 (a mandatory element missing), naming the ASN.1 type and field; a TransactionId that
/// is not 1..16 bytes is 8.10.1/3.9, as in the JSON binding.
result<request> decode_request(byte_view der);
/// The function a body names, when its outer 'A2' and the alternative's tag can be read (even if the rest cannot):
/// the SM-DP+ answers a malformed request of a known function with that function's error alternative.
std::optional<function> peek_function(byte_view der);
/// Encodes a request (LPA side). Fails only when an embedded TLV is not DER or the transaction ID not hex.
result<bytes> encode_request(const request& r);

/// Success answers: A2 { <function tag> { A0 { ... } } }.
bytes encode_response(const initiate_authentication_response& m);
bytes encode_response(const authenticate_client_response& m);
bytes encode_response(const get_bound_profile_package_response& m);
/// CancelSessionResponseEs9 cancelSessionOk: an empty SEQUENCE ("This function has no output data").
bytes encode_cancel_session_ok();

/// The error INTEGER of function `f`'s response CHOICE for an SGP.22 subject/reason pair (see the file comment);
/// nullopt when the function's list has no code for it (initiateAuthentication, handleNotification).
std::optional<int> error_code(function f, const error& e);
/// The error alternative carrying error_code(f, e); nullopt when there is none (answer with http_status()).
std::optional<bytes> encode_error(function f, const error& e);
/// The HTTP status for an error with no ASN.1 answer: 500 for an execution error (reason 4.2), 400 otherwise.
int http_status(const error& e);

/// The ASN.1 name of error `code` of function `f` ("confirmationCodeRefused"), or "error <n>" for an unnamed one.
std::string error_name(function f, int code);

/// Client side: decodes the answer to `f`. An error alternative becomes an error with the subject/reason pair that
/// code stands for (none for undefinedError) and a sentence naming the ASN.1 code.
result<initiate_authentication_response> decode_initiate_authentication_response(byte_view der);
result<authenticate_client_response> decode_authenticate_client_response(byte_view der);
result<get_bound_profile_package_response> decode_get_bound_profile_package_response(byte_view der);
result<void> decode_cancel_session_response(byte_view der);

} // namespace openrsp::rsp::es9p::asn1
