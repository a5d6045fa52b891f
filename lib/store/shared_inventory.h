#pragma once
/// \file
/// \brief Private to lib/store: the inventory written once for both backends. Every method binds its statement's
/// parameters, maps rows, seals and unseals, and turns outcomes into answers here; a backend (sqlite_inventory.cpp,
/// postgres_inventory.cpp) only runs named statements in its dialect: connection, binding, transactions, retries.

#include "dialect.h"
#include "sealing.h"

#include "openrsp/store/store.h"

#include <vector>

namespace openrsp::store {

/// \brief A progress event to queue with a change (inventory::transition and the other guarded moves).
struct event_job {
    std::string_view iccid;
    const progress_event& event;
    event_rule rule;
    /// For event_rule::on_lock: set by the change's row sink once the change ran (locks_order).
    const bool* locked = nullptr;
};

class shared_inventory : public inventory, protected executor {
public:
    result<void> add_profile(const inventory_profile& p) override;
    result<std::optional<inventory_profile>> find_by_matching_id(std::string_view matching_id) override;
    result<std::optional<inventory_profile>> find_by_iccid(std::string_view iccid) override;
    result<std::optional<inventory_profile>> find_pending_order_for_eid(std::string_view eid) override;
    result<std::vector<inventory_profile>> list_profiles() override;

    result<bool> reserve_for_session(std::string_view iccid, std::string_view tid, std::string_view eid,
                                     std::int64_t now, std::int64_t expires_at) override;
    result<bool> transition(std::string_view iccid, profile_state from, profile_state to, std::string_view tid,
                            const progress_event* event) override;
    result<bool> deliver(std::string_view iccid, std::string_view tid, std::string_view eid,
                         byte_view euicc_certificate, const progress_event* event) override;
    result<void> set_state(std::string_view iccid, profile_state to, const progress_event* event) override;
    result<void> release_reservation(std::string_view iccid, std::string_view tid,
                                     const progress_event* event) override;

    result<void> put_session(const rsp_session_row& s) override;
    result<std::optional<rsp_session_row>> get_session(std::string_view tid, std::int64_t now) override;
    result<void> delete_session(std::string_view tid) override;
    result<std::size_t> purge_expired_sessions(std::int64_t now) override;
    result<bytes> seal_session_secret(std::string_view tid, byte_view plain) override;
    result<bytes> open_session_secret(std::string_view tid, byte_view sealed) override;

    result<order_outcome> update_order(std::string_view iccid, std::string_view operator_id, profile_state from,
                                       const order_change& change) override;
    result<std::optional<std::string>> allocate_by_type(std::string_view operator_id, std::string_view profile_type,
                                                        profile_state to, std::string_view eid) override;
    result<std::int64_t> record_confirmation_failure(std::string_view iccid, std::string_view tid, std::int64_t limit,
                                                     std::string_view reason, const progress_event* event) override;
    result<bool> fail_download(std::string_view iccid, std::string_view tid, profile_state from,
                               std::string_view reason, const progress_event* event) override;
    result<bool> retry_after_failure(std::string_view iccid, std::string_view eid, std::int64_t max_downloads,
                                     std::int64_t max_cc) override;

    result<void> add_operator(std::string_view name, byte_view token_hash) override;
    result<std::optional<std::string>> find_operator(byte_view token_hash) override;
    result<void> set_operator_callback(std::string_view name, std::string_view url) override;
    result<std::optional<operator_record>> find_operator_by_name(std::string_view name) override;
    result<void> set_operator_client_cert(std::string_view name, byte_view cert_sha256) override;
    result<std::optional<std::string>> find_operator_by_client_cert(byte_view cert_sha256) override;

    result<std::vector<progress_callback>> claim_progress_callbacks(std::int64_t now, std::int64_t lease_seconds,
                                                                    std::size_t max) override;
    result<void> progress_callback_delivered(std::string_view id) override;
    result<void> progress_callback_failed(std::string_view id, std::int64_t next_attempt_at, bool abandon,
                                          std::string_view why) override;
    result<std::vector<progress_callback>> list_progress_callbacks() override;

    result<std::vector<std::pair<profile_state, std::int64_t>>> count_by_state() override;
    result<inventory_gauges> gauges(std::int64_t now) override;
    result<std::vector<import_outcome>> import_profiles(const std::vector<inventory_profile>& batch,
                                                        bool all_or_nothing) override;
    result<std::optional<profile_state>> record_deletion(std::string_view iccid, const progress_event* event) override;
    result<bool> set_redownload_policy(std::string_view iccid, std::string_view operator_id, bool allow) override;
    result<std::size_t> reseal_profiles(std::size_t max) override;

    result<void> set_setting(std::string_view key, std::string_view value) override;
    result<std::optional<std::string>> get_setting(std::string_view key) override;

    result<bool> begin_es2p_call(std::string_view operator_id, std::string_view call_key, byte_view request_hash,
                                 std::int64_t now) override;
    result<std::optional<es2p_call_record>> find_es2p_call(std::string_view operator_id,
                                                           std::string_view call_key) override;
    result<void> finish_es2p_call(std::string_view operator_id, std::string_view call_key, std::int64_t status,
                                  std::string_view body) override;
    result<void> forget_es2p_call(std::string_view operator_id, std::string_view call_key,
                                  std::int64_t before) override;
    result<std::size_t> purge_es2p_calls(std::int64_t before) override;

protected:
    explicit shared_inventory(key_ring keys) : m_sealer(std::move(keys)) {}

    /// Runs the guarded change `s` and, if event_due says so once it ran, queues `job.event` for the profile's
    /// operator in the same transaction, with the profile's fields as the change left them; the event's id is kept
    /// once. The result is the change's.
    virtual result<run_result> run_queueing(stmt s, const args& a, const event_job& job, row_sink each) = 0;

    /// Runs `body` in one transaction on one connection: committed if it returns true, rolled back if it returns
    /// false or fails (its error is then the result).
    using transaction_body = function_ref<result<bool>(executor&)>;
    virtual result<void> in_transaction(transaction_body body) = 0;

    /// Called after reseal_profiles changed rows (SQLite folds its WAL so the old sealed pages go).
    virtual void after_reseal() {}

    /// The last step of opening: an inventory opened with a key is marked sealed, and one opened without a key
    /// learns whether it must refuse clear profiles.
    result<void> init_sealing();

private:
    /// A guarded change, with its event queued when one is given; rows as the change reports them.
    result<run_result> change(stmt s, const args& a, std::string_view iccid, const progress_event* event,
                              row_sink each = {}, const bool* locked = nullptr);
    result<std::optional<inventory_profile>> find_one(stmt s, std::string_view key);
    result<std::vector<progress_callback>> callbacks(stmt s, const args& a);
    result<std::optional<std::string>> one_text(stmt s, const args& a);

    sealer m_sealer;
    bool m_require_key = false;
};

} // namespace openrsp::store
