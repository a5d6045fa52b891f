#pragma once
/// \file
/// \brief The SM-DP+ state: profile inventory and RSP sessions, behind one interface so the embedded SQLite
/// backend and a shared PostgreSQL backend are interchangeable. Wire structs never reach this layer.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openrsp::store {

/// Profile states at the SM-DP+ (SGP.22 §5.3 reading; see docs).
enum class profile_state { available, allocated, linked, confirmed, released, downloaded, installed, enabled, disabled,
                           deleted, error, unavailable };

std::string_view to_string(profile_state s);
std::optional<profile_state> parse_profile_state(std::string_view s);

struct inventory_profile {
    std::string iccid;
    std::string matching_id;
    profile_state state = profile_state::available;
    std::string eid;              ///< bound EID, empty if none
    std::string description_json; ///< operator data (IMSI, Ki, OPc, names) — secret
    bytes upp;                    ///< pre-built SAIP profile package (built once when added)
    bytes metadata;               ///< pre-built StoreMetadataRequest (BF25)
    bytes confirmation_code_hash; ///< SHA-256 of the confirmation code, empty if none required
    std::string session_tid;      ///< download session holding or having downloaded it
    std::int64_t session_expires_at = 0;
    bytes euicc_certificate;      ///< DER of the eUICC that downloaded it (verifies its notifications)
    std::int64_t updated_at = 0;
    std::string operator_id;      ///< operator owning the profile (ES2+ caller); empty for shell-added profiles
    std::string profile_type;     ///< operator's profile type (ES2+ DownloadOrder by profileType)
    std::int64_t cc_attempts = 0;       ///< wrong confirmation codes so far (SGP.22 8.2.7 / 6.4 at the limit)
    std::int64_t download_attempts = 0; ///< Bound Profile Packages delivered so far (8.8.5 / 6.4 at the limit)
    std::string last_error;       ///< why the last download failed (installation result, cancellation), for the operator
    /// Key-encryption key that seals description_json and upp at rest ('' = stored in clear). Set by the store.
    std::string kek_id;
    /// True when the row is sealed under a key this store was not given: description_json and upp are then empty
    /// (listing and order steps work, a download does not).
    bool secrets_sealed = false;
    /// The order may be downloaded again after the eUICC deleted the profile (same EID; see record_deletion).
    bool allow_redownload = false;
    /// When the order expires (seconds since the epoch; 0: never). An expired order is refused at authenticateClient
    /// (SGP.22 §5.6.2, 8.8.5 / 4.10) until the operator cancels it.
    std::int64_t order_expires_at = 0;
};

/// \brief One ES2+ order step (SGP.22 §5.3), applied by inventory::update_order as one compare-and-set.
struct order_change {
    profile_state to = profile_state::available;
    std::optional<std::string> eid;              ///< bind this EID when present
    std::optional<std::string> matching_id;      ///< set this matching ID when present
    std::optional<bytes> confirmation_code_hash; ///< set when present; empty means none required
    /// Back to the inventory (CancelOrder): clears EID, matching ID, confirmation code, session, counters and
    /// last error, so the profile can be ordered afresh.
    bool reset = false;
    std::optional<bool> allow_redownload{};   ///< set the order's re-download policy when present (reset clears it)
    std::optional<std::int64_t> expires_at{}; ///< set the order's expiry when present (0: never; reset clears it)
};

/// \brief How an update_order ended.
enum class order_outcome {
    done,
    state_changed,     ///< the profile was not (any more) in the expected state, or belongs to another operator
    matching_id_taken, ///< another profile already carries that matching ID
};

/// \brief An ES2+ HandleDownloadProgressInfo for the profile's operator (SGP.22 §5.3.5), handed to a state change so
/// the store queues it in the same transaction: if the change happens the callback will be sent, and if it does not
/// nothing is queued. Queued only for a profile whose operator has a callback URL; profile fields (EID, type) are
/// taken from the row as the change leaves it.
struct progress_event {
    /// Stable call identifier (header.functionCallIdentifier): the operator's key to drop a repeated delivery. The
    /// same id queued twice (a notification the LPA sends again) is kept once.
    std::string id;
    std::int64_t notification_point_id = 0;
    bool success = true;      ///< Executed-Success, else Failed with the codes below
    std::string subject_code; ///< SGP.22 statusCodeData when failed
    std::string reason_code;
    std::string message;
    std::string result_data; ///< base64 of the eUICC's notification or installation result, if any
    std::int64_t time = 0;   ///< seconds since the epoch when it happened
};

/// \brief A queued progress callback as the sender sees it.
struct progress_callback {
    std::string operator_id;
    std::string iccid;
    std::string eid;
    std::string profile_type;
    progress_event event;
    std::string state;         ///< pending, delivered or abandoned
    std::int64_t attempts = 0; ///< failed deliveries so far
    std::int64_t next_attempt_at = 0;
    std::string last_error;
    std::int64_t seq = 0; ///< queue order: the sender posts a profile's events in the order they happened
};

