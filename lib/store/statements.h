#pragma once
/// \file
/// \brief Private to lib/store: the one list of statements both inventory backends run. Each backend maps every
/// value to its SQL text in its own dialect (sqlite_statements.cpp, pg_statements.cpp), in this order, so a reader
/// finds a statement by the same name in either. Parameters are numbered alike in both dialects (?N / $N) and bound
/// in that order by the shared code (shared_inventory.cpp).

#include <array>
#include <cstddef>
#include <string_view>

namespace openrsp::store {

enum class stmt : std::size_t {
    // Profiles
    insert_profile,             ///< add_profile; a uniqueness clash is an outcome (ICCID or matching ID taken)
    import_profile,             ///< the same insert, skipping any uniqueness clash (bulk import decides what it was)
    find_by_matching_id,        ///< one profile row
    find_by_iccid,              ///< one profile row
    find_pending_order_for_eid, ///< one profile row: the Default SM-DP+ order of an EID
    list_profiles,              ///< every profile row by ICCID (bytewise order)
    list_to_reseal,             ///< profile rows not sealed under the given key
    reseal_profile,             ///< writes re-sealed secrets, guarded by the old key id
    count_by_state,
    gauges, ///< profiles by state, live sessions by stage, callbacks by state
    // Download (ES9+) state changes, each one guarded UPDATE
    reserve_for_session,
    transition,
    deliver,
    set_state,
    release_reservation,
    record_confirmation_failure, ///< returns the new count
    fail_download,
    retry_after_failure,
    record_deletion, ///< returns the new state
    // Orders (ES2+)
    update_order,     ///< a uniqueness clash is an outcome (matching ID taken)
    allocate_by_type, ///< returns the ICCID taken
    set_redownload_policy,
    // RSP sessions
    put_session,
    get_session,
    delete_session,
    purge_expired_sessions,
    // Operators
    add_operator, ///< a uniqueness clash is an outcome (name or token taken)
    find_operator,
    set_operator_callback,
    find_operator_by_name,
    set_operator_client_cert, ///< a uniqueness clash is an outcome (certificate held by another operator)
    find_operator_by_client_cert,
    // Progress callbacks (the ES2+ HandleDownloadProgressInfo outbox)
    queue_progress_event, ///< SQLite only: PostgreSQL folds the insert into the change (see pg_statements.cpp)
    claim_progress_callbacks,
    progress_callback_delivered,
    progress_callback_failed,
    list_progress_callbacks,
    // Settings
    set_setting,
    get_setting,
    // ES2+ resends (SGP.22 §6.5.1.3)
    begin_es2p_call, ///< a uniqueness clash is an outcome (the call is known already)
    find_es2p_call,
    finish_es2p_call,
    forget_es2p_call,
    purge_es2p_calls,
    count
};

inline constexpr std::size_t stmt_count = static_cast<std::size_t>(stmt::count);

/// \brief When a state change handed a progress event queues it (in the same transaction as the change).
enum class event_rule {
    none,      ///< the statement takes no event
    on_change, ///< whenever the guarded change happened
    on_lock,   ///< only when the change moved the profile to Error (the confirmation-code failure that locks it)
};

/// \brief What the shared code knows about a statement, whatever the dialect.
struct statement_info {
    stmt id;
    std::string_view name; ///< the enum value's name; PostgreSQL prepares it as "openrsp_<name>"
    const char* what;      ///< the operation, in "database error (<what>): ..." sentences
    bool clash_is_outcome; ///< a uniqueness violation is reported to the caller instead of as an error
    event_rule event;      ///< whether (and when) the statement can carry a progress event
};

inline constexpr std::array<statement_info, stmt_count> statement_infos{{
    {stmt::insert_profile, "insert_profile", "add profile", true, event_rule::none},
    {stmt::import_profile, "import_profile", "import profile", false, event_rule::none},
    {stmt::find_by_matching_id, "find_by_matching_id", "read profile", false, event_rule::none},
    {stmt::find_by_iccid, "find_by_iccid", "read profile", false, event_rule::none},
    {stmt::find_pending_order_for_eid, "find_pending_order_for_eid", "read profile", false, event_rule::none},
    {stmt::list_profiles, "list_profiles", "list profiles", false, event_rule::none},
    {stmt::list_to_reseal, "list_to_reseal", "list profiles to re-seal", false, event_rule::none},
    {stmt::reseal_profile, "reseal_profile", "re-seal profile", false, event_rule::none},
    {stmt::count_by_state, "count_by_state", "count profiles", false, event_rule::none},
    {stmt::gauges, "gauges", "count for metrics", false, event_rule::none},
    {stmt::reserve_for_session, "reserve_for_session", "reserve profile", false, event_rule::none},
    {stmt::transition, "transition", "change profile state", false, event_rule::on_change},
    {stmt::deliver, "deliver", "record delivery", false, event_rule::on_change},
    {stmt::set_state, "set_state", "change profile state", false, event_rule::on_change},
    {stmt::release_reservation, "release_reservation", "release reservation", false, event_rule::on_change},
    {stmt::record_confirmation_failure, "record_confirmation_failure", "count confirmation code", false,
     event_rule::on_lock},
    {stmt::fail_download, "fail_download", "record failed download", false, event_rule::on_change},
    {stmt::retry_after_failure, "retry_after_failure", "retry download", false, event_rule::none},
    {stmt::record_deletion, "record_deletion", "record deletion", false, event_rule::on_change},
    {stmt::update_order, "update_order", "update order", true, event_rule::none},
    {stmt::allocate_by_type, "allocate_by_type", "allocate profile", false, event_rule::none},
    {stmt::set_redownload_policy, "set_redownload_policy", "set re-download policy", false, event_rule::none},
    {stmt::put_session, "put_session", "store session", false, event_rule::none},
    {stmt::get_session, "get_session", "read session", false, event_rule::none},
    {stmt::delete_session, "delete_session", "delete session", false, event_rule::none},
    {stmt::purge_expired_sessions, "purge_expired_sessions", "purge sessions", false, event_rule::none},
    {stmt::add_operator, "add_operator", "add operator", true, event_rule::none},
    {stmt::find_operator, "find_operator", "find operator", false, event_rule::none},
    {stmt::set_operator_callback, "set_operator_callback", "set operator callback", false, event_rule::none},
    {stmt::find_operator_by_name, "find_operator_by_name", "find operator", false, event_rule::none},
    {stmt::set_operator_client_cert, "set_operator_client_cert", "set operator client certificate", true,
     event_rule::none},
    {stmt::find_operator_by_client_cert, "find_operator_by_client_cert", "find operator by client certificate", false,
     event_rule::none},
    {stmt::queue_progress_event, "queue_progress_event", "queue progress callback", false, event_rule::none},
    {stmt::claim_progress_callbacks, "claim_progress_callbacks", "claim progress callbacks", false, event_rule::none},
    {stmt::progress_callback_delivered, "progress_callback_delivered", "record delivered callback", false,
     event_rule::none},
    {stmt::progress_callback_failed, "progress_callback_failed", "record failed callback", false, event_rule::none},
    {stmt::list_progress_callbacks, "list_progress_callbacks", "list progress callbacks", false, event_rule::none},
    {stmt::set_setting, "set_setting", "store setting", false, event_rule::none},
    {stmt::get_setting, "get_setting", "read setting", false, event_rule::none},
    {stmt::begin_es2p_call, "begin_es2p_call", "record ES2+ call", true, event_rule::none},
    {stmt::find_es2p_call, "find_es2p_call", "read ES2+ call", false, event_rule::none},
    {stmt::finish_es2p_call, "finish_es2p_call", "store ES2+ answer", false, event_rule::none},
    {stmt::forget_es2p_call, "forget_es2p_call", "forget ES2+ call", false, event_rule::none},
    {stmt::purge_es2p_calls, "purge_es2p_calls", "purge ES2+ calls", false, event_rule::none},
}};

constexpr const statement_info& info(stmt s)
{
    return statement_infos[static_cast<std::size_t>(s)];
}

/// True if every entry of a per-statement table sits at its enum value's index (checked at compile time by each
/// table, so a statement cannot end up under another's name).
template <class Table> constexpr bool in_enum_order(const Table& table)
{
    for (std::size_t i = 0; i < table.size(); ++i)
        if (static_cast<std::size_t>(table[i].id) != i) return false;
    return table.size() == stmt_count;
}
static_assert(in_enum_order(statement_infos));

} // namespace openrsp::store
