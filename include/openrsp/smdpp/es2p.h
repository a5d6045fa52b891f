#pragma once
/// \file
/// \brief ES2+ (operator -> SM-DP+, SGP.22 §5.3): DownloadOrder, ConfirmOrder, CancelOrder, ReleaseProfile over
/// the inventory, their JSON binding (SGP.22 §6.5, `POST /gsma/rsp2/es2plus/<function>`) and operator tokens.
///
/// The order functions are plain functions over a store::inventory so the HTTPS edge and the `openrsp smdpp
/// order` shell commands run the same rules. Every state change is one compare-and-set in the store, and every
/// profile belongs to one operator: another operator's ICCID answers exactly like an unknown one.

#include "openrsp/core/result.h"
#include "openrsp/store/store.h"

#include <optional>
#include <string>
#include <string_view>

namespace openrsp::smdpp::es2p {

inline constexpr std::string_view path_prefix = "/gsma/rsp2/es2plus/";

/// ES2+ request header (SGP.22 §6.5.1.3): who calls and a call identifier for its logs.
struct request_header {
    std::string function_requester_identifier;
    std::string function_call_identifier;
};

/// DownloadOrder (SGP.22 §5.3.1): reserve a profile, by ICCID or by profile type, optionally for one EID.
struct download_order_request {
    static constexpr std::string_view function = "downloadOrder";
    request_header header;
    std::optional<std::string> eid;
    std::optional<std::string> iccid;
    std::optional<std::string> profile_type;
    /// OpenRSP extension "allowRedownload": after the eUICC deletes the profile, the same EID may download it again
    /// (default: no, the order ends with the deletion).
    std::optional<bool> allow_redownload{};
    /// OpenRSP extension "expiryTimestamp" (W3C date-time, UTC, e.g. "2030-01-31T12:00:00Z"): when the order
    /// expires (seconds since the epoch here). Absent: now + the SM-DP+'s default order lifetime, if it has one.
    std::optional<std::int64_t> expiry{};
};
struct download_order_response {
    std::string iccid;
};

/// ConfirmOrder (SGP.22 §5.3.2): fix the matching ID (generated when absent) and confirmation code, and release
/// the profile for download at once (releaseFlag) or later through ReleaseProfile.
struct confirm_order_request {
    static constexpr std::string_view function = "confirmOrder";
    request_header header;
    std::string iccid;
    std::optional<std::string> eid;
    std::optional<std::string> matching_id;
    std::optional<std::string> confirmation_code;
    std::optional<std::string> smds_address; ///< accepted; this SM-DP+ registers no SM-DS events (no ES12)
    bool release_flag = false;
    std::optional<bool> allow_redownload{}; ///< OpenRSP extension "allowRedownload", as in DownloadOrder
    std::optional<std::int64_t> expiry{};   ///< OpenRSP extension "expiryTimestamp", as in DownloadOrder (replaces it)
};
struct confirm_order_response {
    std::optional<std::string> eid;
    std::string matching_id;
    std::string smdp_address;
};

/// CancelOrder (SGP.22 §5.3.3): end an order that was not downloaded; the profile goes back to the inventory
/// (Available) or out of it (Unavailable).
struct cancel_order_request {
    static constexpr std::string_view function = "cancelOrder";
    request_header header;
    std::string iccid;
    std::optional<std::string> eid;
    std::optional<std::string> matching_id;
    store::profile_state final_profile_status = store::profile_state::available; ///< Available or Unavailable
};

/// ReleaseProfile (SGP.22 §5.3.4): Confirmed -> Released.
struct release_profile_request {
    static constexpr std::string_view function = "releaseProfile";
    request_header header;
    std::string iccid;
};

// JSON text <-> structs. Decoders fail with 1.3.1 / 2.2 (mandatory element missing) or 2.1 (invalid), and
// validate ICCID (8.2.1 / 2.1) and EID (8.1.1 / 2.1) syntax; a 20th 'F' padding an ICCID is dropped.
result<download_order_request> parse_download_order_request(std::string_view json);
result<confirm_order_request> parse_confirm_order_request(std::string_view json);
result<cancel_order_request> parse_cancel_order_request(std::string_view json);
result<release_profile_request> parse_release_profile_request(std::string_view json);

std::string to_json(const download_order_request& m);
std::string to_json(const confirm_order_request& m);
std::string to_json(const cancel_order_request& m);
std::string to_json(const release_profile_request& m);
std::string to_json(const download_order_response& m);
std::string to_json(const confirm_order_response& m);

/// Client side (tests, operator tools): checks header.functionExecutionStatus like rsp::es9p does.
result<download_order_response> parse_download_order_response(std::string_view json);
result<confirm_order_response> parse_confirm_order_response(std::string_view json);

/// \brief Whose orders a call may touch, and the address to hand out in ConfirmOrder.
struct order_context {
    std::string operator_id;
    std::string smdp_address;
    std::int64_t now = 0;               ///< seconds since the epoch, for order expiry
    std::int64_t default_order_ttl = 0; ///< seconds a new order lives when it names no expiry (0: forever)
};

/// Available -> Allocated (no EID) or Linked (EID). Unknown or foreign ICCID: 8.2.1 / 3.9; not Available:
/// 8.2.1 / 3.3; no Available profile of the type: 8.2.5 / 3.7; neither ICCID nor type: 1.3.1 / 2.3.
result<download_order_response> download_order(store::inventory& inventory, const order_context& ctx,
                                               const download_order_request& req);
/// Allocated or Linked -> Confirmed (releaseFlag false) or Released. Wrong state: 8.2 / 3.5; EID other than the
/// linked one: 8.1.1 / 3.10; matching ID in use: 8.2.6 / 3.3; a matching ID that cannot travel in an activation
/// code: 8.2.6 / 2.1; an smdsAddress that is not a host name: 8.9 / 5.1; the SM-DS use case without any EID:
/// 8.1.1 / 2.2. Without a matching ID one is generated; an order with an EID is also the Default SM-DP+ order of
/// that eUICC (downloadable with an empty matching ID, SGP.22 §3.1.2).
result<confirm_order_response> confirm_order(store::inventory& inventory, const order_context& ctx,
                                             const confirm_order_request& req);
/// Allocated, Linked, Confirmed, Released or Error -> Available (cleared) or Unavailable. Downloaded,
/// installed or later: 8.2 / 3.5. An EID or matching ID other than the order's: 8.1.1 / 3.10, 8.2.6 / 3.10; no EID
/// for an order linked to one: 8.1.1 / 2.2.
result<void> cancel_order(store::inventory& inventory, const order_context& ctx, const cancel_order_request& req);
/// Confirmed -> Released; other states 8.2 / 3.5.
result<void> release_profile(store::inventory& inventory, const order_context& ctx, const release_profile_request& req);
/// Sets whether the order may be downloaded again after the eUICC deleted the profile (any state; takes effect at
/// the next delete notification). Unknown or foreign ICCID: 8.2.1 / 3.9.
result<void> set_redownload_policy(store::inventory& inventory, const order_context& ctx, std::string_view iccid,
                                   bool allow);

/// \brief Registers an operator and returns its new bearer token (32 random bytes, hex). Only SHA-256 of the token
/// is stored, so it is shown once.
result<std::string> add_operator(store::inventory& inventory, std::string_view name);
/// \brief The operator named by an `Authorization: Bearer <token>` header value; 1.1 / 1.1 when absent or unknown.
result<std::string> authenticate_operator(store::inventory& inventory, std::string_view authorization);

/// \brief Registers `certificate` (PEM or DER) as the TLS client certificate operator `name` authenticates with on
/// ES2+ (mutual TLS), replacing an earlier one, and returns its identity: SHA-256 of the DER, lower-case hex
/// (http::certificate_sha256). The certificate must also be issued by a CA given to `smdpp serve --operator-ca`.
result<std::string> set_operator_client_certificate(store::inventory& inventory, std::string_view name,
                                                    std::string_view certificate);

/// \brief The operator of an ES2+ request: the one named by a valid bearer token, else the one holding the verified
/// TLS client certificate `client_cert_sha256` (http::request::client_cert_sha256; empty when none verified).
/// Neither known: 1.1 / 1.1 as for a missing token. A token and a certificate of two different operators: 1.1 / 1.2.
result<std::string> authenticate_operator(store::inventory& inventory, std::string_view authorization,
                                          std::string_view client_cert_sha256);

} // namespace openrsp::smdpp::es2p