/// \brief An ES2+ operator as the SM-DP+ knows it.
struct operator_record {
    std::string name;
    std::string callback_url; ///< where HandleDownloadProgressInfo goes; empty: the operator gets none
};

/// \brief How one profile of an import batch ended (inventory::import_profiles).
enum class import_outcome {
    added,    ///< new in the inventory
    present,  ///< the ICCID is there with the same description, package, owner and type (a re-run): left as is
    conflict, ///< the ICCID is there with other data, owner or type (or sealed under a key not given): left as is
};

/// \brief Counts for /metrics, read together by one grouped query.
struct inventory_gauges {
    std::vector<std::pair<profile_state, std::int64_t>> profiles;          ///< by state
    std::vector<std::pair<std::string, std::int64_t>> sessions;            ///< live RSP sessions by stage
    std::vector<std::pair<std::string, std::int64_t>> progress_callbacks; ///< by state (pending, delivered...)
};

/// \brief An ES2+ call as the resend table keeps it (SGP.22 §6.5.1.3): what was asked and the answer given.
struct es2p_call_record {
    bytes request_hash;          ///< SHA-256 naming the call (function, functionCallIdentifier, request body)
    std::int64_t status = 0;     ///< HTTP status of the answer; 0 while the first call is still running
    std::string body;            ///< the answer's body, byte for byte
    std::int64_t created_at = 0; ///< seconds since the epoch when the first call arrived
};

struct rsp_session_row {
    std::string transaction_id; ///< upper-case hex
    std::string iccid;          ///< empty until authenticateClient picked a profile
    std::string stage;
    bytes data;                 ///< serialized session state (owned by the SM-DP+)
    std::int64_t expires_at = 0;
};

/// \brief Storage for one SM-DP+ (or many stateless nodes sharing a database). All methods are thread-safe.
class inventory {
public:
    virtual ~inventory() = default;

    /// Fails with a sentence if the ICCID or matching ID exists already.
    virtual result<void> add_profile(const inventory_profile& p) = 0;
    virtual result<std::optional<inventory_profile>> find_by_matching_id(std::string_view matching_id) = 0;
    virtual result<std::optional<inventory_profile>> find_by_iccid(std::string_view iccid) = 0;
    virtual result<std::vector<inventory_profile>> list_profiles() = 0;
    /// The Default SM-DP+ case (SGP.22 §3.1.2): the pending order bound to this EID, Released (or Error, for a
    /// retry) first, oldest first; nullopt if there is none.
    virtual result<std::optional<inventory_profile>> find_pending_order_for_eid(std::string_view eid) = 0;

    /// Atomically binds a Released profile to a download session: true only if the profile is Released, no
    /// live session (expires_at > now) holds it and it is not bound to another EID. The one-time use of a
    /// matching ID rests on this. The EID is bound only on delivery, so a cancelled attempt frees the order.
    virtual result<bool> reserve_for_session(std::string_view iccid, std::string_view tid, std::string_view eid,
                                             std::int64_t now, std::int64_t expires_at) = 0;
    /// Compare-and-set: moves `from` -> `to` only if the profile is in `from` and held by session `tid`.
    virtual result<bool> transition(std::string_view iccid, profile_state from, profile_state to, std::string_view tid,
                                    const progress_event* event = nullptr) = 0;
    /// The Bound Profile Package went out: Released -> Downloaded, only for the session holding the profile, and
    /// in the same write the profile is bound to that eUICC (EID, and its certificate to verify its notifications)
    /// and its download attempts are counted.
    virtual result<bool> deliver(std::string_view iccid, std::string_view tid, std::string_view eid,
                                 byte_view euicc_certificate, const progress_event* event = nullptr) = 0;
    /// Unconditional state change, used for notifications about the installed profile.
    virtual result<void> set_state(std::string_view iccid, profile_state to, const progress_event* event = nullptr) = 0;
    /// Lets go of a session's reservation if the profile is still Released (cancelled download).
    virtual result<void> release_reservation(std::string_view iccid, std::string_view tid,
                                             const progress_event* event = nullptr) = 0;

    virtual result<void> put_session(const rsp_session_row& s) = 0;
    /// nullopt if unknown or expired at `now`.
    virtual result<std::optional<rsp_session_row>> get_session(std::string_view tid, std::int64_t now) = 0;
    virtual result<void> delete_session(std::string_view tid) = 0;
    /// Deletes sessions expired before `now`; returns how many.
    virtual result<std::size_t> purge_expired_sessions(std::int64_t now) = 0;
    /// A secret an RSP session keeps in its data (the SM-DP+'s one-time ECKA private key, SGP.22 §3.1.3), sealed
    /// like profile secrets: AES-256-GCM under the ring's first key, bound to the session's transaction id; as it is
    /// when the store has no key. It goes with the session row (delete_session, expiry).
    virtual result<bytes> seal_session_secret(std::string_view tid, byte_view plain) = 0;
    /// Opens what seal_session_secret made for the same transaction id; fails if it was altered or moved.
    virtual result<bytes> open_session_secret(std::string_view tid, byte_view sealed) = 0;

