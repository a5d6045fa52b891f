/// \file
/// \brief The PostgreSQL text of every statement in statements.h, under the same names, prepared once per pooled
/// connection as "openrsp_<name>". Parameters are $N in the order shared_inventory.cpp binds them. ORDER BY uses the
/// C collation so the order is SQLite's (bytewise) whatever the database's locale.
///
/// A change that can carry a progress event (statement_info::event) is prepared a second time as
/// "openrsp_<name>_event": the change and the outbox insert as one statement (a data-modifying WITH), so they commit
/// together, the event is queued only if the guard matched, and a statement retried after a lost connection
/// re-checks its guard as before. That is why queue_progress_event has no PostgreSQL text.

#include "pg_statements.h"

#include "row_mapping.h"

#include <array>
#include <cstring>

namespace openrsp::store {

namespace {

// SQLite's strftime('%s','now'): whole seconds, rounded down.
#define OPENRSP_PG_NOW "floor(extract(epoch FROM now()))::bigint"

struct pg_statement {
    stmt id;
    const char* sql;   ///< nullptr: not run on PostgreSQL
    const char* types; ///< one letter per parameter: t text, b bytea, i int8
};

constexpr std::array<pg_statement, stmt_count> pg_statements{{
    // ---- Profiles ----
    {stmt::insert_profile,
     OPENRSP_STORE_INSERT_PROFILE_INTO "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", "tttttbbbttti"},
    {stmt::import_profile,
     OPENRSP_STORE_INSERT_PROFILE_INTO
     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
     "tttttbbbttti"},
    {stmt::find_by_matching_id, "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles WHERE matching_id=$1", "t"},
    {stmt::find_by_iccid, "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles WHERE iccid=$1", "t"},
    {stmt::find_pending_order_for_eid,
     "SELECT " OPENRSP_STORE_PROFILE_COLUMNS
     " FROM profiles WHERE eid=$1 AND eid<>'' AND state IN ('released','error') "
     "ORDER BY CASE state WHEN 'released' THEN 0 ELSE 1 END, updated_at, iccid COLLATE \"C\" LIMIT 1",
     "t"},
    {stmt::list_profiles, "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles ORDER BY iccid COLLATE \"C\"", ""},
    {stmt::list_to_reseal,
     "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles WHERE kek_id<>$1 ORDER BY iccid COLLATE \"C\" LIMIT $2",
     "ti"},
    {stmt::reseal_profile, "UPDATE profiles SET description=$1, upp=$2, kek_id=$3 WHERE iccid=$4 AND kek_id=$5",
     "tbttt"},
    {stmt::count_by_state, "SELECT state, count(*)::bigint FROM profiles GROUP BY state ORDER BY state COLLATE \"C\"",
     ""},
    {stmt::gauges,
     "SELECT 'p', state, count(*)::bigint FROM profiles GROUP BY state UNION ALL "
     "SELECT 's', stage, count(*)::bigint FROM sessions WHERE expires_at>$1 GROUP BY stage UNION ALL "
     "SELECT 'c', state, count(*)::bigint FROM progress_callbacks GROUP BY state",
     "i"},
    // ---- Download (ES9+) state changes ----
    // A node that loses the race waits for the winner's commit, re-checks the guards on the new row and matches
    // nothing.
    {stmt::reserve_for_session,
     "UPDATE profiles SET session_tid=$1, session_expires_at=$2, updated_at=$3 "
     "WHERE iccid=$4 AND state='released' AND (session_tid='' OR session_tid=$1 OR session_expires_at<=$3) "
     "AND (eid='' OR eid=$5)",
     "tiitt"},
    {stmt::transition,
     "UPDATE profiles SET state=$1, updated_at=" OPENRSP_PG_NOW " WHERE iccid=$2 AND state=$3 AND session_tid=$4",
     "tttt"},
    {stmt::deliver,
     "UPDATE profiles SET state='downloaded', eid=$1, euicc_certificate=$2, download_attempts=download_attempts+1, "
     "updated_at=" OPENRSP_PG_NOW " WHERE iccid=$3 AND state='released' AND session_tid=$4",
     "tbtt"},
    {stmt::set_state, "UPDATE profiles SET state=$1, updated_at=" OPENRSP_PG_NOW " WHERE iccid=$2", "tt"},
    {stmt::release_reservation,
     "UPDATE profiles SET session_tid='', session_expires_at=0 WHERE iccid=$1 AND session_tid=$2 AND state='released'",
     "tt"},
    {stmt::record_confirmation_failure,
     "UPDATE profiles SET cc_attempts=cc_attempts+1, "
     "state=CASE WHEN cc_attempts+1>=$1 THEN 'error' ELSE state END, "
     "last_error=CASE WHEN cc_attempts+1>=$1 THEN $2 ELSE last_error END, "
     "session_tid=CASE WHEN cc_attempts+1>=$1 THEN '' ELSE session_tid END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$3 AND session_tid=$4 AND state='released' RETURNING cc_attempts",
     "ittt"},
    {stmt::fail_download,
     "UPDATE profiles SET state='error', last_error=$1, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$2 AND state=$3 AND session_tid=$4",
     "tttt"},
    {stmt::retry_after_failure,
     "UPDATE profiles SET state='released', session_tid='', session_expires_at=0, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$1 AND state='error' AND (eid='' OR eid=$2) AND download_attempts<$3 AND cc_attempts<$4",
     "ttii"},
    {stmt::record_deletion,
     "UPDATE profiles SET state=CASE WHEN allow_redownload=1 THEN 'released' ELSE 'deleted' END, "
     "session_tid=CASE WHEN allow_redownload=1 THEN '' ELSE session_tid END, "
     "session_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE session_expires_at END, "
     "download_attempts=CASE WHEN allow_redownload=1 THEN 0 ELSE download_attempts END, "
     "last_error=CASE WHEN allow_redownload=1 THEN '' ELSE last_error END, "
     "order_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE order_expires_at END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$1 AND state IN ('downloaded','installed','enabled','disabled') RETURNING state",
     "t"},
    // ---- Orders (ES2+) ----
    // NULL parameters keep a column; $6=1 (reset) returns the profile to a blank inventory entry.
    {stmt::update_order,
     "UPDATE profiles SET state=$1, eid=CASE WHEN $6=1 THEN '' ELSE coalesce($2, eid) END, "
     "matching_id=CASE WHEN $6=1 THEN NULL ELSE coalesce($3, matching_id) END, "
     "cc_hash=CASE WHEN $6=1 THEN NULL WHEN $5=1 THEN nullif($4, '\\x'::bytea) ELSE cc_hash END, "
     "session_tid=CASE WHEN $6=1 THEN '' ELSE session_tid END, "
     "session_expires_at=CASE WHEN $6=1 THEN 0 ELSE session_expires_at END, "
     "euicc_certificate=CASE WHEN $6=1 THEN NULL ELSE euicc_certificate END, "
     "cc_attempts=CASE WHEN $6=1 THEN 0 ELSE cc_attempts END, "
     "download_attempts=CASE WHEN $6=1 THEN 0 ELSE download_attempts END, "
     "last_error=CASE WHEN $6=1 THEN '' ELSE last_error END, "
     "allow_redownload=CASE WHEN $6=1 THEN 0 ELSE coalesce($10, allow_redownload) END, "
     "order_expires_at=CASE WHEN $6=1 THEN 0 ELSE coalesce($11, order_expires_at) END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$7 AND operator_id=$8 AND state=$9",
     "tttbiitttii"},
    // SKIP LOCKED: a node racing another for the same type takes the next free profile instead of waiting
    // for the other's row and then finding it gone.
    {stmt::allocate_by_type,
     "UPDATE profiles SET state=$1, eid=$2, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=(SELECT iccid FROM profiles WHERE operator_id=$3 AND profile_type=$4 AND state='available' "
     "ORDER BY iccid COLLATE \"C\" LIMIT 1 FOR UPDATE SKIP LOCKED) AND state='available' RETURNING iccid",
     "tttt"},
    {stmt::set_redownload_policy,
     "UPDATE profiles SET allow_redownload=$1, updated_at=" OPENRSP_PG_NOW " WHERE iccid=$2 AND operator_id=$3", "itt"},
    // ---- RSP sessions (an UNLOGGED table, schema v2) ----
    {stmt::put_session,
     "INSERT INTO sessions(" OPENRSP_STORE_SESSION_COLUMNS ") VALUES($1, $2, $3, $4, $5) "
     "ON CONFLICT(tid) DO UPDATE SET iccid=excluded.iccid, stage=excluded.stage, data=excluded.data, "
     "expires_at=excluded.expires_at",
     "tttbi"},
    {stmt::get_session, "SELECT " OPENRSP_STORE_SESSION_COLUMNS " FROM sessions WHERE tid=$1 AND expires_at>$2", "ti"},
    {stmt::delete_session, "DELETE FROM sessions WHERE tid=$1", "t"},
    {stmt::purge_expired_sessions, "DELETE FROM sessions WHERE expires_at<=$1", "i"},
    // ---- Operators ----
    {stmt::add_operator, "INSERT INTO operators(name, token_hash) VALUES($1, $2)", "tb"},
    {stmt::find_operator, "SELECT name FROM operators WHERE token_hash=$1", "b"},
    {stmt::set_operator_callback, "UPDATE operators SET callback_url=$1 WHERE name=$2", "tt"},
    {stmt::find_operator_by_name, "SELECT name, callback_url FROM operators WHERE name=$1", "t"},
    {stmt::set_operator_client_cert, "UPDATE operators SET client_cert_sha256=$1 WHERE name=$2", "bt"},
    {stmt::find_operator_by_client_cert, "SELECT name FROM operators WHERE client_cert_sha256=$1", "b"},
    // ---- Progress callbacks ----
    {stmt::queue_progress_event, nullptr, ""}, // folded into each change's _event statement (see above)
    // SKIP LOCKED: nodes polling at once each take other rows instead of queueing behind one another.
    {stmt::claim_progress_callbacks,
     "UPDATE progress_callbacks SET lease_until=$1 WHERE id IN (SELECT id FROM progress_callbacks WHERE "
     "state='pending' AND next_attempt_at<=$2 AND lease_until<=$2 ORDER BY next_attempt_at, seq LIMIT $3 "
     "FOR UPDATE SKIP LOCKED) RETURNING " OPENRSP_STORE_CALLBACK_COLUMNS_BUT_SEQ "seq",
     "iii"},
    {stmt::progress_callback_delivered,
     "UPDATE progress_callbacks SET state='delivered', lease_until=0, last_error='' WHERE id=$1", "t"},
    {stmt::progress_callback_failed,
     "UPDATE progress_callbacks SET attempts=attempts+1, next_attempt_at=$1, lease_until=0, last_error=$2, "
     "state=CASE WHEN $3=1 THEN 'abandoned' ELSE state END WHERE id=$4 AND state='pending'",
     "itit"},
    {stmt::list_progress_callbacks,
     "SELECT " OPENRSP_STORE_CALLBACK_COLUMNS_BUT_SEQ "seq FROM progress_callbacks ORDER BY seq", ""},
    // ---- Settings ----
    {stmt::set_setting,
     "INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value=excluded.value", "tt"},
    {stmt::get_setting, "SELECT value FROM settings WHERE key=$1", "t"},
    // ---- ES2+ resends ----
    {stmt::begin_es2p_call,
     "INSERT INTO es2p_calls(operator_id, call_key, request_hash, created_at) VALUES($1, $2, $3, $4)", "ttbi"},
    {stmt::find_es2p_call,
     "SELECT request_hash, status, body, created_at FROM es2p_calls WHERE operator_id=$1 AND call_key=$2", "tt"},
    {stmt::finish_es2p_call,
     "UPDATE es2p_calls SET status=$1, body=$2 WHERE operator_id=$3 AND call_key=$4 AND status=0", "ittt"},
    {stmt::forget_es2p_call, "DELETE FROM es2p_calls WHERE operator_id=$1 AND call_key=$2 AND created_at<$3", "tti"},
    {stmt::purge_es2p_calls, "DELETE FROM es2p_calls WHERE created_at<$1", "i"},
}};
static_assert(in_enum_order(pg_statements));

#undef OPENRSP_PG_NOW

/// The parameters an _event statement takes after its change's own: bind_event's 8 fields.
constexpr const char* event_types = "tiitttti";

// The change, then the outbox insert fed by the changed row (as the change left it). The result is the change's
// RETURNING column if it has one (the new count, the new state), else cc_attempts: one row if the change happened.
std::string event_statement_sql(const pg_statement& base)
{
    std::string update = base.sql;
    std::string result_column = "cc_attempts";
    if (const auto r = update.find(" RETURNING "); r != std::string::npos) {
        result_column = update.substr(r + std::strlen(" RETURNING "));
        update.resize(r);
    }
    // Only the confirmation-code failure that locks the order is news for the operator (transitions.h).
    const char* condition = info(base.id).event == event_rule::on_lock ? " AND c.state='error'" : "";
    const std::size_t n = std::strlen(base.types);
    auto p = [&](std::size_t i) {
        std::string placeholder(1, '$');
        placeholder += std::to_string(n + i);
        return placeholder;
    };
    return "WITH changed AS (" + update +
           " RETURNING iccid, operator_id, eid, profile_type, state, cc_attempts), queued AS (INSERT INTO "
           "progress_callbacks(id, operator_id, iccid, eid, profile_type, point_id, success, subject, reason, message, "
           "result_data, event_time, next_attempt_at) SELECT " +
           p(1) + ", c.operator_id, c.iccid, c.eid, c.profile_type, " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) +
           ", " + p(6) + ", " + p(7) + ", " + p(8) + ", " + p(8) +
           " FROM changed c JOIN operators o ON o.name=c.operator_id WHERE o.callback_url<>''" + condition +
           " ON CONFLICT (id) DO NOTHING) SELECT " + result_column + " FROM changed";
}

Oid type_oid(char t)
{
    return t == 'b' ? pg::bytea_oid : t == 'i' ? pg::int8_oid : pg::text_oid;
}

result<void> prepare(PGconn* c, const std::string& name, const std::string& sql, const std::string& type_letters)
{
    std::array<Oid, pg::params::max> types{};
    for (std::size_t i = 0; i < type_letters.size(); ++i)
        types[i] = type_oid(type_letters[i]);
    pg::result_ptr r(::PQprepare(c, name.c_str(), sql.c_str(), static_cast<int>(type_letters.size()), types.data()));
    if (!r || ::PQresultStatus(r.get()) != PGRES_COMMAND_OK)
        return fail("cannot prepare statement " + name + ": " + pg::one_line(::PQerrorMessage(c)));
    return ok();
}

struct statement_names {
    std::array<std::string, stmt_count> plain;
    std::array<std::string, stmt_count> with_event;
};

const statement_names& names()
{
    static const statement_names all = [] {
        statement_names n;
        for (const auto& i : statement_infos) {
            n.plain[static_cast<std::size_t>(i.id)] = "openrsp_" + std::string(i.name);
            n.with_event[static_cast<std::size_t>(i.id)] = "openrsp_" + std::string(i.name) + "_event";
        }
        return n;
    }();
    return all;
}

} // namespace

const std::string& pg_statement_name(stmt s)
{
    return names().plain[static_cast<std::size_t>(s)];
}

const std::string& pg_event_statement_name(stmt s)
{
    return names().with_event[static_cast<std::size_t>(s)];
}

result<void> pg_prepare_statements(PGconn* c)
{
    for (const auto& s : pg_statements) {
        if (!s.sql) continue;
        OPENRSP_TRY_VOID(prepare(c, pg_statement_name(s.id), s.sql, s.types));
        if (info(s.id).event != event_rule::none)
            OPENRSP_TRY_VOID(
                prepare(c, pg_event_statement_name(s.id), event_statement_sql(s), std::string(s.types) + event_types));
    }
    return ok();
}

} // namespace openrsp::store
