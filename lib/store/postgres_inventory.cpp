/// \file
/// \brief The inventory on a PostgreSQL server shared by any number of SM-DP+ nodes. Same semantics as the
/// SQLite backend: every state change is one statement, and the races (one-time matching ID, session
/// compare-and-set) are decided by the guards of a single UPDATE, which PostgreSQL re-checks on the latest
/// row version when two nodes update the same profile at once.

#include "import_rules.h"
#include "pg_pool.h"
#include "sealing.h"

#include "openrsp/store/store.h"

#include <array>
#include <charconv>
#include <cstring>

namespace openrsp::store {

namespace {

// Schema versions, applied in order; schema_version records each one. Never edit a shipped entry: append.
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE profiles (
    iccid text PRIMARY KEY,
    matching_id text UNIQUE,
    state text NOT NULL,
    eid text NOT NULL DEFAULT '',
    description text NOT NULL,
    upp bytea NOT NULL,
    metadata bytea NOT NULL,
    cc_hash bytea,
    session_tid text NOT NULL DEFAULT '',
    session_expires_at bigint NOT NULL DEFAULT 0,
    euicc_certificate bytea,
    updated_at bigint NOT NULL DEFAULT floor(extract(epoch FROM now()))::bigint
);
CREATE INDEX profiles_session ON profiles(session_tid);
CREATE TABLE sessions (
    tid text PRIMARY KEY,
    iccid text NOT NULL DEFAULT '',
    stage text NOT NULL,
    data bytea NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
)sql",
    // v2: RSP sessions live minutes and a lost one only makes a phone start again, so they skip the WAL
    // (emptied after a server crash); the profile inventory stays fully logged.
    "ALTER TABLE sessions SET UNLOGGED;",
    // v3: ES2+ operators and orders, download lifecycle counters and the last failure.
    R"sql(
ALTER TABLE profiles ADD COLUMN operator_id text NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN profile_type text NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN cc_attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN download_attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN last_error text NOT NULL DEFAULT '';
CREATE INDEX profiles_order ON profiles(operator_id, profile_type, state);
CREATE TABLE operators (
    name text PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    created_at bigint NOT NULL DEFAULT floor(extract(epoch FROM now()))::bigint
);
)sql",
    // v4: ES2+ HandleDownloadProgressInfo outbox and operator callback URLs; the key-encryption key that sealed a
    // profile's secrets ('' = stored in clear).
    R"sql(
ALTER TABLE operators ADD COLUMN callback_url text NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN kek_id text NOT NULL DEFAULT '';
CREATE TABLE progress_callbacks (
    id text PRIMARY KEY,
    seq bigserial,
    operator_id text NOT NULL,
    iccid text NOT NULL,
    eid text NOT NULL,
    profile_type text NOT NULL,
    point_id bigint NOT NULL,
    success bigint NOT NULL,
    subject text NOT NULL,
    reason text NOT NULL,
    message text NOT NULL,
    result_data text NOT NULL,
    event_time bigint NOT NULL,
    state text NOT NULL DEFAULT 'pending',
    attempts bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT ''
);
CREATE INDEX progress_callbacks_due ON progress_callbacks(state, next_attempt_at);
)sql",
    // v5: per-order re-download policy after the eUICC deleted the profile.
    "ALTER TABLE profiles ADD COLUMN allow_redownload bigint NOT NULL DEFAULT 0;",
    // v6: an operator's TLS client certificate (SHA-256 of its DER) for ES2+ over mutual TLS; NULL: tokens only.
    R"sql(
ALTER TABLE operators ADD COLUMN client_cert_sha256 bytea;
CREATE UNIQUE INDEX operators_client_cert ON operators(client_cert_sha256);
)sql",
};

#define OPENRSP_PG_PROFILE_COLUMNS                                                                                     \
    "iccid, matching_id, state, eid, description, upp, metadata, cc_hash, session_tid, session_expires_at, "           \
    "euicc_certificate, updated_at, operator_id, profile_type, cc_attempts, download_attempts, last_error, kek_id, "   \
    "allow_redownload"
// Written by add_profile and the bulk import alike; add_profile_columns fills the parameters in this order.
#define OPENRSP_PG_INSERT_PROFILE                                                                                      \
    "INSERT INTO profiles(iccid, matching_id, state, eid, description, upp, metadata, cc_hash, operator_id, "          \
    "profile_type, kek_id, allow_redownload) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
#define OPENRSP_PG_INSERT_PROFILE_TYPES "tttttbbbttti"
// SQLite's strftime('%s','now'): whole seconds, rounded down.
#define OPENRSP_PG_NOW "floor(extract(epoch FROM now()))::bigint"

enum class stmt : std::size_t {
    add_profile,
    find_by_matching_id,
    find_by_iccid,
    list_profiles,
    reserve,
    transition,
    deliver,
    set_state,
    release_reservation,
    put_session,
    get_session,
    delete_session,
    purge_sessions,
    set_setting,
    get_setting,
    update_order,
    allocate_by_type,
    record_cc_failure,
    fail_download,
    retry_after_failure,
    add_operator,
    find_operator,
    count_by_state,
    set_operator_callback,
    find_operator_by_name,
    claim_callbacks,
    callback_delivered,
    callback_failed,
    list_callbacks,
    list_to_reseal,
    reseal,
    count
};

#define OPENRSP_PG_CALLBACK_COLUMNS                                                                                    \
    "id, operator_id, iccid, eid, profile_type, point_id, success, subject, reason, message, result_data, "            \
    "event_time, state, attempts, next_attempt_at, last_error, seq"

struct statement {
    const char* name;
    const char* sql;
    const char* types; ///< one letter per parameter: t text, b bytea, i int8
};

