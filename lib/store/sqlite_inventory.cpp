#include "import_rules.h"
#include "sealing.h"
#include "sqlite_migrations.h"

#include "openrsp/store/store.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <mutex>
#include <thread>

namespace openrsp::store {

namespace {

constexpr std::array state_names{"available", "allocated", "linked",  "confirmed", "released",    "downloaded",
                                 "installed", "enabled",   "disabled", "deleted",  "error", "unavailable"};

struct db_closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

class sqlite_inventory final : public inventory {
public:
    sqlite_inventory(sqlite3* db, key_ring keys) : m_db(db), m_sealer(std::move(keys)) {}

    result<void> init(const std::string& path)
    {
        OPENRSP_TRY_VOID(migrate());
        OPENRSP_TRY_VOID(attach_sessions(path));
        OPENRSP_TRY_VOID(open_relaxed(path));
        // Once opened with a key, the inventory stays sealed: a later shell command without --kek must not add
        // profiles in clear next to sealed ones.
        if (m_sealer.has_key()) return set_setting(sealing_setting, "kek");
        auto mode = get_setting(sealing_setting);
        if (!mode) return mode.take_error();
        m_require_key = mode->value_or("") == "kek";
        return ok();
    }

    result<void> open_relaxed(const std::string& path)
    {
        if (path.empty() || path == ":memory:") return ok();
        sqlite3* raw = nullptr;
        const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
        m_relaxed_db.reset(raw);
        if (rc != SQLITE_OK)
            return fail(std::string("cannot open a second connection: ") + (raw ? sqlite3_errmsg(raw) : "out of memory"));
        sqlite3_busy_timeout(raw, 5000);
        if (sqlite3_exec(raw, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK)
            return fail(std::string("cannot configure a second connection: ") + sqlite3_errmsg(raw));
        return ok();
    }

    // RSP sessions live minutes and a lost one only makes a phone start its download again, so they sit in a
    // separate database file written without an fsync per commit; the profile inventory keeps FULL.
    result<void> attach_sessions(const std::string& path)
    {
        const bool in_memory = path.empty() || path == ":memory:";
        const std::string file = in_memory ? ":memory:" : path + "-sessions";
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(m_db.get(), "ATTACH DATABASE ? AS rsp_sessions", -1, &raw, nullptr) != SQLITE_OK)
            return fail(std::string("database error: ") + sqlite3_errmsg(m_db.get()));
        stmt_ptr attach(raw);
        bind_text(attach.get(), 1, file);
        if (sqlite3_step(attach.get()) != SQLITE_DONE)
            return fail("cannot open the session database " + file + ": " + sqlite3_errmsg(m_db.get()));
        if (!in_memory) OPENRSP_TRY_VOID(switch_to_wal("rsp_sessions."));
        OPENRSP_TRY_VOID(exec("PRAGMA rsp_sessions.synchronous=NORMAL"));
        return exec("CREATE TABLE IF NOT EXISTS rsp_sessions.sessions (tid TEXT PRIMARY KEY, iccid TEXT NOT NULL "
                    "DEFAULT '', stage TEXT NOT NULL, data BLOB NOT NULL, expires_at INTEGER NOT NULL);"
                    "CREATE INDEX IF NOT EXISTS rsp_sessions.sessions_expiry ON sessions(expires_at);");
    }

    result<void> migrate()
    {
        // The busy timeout comes first: another process opening the same file at once holds the lock that
        // switching to WAL needs.
        sqlite3_busy_timeout(m_db.get(), 5000);
        OPENRSP_TRY_VOID(switch_to_wal(""));
        // FULL: a commit is on disk before the SM-DP+ answers. NORMAL would let a power cut undo a delivered
        // BPP's Downloaded state and its EID binding, and the profile could then be issued a second time.
        OPENRSP_TRY_VOID(exec("PRAGMA synchronous=FULL"));
        OPENRSP_TRY_VOID(exec("PRAGMA foreign_keys=ON"));
        // Space freed by an update (say, a profile re-sealed under a new key) is zeroed in the pages being written
        // anyway, so old secrets do not linger in free space; FAST costs no extra I/O.
        OPENRSP_TRY_VOID(exec("PRAGMA secure_delete=FAST"));
        const int target = static_cast<int>(std::size(sqlite_schema::migrations));
        for (;;) {
            // The version is read under the write lock, so of several processes starting at once only the
            // first applies a migration and the others find it done.
            OPENRSP_TRY_VOID(exec("BEGIN IMMEDIATE"));
            int version = 0;
            {
                auto s = prepare_raw("PRAGMA user_version");
                if (!s) {
                    (void)exec("ROLLBACK");
                    return s.take_error();
                }
                if (sqlite3_step(s->get()) == SQLITE_ROW) version = sqlite3_column_int(s->get(), 0);
            }
            if (version >= target) return exec("COMMIT");
            auto r = exec(sqlite_schema::migrations[version]);
            if (r) r = exec("PRAGMA user_version=" + std::to_string(version + 1));
            if (!r) {
                (void)exec("ROLLBACK");
                return r;
            }
            OPENRSP_TRY_VOID(exec("COMMIT"));
        }
    }

    result<void> add_profile(const inventory_profile& clear) override
    {
        if (m_require_key && !m_sealer.has_key())
            return fail("this inventory keeps profile secrets sealed: give the key-encryption key (--kek)");
        inventory_profile p = clear;
        OPENRSP_TRY_VOID(m_sealer.seal(p));
        std::lock_guard lock(m_mutex);
        auto s = stmt(0, insert_profile_sql);
        if (!s) return s.take_error();
        bind_profile(*s, p);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_CONSTRAINT) {
            return fail("a profile with ICCID " + p.iccid + " or matching ID " + p.matching_id +
                        " is already in the inventory");
        }
        if (rc != SQLITE_DONE) return db_error("add profile");
        return ok();
    }

