#pragma once
/// \file
/// \brief ES9+ HTTP/JSON binding (SGP.22 §6.5): one struct per function, base64 of DER inside.
///
/// Requests from the LPA carry no `header`; responses always carry
/// `header.functionExecutionStatus`, with `statusCodeData` when the call failed.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <string>
#include <string_view>

namespace openrsp::rsp::es9p {

inline constexpr std::string_view path_prefix = "/gsma/rsp2/es9plus/";
inline constexpr std::string_view admin_protocol = "gsma/rsp/v2.2.2";

struct initiate_authentication_request {
    static constexpr std::string_view function = "initiateAuthentication";
    std::string smdp_address;
    bytes euicc_challenge; ///< 16 raw bytes
    bytes euicc_info1;     ///< BF20 TLV
};
struct initiate_authentication_response {
    std::string transaction_id; ///< hex
    bytes server_signed1;       ///< 30 TLV
    bytes server_signature1;    ///< whole 5F37 TLV
    bytes euicc_ci_pkid_to_be_used; ///< 04 14 <SKI>
    bytes server_certificate;   ///< DER of CERT.DPauth
};
struct authenticate_client_request {
    static constexpr std::string_view function = "authenticateClient";
    std::string transaction_id;
    bytes authenticate_server_response; ///< BF38 TLV
};
struct authenticate_client_response {
    std::string transaction_id;
    bytes profile_metadata;   ///< BF25 TLV
    bytes smdp_signed2;       ///< 30 TLV
    bytes smdp_signature2;    ///< 5F37 TLV
    bytes smdp_certificate;   ///< DER of CERT.DPpb
};
struct get_bound_profile_package_request {
    static constexpr std::string_view function = "getBoundProfilePackage";
    std::string transaction_id;
    bytes prepare_download_response; ///< BF21 TLV
};
struct get_bound_profile_package_response {
    std::string transaction_id;
    bytes bound_profile_package; ///< BF36 TLV
};
struct handle_notification_request {
    static constexpr std::string_view function = "handleNotification";
    bytes pending_notification; ///< BF37 or 30 (OtherSignedNotification) TLV
};
struct cancel_session_request {
    static constexpr std::string_view function = "cancelSession";
    std::string transaction_id;
    bytes cancel_session_response; ///< BF41 TLV
};

// JSON text <-> structs. Decoders fail with 1.3.1 / 2.2 (mandatory element missing) or 2.1 (invalid).
result<initiate_authentication_request> parse_initiate_authentication_request(std::string_view json);
result<authenticate_client_request> parse_authenticate_client_request(std::string_view json);
result<get_bound_profile_package_request> parse_get_bound_profile_package_request(std::string_view json);
result<handle_notification_request> parse_handle_notification_request(std::string_view json);
result<cancel_session_request> parse_cancel_session_request(std::string_view json);

std::string to_json(const initiate_authentication_request& m);
std::string to_json(const authenticate_client_request& m);
std::string to_json(const get_bound_profile_package_request& m);
std::string to_json(const handle_notification_request& m);
std::string to_json(const cancel_session_request& m);

/// Success responses (header status Executed-Success).
std::string to_json(const initiate_authentication_response& m);
std::string to_json(const authenticate_client_response& m);
std::string to_json(const get_bound_profile_package_response& m);
/// A response with only the header (cancelSession, ES2+ functions without output data); a transactionId is added
/// only when given (SGP.22 §5.6.5 gives cancelSession none).
std::string success_header_only(std::string_view transaction_id = {});
/// A failed response: status "Failed" with statusCodeData {subjectCode, reasonCode, message}.
std::string failure_json(const error& e);

/// Client side: checks header.functionExecutionStatus; a failure becomes an error with the codes.
result<initiate_authentication_response> parse_initiate_authentication_response(std::string_view json);
result<authenticate_client_response> parse_authenticate_client_response(std::string_view json);
result<get_bound_profile_package_response> parse_get_bound_profile_package_response(std::string_view json);
/// For responses with only a header (cancelSession); an empty body (HTTP 204) is success.
result<void> parse_header_only_response(std::string_view json);

/// \brief Plain-language meaning of a subject/reason pair (SGP.22 §5.2.6 tables), for CLI messages.
std::string describe_status(std::string_view subject, std::string_view reason);
/// \brief The meaning of a pair listed for ES9+ functions; empty if the pair is not a specific one.
std::string specific_status(std::string_view subject, std::string_view reason);

/// \brief transactionId hex text (case-insensitive) <-> bytes; 1..16 bytes.
result<bytes> transaction_id_from_hex(std::string_view hex_text);

} // namespace openrsp::rsp::es9p
