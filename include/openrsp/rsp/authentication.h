#pragma once
/// \file
/// \brief Common Mutual Authentication messages (SGP.22 v2.2.2 §3.1.2, ES10b AuthenticateServer §5.7.13) as typed
/// messages: ServerSigned1, DeviceInfo, CtxParams1, AuthenticateServerRequest, EuiccSigned1 and
/// AuthenticateServerResponse.
///
/// decode() takes the whole TLV (outer tag included) and refuses a wrong outer tag, trailing bytes, a missing
/// mandatory element (1.3.1 / 2.2) or an element of the wrong size or form (1.3.1 / 2.1); unknown elements are
/// skipped. Signed parts keep the exact bytes received next to their decoded fields (`..._raw`): signatures are
/// checked over those, never over a re-encoding, and encode() writes them verbatim when they are set. Certificates
/// are kept as DER (crypto::certificate::from_der reads them). Signatures are the 5F37 value (raw r||s).
///
/// **Example**
/// \code
///   auto req = rsp::authenticate_server_request::decode(bf38);
///   if (!req) return req.take_error();
///   verify(req->server_certificate, req->server_signed1_raw, req->server_signature1);
///   const auto& tid = req->server_signed1.transaction_id;
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"
#include "openrsp/rsp/codes.h"
#include "openrsp/rsp/tags.h"

#include <optional>
#include <string>
#include <variant>

namespace openrsp::rsp {

/// \brief ServerSigned1 `30` (SGP.22 §5.7.13): what the SM-DP+ signs in initiateAuthentication.
struct server_signed1 {
    bytes transaction_id;       ///< 80: 1..16 bytes
    bytes euicc_challenge;      ///< 81: 16 bytes
    std::string server_address; ///< 83
    bytes server_challenge;     ///< 84: 16 bytes

    static result<server_signed1> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// \brief DeviceInfo (SGP.22 §5.7.13, §4.2), as it sits in CtxParamsForCommonAuthentication: tag `A1`.
/// Elements of later versions (rspCapability deviceInfoExtensibilitySupport) are kept in `extensions` and written
/// back, because the eUICC passes ctxParams1 on into euiccSigned1.
struct device_info {
    bytes tac;                 ///< 80: 4 bytes (v2.2.2 Octet4); 8 is accepted (v2.0 Octet8)
    bytes device_capabilities; ///< A1 contents: DeviceCapabilities (all optional VersionTypes), as received
    std::optional<bytes> imei; ///< 82: 8 bytes, swapped BCD
    bytes extensions;          ///< unknown elements, verbatim, in wire order

    /// `outer`: the tag the DeviceInfo carries where it is embedded.
    static result<device_info> decode(byte_view der,
                                      der::tag_t outer = tag::ctx_params_for_common_authentication::device_info);
    [[nodiscard]] bytes encode(der::tag_t outer = tag::ctx_params_for_common_authentication::device_info) const;
};

/// \brief CtxParams1 `A0` (CHOICE with the one alternative ctxParamsForCommonAuthentication).
struct ctx_params1 {
    std::optional<std::string> matching_id; ///< 80: AC token or EventID; absent when there is none
    rsp::device_info device_info;           ///< A1
    bytes extensions;                       ///< unknown elements, verbatim, in wire order

    static result<ctx_params1> decode(byte_view der);
    [[nodiscard]] bytes encode() const;
};

/// \brief AuthenticateServerRequest `BF38` (ES10b AuthenticateServer, LPA to eUICC).
struct authenticate_server_request {
    rsp::server_signed1 server_signed1;
    bytes server_signed1_raw;       ///< the whole 30 TLV as received: what serverSignature1 covers
    bytes server_signature1;        ///< 5F37 value
    bytes euicc_ci_pkid_to_be_used; ///< 04 value: SubjectKeyIdentifier of the CI the eUICC shall use
    bytes server_certificate;       ///< CERT.DPauth (or DSauth), DER
    rsp::ctx_params1 ctx_params1;
    bytes ctx_params1_raw; ///< the whole A0 TLV as received (the eUICC copies it into euiccSigned1)

    static result<authenticate_server_request> decode(byte_view der);
    /// Writes the `_raw` members verbatim when set, else encodes the decoded fields.
    [[nodiscard]] bytes encode() const;
};

/// \brief EuiccSigned1 `30`: what the eUICC signs in AuthenticateServer.
struct euicc_signed1 {
    bytes transaction_id;         ///< 80: 1..16 bytes
    std::string server_address;   ///< 83
    bytes server_challenge;       ///< 84: 16 bytes
    bytes euicc_info2;            ///< the EUICCInfo2 BF22 TLV as received (rsp::euicc_info2::decode reads it)
    rsp::ctx_params1 ctx_params1; ///< A0
    bytes ctx_params1_raw;        ///< the whole A0 TLV as received

    static result<euicc_signed1> decode(byte_view der);
    /// Writes ctx_params1_raw verbatim when set.
    [[nodiscard]] bytes encode() const;
};

/// \brief AuthenticateResponseOk `A0`.
struct authenticate_response_ok {
    rsp::euicc_signed1 euicc_signed1;
    bytes euicc_signed1_raw; ///< the whole 30 TLV as received: what euiccSignature1 covers
    bytes euicc_signature1;  ///< 5F37 value
    bytes euicc_certificate; ///< CERT.EUICC, DER
    bytes eum_certificate;   ///< CERT.EUM, DER
};

/// \brief AuthenticateResponseError `A1`. transactionId is mandatory in SGP.22, but the eUICC cannot echo one it
/// could not read: then it is left out (empty here), as our eUICC has always done.
struct authenticate_response_error {
    bytes transaction_id; ///< 80; empty: absent
    rsp::authenticate_error_code authenticate_error_code = rsp::authenticate_error_code::undefined_error; ///< 02
};

/// \brief AuthenticateServerResponse `BF38` (CHOICE ok `A0` | error `A1`).
struct authenticate_server_response {
    std::variant<authenticate_response_ok, authenticate_response_error> response;

    /// The branch that is present, or nullptr.
    [[nodiscard]] const authenticate_response_ok* ok() const
    {
        return std::get_if<authenticate_response_ok>(&response);
    }
    [[nodiscard]] const authenticate_response_error* error() const
    {
        return std::get_if<authenticate_response_error>(&response);
    }

    static result<authenticate_server_response> decode(byte_view der);
    /// Writes euicc_signed1_raw verbatim when set.
    [[nodiscard]] bytes encode() const;
};

} // namespace openrsp::rsp