    /// ES2+ order step: applies `change` only if the profile belongs to `operator_id` and is in state `from`.
    virtual result<order_outcome> update_order(std::string_view iccid, std::string_view operator_id,
                                               profile_state from, const order_change& change) = 0;
    /// ES2+ DownloadOrder by profile type: atomically takes one Available profile of that type owned by the
    /// operator into `to` (Allocated or Linked, binding `eid`); nullopt if none is left. Concurrent orders
    /// (other nodes included) never take the same profile.
    virtual result<std::optional<std::string>> allocate_by_type(std::string_view operator_id,
                                                                std::string_view profile_type, profile_state to,
                                                                std::string_view eid) = 0;
    /// A wrong confirmation code for the profile held by session `tid`: counts it and, when the count reaches
    /// `limit`, moves the profile to Error with `reason` and lets go of the session. Returns the new count (0 if
    /// the session does not hold a Released profile).
    /// `event` is queued only when the order is locked.
    virtual result<std::int64_t> record_confirmation_failure(std::string_view iccid, std::string_view tid,
                                                             std::int64_t limit, std::string_view reason,
                                                             const progress_event* event = nullptr) = 0;
    /// Compare-and-set `from` -> Error for the holding session, recording why (shown to the operator).
    virtual result<bool> fail_download(std::string_view iccid, std::string_view tid, profile_state from,
                                       std::string_view reason, const progress_event* event = nullptr) = 0;
    /// Lets the same eUICC try again after a failed download: Error -> Released, only while fewer than
    /// `max_downloads` BPPs went out and fewer than `max_cc` wrong confirmation codes were given, and only for
    /// the EID it is bound to (or any EID if none is bound yet).
    virtual result<bool> retry_after_failure(std::string_view iccid, std::string_view eid, std::int64_t max_downloads,
                                             std::int64_t max_cc) = 0;

    /// Operators (ES2+ callers) authenticate with bearer tokens; only SHA-256 of a token is stored.
    /// Fails with a sentence if the name or token is taken.
    virtual result<void> add_operator(std::string_view name, byte_view token_hash) = 0;
    /// The operator owning the token with that hash, if any.
    virtual result<std::optional<std::string>> find_operator(byte_view token_hash) = 0;
    /// Sets (or, with an empty URL, clears) where the operator's HandleDownloadProgressInfo calls go. Fails with a
    /// sentence for an unknown operator.
    virtual result<void> set_operator_callback(std::string_view name, std::string_view url) = 0;
    virtual result<std::optional<operator_record>> find_operator_by_name(std::string_view name) = 0;
    /// Sets (replacing any earlier one) the TLS client certificate the operator authenticates with on ES2+, by its
    /// SHA-256. Fails with a sentence for an unknown operator or a certificate another operator already holds.
    virtual result<void> set_operator_client_cert(std::string_view name, byte_view cert_sha256) = 0;
    /// The operator holding the client certificate with that SHA-256, if any.
    virtual result<std::optional<std::string>> find_operator_by_client_cert(byte_view cert_sha256) = 0;

    /// Progress callbacks (the outbox). A sender claims due ones (pending, next_attempt_at <= now, no live lease) for
    /// `lease_seconds`, so several nodes sending from one database do not post the same callback at once; a sender
    /// that dies mid-way only delays its claims until the lease ends.
    virtual result<std::vector<progress_callback>>
    claim_progress_callbacks(std::int64_t now, std::int64_t lease_seconds, std::size_t max) = 0;
    virtual result<void> progress_callback_delivered(std::string_view id) = 0;
    /// Counts a failed delivery and schedules the next one at `next_attempt_at`, or gives up when `abandon`.
    virtual result<void> progress_callback_failed(std::string_view id, std::int64_t next_attempt_at, bool abandon,
                                                  std::string_view why) = 0;
    /// Every queued callback, oldest first (shell, tests).
    virtual result<std::vector<progress_callback>> list_progress_callbacks() = 0;

    /// Profiles per state, for /metrics.
    virtual result<std::vector<std::pair<profile_state, std::int64_t>>> count_by_state() = 0;
    /// Profiles by state, sessions live at `now` by stage and progress callbacks by state, in one query.
    virtual result<inventory_gauges> gauges(std::int64_t now) = 0;