// Prepared once per connection. ORDER BY uses the C collation so the order is SQLite's (bytewise) whatever
// the database's locale.
constexpr std::array<statement, static_cast<std::size_t>(stmt::count)> statements{{
    {"openrsp_add_profile", OPENRSP_PG_INSERT_PROFILE, OPENRSP_PG_INSERT_PROFILE_TYPES},
    {"openrsp_find_by_matching_id", "SELECT " OPENRSP_PG_PROFILE_COLUMNS " FROM profiles WHERE matching_id=$1", "t"},
    {"openrsp_find_by_iccid", "SELECT " OPENRSP_PG_PROFILE_COLUMNS " FROM profiles WHERE iccid=$1", "t"},
    {"openrsp_list_profiles", "SELECT " OPENRSP_PG_PROFILE_COLUMNS " FROM profiles ORDER BY iccid COLLATE \"C\"", ""},
    {"openrsp_reserve",
     "UPDATE profiles SET session_tid=$1, session_expires_at=$2, updated_at=$3 "
     "WHERE iccid=$4 AND state='released' AND (session_tid='' OR session_tid=$1 OR session_expires_at<=$3) "
     "AND (eid='' OR eid=$5)",
     "tiitt"},
    {"openrsp_transition",
     "UPDATE profiles SET state=$1, updated_at=" OPENRSP_PG_NOW " WHERE iccid=$2 AND state=$3 AND session_tid=$4",
     "tttt"},
    {"openrsp_deliver",
     "UPDATE profiles SET state='downloaded', eid=$1, euicc_certificate=$2, download_attempts=download_attempts+1, "
     "updated_at=" OPENRSP_PG_NOW " WHERE iccid=$3 AND state='released' AND session_tid=$4",
     "tbtt"},
    {"openrsp_set_state", "UPDATE profiles SET state=$1, updated_at=" OPENRSP_PG_NOW " WHERE iccid=$2", "tt"},
    {"openrsp_release_reservation",
     "UPDATE profiles SET session_tid='', session_expires_at=0 WHERE iccid=$1 AND session_tid=$2 AND state='released'",
     "tt"},
    {"openrsp_put_session",
     "INSERT INTO sessions(tid, iccid, stage, data, expires_at) VALUES($1, $2, $3, $4, $5) "
     "ON CONFLICT(tid) DO UPDATE SET iccid=excluded.iccid, stage=excluded.stage, data=excluded.data, "
     "expires_at=excluded.expires_at",
     "tttbi"},
    {"openrsp_get_session", "SELECT tid, iccid, stage, data, expires_at FROM sessions WHERE tid=$1 AND expires_at>$2",
     "ti"},
    {"openrsp_delete_session", "DELETE FROM sessions WHERE tid=$1", "t"},
    {"openrsp_purge_sessions", "DELETE FROM sessions WHERE expires_at<=$1", "i"},
    {"openrsp_set_setting",
     "INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value=excluded.value", "tt"},
    {"openrsp_get_setting", "SELECT value FROM settings WHERE key=$1", "t"},
    // NULL parameters keep a column; $6=1 (reset) returns the profile to a blank inventory entry.
    {"openrsp_update_order",
     "UPDATE profiles SET state=$1, eid=CASE WHEN $6=1 THEN '' ELSE coalesce($2, eid) END, "
     "matching_id=CASE WHEN $6=1 THEN NULL ELSE coalesce($3, matching_id) END, "
     "cc_hash=CASE WHEN $6=1 THEN NULL WHEN $5=1 THEN nullif($4, '\\x'::bytea) ELSE cc_hash END, "
     "session_tid=CASE WHEN $6=1 THEN '' ELSE session_tid END, "
     "session_expires_at=CASE WHEN $6=1 THEN 0 ELSE session_expires_at END, "
     "euicc_certificate=CASE WHEN $6=1 THEN NULL ELSE euicc_certificate END, "
     "cc_attempts=CASE WHEN $6=1 THEN 0 ELSE cc_attempts END, "
     "download_attempts=CASE WHEN $6=1 THEN 0 ELSE download_attempts END, "
     "last_error=CASE WHEN $6=1 THEN '' ELSE last_error END, "
     "allow_redownload=CASE WHEN $6=1 THEN 0 ELSE coalesce($10, allow_redownload) END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$7 AND operator_id=$8 AND state=$9",
     "tttbiittti"},
    // SKIP LOCKED: a node racing another for the same type takes the next free profile instead of waiting
    // for the other's row and then finding it gone.
    {"openrsp_allocate_by_type",
     "UPDATE profiles SET state=$1, eid=$2, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=(SELECT iccid FROM profiles WHERE operator_id=$3 AND profile_type=$4 AND state='available' "
     "ORDER BY iccid COLLATE \"C\" LIMIT 1 FOR UPDATE SKIP LOCKED) AND state='available' RETURNING iccid",
     "tttt"},
    {"openrsp_record_cc_failure",
     "UPDATE profiles SET cc_attempts=cc_attempts+1, "
     "state=CASE WHEN cc_attempts+1>=$1 THEN 'error' ELSE state END, "
     "last_error=CASE WHEN cc_attempts+1>=$1 THEN $2 ELSE last_error END, "
     "session_tid=CASE WHEN cc_attempts+1>=$1 THEN '' ELSE session_tid END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$3 AND session_tid=$4 AND state='released' RETURNING cc_attempts",
     "ittt"},
    {"openrsp_fail_download",
     "UPDATE profiles SET state='error', last_error=$1, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$2 AND state=$3 AND session_tid=$4",
     "tttt"},
    {"openrsp_retry_after_failure",
     "UPDATE profiles SET state='released', session_tid='', session_expires_at=0, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$1 AND state='error' AND (eid='' OR eid=$2) AND download_attempts<$3 AND cc_attempts<$4",
     "ttii"},
    {"openrsp_add_operator", "INSERT INTO operators(name, token_hash) VALUES($1, $2)", "tb"},
    {"openrsp_find_operator", "SELECT name FROM operators WHERE token_hash=$1", "b"},
    {"openrsp_count_by_state",
     "SELECT state, count(*)::bigint FROM profiles GROUP BY state ORDER BY state COLLATE \"C\"", ""},
    {"openrsp_set_operator_callback", "UPDATE operators SET callback_url=$1 WHERE name=$2", "tt"},
    {"openrsp_find_operator_by_name", "SELECT name, callback_url FROM operators WHERE name=$1", "t"},
    // SKIP LOCKED: nodes polling at once each take other rows instead of queueing behind one another.
    {"openrsp_claim_callbacks",
     "UPDATE progress_callbacks SET lease_until=$1 WHERE id IN (SELECT id FROM progress_callbacks WHERE "
     "state='pending' AND next_attempt_at<=$2 AND lease_until<=$2 ORDER BY next_attempt_at, seq LIMIT $3 "
     "FOR UPDATE SKIP LOCKED) RETURNING " OPENRSP_PG_CALLBACK_COLUMNS,
     "iii"},
    {"openrsp_callback_delivered",
     "UPDATE progress_callbacks SET state='delivered', lease_until=0, last_error='' WHERE id=$1", "t"},
    {"openrsp_callback_failed",
     "UPDATE progress_callbacks SET attempts=attempts+1, next_attempt_at=$1, lease_until=0, last_error=$2, "
     "state=CASE WHEN $3=1 THEN 'abandoned' ELSE state END WHERE id=$4 AND state='pending'",
     "itit"},
    {"openrsp_list_callbacks", "SELECT " OPENRSP_PG_CALLBACK_COLUMNS " FROM progress_callbacks ORDER BY seq", ""},
    {"openrsp_list_to_reseal",
     "SELECT " OPENRSP_PG_PROFILE_COLUMNS " FROM profiles WHERE kek_id<>$1 ORDER BY iccid COLLATE \"C\" LIMIT $2",
     "ti"},
    // Guarded by the old key id: a concurrent re-seal of the same row (another node) wins once.
    {"openrsp_reseal", "UPDATE profiles SET description=$1, upp=$2, kek_id=$3 WHERE iccid=$4 AND kek_id=$5", "tbttt"},
}};