    result<std::optional<inventory_profile>> find_by_matching_id(std::string_view mid) override
    {
        return find_one(1, "SELECT " + std::string(columns) + " FROM profiles WHERE matching_id=?", mid);
    }
    result<std::optional<inventory_profile>> find_by_iccid(std::string_view iccid) override
    {
        return find_one(2, "SELECT " + std::string(columns) + " FROM profiles WHERE iccid=?", iccid);
    }

    result<std::vector<inventory_profile>> list_profiles() override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(3, "SELECT " + std::string(columns) + " FROM profiles ORDER BY iccid");
        if (!s) return s.take_error();
        std::vector<inventory_profile> out;
        int rc;
        while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
            out.push_back(read_profile(*s));
            OPENRSP_TRY_VOID(m_sealer.unseal(out.back()));
        }
        if (rc != SQLITE_DONE) return db_error("list profiles");
        return out;
    }

    result<bool> reserve_for_session(std::string_view iccid, std::string_view tid, std::string_view eid,
                                     std::int64_t now, std::int64_t expires_at) override
    {
        std::lock_guard lock(m_mutex);
        // One UPDATE decides the race: it matches only a Released profile with no live holder.
        static constexpr const char* sql = "UPDATE profiles SET session_tid=?, session_expires_at=?, updated_at=? "
                                           "WHERE iccid=? AND state='released' AND (session_tid='' OR session_tid=? OR "
                                           "session_expires_at<=?) AND (eid='' OR eid=?)";
        // The reservation needs no fsync of its own, so it goes through a connection that commits without one. It
        // only guards a live session, which sits in the unsynced session database; the WAL is append-only, so the
        // next durable commit (the delivery, which checks this reservation) syncs it too, and a power cut loses
        // the reservation only together with its session.
        sqlite3* db = m_relaxed_db ? m_relaxed_db.get() : m_db.get();
        if (!m_reserve_stmt) {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK)
                return fail(std::string("database error (reserve profile): ") + sqlite3_errmsg(db));
            m_reserve_stmt.reset(raw);
        }
        sqlite3_stmt* st = m_reserve_stmt.get();
        bind_text(st, 1, tid);
        sqlite3_bind_int64(st, 2, expires_at);
        sqlite3_bind_int64(st, 3, now);
        bind_text(st, 4, iccid);
        bind_text(st, 5, tid);
        sqlite3_bind_int64(st, 6, now);
        bind_text(st, 7, eid);
        const int rc = sqlite3_step(st);
        const int changed = sqlite3_changes(db);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) return fail(std::string("database error (reserve profile): ") + sqlite3_errmsg(db));
        return changed == 1;
    }

    result<bool> transition(std::string_view iccid, profile_state from, profile_state to, std::string_view tid,
                            const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        return with_event(iccid, event, [&] { return transition_locked(iccid, from, to, tid); });
    }

    result<bool> transition_locked(std::string_view iccid, profile_state from, profile_state to, std::string_view tid)
    {
        auto s = stmt(5, "UPDATE profiles SET state=?, updated_at=strftime('%s','now') "
                         "WHERE iccid=? AND state=? AND session_tid=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, to_string(to));
        bind_text(*s, 2, iccid);
        bind_text(*s, 3, to_string(from));
        bind_text(*s, 4, tid);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("change profile state");
        return sqlite3_changes(m_db.get()) == 1;
    }

    result<bool> deliver(std::string_view iccid, std::string_view tid, std::string_view eid, byte_view der,
                         const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        return with_event(iccid, event, [&]() -> result<bool> {
            auto s = stmt(6, "UPDATE profiles SET state='downloaded', eid=?, euicc_certificate=?, "
                             "download_attempts=download_attempts+1, "
                             "updated_at=strftime('%s','now') WHERE iccid=? AND state='released' AND session_tid=?");
            if (!s) return s.take_error();
            bind_text(*s, 1, eid);
            bind_blob(*s, 2, der);
            bind_text(*s, 3, iccid);
            bind_text(*s, 4, tid);
            if (sqlite3_step(*s) != SQLITE_DONE) return db_error("record delivery");
            return sqlite3_changes(m_db.get()) == 1;
        });
    }

    result<void> set_state(std::string_view iccid, profile_state to, const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        auto r = with_event(iccid, event, [&]() -> result<bool> {
            auto s = stmt(7, "UPDATE profiles SET state=?, updated_at=strftime('%s','now') WHERE iccid=?");
            if (!s) return s.take_error();
            bind_text(*s, 1, to_string(to));
            bind_text(*s, 2, iccid);
            if (sqlite3_step(*s) != SQLITE_DONE) return db_error("change profile state");
            return sqlite3_changes(m_db.get()) == 1;
        });
        return r ? ok() : r.take_error();
    }

    result<void> release_reservation(std::string_view iccid, std::string_view tid, const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        auto r = with_event(iccid, event, [&]() -> result<bool> {
            auto s = stmt(8, "UPDATE profiles SET session_tid='', session_expires_at=0 "
                             "WHERE iccid=? AND session_tid=? AND state='released'");
            if (!s) return s.take_error();
            bind_text(*s, 1, iccid);
            bind_text(*s, 2, tid);
            if (sqlite3_step(*s) != SQLITE_DONE) return db_error("release reservation");
            return sqlite3_changes(m_db.get()) == 1;
        });
        return r ? ok() : r.take_error();
    }

    result<void> put_session(const rsp_session_row& r) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(9, "INSERT INTO rsp_sessions.sessions(tid, iccid, stage, data, expires_at) VALUES(?,?,?,?,?) "
                         "ON CONFLICT(tid) DO UPDATE SET iccid=excluded.iccid, stage=excluded.stage, "
                         "data=excluded.data, expires_at=excluded.expires_at");
        if (!s) return s.take_error();
        bind_text(*s, 1, r.transaction_id);
        bind_text(*s, 2, r.iccid);
        bind_text(*s, 3, r.stage);
        bind_blob(*s, 4, r.data);
        sqlite3_bind_int64(*s, 5, r.expires_at);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("store session");
        return ok();
    }

    result<std::optional<rsp_session_row>> get_session(std::string_view tid, std::int64_t now) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(10, "SELECT tid, iccid, stage, data, expires_at FROM rsp_sessions.sessions WHERE tid=? AND expires_at>?");
        if (!s) return s.take_error();
        bind_text(*s, 1, tid);
        sqlite3_bind_int64(*s, 2, now);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<rsp_session_row>{};
        if (rc != SQLITE_ROW) return db_error("read session");
        rsp_session_row r;
        r.transaction_id = text(*s, 0);
        r.iccid = text(*s, 1);
        r.stage = text(*s, 2);
        r.data = blob(*s, 3);
        r.expires_at = sqlite3_column_int64(*s, 4);
        return std::optional<rsp_session_row>{std::move(r)};
    }

    result<void> delete_session(std::string_view tid) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(11, "DELETE FROM rsp_sessions.sessions WHERE tid=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, tid);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("delete session");
        return ok();
    }

    result<std::size_t> purge_expired_sessions(std::int64_t now) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(12, "DELETE FROM rsp_sessions.sessions WHERE expires_at<=?");
        if (!s) return s.take_error();
        sqlite3_bind_int64(*s, 1, now);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("purge sessions");
        return static_cast<std::size_t>(sqlite3_changes(m_db.get()));
    }

    result<order_outcome> update_order(std::string_view iccid, std::string_view operator_id, profile_state from,
                                       const order_change& c) override
    {
        std::lock_guard lock(m_mutex);
        // NULL parameters keep a column; ?6=1 (reset) returns the profile to a blank inventory entry.
        auto s = stmt(15, "UPDATE profiles SET state=?1, "
                          "eid=CASE WHEN ?6=1 THEN '' ELSE coalesce(?2, eid) END, "
                          "matching_id=CASE WHEN ?6=1 THEN NULL ELSE coalesce(?3, matching_id) END, "
                          "cc_hash=CASE WHEN ?6=1 THEN NULL WHEN ?5=1 THEN nullif(?4, x'') ELSE cc_hash END, "
                          "session_tid=CASE WHEN ?6=1 THEN '' ELSE session_tid END, "
                          "session_expires_at=CASE WHEN ?6=1 THEN 0 ELSE session_expires_at END, "
                          "euicc_certificate=CASE WHEN ?6=1 THEN NULL ELSE euicc_certificate END, "
                          "cc_attempts=CASE WHEN ?6=1 THEN 0 ELSE cc_attempts END, "
                          "download_attempts=CASE WHEN ?6=1 THEN 0 ELSE download_attempts END, "
                          "last_error=CASE WHEN ?6=1 THEN '' ELSE last_error END, "
                          "allow_redownload=CASE WHEN ?6=1 THEN 0 ELSE coalesce(?10, allow_redownload) END, "
                          "updated_at=strftime('%s','now') WHERE iccid=?7 AND operator_id=?8 AND state=?9");
        if (!s) return s.take_error();
        bind_text(*s, 1, to_string(c.to));
        if (c.eid) bind_text(*s, 2, *c.eid);
        if (c.matching_id) bind_text(*s, 3, *c.matching_id);
        if (c.confirmation_code_hash) bind_blob(*s, 4, *c.confirmation_code_hash);
        sqlite3_bind_int(*s, 5, c.confirmation_code_hash ? 1 : 0);
        sqlite3_bind_int(*s, 6, c.reset ? 1 : 0);
        bind_text(*s, 7, iccid);
        bind_text(*s, 8, operator_id);
        bind_text(*s, 9, to_string(from));
        if (c.allow_redownload) sqlite3_bind_int(*s, 10, *c.allow_redownload ? 1 : 0);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_CONSTRAINT) return order_outcome::matching_id_taken;
        if (rc != SQLITE_DONE) return db_error("update order");
        return sqlite3_changes(m_db.get()) == 1 ? order_outcome::done : order_outcome::state_changed;
    }

    result<std::optional<std::string>> allocate_by_type(std::string_view operator_id, std::string_view profile_type,
                                                        profile_state to, std::string_view eid) override
    {
        std::lock_guard lock(m_mutex);
        // One statement under SQLite's write lock: the sub-select and the update see the same row.
        auto s = stmt(16, "UPDATE profiles SET state=?1, eid=?2, updated_at=strftime('%s','now') "
                          "WHERE iccid=(SELECT iccid FROM profiles WHERE operator_id=?3 AND profile_type=?4 AND "
                          "state='available' ORDER BY iccid LIMIT 1) AND state='available' RETURNING iccid");
        if (!s) return s.take_error();
        bind_text(*s, 1, to_string(to));
        bind_text(*s, 2, eid);
        bind_text(*s, 3, operator_id);
        bind_text(*s, 4, profile_type);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<std::string>{};
        if (rc != SQLITE_ROW) return db_error("allocate profile");
        std::string iccid_out = text(*s, 0);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("allocate profile");
        return std::optional<std::string>{std::move(iccid_out)};
    }

    result<std::int64_t> record_confirmation_failure(std::string_view iccid, std::string_view tid, std::int64_t limit,
                                                     std::string_view reason, const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        if (!event) return count_cc_failure(iccid, tid, limit, reason);
        OPENRSP_TRY_VOID(exec("BEGIN IMMEDIATE"));
        auto n = count_cc_failure(iccid, tid, limit, reason);
        // Only the failure that locks the order is news for the operator.
        result<void> queued = ok();
        if (n && *n >= limit) queued = queue_event(iccid, *event);
        if (!n || !queued || !exec("COMMIT")) {
            (void)exec("ROLLBACK");
            if (!n) return n.take_error();
            return queued ? db_error("count confirmation code") : queued.take_error();
        }
        return n;
    }

    result<std::int64_t> count_cc_failure(std::string_view iccid, std::string_view tid, std::int64_t limit,
                                          std::string_view reason)
    {
        auto s = stmt(17, "UPDATE profiles SET cc_attempts=cc_attempts+1, "
                          "state=CASE WHEN cc_attempts+1>=?1 THEN 'error' ELSE state END, "
                          "last_error=CASE WHEN cc_attempts+1>=?1 THEN ?2 ELSE last_error END, "
                          "session_tid=CASE WHEN cc_attempts+1>=?1 THEN '' ELSE session_tid END, "
                          "updated_at=strftime('%s','now') "
                          "WHERE iccid=?3 AND session_tid=?4 AND state='released' RETURNING cc_attempts");
        if (!s) return s.take_error();
        sqlite3_bind_int64(*s, 1, limit);
        bind_text(*s, 2, reason);
        bind_text(*s, 3, iccid);
        bind_text(*s, 4, tid);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::int64_t{0};
        if (rc != SQLITE_ROW) return db_error("count confirmation code");
        const std::int64_t n = sqlite3_column_int64(*s, 0);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("count confirmation code");
        return n;
    }

    result<bool> fail_download(std::string_view iccid, std::string_view tid, profile_state from,
                               std::string_view reason, const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        return with_event(iccid, event, [&]() -> result<bool> {
            auto s = stmt(18, "UPDATE profiles SET state='error', last_error=?, updated_at=strftime('%s','now') "
                              "WHERE iccid=? AND state=? AND session_tid=?");
            if (!s) return s.take_error();
            bind_text(*s, 1, reason);
            bind_text(*s, 2, iccid);
            bind_text(*s, 3, to_string(from));
            bind_text(*s, 4, tid);
            if (sqlite3_step(*s) != SQLITE_DONE) return db_error("record failed download");
            return sqlite3_changes(m_db.get()) == 1;
        });
    }

    result<bool> retry_after_failure(std::string_view iccid, std::string_view eid, std::int64_t max_downloads,
                                     std::int64_t max_cc) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(19, "UPDATE profiles SET state='released', session_tid='', session_expires_at=0, "
                          "updated_at=strftime('%s','now') WHERE iccid=? AND state='error' AND (eid='' OR eid=?) "
                          "AND download_attempts<? AND cc_attempts<?");
        if (!s) return s.take_error();
        bind_text(*s, 1, iccid);
        bind_text(*s, 2, eid);
        sqlite3_bind_int64(*s, 3, max_downloads);
        sqlite3_bind_int64(*s, 4, max_cc);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("retry download");
        return sqlite3_changes(m_db.get()) == 1;
    }

    result<void> add_operator(std::string_view name, byte_view token_hash) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(20, "INSERT INTO operators(name, token_hash) VALUES(?,?)");
        if (!s) return s.take_error();
        bind_text(*s, 1, name);
        bind_blob(*s, 2, token_hash);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_CONSTRAINT) return fail("an operator named " + std::string(name) + " already exists");
        if (rc != SQLITE_DONE) return db_error("add operator");
        return ok();
    }

    result<std::optional<std::string>> find_operator(byte_view token_hash) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(21, "SELECT name FROM operators WHERE token_hash=?");
        if (!s) return s.take_error();
        bind_blob(*s, 1, token_hash);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<std::string>{};
        if (rc != SQLITE_ROW) return db_error("find operator");
        return std::optional<std::string>{text(*s, 0)};
    }

    result<void> set_operator_callback(std::string_view name, std::string_view url) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(23, "UPDATE operators SET callback_url=? WHERE name=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, url);
        bind_text(*s, 2, name);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("set operator callback");
        if (sqlite3_changes(m_db.get()) != 1) return fail("there is no operator named " + std::string(name));
        return ok();
    }

    result<std::optional<operator_record>> find_operator_by_name(std::string_view name) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(24, "SELECT name, callback_url FROM operators WHERE name=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, name);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<operator_record>{};
        if (rc != SQLITE_ROW) return db_error("find operator");
        return std::optional<operator_record>{operator_record{text(*s, 0), text(*s, 1)}};
    }

    // Client-certificate statements are prepared per call (not cached in m_stmts): one ES2+ request each, and
    // preparing costs microseconds next to the TLS handshake that produced the certificate.
    result<void> set_operator_client_cert(std::string_view name, byte_view cert_sha256) override
    {
        std::lock_guard lock(m_mutex);
        auto s = prepare_raw("UPDATE operators SET client_cert_sha256=? WHERE name=?");
        if (!s) return s.take_error();
        bind_blob(s->get(), 1, cert_sha256);
        bind_text(s->get(), 2, name);
        const int rc = sqlite3_step(s->get());
        if (rc == SQLITE_CONSTRAINT) return fail("that client certificate is already registered to another operator");
        if (rc != SQLITE_DONE) return db_error("set operator client certificate");
        if (sqlite3_changes(m_db.get()) != 1) return fail("there is no operator named " + std::string(name));
        return ok();
    }

    result<std::optional<std::string>> find_operator_by_client_cert(byte_view cert_sha256) override
    {
        std::lock_guard lock(m_mutex);
        auto s = prepare_raw("SELECT name FROM operators WHERE client_cert_sha256=?");
        if (!s) return s.take_error();
        bind_blob(s->get(), 1, cert_sha256);
        const int rc = sqlite3_step(s->get());
        if (rc == SQLITE_DONE) return std::optional<std::string>{};
        if (rc != SQLITE_ROW) return db_error("find operator by client certificate");
        return std::optional<std::string>{text(s->get(), 0)};
    }

    result<std::vector<progress_callback>> claim_progress_callbacks(std::int64_t now, std::int64_t lease_seconds,
                                                                    std::size_t max) override
    {
        std::lock_guard lock(m_mutex);
        // One statement under the write lock: of several processes polling the same file, each row goes to one.
        auto s = stmt(25, "UPDATE progress_callbacks SET lease_until=?1 WHERE rowid IN (SELECT rowid FROM "
                          "progress_callbacks WHERE state='pending' AND next_attempt_at<=?2 AND lease_until<=?2 "
                          "ORDER BY next_attempt_at, rowid LIMIT ?3) RETURNING " +
                              std::string(callback_columns));
        if (!s) return s.take_error();
        sqlite3_bind_int64(*s, 1, now + lease_seconds);
        sqlite3_bind_int64(*s, 2, now);
        sqlite3_bind_int64(*s, 3, static_cast<std::int64_t>(max));
        return read_callbacks(*s, "claim progress callbacks");
    }

    result<void> progress_callback_delivered(std::string_view id) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(26, "UPDATE progress_callbacks SET state='delivered', lease_until=0, last_error='' WHERE id=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, id);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("record delivered callback");
        return ok();
    }

    result<void> progress_callback_failed(std::string_view id, std::int64_t next_attempt_at, bool abandon,
                                          std::string_view why) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(27, "UPDATE progress_callbacks SET attempts=attempts+1, next_attempt_at=?1, lease_until=0, "
                          "last_error=?2, state=CASE WHEN ?3=1 THEN 'abandoned' ELSE state END "
                          "WHERE id=?4 AND state='pending'");
        if (!s) return s.take_error();
        sqlite3_bind_int64(*s, 1, next_attempt_at);
        bind_text(*s, 2, why);
        sqlite3_bind_int(*s, 3, abandon ? 1 : 0);
        bind_text(*s, 4, id);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("record failed callback");
        return ok();
    }

    result<std::vector<progress_callback>> list_progress_callbacks() override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(28, "SELECT " + std::string(callback_columns) + " FROM progress_callbacks ORDER BY rowid");
        if (!s) return s.take_error();
        return read_callbacks(*s, "list progress callbacks");
    }

    result<std::vector<std::pair<profile_state, std::int64_t>>> count_by_state() override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(22, "SELECT state, count(*) FROM profiles GROUP BY state ORDER BY state");
        if (!s) return s.take_error();
        std::vector<std::pair<profile_state, std::int64_t>> out;
        int rc;
        while ((rc = sqlite3_step(*s)) == SQLITE_ROW)
            if (auto st = parse_profile_state(text(*s, 0))) out.emplace_back(*st, sqlite3_column_int64(*s, 1));
        if (rc != SQLITE_DONE) return db_error("count profiles");
        return out;
    }

    result<std::size_t> reseal_profiles(std::size_t max) override
    {
        if (!m_sealer.has_key()) return fail("re-sealing needs a key-encryption key");
        std::vector<inventory_profile> batch;
        {
            std::lock_guard lock(m_mutex);
            auto s =
                stmt(30, "SELECT " + std::string(columns) + " FROM profiles WHERE kek_id<>? ORDER BY iccid LIMIT ?");
            if (!s) return s.take_error();
            bind_text(*s, 1, m_sealer.primary_id());
            sqlite3_bind_int64(*s, 2, static_cast<std::int64_t>(max));
            int rc;
            while ((rc = sqlite3_step(*s)) == SQLITE_ROW)
                batch.push_back(read_profile(*s));
            if (rc != SQLITE_DONE) return db_error("list profiles to re-seal");
        }
        std::size_t done = 0;
        for (auto& p : batch) {
            const std::string old_id = p.kek_id;
            OPENRSP_TRY_VOID(m_sealer.unseal(p));
            if (p.secrets_sealed)
                return fail("profile " + p.iccid + " is sealed under key-encryption key " + old_id +
                            ", which was not given");
            OPENRSP_TRY_VOID(m_sealer.seal(p));
            std::lock_guard lock(m_mutex);
            // Guarded by the old key id: a concurrent re-seal of the same row wins once.
            auto s = stmt(31, "UPDATE profiles SET description=?, upp=?, kek_id=? WHERE iccid=? AND kek_id=?");
            if (!s) return s.take_error();
            bind_text(*s, 1, p.description_json);
            bind_blob(*s, 2, p.upp);
            bind_text(*s, 3, p.kek_id);
            bind_text(*s, 4, p.iccid);
            bind_text(*s, 5, old_id);
            if (sqlite3_step(*s) != SQLITE_DONE) return db_error("re-seal profile");
            done += static_cast<std::size_t>(sqlite3_changes(m_db.get()));
        }
        if (done > 0) {
            // The WAL still holds the pages as they were before; fold it into the database and truncate it. Busy
            // readers only postpone that to a later checkpoint, so the result is not an error.
            std::lock_guard lock(m_mutex);
            (void)exec("PRAGMA main.wal_checkpoint(TRUNCATE)");
        }
        return done;
    }

    result<inventory_gauges> gauges(std::int64_t now) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(40, "SELECT 'p', state, count(*) FROM profiles GROUP BY state UNION ALL "
                          "SELECT 's', stage, count(*) FROM rsp_sessions.sessions WHERE expires_at>?1 GROUP BY stage "
                          "UNION ALL SELECT 'c', state, count(*) FROM progress_callbacks GROUP BY state");
        if (!s) return s.take_error();
        sqlite3_bind_int64(*s, 1, now);
        inventory_gauges g;
        int rc;
        while ((rc = sqlite3_step(*s)) == SQLITE_ROW) {
            const std::string kind = text(*s, 0);
            const std::int64_t n = sqlite3_column_int64(*s, 2);
            if (kind == "p") {
                if (auto st = parse_profile_state(text(*s, 1))) g.profiles.emplace_back(*st, n);
            } else {
                (kind == "s" ? g.sessions : g.progress_callbacks).emplace_back(text(*s, 1), n);
            }
        }
        if (rc != SQLITE_DONE) return db_error("count for metrics");
        return g;
    }

    result<std::vector<import_outcome>> import_profiles(const std::vector<inventory_profile>& batch,
                                                        bool all_or_nothing) override
    {
        if (m_require_key && !m_sealer.has_key())
            return fail("this inventory keeps profile secrets sealed: give the key-encryption key (--kek)");
        // Sealing (AES-GCM per row) happens before the write lock is taken.
        std::vector<inventory_profile> sealed(batch);
        for (auto& p : sealed)
            OPENRSP_TRY_VOID(m_sealer.seal(p));
        std::lock_guard lock(m_mutex);
        OPENRSP_TRY_VOID(exec("BEGIN IMMEDIATE"));
        auto body = [&]() -> result<std::vector<import_outcome>> {
            std::vector<import_outcome> out;
            out.reserve(batch.size());
            for (std::size_t i = 0; i < sealed.size(); ++i) {
                const inventory_profile& p = sealed[i];
                // DO NOTHING on any uniqueness clash: the ICCID (a re-run) or a matching ID held by another row.
                auto s = stmt(41, std::string(insert_profile_sql) + " ON CONFLICT DO NOTHING");
                if (!s) return s.take_error();
                bind_profile(*s, p);
                if (sqlite3_step(*s) != SQLITE_DONE) return db_error("import profile");
                if (sqlite3_changes(m_db.get()) == 1) {
                    out.push_back(import_outcome::added);
                    continue;
                }
                auto existing = find_locked(p.iccid);
                if (!existing) return existing.take_error();
                out.push_back(*existing && same_import(**existing, batch[i]) ? import_outcome::present
                                                                             : import_outcome::conflict);
            }
            return out;
        };
        auto out = body();
        bool keep = out.has_value();
        if (keep && all_or_nothing)
            for (auto o : *out)
                if (o == import_outcome::conflict) keep = false;
        if (!keep) {
            (void)exec("ROLLBACK");
            return out;
        }
        if (auto c = exec("COMMIT"); !c) {
            (void)exec("ROLLBACK");
            return c.take_error();
        }
        return out;
    }

    result<std::optional<profile_state>> record_deletion(std::string_view iccid, const progress_event* event) override
    {
        std::lock_guard lock(m_mutex);
        std::optional<profile_state> now_state;
        auto r = with_event(iccid, event, [&]() -> result<bool> {
            auto s = stmt(42, "UPDATE profiles SET "
                              "state=CASE WHEN allow_redownload=1 THEN 'released' ELSE 'deleted' END, "
                              "session_tid=CASE WHEN allow_redownload=1 THEN '' ELSE session_tid END, "
                              "session_expires_at=CASE WHEN allow_redownload=1 THEN 0 ELSE session_expires_at END, "
                              "download_attempts=CASE WHEN allow_redownload=1 THEN 0 ELSE download_attempts END, "
                              "last_error=CASE WHEN allow_redownload=1 THEN '' ELSE last_error END, "
                              "updated_at=strftime('%s','now') WHERE iccid=? AND state IN "
                              "('downloaded','installed','enabled','disabled') RETURNING state");
            if (!s) return s.take_error();
            bind_text(*s, 1, iccid);
            const int rc = sqlite3_step(*s);
            if (rc == SQLITE_DONE) return false;
            if (rc != SQLITE_ROW) return db_error("record deletion");
            now_state = parse_profile_state(text(*s, 0));
            if (sqlite3_step(*s) != SQLITE_DONE) return db_error("record deletion");
            return true;
        });
        if (!r) return r.take_error();
        return now_state;
    }

    result<bool> set_redownload_policy(std::string_view iccid, std::string_view operator_id, bool allow) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(43, "UPDATE profiles SET allow_redownload=?, updated_at=strftime('%s','now') "
                          "WHERE iccid=? AND operator_id=?");
        if (!s) return s.take_error();
        sqlite3_bind_int(*s, 1, allow ? 1 : 0);
        bind_text(*s, 2, iccid);
        bind_text(*s, 3, operator_id);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("set re-download policy");
        return sqlite3_changes(m_db.get()) == 1;
    }

    result<void> set_setting(std::string_view key, std::string_view value) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(13, "INSERT INTO settings(key, value) VALUES(?,?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
        if (!s) return s.take_error();
        bind_text(*s, 1, key);
        bind_text(*s, 2, value);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("store setting");
        return ok();
    }

    result<std::optional<std::string>> get_setting(std::string_view key) override
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(14, "SELECT value FROM settings WHERE key=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, key);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<std::string>{};
        if (rc != SQLITE_ROW) return db_error("read setting");
        return std::optional<std::string>{text(*s, 0)};
    }

