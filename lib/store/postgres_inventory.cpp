/// \file
/// \brief The inventory on a PostgreSQL server shared by any number of SM-DP+ nodes: the dialect layer under
/// shared_inventory. Same semantics as the SQLite backend: every state change is one statement, and the races
/// (one-time matching ID, session compare-and-set) are decided by the guards of a single UPDATE, which PostgreSQL
/// re-checks on the latest row version when two nodes update the same profile at once.

#include "messages.h"
#include "pg_migrations.h"
#include "pg_pool.h"
#include "pg_statements.h"
#include "row_mapping.h"
#include "shared_inventory.h"

#include <charconv>
#include <cstring>

namespace openrsp::store {

namespace {

constexpr const char* unique_violation = "23505";

/// One row of a binary-format result.
class pg_row final : public row {
public:
    pg_row(const PGresult* r, int i) : m_r(r), m_i(i) {}
    [[nodiscard]] std::string text(int col) const override { return pg::column_text(m_r, m_i, col); }
    [[nodiscard]] bytes blob(int col) const override { return pg::column_bytes(m_r, m_i, col); }
    [[nodiscard]] std::int64_t int64(int col) const override { return pg::column_int64(m_r, m_i, col); }

private:
    const PGresult* m_r;
    int m_i;
};

// The dialect-neutral parameters as libpq binary parameters; they point into the same values.
void to_params(const args& a, pg::params& out)
{
    for (std::size_t i = 0; i < a.size(); ++i) {
        const arg& v = a[i];
        switch (v.type) {
        case arg::kind::null:
            out.null();
            break;
        case arg::kind::text:
            out.text({static_cast<const char*>(v.data), v.size});
            break;
        case arg::kind::blob:
            out.blob({static_cast<const std::uint8_t*>(v.data), v.size});
            break;
        case arg::kind::int64:
            out.int64(v.number);
            break;
        }
    }
}

bool is_error(const PGresult* r, const char* sqlstate)
{
    const char* code = ::PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return code && std::strcmp(code, sqlstate) == 0;
}

/// A successful result as rows: each returned row to `each`; the count returned, or changed for a command.
/// nullopt if the statement failed.
std::optional<run_result> read_result(const PGresult* r, row_sink each)
{
    const auto status = ::PQresultStatus(r);
    if (status == PGRES_TUPLES_OK) {
        const int rows = ::PQntuples(r);
        if (each)
            for (int i = 0; i < rows; ++i)
                each(pg_row(r, i));
        return run_result{static_cast<std::size_t>(rows), false};
    }
    if (status != PGRES_COMMAND_OK) return std::nullopt;
    const char* tuples = ::PQcmdTuples(const_cast<PGresult*>(r));
    std::size_t n = 0;
    std::from_chars(tuples, tuples + std::strlen(tuples), n);
    return run_result{n, false};
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
        const int target = static_cast<int>(std::size(pg_schema::migrations));
        if (current > target)
            return fail("the schema is version " + std::to_string(current) + " but this OpenRSP knows only up to " +
                        std::to_string(target) + "; upgrade OpenRSP");
        for (int i = current; i < target; ++i) {
            OPENRSP_TRY_VOID(exec(c, pg_schema::migrations[i], PGRES_COMMAND_OK));
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

class postgres_inventory final : public shared_inventory {
public:
    postgres_inventory(pg::settings cfg, key_ring keys)
        : shared_inventory(std::move(keys)), m_pool(std::move(cfg), pg_prepare_statements)
    {
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
        return init_sealing();
    }

protected:
    result<run_result> run(stmt s, const args& a, row_sink each) override
    {
        pg::params p;
        to_params(a, p);
        return interpret(s, execute(pg_statement_name(s), p, info(s).what), each);
    }

    // The change and its event in one statement ("openrsp_<name>_event", pg_statements.cpp): its guard and the
    // event rule are both in the SQL, so `job.locked` is not needed here.
    result<run_result> run_queueing(stmt s, const args& a, const event_job& job, row_sink each) override
    {
        args all = a;
        bind_event(all, job.event);
        pg::params p;
        to_params(all, p);
        return interpret(s, execute(pg_event_statement_name(s), p, info(s).what), each);
    }

    // One connection, one transaction. No retry on a cut connection here: the server rolls the open transaction
    // back and a re-run does the whole again.
    result<void> in_transaction(transaction_body body) override
    {
        auto lease = m_pool.acquire();
        if (!lease) return lease.take_error();
        leased_executor tx(*this, *lease);
        OPENRSP_TRY_VOID(tx.plain("BEGIN"));
        auto keep = body(tx);
        if (!keep || !*keep) {
            (void)tx.plain("ROLLBACK");
            return keep ? ok() : keep.take_error();
        }
        return tx.plain("COMMIT");
    }

private:
    // Runs statements on one leased connection inside in_transaction; every error names the import (its only use).
    class leased_executor final : public executor {
    public:
        leased_executor(postgres_inventory& owner, pg::pool::lease& lease) : m_owner(owner), m_lease(lease) {}

        result<run_result> run(stmt s, const args& a, row_sink each) override
        {
            OPENRSP_TRY_VOID(connected());
            pg::params p;
            to_params(a, p);
            PGconn* c = m_lease.get();
            pg::result_ptr r(
                ::PQexecPrepared(c, pg_statement_name(s).c_str(), p.count(), p.values(), p.lengths(), p.formats(), 1));
            if (r)
                if (auto rows = read_result(r.get(), each)) return *rows;
            return failed();
        }

        result<void> plain(const char* sql)
        {
            OPENRSP_TRY_VOID(connected());
            pg::result_ptr r(::PQexec(m_lease.get(), sql));
            if (!r || ::PQresultStatus(r.get()) != PGRES_COMMAND_OK) return failed();
            return ok();
        }

    private:
        static constexpr const char* what = "import profiles";

        result<void> connected() const
        {
            if (!m_lease.get())
                return fail("lost the connection to PostgreSQL at " + m_owner.m_pool.where() + " (" + what + ")");
            return ok();
        }
        unexpected failed()
        {
            const std::string why = pg::one_line(::PQerrorMessage(m_lease.get()));
            if (::PQstatus(m_lease.get()) == CONNECTION_BAD) m_lease.discard();
            return messages::database_error(what, why);
        }

        postgres_inventory& m_owner;
        pg::pool::lease& m_lease;
    };

    // A result as the shared code wants it: rows, a uniqueness clash where that is an outcome, or a sentence.
    static result<run_result> interpret(stmt s, result<pg::result_ptr> r, row_sink each)
    {
        if (!r) return r.take_error();
        if (auto rows = read_result(r->get(), each)) return *rows;
        if (info(s).clash_is_outcome && is_error(r->get(), unique_violation)) return run_result{0, true};
        return messages::database_error(info(s).what, pg::one_line(::PQresultErrorMessage(r->get())));
    }

    // Runs a prepared statement and hands back its result whatever its status; fails only when no
    // connection could run it. A connection that sat idle may have been cut (server restart, failover,
    // idle timeout): the statement is then retried once on a fresh connection. That is safe even if the
    // cut came after the server committed, because every statement is guarded or idempotent: a repeated
    // reserve by the same session matches again, a repeated transition finds the state moved and says no.
    result<pg::result_ptr> execute(const std::string& name, const pg::params& a, const char* what)
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

    pg::pool m_pool;
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