/// The state changes that can carry an ES2+ progress event, and when the event is queued.
struct event_variant {
    stmt base;
    const char* condition; ///< extra filter on the changed row
};
constexpr std::array<event_variant, 6> event_variants{{
    {stmt::transition, ""},
    {stmt::deliver, ""},
    {stmt::set_state, ""},
    {stmt::release_reservation, ""},
    {stmt::fail_download, ""},
    {stmt::record_cc_failure, " AND c.state='error'"}, // only the failure that locks the order
}};
constexpr const char* event_types = "tiitttti";

std::string event_statement_name(stmt base)
{
    return std::string(statements[static_cast<std::size_t>(base)].name) + "_event";
}

// The guarded change and the outbox insert as one statement (a data-modifying WITH): they commit together, the
// event is queued only if the guard matched, and a statement retried after a lost connection re-checks its guard as
// before. The result has one row (the profile's cc_attempts) if the change happened.
std::string event_statement_sql(const event_variant& v)
{
    const auto& base = statements[static_cast<std::size_t>(v.base)];
    std::string update = base.sql;
    if (const auto r = update.find(" RETURNING "); r != std::string::npos) update.resize(r);
    const std::size_t n = std::strlen(base.types);
    auto p = [&](std::size_t i) { return "$" + std::to_string(n + i); };
    return "WITH changed AS (" + update +
           " RETURNING iccid, operator_id, eid, profile_type, state, cc_attempts), queued AS (INSERT INTO "
           "progress_callbacks(id, operator_id, iccid, eid, profile_type, point_id, success, subject, reason, message, "
           "result_data, event_time, next_attempt_at) SELECT " +
           p(1) + ", c.operator_id, c.iccid, c.eid, c.profile_type, " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) +
           ", " + p(6) + ", " + p(7) + ", " + p(8) + ", " + p(8) +
           " FROM changed c JOIN operators o ON o.name=c.operator_id WHERE o.callback_url<>''" + v.condition +
           " ON CONFLICT (id) DO NOTHING) SELECT cc_attempts FROM changed";
}

// Bulk import, metrics gauges and the re-download policy: prepared beside the statements above.
constexpr std::array<statement, 6> extra_statements{{
    {"openrsp_import_profile", OPENRSP_PG_INSERT_PROFILE " ON CONFLICT DO NOTHING", OPENRSP_PG_INSERT_PROFILE_TYPES},
    {"openrsp_import_find", "SELECT " OPENRSP_PG_PROFILE_COLUMNS " FROM profiles WHERE iccid=$1", "t"},
    {"openrsp_gauges",
     "SELECT 'p', state, count(*)::bigint FROM profiles GROUP BY state UNION ALL "
     "SELECT 's', stage, count(*)::bigint FROM sessions WHERE expires_at>$1 GROUP BY stage UNION ALL "
     "SELECT 'c', state, count(*)::bigint FROM progress_callbacks GROUP BY state",
     "i"},
    {"openrsp_record_deletion",
     "UPDATE profiles SET state=CASE WHEN allow_redownload=1 THEN 'released' ELSE 'deleted' END, "
     "session_tid=CASE WHEN allow_redownload=1 THEN '' ELSE session_tid END, "
     "session_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE session_expires_at END, "
     "download_attempts=CASE WHEN allow_redownload=1 THEN 0 ELSE download_attempts END, "
     "last_error=CASE WHEN allow_redownload=1 THEN '' ELSE last_error END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$1 AND state IN ('downloaded','installed','enabled','disabled') RETURNING state",
     "t"},
    // The same with its progress event queued in the one statement, as event_statement_sql does.
    {"openrsp_record_deletion_event",
     "WITH changed AS (UPDATE profiles SET state=CASE WHEN allow_redownload=1 THEN 'released' ELSE 'deleted' END, "
     "session_tid=CASE WHEN allow_redownload=1 THEN '' ELSE session_tid END, "
     "session_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE session_expires_at END, "
     "download_attempts=CASE WHEN allow_redownload=1 THEN 0 ELSE download_attempts END, "
     "last_error=CASE WHEN allow_redownload=1 THEN '' ELSE last_error END, updated_at=" OPENRSP_PG_NOW
     " WHERE iccid=$1 AND state IN ('downloaded','installed','enabled','disabled') "
     "RETURNING iccid, operator_id, eid, profile_type, state), queued AS (INSERT INTO "
     "progress_callbacks(id, operator_id, iccid, eid, profile_type, point_id, success, subject, reason, message, "
     "result_data, event_time, next_attempt_at) SELECT $2, c.operator_id, c.iccid, c.eid, c.profile_type, $3, $4, $5, "
     "$6, $7, $8, $9, $9 FROM changed c JOIN operators o ON o.name=c.operator_id WHERE o.callback_url<>'' "
     "ON CONFLICT (id) DO NOTHING) SELECT state FROM changed",
     "ttiitttti"},
    {"openrsp_set_redownload",
     "UPDATE profiles SET allow_redownload=$1, updated_at=" OPENRSP_PG_NOW " WHERE iccid=$2 AND operator_id=$3", "itt"},
}};

