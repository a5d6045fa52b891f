#pragma once
// Private to lib/smdpp: the state shared by the ES9+ and ES2+ function files (built in service.cpp).

#include "metrics.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/der/der.h"
#include "openrsp/http/message.h"
#include "openrsp/rsp/notifications.h"
#include "openrsp/rsp/tags.h"
#include "openrsp/smdpp/smdpp.h"

#include <atomic>
#include <map>
#include <mutex>

namespace openrsp::smdpp {

/// What the SM-DP+ remembers between ES9+ calls of one RSP session (SGP.22 §3.1.3). Serialized into the
/// store so any node can serve the next step.
struct rsp_session {
    enum class stage : std::uint8_t { authenticating = 1, authenticated = 2, bpp_delivered = 3 };
    stage at = stage::authenticating;
    bytes transaction_id;
    bytes server_challenge;
    bytes ci_pkid;           ///< euiccCiPKIdToBeUsed: the CI the eUICC's EUM must chain to
    bytes set_ci_pkid;       ///< CI of the certificate set (DPauth, DPpb) chosen; empty in older sessions: the first
    bytes euicc_certificate; ///< DER, after authenticateClient
    std::string eid;
    std::string iccid;
    bytes smdp_signature2; ///< whole 5F37 TLV (input of euiccSignature2)
    bool cc_required = false;
    // Once a BPP went out (SGP.22 §3.1.3 interrupted-download retry): the eUICC's one-time key it was bound to,
    // and the SM-DP+'s one-time private key (PKCS#8 PEM, sealed by the store) and hostId it was made with.
    bytes euicc_otpk;
    bytes smdp_otsk_sealed;
    bytes host_id;

    [[nodiscard]] bytes serialize() const;
    static result<rsp_session> deserialize(byte_view data);
};

struct route;
struct route_call;

/// What one HTTP call ran and how it ended, for /metrics and the request log.
struct call_outcome {
    const route* function = nullptr; ///< the row of the route table the path names; null: "other"
    std::string transaction_id;      ///< for the request log, when the call names one
    std::string operator_id;         ///< ES2+ caller, once authenticated
    const error* failure = nullptr;  ///< null on success
    error failure_storage;
    void failed(const error& e)
    {
        failure_storage = e;
        failure = &failure_storage;
    }
};

struct service::impl {
    config cfg;
    server_credentials creds;
    store::inventory& inventory;
    std::atomic<std::uint64_t> downloads{0}, installs{0}, failures{0}, initiations{0};
    metrics telemetry; ///< what /metrics shows
    /// When this node last purged ES2+ answers older than the resend window (es2p/resend.cpp).
    std::atomic<std::int64_t> es2p_purged_at{0};

    // Store-wide gauges for /metrics (profiles, sessions, callbacks by state): one grouped query, reused for a few
    // seconds so that frequent scrapes by several collectors cost the shared database almost nothing.
    static constexpr std::chrono::seconds gauges_ttl{5};
    std::mutex gauges_mutex;
    std::chrono::steady_clock::time_point gauges_read_at{};
    std::optional<store::inventory_gauges> gauges_cache;
    /// The cached gauges, read again when older than gauges_ttl; nullopt if the store does not answer.
    std::optional<store::inventory_gauges> gauges();

    // Parsed certificates by DER. Each download presents its eUICC certificate in authenticateClient and
    // needs its key again for euiccSignature2 and the installation result; parsing costs a public-key import.
    // EUM certificates verified against a CI are kept too: an SM-DP+ sees few EUMs and many eUICCs, so this
    // saves one ECDSA verification per download. Node-local: another node simply parses again.
    std::mutex cert_cache_mutex;
    std::map<bytes, crypto::certificate, bytes_order> parsed_certs;
    std::map<bytes, crypto::certificate, bytes_order> verified_eums;
    result<crypto::certificate> parse_certificate(byte_view der);

    impl(config c, server_credentials cr, store::inventory& inv);

