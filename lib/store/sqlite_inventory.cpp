/// \file
/// \brief The inventory in an SQLite file: the dialect layer under shared_inventory. Profiles are written with
/// synchronous=FULL; RSP sessions sit in an attached database written without an fsync per commit; the matching-ID
/// reservation commits through a second connection without fsync. Statements are prepared once per name.

#include "messages.h"
#include "row_mapping.h"
#include "shared_inventory.h"
#include "sqlite_migrations.h"
#include "sqlite_statements.h"
#include "transitions.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <mutex>
#include <thread>

namespace openrsp::store {

namespace {

struct db_closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

/// The current row of a stepped statement.
class sqlite_row final : public row {
public:
    explicit sqlite_row(sqlite3_stmt* s) : m_s(s) {}
    [[nodiscard]] std::string text(int col) const override
    {
        const auto* p = sqlite3_column_text(m_s, col);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(m_s, col)))
                 : std::string();
    }
    [[nodiscard]] bytes blob(int col) const override
    {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_s, col));
        return p ? bytes(p, p + sqlite3_column_bytes(m_s, col)) : bytes();
    }
    [[nodiscard]] std::int64_t int64(int col) const override { return sqlite3_column_int64(m_s, col); }

private:
    sqlite3_stmt* m_s;
};

// A cached statement in use: reset and unbound when the use ends.
class borrowed {
public:
    explicit borrowed(sqlite3_stmt* s) : m_s(s) {}
    borrowed(const borrowed&) = delete;
    borrowed& operator=(const borrowed&) = delete;
    ~borrowed()
    {
        sqlite3_reset(m_s);
        sqlite3_clear_bindings(m_s);
    }

private:
    sqlite3_stmt* m_s;
};

void bind(sqlite3_stmt* s, const args& a)
{
    for (std::size_t i = 0; i < a.size(); ++i) {
        const arg& v = a[i];
        const int n = static_cast<int>(i + 1);
        switch (v.type) {
        case arg::kind::null:
            sqlite3_bind_null(s, n);
            break;
        case arg::kind::text:
            sqlite3_bind_text(s, n, static_cast<const char*>(v.data), static_cast<int>(v.size), SQLITE_TRANSIENT);
            break;
        case arg::kind::blob:
            // An empty span may carry a null pointer, which SQLite would store as NULL (breaking NOT NULL columns
            // and differing from PostgreSQL): an empty value is a zero-length blob.
            if (v.size == 0)
                sqlite3_bind_zeroblob(s, n, 0);
            else
                sqlite3_bind_blob(s, n, v.data, static_cast<int>(v.size), SQLITE_TRANSIENT);
            break;
        case arg::kind::int64:
            sqlite3_bind_int64(s, n, v.number);
            break;
        }
    }
}

class sqlite_inventory final : public shared_inventory {
public:
    sqlite_inventory(sqlite3* db, key_ring keys) : shared_inventory(std::move(keys)), m_db(db) {}

    result<void> init(const std::string& path)
    {
        OPENRSP_TRY_VOID(migrate());
        OPENRSP_TRY_VOID(attach_sessions(path));
        OPENRSP_TRY_VOID(open_relaxed(path));
        return init_sealing();
    }

protected:
    result<run_result> run(stmt s, const args& a, row_sink each) override
    {
        std::lock_guard lock(m_mutex);
        return run_locked(s, a, each);
    }

    result<run_result> run_queueing(stmt s, const args& a, const event_job& job, row_sink each) override
    {
        std::lock_guard lock(m_mutex);
        OPENRSP_TRY_VOID(run_cached(m_begin, "BEGIN IMMEDIATE"));
        auto changed = run_locked(s, a, each);
        result<void> queued = ok();
        if (changed && event_due(job.rule, *changed, job.locked && *job.locked)) {
            args e;
            bind_event(e, job.event);
            e.text(job.iccid);
            if (auto q = run_locked(stmt::queue_progress_event, e); !q) queued = q.take_error();
        }
        if (changed && queued) {
            if (auto c = run_cached(m_commit, "COMMIT"); !c) queued = c;
        }
        if (!changed || !queued) {
            (void)run_cached(m_rollback, "ROLLBACK");
            return changed ? queued.take_error() : changed.take_error();
        }
        return changed;
    }

    result<void> in_transaction(transaction_body body) override
    {
        std::lock_guard lock(m_mutex);
        OPENRSP_TRY_VOID(run_cached(m_begin, "BEGIN IMMEDIATE"));
        locked_executor tx(*this);
        auto keep = body(tx);
        if (!keep || !*keep) {
            (void)run_cached(m_rollback, "ROLLBACK");
            return keep ? ok() : keep.take_error();
        }
        if (auto c = run_cached(m_commit, "COMMIT"); !c) {
            (void)run_cached(m_rollback, "ROLLBACK");
            return c;
        }
        return ok();
    }