Oid type_oid(char t)
{
    return t == 'b' ? pg::bytea_oid : t == 'i' ? pg::int8_oid : pg::text_oid;
}

#undef OPENRSP_PG_PROFILE_COLUMNS
#undef OPENRSP_PG_CALLBACK_COLUMNS
#undef OPENRSP_PG_NOW

constexpr const char* unique_violation = "23505";

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

// ES2+ over mutual TLS: operators' client certificates (schema v6).
constexpr std::array<statement, 2> operator_cert_statements{{
    {"openrsp_set_operator_client_cert", "UPDATE operators SET client_cert_sha256=$1 WHERE name=$2", "bt"},
    {"openrsp_find_operator_by_client_cert", "SELECT name FROM operators WHERE client_cert_sha256=$1", "b"},
}};

result<void> prepare_statements(PGconn* c)
{
    for (const auto& s : statements)
        OPENRSP_TRY_VOID(prepare(c, s.name, s.sql, s.types));
    for (const auto& v : event_variants) {
        const auto& base = statements[static_cast<std::size_t>(v.base)];
        OPENRSP_TRY_VOID(
            prepare(c, event_statement_name(v.base), event_statement_sql(v), std::string(base.types) + event_types));
    }
    for (const auto& s : extra_statements)
        OPENRSP_TRY_VOID(prepare(c, s.name, s.sql, s.types));
    for (const auto& s : operator_cert_statements)
        OPENRSP_TRY_VOID(prepare(c, s.name, s.sql, s.types));
    return ok();
}

// One simple-protocol command; only for the fixed migration text, never for data.
result<pg::result_ptr> exec(PGconn* c, const char* sql, ExecStatusType expect)
{
    pg::result_ptr r(::PQexec(c, sql));
    if (!r || ::PQresultStatus(r.get()) != expect) return fail(pg::one_line(::PQerrorMessage(c)));
    return r;
}

// Brings the schema up to date. Every node runs this at start; the advisory lock (released with the
// transaction) makes the others wait and then find nothing left to do, and a failure leaves no half schema.
result<void> migrate(PGconn* c)
{
    OPENRSP_TRY_VOID(exec(c, "BEGIN", PGRES_COMMAND_OK));
    auto body = [&]() -> result<void> {
        // Any constant works as long as every node uses the same one; advisory locks are per database.
        OPENRSP_TRY_VOID(exec(c, "SELECT pg_advisory_xact_lock(7310868908128920434)", PGRES_TUPLES_OK));
        OPENRSP_TRY_VOID(exec(c,
                              "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                              "applied_at timestamptz NOT NULL DEFAULT now())",
                              PGRES_COMMAND_OK));
        auto v = exec(c, "SELECT coalesce(max(version), 0) FROM schema_version", PGRES_TUPLES_OK);
        if (!v) return v.take_error();
        int current = 0;
        const std::string text = pg::column_text(v->get(), 0, 0);
        std::from_chars(text.data(), text.data() + text.size(), current);
        const int target = static_cast<int>(std::size(migrations));
        if (current > target)
            return fail("the schema is version " + std::to_string(current) + " but this OpenRSP knows only up to " +
                        std::to_string(target) + "; upgrade OpenRSP");
        for (int i = current; i < target; ++i) {
            OPENRSP_TRY_VOID(exec(c, migrations[i], PGRES_COMMAND_OK));
            const std::string record = "INSERT INTO schema_version(version) VALUES(" + std::to_string(i + 1) + ")";
            OPENRSP_TRY_VOID(exec(c, record.c_str(), PGRES_COMMAND_OK));
        }
        return ok();
    };
    if (auto r = body(); !r) {
        (void)exec(c, "ROLLBACK", PGRES_COMMAND_OK);
        return r;
    }
    OPENRSP_TRY_VOID(exec(c, "COMMIT", PGRES_COMMAND_OK));
    return ok();
}

// The parameters of OPENRSP_PG_INSERT_PROFILE, from a (sealed) record; they point into p.
void add_profile_columns(pg::params& a, const inventory_profile& p)
{
    // A profile waiting in the inventory has no matching ID yet; NULL keeps the UNIQUE constraint for real ones.
    a.text(p.iccid).text_or_null(p.matching_id).text(to_string(p.state)).text(p.eid).text(p.description_json);
    a.blob(p.upp).blob(p.metadata).blob_or_null(p.confirmation_code_hash).text(p.operator_id).text(p.profile_type);
    a.text(p.kek_id).int64(p.allow_redownload ? 1 : 0);
}

inventory_profile read_profile(const PGresult* r, int row)
{
    inventory_profile p;
    p.iccid = pg::column_text(r, row, 0);
    p.matching_id = pg::column_text(r, row, 1);
    p.state = parse_profile_state(pg::column_text(r, row, 2)).value_or(profile_state::error);
    p.eid = pg::column_text(r, row, 3);
    p.description_json = pg::column_text(r, row, 4);
    p.upp = pg::column_bytes(r, row, 5);
    p.metadata = pg::column_bytes(r, row, 6);
    p.confirmation_code_hash = pg::column_bytes(r, row, 7);
    p.session_tid = pg::column_text(r, row, 8);
    p.session_expires_at = pg::column_int64(r, row, 9);
    p.euicc_certificate = pg::column_bytes(r, row, 10);
    p.updated_at = pg::column_int64(r, row, 11);
    p.operator_id = pg::column_text(r, row, 12);
    p.profile_type = pg::column_text(r, row, 13);
    p.cc_attempts = pg::column_int64(r, row, 14);
    p.download_attempts = pg::column_int64(r, row, 15);
    p.last_error = pg::column_text(r, row, 16);
    p.kek_id = pg::column_text(r, row, 17);
    p.allow_redownload = pg::column_int64(r, row, 18) != 0;
    return p;
}

class postgres_inventory final : public inventory {
public:
    postgres_inventory(pg::settings cfg, key_ring keys)
        : m_pool(std::move(cfg), prepare_statements), m_sealer(std::move(keys))
    {
    }

