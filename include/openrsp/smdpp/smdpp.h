#pragma once
/// \file
/// \brief The SM-DP+: ES9+ functions over a profile inventory, and the operator-side profile intake.

#include "openrsp/core/result.h"
#include "openrsp/crypto/x509.h"
#include "openrsp/pki/pki.h"
#include "openrsp/rsp/activation_code.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/store/store.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::http {
struct request;
struct response;
} // namespace openrsp::http

namespace openrsp::rsp {
struct pending_notification; // notifications.h
} // namespace openrsp::rsp

namespace openrsp::smdpp {

class request_log; // request_log.h

/// \brief DPauth and DPpb under one CI (SGP.22 §4.5.2): what the SM-DP+ signs with towards eUICCs of that CI.
struct certificate_set {
    pki::credential dpauth;
    pki::credential dppb;
    /// The CI both chain to (DPauth AuthorityKeyIdentifier): the euiccCiPKId this set answers to.
    [[nodiscard]] const bytes& ci_pkid() const { return dpauth.cert.authority_key_id(); }
};

/// \brief Certificates and serial numbers / EIDs the SM-DP+ refuses (SGP.22 §4.6 certificate revocation).
struct revocation {
    std::vector<crypto::revocation_list> crls; ///< each verified against a trusted CI or EUM when loaded/used
    std::vector<bytes> serials;                ///< revoked EUM or eUICC certificate serial numbers (any issuer)
    std::vector<std::string> eids;             ///< revoked eUICCs by EID
    [[nodiscard]] bool empty() const { return crls.empty() && serials.empty() && eids.empty(); }
};

/// \brief Certificates and keys of one SM-DP+, parsed once at start.
struct server_credentials {
    /// One DPauth/DPpb pair per CI, in order of preference (initiateAuthentication picks the first the eUICC can
    /// verify; the session keeps using that set).
    std::vector<certificate_set> sets;
    pki::credential dptls;                ///< the TLS server certificate (the first set's)
    std::vector<crypto::certificate> cis; ///< trusted CI roots (eUICC/EUM chains end here)
    std::string smdp_oid;                 ///< SAN registeredID of the first DPauth (cancelSession check)
    revocation revoked;
};

/// \brief Loads every certificate set of a PKI directory: the `openrsp pki init` layout (single curve, or the nist/
/// and brainpool/ subdirectories of `--curve both`), or the SGP.26 layout (CertificateIssuer/, DPauth/, DPpb/,
/// DPtls/ with *_NIST and *_BRP files).
result<server_credentials> load_credentials(const std::string& pki_dir);
/// \brief Same for several directories; their sets and CIs are merged in order, the TLS certificate is the first's.
result<server_credentials> load_credentials(const std::vector<std::string>& pki_dirs);

/// \brief Adds a CRL file (PEM or DER) to creds.revoked. It must be signed by a trusted CI (then it revokes EUM
/// certificates) or name an EUM as issuer (checked against that EUM when one of its eUICCs authenticates).
result<void> load_crl(server_credentials& creds, const std::string& path);
/// \brief Adds a revocation list file: one entry per line, `eid DIGITS` or `serial HEX`; `#` starts a comment.
result<void> load_revoked_list(server_credentials& creds, const std::string& path);

struct config {
    std::string address; ///< host[:port] exactly as in activation codes; compared case-insensitively
    /// How long an RSP session may sit between two ES9+ calls; afterwards its transactionId is unknown
    /// (8.10.1 / 3.9) and the profile it held is free again.
    std::chrono::seconds session_ttl{300};
    /// Wrong confirmation codes an order tolerates; the last one locks it (8.2.7 / 6.4).
    std::int64_t max_confirmation_code_attempts = 3;
    /// Bound Profile Packages an order may deliver (retries after failed installs); then 8.8.5 / 6.4.
    std::int64_t max_download_attempts = 3;
    /// How long an ES2+ order lives when DownloadOrder names no expiry; an expired order is refused at
    /// authenticateClient (8.8.5 / 4.10, SGP.22 §5.6.2). 0: orders do not expire unless they say so.
    std::chrono::seconds default_order_ttl{0};
    /// How long an ES2+ answer is kept for a resend: the same call (function, functionCallIdentifier and body) sent
    /// again by the same operator within it gets the first answer again (SGP.22 §6.5.1.3). 0: every call runs.
    std::chrono::seconds es2p_resend_window{86400};
    /// Largest StoreMetadataRequest part one `88` segment of sequenceOf88 carries (SGP.22 §5.5.3 allows several
    /// segments); 0, or anything above what one MAC-only segment holds, means that maximum (one segment for
    /// usual metadata).
    std::size_t metadata_segment_size = 0;
    /// Clock in seconds since the epoch (tests move it to expire sessions).
    std::function<std::int64_t()> now;
    /// Called after a state change queued an ES2+ progress callback (wakes the progress_sender); may be empty.
    std::function<void()> progress_queued;
    /// One structured line per ES9+/ES2+ call (request_log.h); none when empty.
    std::shared_ptr<request_log> log;
};

/// \brief Counters for logs and benchmarks.
struct stats {
    std::uint64_t downloads = 0;
    std::uint64_t installs = 0;
    std::uint64_t failures = 0;
};

/// \brief ES9+ service: stateless apart from the inventory, so several nodes can share one database.
class service {
public:
    service(config cfg, server_credentials creds, store::inventory& inventory);
    ~service();
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    result<rsp::es9p::initiate_authentication_response>
    initiate_authentication(const rsp::es9p::initiate_authentication_request& req);
    result<rsp::es9p::authenticate_client_response>
    authenticate_client(const rsp::es9p::authenticate_client_request& req);
    result<rsp::es9p::get_bound_profile_package_response>
    get_bound_profile_package(const rsp::es9p::get_bound_profile_package_request& req);
    result<void> handle_notification(const rsp::es9p::handle_notification_request& req);
    /// The same with its pendingNotification already decoded (the HTTP edge reads it once, for the request log too).
    result<void> handle_notification(const rsp::es9p::handle_notification_request& req,
                                     const rsp::pending_notification& notification);
    result<void> cancel_session(const rsp::es9p::cancel_session_request& req);