    void after_reseal() override
    {
        // The WAL still holds the pages as they were before; fold it into the database and truncate it. Busy
        // readers only postpone that to a later checkpoint, so the result is not an error.
        std::lock_guard lock(m_mutex);
        (void)exec("PRAGMA main.wal_checkpoint(TRUNCATE)");
    }

private:
    // Runs statements on the caller's transaction (the caller holds m_mutex).
    class locked_executor final : public executor {
    public:
        explicit locked_executor(sqlite_inventory& owner) : m_owner(owner) {}
        result<run_result> run(stmt s, const args& a, row_sink each) override { return m_owner.run_locked(s, a, each); }

    private:
        sqlite_inventory& m_owner;
    };

    // The reservation needs no fsync of its own, so it goes through a connection that commits without one. It only
    // guards a live session, which sits in the unsynced session database; the WAL is append-only, so the next
    // durable commit (the delivery, which checks this reservation) syncs it too, and a power cut loses the
    // reservation only together with its session.
    sqlite3* connection(stmt s) const
    {
        return s == stmt::reserve_for_session && m_relaxed_db ? m_relaxed_db.get() : m_db.get();
    }

    // Caller holds m_mutex. Each statement is prepared once, on its connection, and reused.
    result<run_result> run_locked(stmt s, const args& a, row_sink each = {})
    {
        sqlite3* db = connection(s);
        auto& slot = m_stmts[static_cast<std::size_t>(s)];
        if (!slot) {
            auto prepared = prepare_raw(db, sqlite_sql(s));
            if (!prepared) return prepared.take_error();
            slot = std::move(*prepared);
        }
        sqlite3_stmt* st = slot.get();
        borrowed use(st);
        bind(st, a);
        const sqlite_row current(st);
        std::size_t returned = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            ++returned;
            if (each) each(current);
        }
        if (rc == SQLITE_CONSTRAINT && info(s).clash_is_outcome) return run_result{0, true};
        if (rc != SQLITE_DONE) return messages::database_error(info(s).what, sqlite3_errmsg(db));
        const bool returns_rows = sqlite3_column_count(st) > 0;
        return run_result{returns_rows ? returned : static_cast<std::size_t>(sqlite3_changes(db)), false};
    }

    result<void> open_relaxed(const std::string& path)
    {
        if (path.empty() || path == ":memory:") return ok();
        sqlite3* raw = nullptr;
        const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
        m_relaxed_db.reset(raw);
        if (rc != SQLITE_OK)
            return fail(std::string("cannot open a second connection: ") +
                        (raw ? sqlite3_errmsg(raw) : "out of memory"));
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
        auto attach = prepare_raw(m_db.get(), "ATTACH DATABASE ? AS rsp_sessions");
        if (!attach) return attach.take_error();
        sqlite3_bind_text(attach->get(), 1, file.data(), static_cast<int>(file.size()), SQLITE_TRANSIENT);
        if (sqlite3_step(attach->get()) != SQLITE_DONE)
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
                auto s = prepare_raw(m_db.get(), "PRAGMA user_version");
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

    // Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once rather than through
    // the busy handler while other processes or nodes opening it at the same moment hold it: wait and retry.
    result<void> switch_to_wal(const std::string& schema)
    {
        for (int attempt = 0;; ++attempt) {
            const int rc =
                sqlite3_exec(m_db.get(), ("PRAGMA " + schema + "journal_mode=WAL").c_str(), nullptr, nullptr, nullptr);
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

    static result<stmt_ptr> prepare_raw(sqlite3* db, const char* sql)
    {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
            return fail(std::string("database error: ") + sqlite3_errmsg(db));
        return stmt_ptr(s);
    }

    // A fixed statement prepared once (the hot transactions would otherwise parse BEGIN/COMMIT every time).
    result<void> run_cached(stmt_ptr& slot, const char* sql)
    {
        if (!slot) {
            auto prepared = prepare_raw(m_db.get(), sql);
            if (!prepared) return prepared.take_error();
            slot = std::move(*prepared);
        }
        const int rc = sqlite3_step(slot.get());
        sqlite3_reset(slot.get());
        if (rc != SQLITE_DONE) return fail(std::string("database error: ") + sqlite3_errmsg(m_db.get()));
        return ok();
    }

    std::unique_ptr<sqlite3, db_closer> m_db;
    std::mutex m_mutex;
    /// Second connection to the same file with synchronous=NORMAL, for writes that need no fsync of their own
    /// (none for an in-memory inventory). Declared before the statements so they are finalized first.
    std::unique_ptr<sqlite3, db_closer> m_relaxed_db;
    std::array<stmt_ptr, stmt_count> m_stmts; // by statement name, each on its connection()
    stmt_ptr m_begin, m_commit, m_rollback;   // the transactions of run_queueing and in_transaction, on m_db
};

} // namespace

result<std::unique_ptr<inventory>> open_sqlite(const std::string& path, key_ring keys)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
        sqlite3_close_v2(raw);
        return fail("cannot open the inventory database " + path + ": " + msg);
    }
    auto inv = std::make_unique<sqlite_inventory>(raw, std::move(keys));
    if (auto r = inv->init(path); !r)
        return fail("cannot prepare the inventory database " + path + ": " + r.error().message);
    return std::unique_ptr<inventory>(std::move(inv));
}

} // namespace openrsp::store