    result<void> add_profile(const inventory_profile& clear) override
    {
        if (m_require_key && !m_sealer.has_key())
            return fail("this inventory keeps profile secrets sealed: give the key-encryption key (--kek)");
        inventory_profile p = clear;
        OPENRSP_TRY_VOID(m_sealer.seal(p));
        pg::params a;
        add_profile_columns(a, p);
        auto r = execute(stmt::add_profile, a, "add profile");
        if (!r) return r.take_error();
        if (is_error(r->get(), unique_violation))
            return fail("a profile with ICCID " + p.iccid + " or matching ID " + p.matching_id +
                        " is already in the inventory");
        auto c = checked(std::move(*r), PGRES_COMMAND_OK, "add profile");
        if (!c) return c.take_error();
        return ok();
    }

    result<std::optional<inventory_profile>> find_by_matching_id(std::string_view mid) override
    {
        return find_one(stmt::find_by_matching_id, mid);
    }
    result<std::optional<inventory_profile>> find_by_iccid(std::string_view iccid) override
    {
        return find_one(stmt::find_by_iccid, iccid);
    }

    result<std::vector<inventory_profile>> list_profiles() override
    {
        auto r = query(stmt::list_profiles, pg::params{}, "list profiles");
        if (!r) return r.take_error();
        std::vector<inventory_profile> out;
        const int rows = ::PQntuples(r->get());
        out.reserve(static_cast<std::size_t>(rows));
        for (int i = 0; i < rows; ++i) {
            out.push_back(read_profile(r->get(), i));
            OPENRSP_TRY_VOID(m_sealer.unseal(out.back()));
        }
        return out;
    }

    result<bool> reserve_for_session(std::string_view iccid, std::string_view tid, std::string_view eid,
                                     std::int64_t now, std::int64_t expires_at) override
    {
        // One UPDATE decides the race: it matches only a Released profile with no live holder. A node that
        // loses waits for the winner's commit, re-checks the guards on the new row and matches nothing.
        auto n = command(stmt::reserve, pg::params{}.text(tid).int64(expires_at).int64(now).text(iccid).text(eid),
                         "reserve profile");
        if (!n) return n.take_error();
        return *n == 1;
    }

    result<bool> transition(std::string_view iccid, profile_state from, profile_state to, std::string_view tid,
                            const progress_event* event) override
    {
        pg::params a;
        a.text(to_string(to)).text(iccid).text(to_string(from)).text(tid);
        auto n = change(stmt::transition, a, event, "change profile state");
        if (!n) return n.take_error();
        return *n == 1;
    }

    result<bool> deliver(std::string_view iccid, std::string_view tid, std::string_view eid, byte_view der,
                         const progress_event* event) override
    {
        pg::params a;
        a.text(eid).blob(der).text(iccid).text(tid);
        auto n = change(stmt::deliver, a, event, "record delivery");
        if (!n) return n.take_error();
        return *n == 1;
    }

    result<void> set_state(std::string_view iccid, profile_state to, const progress_event* event) override
    {
        pg::params a;
        a.text(to_string(to)).text(iccid);
        return done(change(stmt::set_state, a, event, "change profile state"));
    }

    result<void> release_reservation(std::string_view iccid, std::string_view tid, const progress_event* event) override
    {
        pg::params a;
        a.text(iccid).text(tid);
        return done(change(stmt::release_reservation, a, event, "release reservation"));
    }

    result<void> put_session(const rsp_session_row& s) override
    {
        return done(
            command(stmt::put_session,
                    pg::params{}.text(s.transaction_id).text(s.iccid).text(s.stage).blob(s.data).int64(s.expires_at),
                    "store session"));
    }

    result<std::optional<rsp_session_row>> get_session(std::string_view tid, std::int64_t now) override
    {
        auto r = query(stmt::get_session, pg::params{}.text(tid).int64(now), "read session");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<rsp_session_row>{};
        rsp_session_row s;
        s.transaction_id = pg::column_text(r->get(), 0, 0);
        s.iccid = pg::column_text(r->get(), 0, 1);
        s.stage = pg::column_text(r->get(), 0, 2);
        s.data = pg::column_bytes(r->get(), 0, 3);
        s.expires_at = pg::column_int64(r->get(), 0, 4);
        return std::optional<rsp_session_row>{std::move(s)};
    }

    result<void> delete_session(std::string_view tid) override
    {
        return done(command(stmt::delete_session, pg::params{}.text(tid), "delete session"));
    }

    result<std::size_t> purge_expired_sessions(std::int64_t now) override
    {
        return command(stmt::purge_sessions, pg::params{}.int64(now), "purge sessions");
    }

    result<order_outcome> update_order(std::string_view iccid, std::string_view operator_id, profile_state from,
                                       const order_change& c) override
    {
        pg::params a;
        a.text(to_string(c.to));
        if (c.eid) a.text(*c.eid);
        else a.null();
        if (c.matching_id) a.text(*c.matching_id);
        else a.null();
        if (c.confirmation_code_hash) a.blob(*c.confirmation_code_hash);
        else a.null();
        a.int64(c.confirmation_code_hash ? 1 : 0).int64(c.reset ? 1 : 0);
        a.text(iccid).text(operator_id).text(to_string(from));
        if (c.allow_redownload) a.int64(*c.allow_redownload ? 1 : 0);
        else a.null();
        auto r = execute(stmt::update_order, a, "update order");
        if (!r) return r.take_error();
        if (is_error(r->get(), unique_violation)) return order_outcome::matching_id_taken;
        auto n = rows_changed(std::move(*r), "update order");
        if (!n) return n.take_error();
        return *n == 1 ? order_outcome::done : order_outcome::state_changed;
    }

    result<std::optional<std::string>> allocate_by_type(std::string_view operator_id, std::string_view profile_type,
                                                        profile_state to, std::string_view eid) override
    {
        auto r = query(stmt::allocate_by_type,
                       pg::params{}.text(to_string(to)).text(eid).text(operator_id).text(profile_type),
                       "allocate profile");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<std::string>{};
        return std::optional<std::string>{pg::column_text(r->get(), 0, 0)};
    }