    /// The HTTP edge: routes /gsma/rsp2/es9plus/<function>, checks headers, renders functionExecutionStatus.
    http::response handle_http(const http::request& req);

    [[nodiscard]] stats counters() const;
    [[nodiscard]] const server_credentials& creds() const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

/// \brief Operator intake: validates the description, builds the SAIP package and metadata once, stores the
/// profile as Released with a fresh (or given) matching ID, and returns its activation code.
struct add_profile_options {
    std::string smdp_address;
    std::string operator_id;                      ///< owner (ES2+ operator), empty for none
    std::optional<std::string> matching_id;       ///< generated when absent
    std::optional<std::string> confirmation_code; ///< requires a CC at download when set
};
result<rsp::activation_code> add_profile(store::inventory& inventory, const rsp::profile_description& profile,
                                         const add_profile_options& options);

/// \brief Operator inventory for ES2+ (SGP.22 §5.3): stores the profile as Available, owned by `operator_id`, with
/// no matching ID; a DownloadOrder and ConfirmOrder later make it downloadable.
struct inventory_profile_options {
    std::string smdp_address; ///< notification address written into the profile metadata
    std::string operator_id;
    std::string profile_type; ///< optional; DownloadOrder may ask for a profile by type
};
result<void> add_inventory_profile(store::inventory& inventory, const rsp::profile_description& profile,
                                   const inventory_profile_options& options);

/// \brief Reads the add-profile JSON: {"iccid","imsi","ki","opc","spn","profileName","apn"[,"mncLength"]}.
result<rsp::profile_description> parse_profile_description(std::string_view json);

/// \brief A random matching ID in the shape real SM-DP+s use (e.g. "K2LQ-7FZP-3WXA-9M4C").
std::string generate_matching_id();

} // namespace openrsp::smdpp
