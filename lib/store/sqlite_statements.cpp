/// \file
/// \brief The SQLite text of every statement in statements.h, under the same names. Parameters are ?N in the order
/// shared_inventory.cpp binds them. RSP sessions sit in the attached, unsynced database rsp_sessions.

#include "sqlite_statements.h"

#include "row_mapping.h"

#include <array>

namespace openrsp::store {

namespace {

// SQLite's clock in whole seconds; PostgreSQL's statements spell the same as floor(extract(epoch FROM now())).
#define OPENRSP_SQLITE_NOW "strftime('%s','now')"

struct sqlite_statement {
    stmt id;
    const char* sql;
};

constexpr std::array<sqlite_statement, stmt_count> sqlite_statements{{
    // ---- Profiles ----
    {stmt::insert_profile, OPENRSP_STORE_INSERT_PROFILE_INTO "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"},
    {stmt::import_profile, OPENRSP_STORE_INSERT_PROFILE_INTO "VALUES(?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"},
    {stmt::find_by_matching_id, "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles WHERE matching_id=?"},
    {stmt::find_by_iccid, "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles WHERE iccid=?"},
    {stmt::find_pending_order_for_eid,
     "SELECT " OPENRSP_STORE_PROFILE_COLUMNS
     " FROM profiles WHERE eid=?1 AND eid<>'' AND state IN ('released','error') "
     "ORDER BY CASE state WHEN 'released' THEN 0 ELSE 1 END, updated_at, iccid LIMIT 1"},
    {stmt::list_profiles, "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles ORDER BY iccid"},
    {stmt::list_to_reseal,
     "SELECT " OPENRSP_STORE_PROFILE_COLUMNS " FROM profiles WHERE kek_id<>? ORDER BY iccid LIMIT ?"},
    {stmt::reseal_profile, "UPDATE profiles SET description=?, upp=?, kek_id=? WHERE iccid=? AND kek_id=?"},
    {stmt::count_by_state, "SELECT state, count(*) FROM profiles GROUP BY state ORDER BY state"},
    {stmt::gauges, "SELECT 'p', state, count(*) FROM profiles GROUP BY state UNION ALL "
                   "SELECT 's', stage, count(*) FROM rsp_sessions.sessions WHERE expires_at>?1 GROUP BY stage "
                   "UNION ALL SELECT 'c', state, count(*) FROM progress_callbacks GROUP BY state"},
    // ---- Download (ES9+) state changes ----
    // Runs on the second, unsynced connection (sqlite_inventory.cpp).
    {stmt::reserve_for_session,
     "UPDATE profiles SET session_tid=?1, session_expires_at=?2, updated_at=?3 WHERE iccid=?4 AND state='released' "
     "AND (session_tid='' OR session_tid=?1 OR session_expires_at<=?3) AND (eid='' OR eid=?5)"},
    {stmt::transition,
     "UPDATE profiles SET state=?, updated_at=" OPENRSP_SQLITE_NOW " WHERE iccid=? AND state=? AND session_tid=?"},
    {stmt::deliver, "UPDATE profiles SET state='downloaded', eid=?, euicc_certificate=?, "
                    "download_attempts=download_attempts+1, updated_at=" OPENRSP_SQLITE_NOW
                    " WHERE iccid=? AND state='released' AND session_tid=?"},
    {stmt::set_state, "UPDATE profiles SET state=?, updated_at=" OPENRSP_SQLITE_NOW " WHERE iccid=?"},
    {stmt::release_reservation,
     "UPDATE profiles SET session_tid='', session_expires_at=0 WHERE iccid=? AND session_tid=? AND state='released'"},
    {stmt::record_confirmation_failure,
     "UPDATE profiles SET cc_attempts=cc_attempts+1, state=CASE WHEN cc_attempts+1>=?1 THEN 'error' ELSE state END, "
     "last_error=CASE WHEN cc_attempts+1>=?1 THEN ?2 ELSE last_error END, "
     "session_tid=CASE WHEN cc_attempts+1>=?1 THEN '' ELSE session_tid END, updated_at=" OPENRSP_SQLITE_NOW
     " WHERE iccid=?3 AND session_tid=?4 AND state='released' RETURNING cc_attempts"},
    {stmt::fail_download, "UPDATE profiles SET state='error', last_error=?, updated_at=" OPENRSP_SQLITE_NOW
                          " WHERE iccid=? AND state=? AND session_tid=?"},
    {stmt::retry_after_failure,
     "UPDATE profiles SET state='released', session_tid='', session_expires_at=0, updated_at=" OPENRSP_SQLITE_NOW
     " WHERE iccid=? AND state='error' AND (eid='' OR eid=?) AND download_attempts<? AND cc_attempts<?"},
    {stmt::record_deletion,
     "UPDATE profiles SET state=CASE WHEN allow_redownload=1 THEN 'released' ELSE 'deleted' END, "
     "session_tid=CASE WHEN allow_redownload=1 THEN '' ELSE session_tid END, "
     "session_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE session_expires_at END, "
     "download_attempts=CASE WHEN allow_redownload=1 THEN 0 ELSE download_attempts END, "
     "last_error=CASE WHEN allow_redownload=1 THEN '' ELSE last_error END, "
     "order_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE order_expires_at END, updated_at=" OPENRSP_SQLITE_NOW
     " WHERE iccid=? AND state IN ('downloaded','installed','enabled','disabled') RETURNING state"},
    // ---- Orders (ES2+) ----
    // NULL parameters keep a column; ?6=1 (reset) returns the profile to a blank inventory entry.
    {stmt::update_order, "UPDATE profiles SET state=?1, eid=CASE WHEN ?6=1 THEN '' ELSE coalesce(?2, eid) END, "
                         "matching_id=CASE WHEN ?6=1 THEN NULL ELSE coalesce(?3, matching_id) END, "
                         "cc_hash=CASE WHEN ?6=1 THEN NULL WHEN ?5=1 THEN nullif(?4, x'') ELSE cc_hash END, "
                         "session_tid=CASE WHEN ?6=1 THEN '' ELSE session_tid END, "
                         "session_expires_at=CASE WHEN ?6=1 THEN 0 ELSE session_expires_at END, "
                         "euicc_certificate=CASE WHEN ?6=1 THEN NULL ELSE euicc_certificate END, "
                         "cc_attempts=CASE WHEN ?6=1 THEN 0 ELSE cc_attempts END, "
                         "download_attempts=CASE WHEN ?6=1 THEN 0 ELSE download_attempts END, "
                         "last_error=CASE WHEN ?6=1 THEN '' ELSE last_error END, "
                         "allow_redownload=CASE WHEN ?6=1 THEN 0 ELSE coalesce(?10, allow_redownload) END, "
                         "order_expires_at=CASE WHEN ?6=1 THEN 0 ELSE coalesce(?11, order_expires_at) END, "
                         "updated_at=" OPENRSP_SQLITE_NOW " WHERE iccid=?7 AND operator_id=?8 AND state=?9"},
    // One statement under SQLite's write lock: the sub-select and the update see the same row.
    {stmt::allocate_by_type, "UPDATE profiles SET state=?1, eid=?2, updated_at=" OPENRSP_SQLITE_NOW
                             " WHERE iccid=(SELECT iccid FROM profiles WHERE operator_id=?3 AND profile_type=?4 AND "
                             "state='available' ORDER BY iccid LIMIT 1) AND state='available' RETURNING iccid"},
    {stmt::set_redownload_policy,
     "UPDATE profiles SET allow_redownload=?, updated_at=" OPENRSP_SQLITE_NOW " WHERE iccid=? AND operator_id=?"},
    // ---- RSP sessions ----
    {stmt::put_session, "INSERT INTO rsp_sessions.sessions(" OPENRSP_STORE_SESSION_COLUMNS ") VALUES(?,?,?,?,?) "
                        "ON CONFLICT(tid) DO UPDATE SET iccid=excluded.iccid, stage=excluded.stage, "
                        "data=excluded.data, expires_at=excluded.expires_at"},
    {stmt::get_session,
     "SELECT " OPENRSP_STORE_SESSION_COLUMNS " FROM rsp_sessions.sessions WHERE tid=? AND expires_at>?"},
    {stmt::delete_session, "DELETE FROM rsp_sessions.sessions WHERE tid=?"},
    {stmt::purge_expired_sessions, "DELETE FROM rsp_sessions.sessions WHERE expires_at<=?"},
    // ---- Operators ----
    {stmt::add_operator, "INSERT INTO operators(name, token_hash) VALUES(?,?)"},
    {stmt::find_operator, "SELECT name FROM operators WHERE token_hash=?"},
    {stmt::set_operator_callback, "UPDATE operators SET callback_url=? WHERE name=?"},
    {stmt::find_operator_by_name, "SELECT name, callback_url FROM operators WHERE name=?"},
    {stmt::set_operator_client_cert, "UPDATE operators SET client_cert_sha256=? WHERE name=?"},
    {stmt::find_operator_by_client_cert, "SELECT name FROM operators WHERE client_cert_sha256=?"},
    // ---- Progress callbacks ----
    // Run inside the transaction of the change it reports, after it: the profile's fields as the change left them.
    // A repeated id is kept once.
    {stmt::queue_progress_event,
     "INSERT INTO progress_callbacks(id, operator_id, iccid, eid, profile_type, point_id, success, "
     "subject, reason, message, result_data, event_time, next_attempt_at) "
     "SELECT ?1, p.operator_id, p.iccid, p.eid, p.profile_type, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 "
     "FROM profiles p JOIN operators o ON o.name=p.operator_id "
     "WHERE p.iccid=?9 AND o.callback_url<>'' ON CONFLICT(id) DO NOTHING"},
    // One statement under the write lock: of several processes polling the same file, each row goes to one.
    {stmt::claim_progress_callbacks,
     "UPDATE progress_callbacks SET lease_until=?1 WHERE rowid IN (SELECT rowid FROM "
     "progress_callbacks WHERE state='pending' AND next_attempt_at<=?2 AND lease_until<=?2 "
     "ORDER BY next_attempt_at, rowid LIMIT ?3) RETURNING " OPENRSP_STORE_CALLBACK_COLUMNS_BUT_SEQ "rowid"},
    {stmt::progress_callback_delivered,
     "UPDATE progress_callbacks SET state='delivered', lease_until=0, last_error='' WHERE id=?"},
    {stmt::progress_callback_failed,
     "UPDATE progress_callbacks SET attempts=attempts+1, next_attempt_at=?1, lease_until=0, "
     "last_error=?2, state=CASE WHEN ?3=1 THEN 'abandoned' ELSE state END WHERE id=?4 AND state='pending'"},
    {stmt::list_progress_callbacks,
     "SELECT " OPENRSP_STORE_CALLBACK_COLUMNS_BUT_SEQ "rowid FROM progress_callbacks ORDER BY rowid"},
    // ---- Settings ----
    {stmt::set_setting,
     "INSERT INTO settings(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value"},
    {stmt::get_setting, "SELECT value FROM settings WHERE key=?"},
    // ---- ES2+ resends ----
    {stmt::begin_es2p_call, "INSERT INTO es2p_calls(operator_id, call_key, request_hash, created_at) VALUES(?,?,?,?)"},
    {stmt::find_es2p_call,
     "SELECT request_hash, status, body, created_at FROM es2p_calls WHERE operator_id=? AND call_key=?"},
    {stmt::finish_es2p_call,
     "UPDATE es2p_calls SET status=?1, body=?2 WHERE operator_id=?3 AND call_key=?4 AND status=0"},
    {stmt::forget_es2p_call, "DELETE FROM es2p_calls WHERE operator_id=? AND call_key=? AND created_at<?"},
    {stmt::purge_es2p_calls, "DELETE FROM es2p_calls WHERE created_at<?"},
}};
static_assert(in_enum_order(sqlite_statements));

#undef OPENRSP_SQLITE_NOW

} // namespace

const char* sqlite_sql(stmt s)
{
    return sqlite_statements[static_cast<std::size_t>(s)].sql;
}

} // namespace openrsp::store