    result<std::int64_t> record_confirmation_failure(std::string_view iccid, std::string_view tid, std::int64_t limit,
                                                     std::string_view reason, const progress_event* event) override
    {
        pg::params a;
        a.int64(limit).text(reason).text(iccid).text(tid);
        if (event) add_event(a, *event);
        auto r = event ? query_named(event_statement_name(stmt::record_cc_failure), a, "count confirmation code")
                       : query(stmt::record_cc_failure, a, "count confirmation code");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::int64_t{0};
        return pg::column_int64(r->get(), 0, 0);
    }

    result<bool> fail_download(std::string_view iccid, std::string_view tid, profile_state from,
                               std::string_view reason, const progress_event* event) override
    {
        pg::params a;
        a.text(reason).text(iccid).text(to_string(from)).text(tid);
        auto n = change(stmt::fail_download, a, event, "record failed download");
        if (!n) return n.take_error();
        return *n == 1;
    }

    result<bool> retry_after_failure(std::string_view iccid, std::string_view eid, std::int64_t max_downloads,
                                     std::int64_t max_cc) override
    {
        auto n = command(stmt::retry_after_failure,
                         pg::params{}.text(iccid).text(eid).int64(max_downloads).int64(max_cc), "retry download");
        if (!n) return n.take_error();
        return *n == 1;
    }

    result<void> add_operator(std::string_view name, byte_view token_hash) override
    {
        auto r = execute(stmt::add_operator, pg::params{}.text(name).blob(token_hash), "add operator");
        if (!r) return r.take_error();
        if (is_error(r->get(), unique_violation)) return fail("an operator named " + std::string(name) + " already exists");
        auto c = checked(std::move(*r), PGRES_COMMAND_OK, "add operator");
        if (!c) return c.take_error();
        return ok();
    }

    result<std::optional<std::string>> find_operator(byte_view token_hash) override
    {
        auto r = query(stmt::find_operator, pg::params{}.blob(token_hash), "find operator");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<std::string>{};
        return std::optional<std::string>{pg::column_text(r->get(), 0, 0)};
    }

    result<void> set_operator_callback(std::string_view name, std::string_view url) override
    {
        auto n = command(stmt::set_operator_callback, pg::params{}.text(url).text(name), "set operator callback");
        if (!n) return n.take_error();
        if (*n != 1) return fail("there is no operator named " + std::string(name));
        return ok();
    }

    result<std::optional<operator_record>> find_operator_by_name(std::string_view name) override
    {
        auto r = query(stmt::find_operator_by_name, pg::params{}.text(name), "find operator");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<operator_record>{};
        return std::optional<operator_record>{
            operator_record{pg::column_text(r->get(), 0, 0), pg::column_text(r->get(), 0, 1)}};
    }

    result<void> set_operator_client_cert(std::string_view name, byte_view cert_sha256) override
    {
        auto r = execute_named(operator_cert_statements[0].name, pg::params{}.blob(cert_sha256).text(name),
                               "set operator client certificate");
        if (!r) return r.take_error();
        if (is_error(r->get(), unique_violation))
            return fail("that client certificate is already registered to another operator");
        auto n = rows_changed(std::move(*r), "set operator client certificate");
        if (!n) return n.take_error();
        if (*n != 1) return fail("there is no operator named " + std::string(name));
        return ok();
    }

    result<std::optional<std::string>> find_operator_by_client_cert(byte_view cert_sha256) override
    {
        auto r = query_named(operator_cert_statements[1].name, pg::params{}.blob(cert_sha256),
                             "find operator by client certificate");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<std::string>{};
        return std::optional<std::string>{pg::column_text(r->get(), 0, 0)};
    }

    result<std::vector<progress_callback>> claim_progress_callbacks(std::int64_t now, std::int64_t lease_seconds,
                                                                    std::size_t max) override
    {
        auto r = query(stmt::claim_callbacks,
                       pg::params{}.int64(now + lease_seconds).int64(now).int64(static_cast<std::int64_t>(max)),
                       "claim progress callbacks");
        if (!r) return r.take_error();
        return read_callbacks(r->get());
    }

    result<void> progress_callback_delivered(std::string_view id) override
    {
        return done(command(stmt::callback_delivered, pg::params{}.text(id), "record delivered callback"));
    }

    result<void> progress_callback_failed(std::string_view id, std::int64_t next_attempt_at, bool abandon,
                                          std::string_view why) override
    {
        return done(command(stmt::callback_failed,
                            pg::params{}.int64(next_attempt_at).text(why).int64(abandon ? 1 : 0).text(id),
                            "record failed callback"));
    }

    result<std::vector<progress_callback>> list_progress_callbacks() override
    {
        auto r = query(stmt::list_callbacks, pg::params{}, "list progress callbacks");
        if (!r) return r.take_error();
        return read_callbacks(r->get());
    }

    result<std::vector<std::pair<profile_state, std::int64_t>>> count_by_state() override
    {
        auto r = query(stmt::count_by_state, pg::params{}, "count profiles");
        if (!r) return r.take_error();
        std::vector<std::pair<profile_state, std::int64_t>> out;
        for (int i = 0; i < ::PQntuples(r->get()); ++i)
            if (auto st = parse_profile_state(pg::column_text(r->get(), i, 0)))
                out.emplace_back(*st, pg::column_int64(r->get(), i, 1));
        return out;
    }

    result<std::size_t> reseal_profiles(std::size_t max) override
    {
        if (!m_sealer.has_key()) return fail("re-sealing needs a key-encryption key");
        auto r =
            query(stmt::list_to_reseal, pg::params{}.text(m_sealer.primary_id()).int64(static_cast<std::int64_t>(max)),
                  "list profiles to re-seal");
        if (!r) return r.take_error();
        std::size_t done_rows = 0;
        for (int i = 0; i < ::PQntuples(r->get()); ++i) {
            inventory_profile p = read_profile(r->get(), i);
            const std::string old_id = p.kek_id;
            OPENRSP_TRY_VOID(m_sealer.unseal(p));
            if (p.secrets_sealed)
                return fail("profile " + p.iccid + " is sealed under key-encryption key " + old_id +
                            ", which was not given");
            OPENRSP_TRY_VOID(m_sealer.seal(p));
            auto n =
                command(stmt::reseal,
                        pg::params{}.text(p.description_json).blob(p.upp).text(p.kek_id).text(p.iccid).text(old_id),
                        "re-seal profile");
            if (!n) return n.take_error();
            done_rows += *n;
        }
        return done_rows;
    }