    /// Bulk intake: adds a batch in one transaction, each profile as add_profile would (sealed under the ring's
    /// first key). Idempotent: an ICCID already there with the same data is `present`, with other data a
    /// `conflict`; neither is changed. With `all_or_nothing` a conflict rolls the whole batch back (the outcomes
    /// still say which profiles conflicted). One outcome per profile, in order.
    virtual result<std::vector<import_outcome>> import_profiles(const std::vector<inventory_profile>& batch,
                                                                bool all_or_nothing) = 0;

    /// A delete notification from the eUICC holding the profile (SGP.22 §5.6.4 / §5.3.5): the profile becomes
    /// Deleted, a final state, or, if its order allows re-download, Released again for the same EID (matching ID,
    /// EID binding and confirmation code kept; session and download attempts cleared). Only a profile on an
    /// eUICC (Downloaded, Installed, Enabled, Disabled) changes, so a delete notification sent again after a
    /// re-download was started does not undo it. Returns the new state, nullopt if nothing changed.
    virtual result<std::optional<profile_state>> record_deletion(std::string_view iccid,
                                                                 const progress_event* event = nullptr) = 0;
    /// Sets an order's re-download policy; false if the operator owns no profile with that ICCID.
    virtual result<bool> set_redownload_policy(std::string_view iccid, std::string_view operator_id, bool allow) = 0;

    /// Key rotation: re-seals up to `max` profiles not yet sealed under the ring's first key (rows in clear
    /// included); returns how many. Run until it returns 0. Fails if a row's key is not in the ring.
    virtual result<std::size_t> reseal_profiles(std::size_t max) = 0;

    /// Small key/value settings (e.g. the SM-DP+ address the inventory was made for).
    virtual result<void> set_setting(std::string_view key, std::string_view value) = 0;
    virtual result<std::optional<std::string>> get_setting(std::string_view key) = 0;

    /// ES2+ resends (SGP.22 §6.5.1.3). Claims the call (operator, key) as running, created at `now`: false if the
    /// key is already there (another call with it ran or runs), so two identical calls never both run.
    virtual result<bool> begin_es2p_call(std::string_view operator_id, std::string_view call_key,
                                         byte_view request_hash, std::int64_t now) = 0;
    virtual result<std::optional<es2p_call_record>> find_es2p_call(std::string_view operator_id,
                                                                   std::string_view call_key) = 0;
    /// Keeps the answer of a claimed call (only while it is still marked running).
    virtual result<void> finish_es2p_call(std::string_view operator_id, std::string_view call_key, std::int64_t status,
                                          std::string_view body) = 0;
    /// Drops the call if it was created before `before` (a transient failure to run again, an expired answer).
    virtual result<void> forget_es2p_call(std::string_view operator_id, std::string_view call_key,
                                          std::int64_t before) = 0;
    /// Drops every call created before `before`; returns how many.
    virtual result<std::size_t> purge_es2p_calls(std::int64_t before) = 0;
};

/// \brief A key-encryption key (AES-256) for profile secrets at rest: the description (IMSI, Ki, OPc) and the SAIP
/// package, sealed with AES-256-GCM per row and bound to the row's ICCID.
struct kek {
    std::string id; ///< derived from the key (SHA-256, first 8 bytes, hex), stored with every row it sealed
    bytes key;      ///< 32 bytes
};
/// \brief Reads a KEK file: 64 hex digits (32 random bytes), surrounding whitespace ignored; e.g. made with
/// `openssl rand -hex 32 > smdpp.kek`.
result<kek> load_kek(const std::string& path);
/// \brief A KEK from its 32 bytes.
result<kek> make_kek(bytes key);

/// \brief The keys an inventory seals and unseals with. New rows are sealed under the first; the others (older keys
/// during a rotation) only unseal. Empty: secrets are stored in clear, which an inventory that has ever been opened
/// with a key refuses for new profiles.
struct key_ring {
    std::vector<kek> keys;
};

/// \brief Opens (creating and migrating) an SQLite inventory file (WAL journal, prepared statements).
result<std::unique_ptr<inventory>> open_sqlite(const std::string& path, key_ring keys = {});

/// \brief Connects to a PostgreSQL inventory shared by several SM-DP+ nodes and brings its schema up to date.
///
/// `url` is a libpq URI (`postgresql://user:password@host:port/database?sslmode=require`). The extra query
/// parameter `pool_size=N` (default 8) bounds the connections this process opens; threads beyond that wait.
result<std::unique_ptr<inventory>> open_postgres(const std::string& url, key_ring keys = {});

/// \brief Opens the inventory named by `location`: PostgreSQL for a `postgres://` or `postgresql://` URL,
/// otherwise an SQLite file at that path.
result<std::unique_ptr<inventory>> open_inventory(const std::string& location, key_ring keys = {});

} // namespace openrsp::store
