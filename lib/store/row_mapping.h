#pragma once
/// \file
/// \brief Private to lib/store: table columns <-> inventory structs, one mapping for both dialects. The column lists
/// below are spliced into both statement tables, so the order read_* expects is written once.

#include "dialect.h"

#include "openrsp/store/store.h"

/// The profile columns every profile query returns, in read_profile's order.
#define OPENRSP_STORE_PROFILE_COLUMNS                                                                                  \
    "iccid, matching_id, state, eid, description, upp, metadata, cc_hash, session_tid, session_expires_at, "           \
    "euicc_certificate, updated_at, operator_id, profile_type, cc_attempts, download_attempts, last_error, kek_id, "   \
    "allow_redownload, order_expires_at"
/// The columns add_profile and the bulk import write, in bind_profile's order (12 parameters).
#define OPENRSP_STORE_INSERT_PROFILE_INTO                                                                              \
    "INSERT INTO profiles(iccid, matching_id, state, eid, description, upp, metadata, cc_hash, operator_id, "          \
    "profile_type, kek_id, allow_redownload) "
/// The progress callback columns in read_callback's order, but for the last one (the queue order), which each
/// dialect names its own way (SQLite's rowid, PostgreSQL's seq).
#define OPENRSP_STORE_CALLBACK_COLUMNS_BUT_SEQ                                                                         \
    "id, operator_id, iccid, eid, profile_type, point_id, success, subject, reason, message, result_data, "            \
    "event_time, state, attempts, next_attempt_at, last_error, "
/// The RSP session columns in read_session's order.
#define OPENRSP_STORE_SESSION_COLUMNS "tid, iccid, stage, data, expires_at"

namespace openrsp::store {

/// A profile row as stored (secrets still sealed); an unknown state reads as Error.
inventory_profile read_profile(const row& r);
/// Parameters of OPENRSP_STORE_INSERT_PROFILE_INTO from a (sealed) record; they point into p.
void bind_profile(args& a, const inventory_profile& p);

progress_callback read_callback(const row& r);
/// Appends an event's 8 fields (id, point, success, subject, reason, message, result data, time) as the outbox
/// insert takes them.
void bind_event(args& a, const progress_event& e);

rsp_session_row read_session(const row& r);
/// Parameters of put_session: OPENRSP_STORE_SESSION_COLUMNS in order.
void bind_session(args& a, const rsp_session_row& s);

} // namespace openrsp::store