    result<inventory_gauges> gauges(std::int64_t now) override
    {
        auto r = query_named("openrsp_gauges", pg::params{}.int64(now), "count for metrics");
        if (!r) return r.take_error();
        inventory_gauges g;
        for (int i = 0; i < ::PQntuples(r->get()); ++i) {
            const std::string kind = pg::column_text(r->get(), i, 0);
            const std::int64_t n = pg::column_int64(r->get(), i, 2);
            if (kind == "p") {
                if (auto st = parse_profile_state(pg::column_text(r->get(), i, 1))) g.profiles.emplace_back(*st, n);
            } else {
                (kind == "s" ? g.sessions : g.progress_callbacks).emplace_back(pg::column_text(r->get(), i, 1), n);
            }
        }
        return g;
    }

    result<std::vector<import_outcome>> import_profiles(const std::vector<inventory_profile>& batch,
                                                        bool all_or_nothing) override
    {
        if (m_require_key && !m_sealer.has_key())
            return fail("this inventory keeps profile secrets sealed: give the key-encryption key (--kek)");
        std::vector<inventory_profile> sealed(batch);
        for (auto& p : sealed)
            OPENRSP_TRY_VOID(m_sealer.seal(p));
        // One connection, one transaction: a batch is imported whole or not at all. No retry on a cut
        // connection here: the server rolls the open transaction back and a re-run imports the batch again.
        auto lease = m_pool.acquire();
        if (!lease) return lease.take_error();
        auto run = [&](const char* name, const pg::params& a, ExecStatusType expect) -> result<pg::result_ptr> {
            PGconn* c = lease->get();
            if (!c) return fail("lost the connection to PostgreSQL at " + m_pool.where() + " (import profiles)");
            pg::result_ptr r(::PQexecPrepared(c, name, a.count(), a.values(), a.lengths(), a.formats(), 1));
            if (!r || ::PQresultStatus(r.get()) != expect) {
                if (::PQstatus(c) == CONNECTION_BAD) lease->discard();
                return fail("database error (import profiles): " + pg::one_line(::PQerrorMessage(c)));
            }
            return r;
        };
        auto plain = [&](const char* sql) -> result<void> {
            PGconn* c = lease->get();
            if (!c) return fail("lost the connection to PostgreSQL at " + m_pool.where() + " (import profiles)");
            pg::result_ptr r(::PQexec(c, sql));
            if (!r || ::PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
                if (::PQstatus(c) == CONNECTION_BAD) lease->discard();
                return fail("database error (import profiles): " + pg::one_line(::PQerrorMessage(c)));
            }
            return ok();
        };
        OPENRSP_TRY_VOID(plain("BEGIN"));
        auto body = [&]() -> result<std::vector<import_outcome>> {
            std::vector<import_outcome> out;
            out.reserve(batch.size());
            for (std::size_t i = 0; i < sealed.size(); ++i) {
                const inventory_profile& p = sealed[i];
                pg::params a;
                add_profile_columns(a, p);
                auto r = run("openrsp_import_profile", a, PGRES_COMMAND_OK);
                if (!r) return r.take_error();
                if (std::strcmp(::PQcmdTuples(r->get()), "1") == 0) {
                    out.push_back(import_outcome::added);
                    continue;
                }
                auto found = run("openrsp_import_find", pg::params{}.text(p.iccid), PGRES_TUPLES_OK);
                if (!found) return found.take_error();
                bool same = false;
                if (::PQntuples(found->get()) == 1) {
                    inventory_profile existing = read_profile(found->get(), 0);
                    OPENRSP_TRY_VOID(m_sealer.unseal(existing));
                    same = same_import(existing, batch[i]);
                }
                out.push_back(same ? import_outcome::present : import_outcome::conflict);
            }
            return out;
        };
        auto out = body();
        bool keep = out.has_value();
        if (keep && all_or_nothing)
            for (auto o : *out)
                if (o == import_outcome::conflict) keep = false;
        if (!keep) {
            (void)plain("ROLLBACK");
            return out;
        }
        OPENRSP_TRY_VOID(plain("COMMIT"));
        return out;
    }

    result<std::optional<profile_state>> record_deletion(std::string_view iccid, const progress_event* event) override
    {
        pg::params a;
        a.text(iccid);
        if (event) add_event(a, *event);
        auto r = query_named(event ? "openrsp_record_deletion_event" : "openrsp_record_deletion", a,
                             "record deletion");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<profile_state>{};
        return parse_profile_state(pg::column_text(r->get(), 0, 0));
    }

    result<bool> set_redownload_policy(std::string_view iccid, std::string_view operator_id, bool allow) override
    {
        auto r = execute_named("openrsp_set_redownload", pg::params{}.int64(allow ? 1 : 0).text(iccid).text(operator_id),
                               "set re-download policy");
        if (!r) return r.take_error();
        auto n = rows_changed(std::move(*r), "set re-download policy");
        if (!n) return n.take_error();
        return *n == 1;
    }

    result<void> set_setting(std::string_view key, std::string_view value) override
    {
        return done(command(stmt::set_setting, pg::params{}.text(key).text(value), "store setting"));
    }

    result<std::optional<std::string>> get_setting(std::string_view key) override
    {
        auto r = query(stmt::get_setting, pg::params{}.text(key), "read setting");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<std::string>{};
        return std::optional<std::string>{pg::column_text(r->get(), 0, 0)};
    }

    /// Runs the migrations on a connection of its own, then opens the first pooled one so that a bad URL or
    /// password shows up here rather than on the first request.
    result<void> init()
    {
        auto c = m_pool.connect();
        if (!c) return c.take_error();
        if (auto r = migrate(c->get()); !r)
            return fail("cannot set up the inventory schema in PostgreSQL at " + m_pool.where() + ": " +
                        r.error().message);
        c->reset();
        {
            auto lease = m_pool.acquire();
            if (!lease) return lease.take_error();
        }
        // Once opened with a key, the inventory stays sealed (see the SQLite backend).
        if (m_sealer.has_key()) return set_setting("profile_sealing", "kek");
        auto mode = get_setting("profile_sealing");
        if (!mode) return mode.take_error();
        m_require_key = mode->value_or("") == "kek";
        return ok();
    }

private:
    // Runs a prepared statement and hands back its result whatever its status; fails only when no
    // connection could run it. A connection that sat idle may have been cut (server restart, failover,
    // idle timeout): the statement is then retried once on a fresh connection. That is safe even if the
    // cut came after the server committed, because every statement is guarded or idempotent: a repeated
    // reserve by the same session matches again, a repeated transition finds the state moved and says no.
    result<pg::result_ptr> execute(stmt s, const pg::params& a, const char* what)
    {
        return execute_named(statements[static_cast<std::size_t>(s)].name, a, what);
    }

