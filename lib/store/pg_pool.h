#pragma once
/// \file
/// \brief Internal to lib/store: libpq RAII handles, binary statement parameters and a small connection pool
/// for the PostgreSQL inventory. Nothing here is part of the public API.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <libpq-fe.h>

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::store::pg {

struct conn_closer {
    void operator()(PGconn* c) const { ::PQfinish(c); }
};
struct result_clearer {
    void operator()(PGresult* r) const { ::PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_closer>;
using result_ptr = std::unique_ptr<PGresult, result_clearer>;

/// Type OIDs of the parameters we bind (pg_type.h is a server header, so they are spelled out here).
inline constexpr Oid text_oid = 25;
inline constexpr Oid bytea_oid = 17;
inline constexpr Oid int8_oid = 20;

/// \brief Parameters of one statement, all sent in binary format (BYTEA as raw bytes, not hex text).
///
/// Holds pointers into the caller's strings and buffers, so it lives only for the one call it is built for;
/// not copyable or movable because the int8 values point into its own storage.
class params {
public:
    static constexpr std::size_t max = 12;

    params() = default;
    params(const params&) = delete;
    params& operator=(const params&) = delete;

    params& text(std::string_view v);
    /// SQL NULL when empty (a matching ID not given yet).
    params& text_or_null(std::string_view v);
    /// SQL NULL ("keep this column" in guarded updates).
    params& null();
    params& blob(byte_view v);
    /// SQL NULL when empty, as the SQLite backend stores an absent value.
    params& blob_or_null(byte_view v);
    params& int64(std::int64_t v);

    [[nodiscard]] int count() const { return static_cast<int>(m_n); }
    [[nodiscard]] const char* const* values() const { return m_values.data(); }
    [[nodiscard]] const int* lengths() const { return m_lengths.data(); }
    [[nodiscard]] const int* formats() const { return m_formats.data(); }

private:
    params& add(const char* value, std::size_t length, bool null);

    std::array<const char*, max> m_values{};
    std::array<int, max> m_lengths{};
    std::array<int, max> m_formats{};
    std::array<std::array<char, 8>, max> m_int8{};
    std::size_t m_n = 0;
};

/// Readers for a binary-format result: NULL reads as empty / zero.
std::string column_text(const PGresult* r, int row, int col);
bytes column_bytes(const PGresult* r, int row, int col);
std::int64_t column_int64(const PGresult* r, int row, int col);

/// libpq's multi-line message as one sentence fragment (no trailing newline, tabs and newlines folded).
std::string one_line(const char* message);

/// \brief Where and how to connect, split out of an inventory URL.
struct settings {
    std::string conninfo; ///< the URL without our own parameters, handed to libpq
    std::string where;    ///< "host:port/database" for messages; never the password
    std::size_t pool_size = 8;
};

/// \brief Parses a postgres:// URL; `pool_size=N` (1..256) is ours and is removed before libpq sees the URL.
result<settings> parse_url(const std::string& url);

/// \brief Up to `pool_size` connections shared by threads; each is prepared once by `setup` when opened.
///
/// Thread-safe. A caller that finds every connection busy waits for one to come back: statements are short,
/// and waiting bounds the load one process puts on the server.
class pool {
public:
    using setup_fn = std::function<result<void>(PGconn*)>;

    pool(settings cfg, setup_fn setup);
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    /// \brief One borrowed connection, given back to the pool when destroyed (or closed if discarded).
    class lease {
    public:
        lease(pool& owner, conn_ptr conn, bool reused) : m_owner(&owner), m_conn(std::move(conn)), m_reused(reused) {}
        lease(lease&& o) noexcept = default;
        lease& operator=(lease&&) = delete;
        lease(const lease&) = delete;
        ~lease();

        [[nodiscard]] PGconn* get() const { return m_conn.get(); }
        /// True if the connection sat idle in the pool before (it may have been cut meanwhile).
        [[nodiscard]] bool reused() const { return m_reused; }
        /// Closes the connection instead of giving it back (it broke).
        void discard();

    private:
        pool* m_owner;
        conn_ptr m_conn;
        bool m_reused;
    };

    result<lease> acquire();
    /// A fresh connection outside the pool (schema migration), not yet set up.
    result<conn_ptr> connect() const;
    /// Closes every idle connection: after one broke, the others most likely point at the same dead server.
    void drop_idle();

    [[nodiscard]] const std::string& where() const { return m_cfg.where; }

private:
    void give_back(conn_ptr conn);

    settings m_cfg;
    setup_fn m_setup;
    std::mutex m_mutex;
    std::condition_variable m_returned;
    std::vector<conn_ptr> m_idle;
    std::size_t m_open = 0; ///< idle plus lent out plus being opened
};

} // namespace openrsp::store::pg