private:
    static constexpr const char* callback_columns =
        "id, operator_id, iccid, eid, profile_type, point_id, success, subject, reason, message, result_data, "
        "event_time, state, attempts, next_attempt_at, last_error, rowid";

    result<std::vector<progress_callback>> read_callbacks(sqlite3_stmt* s, const char* what)
    {
        std::vector<progress_callback> out;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            progress_callback c;
            c.event.id = text(s, 0);
            c.operator_id = text(s, 1);
            c.iccid = text(s, 2);
            c.eid = text(s, 3);
            c.profile_type = text(s, 4);
            c.event.notification_point_id = sqlite3_column_int64(s, 5);
            c.event.success = sqlite3_column_int(s, 6) != 0;
            c.event.subject_code = text(s, 7);
            c.event.reason_code = text(s, 8);
            c.event.message = text(s, 9);
            c.event.result_data = text(s, 10);
            c.event.time = sqlite3_column_int64(s, 11);
            c.state = text(s, 12);
            c.attempts = sqlite3_column_int64(s, 13);
            c.next_attempt_at = sqlite3_column_int64(s, 14);
            c.last_error = text(s, 15);
            c.seq = sqlite3_column_int64(s, 16);
            out.push_back(std::move(c));
        }
        if (rc != SQLITE_DONE) return db_error(what);
        return out;
    }

    // Queues `e` for the profile's operator if it has a callback URL, with the profile's fields as they are now
    // (caller holds m_mutex, inside the transaction of the change). A repeated id is kept once.
    result<void> queue_event(std::string_view iccid, const progress_event& e)
    {
        auto s =
            stmt(29, "INSERT INTO progress_callbacks(id, operator_id, iccid, eid, profile_type, point_id, success, "
                     "subject, reason, message, result_data, event_time, next_attempt_at) "
                     "SELECT ?1, p.operator_id, p.iccid, p.eid, p.profile_type, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 "
                     "FROM profiles p JOIN operators o ON o.name=p.operator_id "
                     "WHERE p.iccid=?9 AND o.callback_url<>'' ON CONFLICT(id) DO NOTHING");
        if (!s) return s.take_error();
        bind_text(*s, 1, e.id);
        sqlite3_bind_int64(*s, 2, e.notification_point_id);
        sqlite3_bind_int(*s, 3, e.success ? 1 : 0);
        bind_text(*s, 4, e.subject_code);
        bind_text(*s, 5, e.reason_code);
        bind_text(*s, 6, e.message);
        bind_text(*s, 7, e.result_data);
        sqlite3_bind_int64(*s, 8, e.time);
        bind_text(*s, 9, iccid);
        if (sqlite3_step(*s) != SQLITE_DONE) return db_error("queue progress callback");
        return ok();
    }

    // Runs the guarded change `body` and, if it changed the profile and an event is given, queues the event in the
    // same transaction (caller holds m_mutex). Without an event the change stays one autocommitted statement.
    template <class F> result<bool> with_event(std::string_view iccid, const progress_event* event, F&& body)
    {
        if (!event) return body();
        OPENRSP_TRY_VOID(run_cached(m_begin, "BEGIN IMMEDIATE"));
        auto changed = body();
        result<void> queued = ok();
        if (changed && *changed) queued = queue_event(iccid, *event);
        if (changed && queued) {
            if (auto c = run_cached(m_commit, "COMMIT"); !c) queued = c;
        }
        if (!changed || !queued) {
            (void)run_cached(m_rollback, "ROLLBACK");
            return changed ? queued.take_error() : changed.take_error();
        }
        return changed;
    }

    // A fixed statement prepared once (the hot transactions would otherwise parse BEGIN/COMMIT every time).
    result<void> run_cached(stmt_ptr& slot, const char* sql)
    {
        if (!slot) {
            auto prepared = prepare_raw(sql);
            if (!prepared) return prepared.take_error();
            slot = std::move(*prepared);
        }
        const int rc = sqlite3_step(slot.get());
        sqlite3_reset(slot.get());
        if (rc != SQLITE_DONE) return fail(std::string("database error: ") + sqlite3_errmsg(m_db.get()));
        return ok();
    }

    static constexpr const char* columns = "iccid, matching_id, state, eid, description, upp, metadata, cc_hash, "
                                           "session_tid, session_expires_at, euicc_certificate, updated_at, "
                                           "operator_id, profile_type, cc_attempts, download_attempts, last_error, "
                                           "kek_id, allow_redownload";
    static constexpr const char* sealing_setting = "profile_sealing";

    // A statement borrowed from the cache, reset and unbound when the borrow ends.
    class borrowed {
    public:
        explicit borrowed(sqlite3_stmt* s) : m_s(s) {}
        borrowed(borrowed&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
        borrowed(const borrowed&) = delete;
        ~borrowed()
        {
            if (m_s) {
                sqlite3_reset(m_s);
                sqlite3_clear_bindings(m_s);
            }
        }
        operator sqlite3_stmt*() const { return m_s; }

    private:
        sqlite3_stmt* m_s;
    };

    // Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once rather than through
    // the busy handler while other processes or nodes opening it at the same moment hold it: wait and retry.
    result<void> switch_to_wal(const std::string& schema)
    {
        for (int attempt = 0;; ++attempt) {
            const int rc = sqlite3_exec(m_db.get(), ("PRAGMA " + schema + "journal_mode=WAL").c_str(), nullptr,
                                        nullptr, nullptr);
            if (rc == SQLITE_OK) return ok();
            if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt == 500)
                return fail(std::string("cannot switch the database to WAL: ") + sqlite3_errmsg(m_db.get()));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    result<void> exec(const std::string& sql)
    {
        char* msg = nullptr;
        if (sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
            std::string text = msg ? msg : "unknown error";
            sqlite3_free(msg);
            return fail("database error: " + text);
        }
        return ok();
    }

    result<stmt_ptr> prepare_raw(const std::string& sql)
    {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(m_db.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
            return fail(std::string("database error: ") + sqlite3_errmsg(m_db.get()));
        return stmt_ptr(s);
    }

    // Statements are prepared once per slot and reused (caller holds m_mutex).
    result<borrowed> stmt(std::size_t slot, const std::string& sql)
    {
        if (!m_stmts[slot]) {
            auto s = prepare_raw(sql);
            if (!s) return s.take_error();
            m_stmts[slot] = std::move(*s);
        }
        return borrowed(m_stmts[slot].get());
    }

    // The profile with this ICCID, unsealed (caller holds m_mutex).
    result<std::optional<inventory_profile>> find_locked(std::string_view iccid)
    {
        auto s = stmt(44, "SELECT " + std::string(columns) + " FROM profiles WHERE iccid=?");
        if (!s) return s.take_error();
        bind_text(*s, 1, iccid);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<inventory_profile>{};
        if (rc != SQLITE_ROW) return db_error("read profile");
        inventory_profile p = read_profile(*s);
        OPENRSP_TRY_VOID(m_sealer.unseal(p));
        return std::optional<inventory_profile>{std::move(p)};
    }

    result<std::optional<inventory_profile>> find_one(std::size_t slot, const std::string& sql, std::string_view key)
    {
        std::lock_guard lock(m_mutex);
        auto s = stmt(slot, sql);
        if (!s) return s.take_error();
        bind_text(*s, 1, key);
        const int rc = sqlite3_step(*s);
        if (rc == SQLITE_DONE) return std::optional<inventory_profile>{};
        if (rc != SQLITE_ROW) return db_error("read profile");
        inventory_profile p = read_profile(*s);
        OPENRSP_TRY_VOID(m_sealer.unseal(p));
        return std::optional<inventory_profile>{std::move(p)};
    }

    static inventory_profile read_profile(sqlite3_stmt* s)
    {
        inventory_profile p;
        p.iccid = text(s, 0);
        p.matching_id = text(s, 1);
        p.state = parse_profile_state(text(s, 2)).value_or(profile_state::error);
        p.eid = text(s, 3);
        p.description_json = text(s, 4);
        p.upp = blob(s, 5);
        p.metadata = blob(s, 6);
        p.confirmation_code_hash = blob(s, 7);
        p.session_tid = text(s, 8);
        p.session_expires_at = sqlite3_column_int64(s, 9);
        p.euicc_certificate = blob(s, 10);
        p.updated_at = sqlite3_column_int64(s, 11);
        p.operator_id = text(s, 12);
        p.profile_type = text(s, 13);
        p.cc_attempts = sqlite3_column_int64(s, 14);
        p.download_attempts = sqlite3_column_int64(s, 15);
        p.last_error = text(s, 16);
        p.kek_id = text(s, 17);
        p.allow_redownload = sqlite3_column_int(s, 18) != 0;
        return p;
    }

    static constexpr const char* insert_profile_sql =
        "INSERT INTO profiles(iccid, matching_id, state, eid, description, upp, metadata, cc_hash, operator_id, "
        "profile_type, kek_id, allow_redownload) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)";

    /// Binds every column of insert_profile_sql from a (sealed) record.
    static void bind_profile(sqlite3_stmt* s, const inventory_profile& p)
    {
        bind_text(s, 1, p.iccid);
        // A profile waiting in the inventory has no matching ID yet; NULL keeps the UNIQUE constraint for real ones.
        if (p.matching_id.empty())
            sqlite3_bind_null(s, 2);
        else
            bind_text(s, 2, p.matching_id);
        bind_text(s, 3, to_string(p.state));
        bind_text(s, 4, p.eid);
        bind_text(s, 5, p.description_json);
        bind_blob(s, 6, p.upp);
        bind_blob(s, 7, p.metadata);
        if (p.confirmation_code_hash.empty())
            sqlite3_bind_null(s, 8);
        else
            bind_blob(s, 8, p.confirmation_code_hash);
        bind_text(s, 9, p.operator_id);
        bind_text(s, 10, p.profile_type);
        bind_text(s, 11, p.kek_id);
        sqlite3_bind_int(s, 12, p.allow_redownload ? 1 : 0);
    }

    static void bind_text(sqlite3_stmt* s, int i, std::string_view v)
    {
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    static void bind_blob(sqlite3_stmt* s, int i, byte_view v)
    {
        // An empty span may carry a null pointer, which SQLite would store as NULL (breaking NOT NULL columns
        // and differing from PostgreSQL): an empty value is a zero-length blob.
        if (v.empty()) sqlite3_bind_zeroblob(s, i, 0);
        else sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    static std::string text(sqlite3_stmt* s, int col)
    {
        const auto* p = sqlite3_column_text(s, col);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
                 : std::string();
    }
    static bytes blob(sqlite3_stmt* s, int col)
    {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
        return p ? bytes(p, p + sqlite3_column_bytes(s, col)) : bytes();
    }
    unexpected db_error(const char* what) const
    {
        return fail(std::string("database error (") + what + "): " + sqlite3_errmsg(m_db.get()));
    }

    std::unique_ptr<sqlite3, db_closer> m_db;
    std::mutex m_mutex;
    /// Second connection to the same file with synchronous=NORMAL, for writes that need no fsync of their own
    /// (none for an in-memory inventory). Declared before its statement so the statement is finalized first.
    std::unique_ptr<sqlite3, db_closer> m_relaxed_db;
    stmt_ptr m_reserve_stmt;
    stmt_ptr m_begin, m_commit, m_rollback; // with_event's transaction, on m_db
    std::array<stmt_ptr, 48> m_stmts; // slots 40-47: import, gauges, re-download (sqlite_inventory.cpp bottom)
    sealer m_sealer;
    bool m_require_key = false;
};

} // namespace

std::string_view to_string(profile_state s) { return state_names[static_cast<std::size_t>(s)]; }

std::optional<profile_state> parse_profile_state(std::string_view s)
{
    for (std::size_t i = 0; i < state_names.size(); ++i)
        if (s == state_names[i]) return static_cast<profile_state>(i);
    return std::nullopt;
}

result<std::unique_ptr<inventory>> open_sqlite(const std::string& path, key_ring keys)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
        sqlite3_close_v2(raw);
        return fail("cannot open the inventory database " + path + ": " + msg);
    }
    auto inv = std::make_unique<sqlite_inventory>(raw, std::move(keys));
    if (auto r = inv->init(path); !r) return fail("cannot prepare the inventory database " + path + ": " + r.error().message);
    return std::unique_ptr<inventory>(std::move(inv));
}

} // namespace openrsp::store