    result<pg::result_ptr> execute_named(const std::string& name, const pg::params& a, const char* what)
    {
        for (int attempt = 0;; ++attempt) {
            auto lease = m_pool.acquire();
            if (!lease) return lease.take_error();
            pg::result_ptr r(
                ::PQexecPrepared(lease->get(), name.c_str(), a.count(), a.values(), a.lengths(), a.formats(), 1));
            if (::PQstatus(lease->get()) != CONNECTION_BAD && r) return r;
            const std::string why = pg::one_line(::PQerrorMessage(lease->get()));
            const bool retry = attempt == 0 && lease->reused();
            lease->discard();
            if (retry) {
                m_pool.drop_idle();
                continue;
            }
            return fail("lost the connection to PostgreSQL at " + m_pool.where() + " (" + what + "): " + why);
        }
    }

    result<pg::result_ptr> checked(pg::result_ptr r, ExecStatusType expect, const char* what)
    {
        if (::PQresultStatus(r.get()) != expect)
            return fail(std::string("database error (") + what + "): " + pg::one_line(::PQresultErrorMessage(r.get())));
        return r;
    }

    result<pg::result_ptr> query_named(const std::string& name, const pg::params& a, const char* what)
    {
        auto r = execute_named(name, a, what);
        if (!r) return r.take_error();
        return checked(std::move(*r), PGRES_TUPLES_OK, what);
    }

    static void add_event(pg::params& a, const progress_event& e)
    {
        a.text(e.id).int64(e.notification_point_id).int64(e.success ? 1 : 0).text(e.subject_code).text(e.reason_code);
        a.text(e.message).text(e.result_data).int64(e.time);
    }

    // A guarded change, with its progress event queued in the same statement when there is one; rows changed.
    result<std::size_t> change(stmt s, pg::params& a, const progress_event* event, const char* what)
    {
        if (!event) return command(s, a, what);
        add_event(a, *event);
        auto r = query_named(event_statement_name(s), a, what);
        if (!r) return r.take_error();
        return static_cast<std::size_t>(::PQntuples(r->get()));
    }

    static std::vector<progress_callback> read_callbacks(const PGresult* r)
    {
        std::vector<progress_callback> out;
        for (int i = 0; i < ::PQntuples(r); ++i) {
            progress_callback c;
            c.event.id = pg::column_text(r, i, 0);
            c.operator_id = pg::column_text(r, i, 1);
            c.iccid = pg::column_text(r, i, 2);
            c.eid = pg::column_text(r, i, 3);
            c.profile_type = pg::column_text(r, i, 4);
            c.event.notification_point_id = pg::column_int64(r, i, 5);
            c.event.success = pg::column_int64(r, i, 6) != 0;
            c.event.subject_code = pg::column_text(r, i, 7);
            c.event.reason_code = pg::column_text(r, i, 8);
            c.event.message = pg::column_text(r, i, 9);
            c.event.result_data = pg::column_text(r, i, 10);
            c.event.time = pg::column_int64(r, i, 11);
            c.state = pg::column_text(r, i, 12);
            c.attempts = pg::column_int64(r, i, 13);
            c.next_attempt_at = pg::column_int64(r, i, 14);
            c.last_error = pg::column_text(r, i, 15);
            c.seq = pg::column_int64(r, i, 16);
            out.push_back(std::move(c));
        }
        return out;
    }

    result<pg::result_ptr> query(stmt s, const pg::params& a, const char* what)
    {
        auto r = execute(s, a, what);
        if (!r) return r.take_error();
        return checked(std::move(*r), PGRES_TUPLES_OK, what);
    }

    // Runs an INSERT/UPDATE/DELETE and returns how many rows it touched.
    result<std::size_t> command(stmt s, const pg::params& a, const char* what)
    {
        auto r = execute(s, a, what);
        if (!r) return r.take_error();
        return rows_changed(std::move(*r), what);
    }

    result<std::size_t> rows_changed(pg::result_ptr r, const char* what)
    {
        auto c = checked(std::move(r), PGRES_COMMAND_OK, what);
        if (!c) return c.take_error();
        const char* tuples = ::PQcmdTuples(c->get());
        std::size_t n = 0;
        std::from_chars(tuples, tuples + std::strlen(tuples), n);
        return n;
    }

    result<std::optional<inventory_profile>> find_one(stmt s, std::string_view key)
    {
        auto r = query(s, pg::params{}.text(key), "read profile");
        if (!r) return r.take_error();
        if (::PQntuples(r->get()) == 0) return std::optional<inventory_profile>{};
        inventory_profile p = read_profile(r->get(), 0);
        OPENRSP_TRY_VOID(m_sealer.unseal(p));
        return std::optional<inventory_profile>{std::move(p)};
    }

    static bool is_error(const PGresult* r, const char* sqlstate)
    {
        const char* code = ::PQresultErrorField(r, PG_DIAG_SQLSTATE);
        return code && std::strcmp(code, sqlstate) == 0;
    }

    static result<void> done(const result<std::size_t>& r) { return r ? ok() : r.take_error(); }

    pg::pool m_pool;
    sealer m_sealer;
    bool m_require_key = false;
};

} // namespace

result<std::unique_ptr<inventory>> open_postgres(const std::string& url, key_ring keys)
{
    auto cfg = pg::parse_url(url);
    if (!cfg) return cfg.take_error();
    auto inv = std::make_unique<postgres_inventory>(std::move(*cfg), std::move(keys));
    OPENRSP_TRY_VOID(inv->init());
    return std::unique_ptr<inventory>(std::move(inv));
}

} // namespace openrsp::store