    [[nodiscard]] std::int64_t now() const { return cfg.now(); }
    /// An ES2+ progress event for `iccid` at `point`, its id stable for the `occasion` (transaction id...).
    [[nodiscard]] store::progress_event progress_event(std::string_view iccid, std::int64_t point,
                                                       std::string_view occasion) const;
    static void progress_failed(store::progress_event& e, std::string subject, std::string reason, std::string message);
    /// Wakes the progress sender, if the embedding program runs one.
    void progress_queued() const
    {
        if (cfg.progress_queued) cfg.progress_queued();
    }
    [[nodiscard]] const crypto::certificate* find_ci(byte_view ski) const;
    /// The certificate set whose CI has this key id; nullptr if none.
    [[nodiscard]] const certificate_set* find_set(byte_view ci_pkid) const;
    /// The set the session was started with (8.8 / 4.2 if the server no longer holds it).
    result<const certificate_set*> session_set(const rsp_session& s) const;
    /// SGP.22 §4.6: refuses an EUM or eUICC certificate on the revocation lists (8.1.2 / 8.1.3, reason 6.1).
    result<void> check_revocation(const crypto::certificate& euicc, const crypto::certificate& eum) const;
    result<rsp_session> load_session(std::string_view tid_hex);
    result<void> save_session(const std::string& tid_hex, const rsp_session& s);
    /// Verifies EUM (against the CI named by ci_pkid, or any trusted CI if it is empty) and eUICC certificates;
    /// SGP.22 codes on failure.
    result<crypto::certificate> verify_euicc_chain(byte_view euicc_der, byte_view eum_der, byte_view ci_pkid);

    /// The interface edges (es9p/endpoint.cpp, es2p/endpoint.cpp): checks common to an interface's functions, then
    /// the route's handler.
    http::response handle_es9p(route_call& call);
    http::response handle_es2p(route_call& call);
    http::response health();
    http::response render_metrics();

    /// The SM-DP+'s one-time ECKA key pair and hostId for a BPP bound to `euicc_otpk` (SGP.22 §3.1.3): those of
    /// the session's earlier BPP when the eUICC retries with the same otPK.EUICC.ECKA, else new ones, recorded
    /// (private key sealed) in `s` for a later retry.
    struct bpp_keys {
        crypto::ec_key otk;
        bytes host_id;
    };
    result<bpp_keys> one_time_keys(const std::string& tid_hex, rsp_session& s, byte_view euicc_otpk);
    result<bytes> build_bound_profile_package(const rsp_session& s, const store::inventory_profile& p,
                                              byte_view euicc_otpk, const bpp_keys& keys);

    /// HandleNotification (SGP.22 §5.6.4) of a ProfileInstallationResult and of an OtherSignedNotification.
    result<void> installation_result(const rsp::es9p::handle_notification_request& req,
                                     const rsp::profile_installation_result& pir);
    result<void> other_notification(const rsp::es9p::handle_notification_request& req,
                                    const rsp::other_signed_notification& other);
};

/// The PendingNotification of a handleNotification request (rsp::pending_notification::decode), with the codes
/// handleNotification has always answered for one it cannot read (es9p/handle_notification.cpp).
result<rsp::pending_notification> read_pending_notification(byte_view der);

/// SGP.22 §3.1.3 eligibility check at authenticateClient (eligibility.cpp): refuses with 8.2.5 / 4.3 a profile
/// (its StoreMetadataRequest) setting a profile policy rule the eUICC forbids (EUICCInfo2
/// forbiddenProfilePolicyRules) or of class test on an eUICC without testProfileSupport.
result<void> check_eligibility(byte_view euicc_info2_tlv, byte_view profile_metadata);

/// Upper-case hex of a transaction id, the form sessions are stored under.
std::string normalize_tid(std::string_view tid_hex);

/// A signature as the ES9+ messages carry it: the whole 5F37 TLV (serverSignature1, smdpSignature2).
inline bytes signature_tlv(byte_view raw)
{
    return der::encode(rsp::tag::signature, raw);
}

} // namespace openrsp::smdpp
