#pragma once
/// \file
/// \brief Test support: a throwaway store location per test on either backend, so every case of the inventory
/// suite runs against SQLite and PostgreSQL alike and tests can run in parallel (ctest -j).
///
/// PostgreSQL cases need OPENRSP_TEST_POSTGRES_URL, a URL of a role allowed to CREATE DATABASE (for example
/// postgresql://openrsp@127.0.0.1:5432/postgres). Without it they are skipped, or fail when
/// OPENRSP_REQUIRE_POSTGRES=1 (CI), so a missing server can never pass CI as "skipped".

#include "openrsp/core/result.h"
#include "openrsp/store/store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace openrsp::store::testing {

enum class backend { sqlite, postgres };

/// For gtest's messages ("GetParam() = postgres").
inline void PrintTo(backend b, std::ostream* os)
{
    *os << (b == backend::sqlite ? "sqlite" : "postgres");
}

inline std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? v : "";
}

/// \brief What to do about PostgreSQL cases here: run them, skip them or fail them (with the reason).
struct postgres_availability {
    enum { run, skip, fail } verdict;
    std::string admin_url;
    std::string reason;
};

inline postgres_availability postgres_for_tests()
{
    const std::string url = env("OPENRSP_TEST_POSTGRES_URL");
    if (!url.empty()) return {postgres_availability::run, url, {}};
    if (env("OPENRSP_REQUIRE_POSTGRES") == "1")
        return {postgres_availability::fail,
                {},
                "OPENRSP_REQUIRE_POSTGRES=1 but OPENRSP_TEST_POSTGRES_URL is not set: point it at a PostgreSQL "
                "server (a role that may CREATE DATABASE), as scripts/test.sh does"};
    return {postgres_availability::skip,
            {},
            "PostgreSQL case skipped: OPENRSP_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server and "
            "sets it)"};
}

/// Points a libpq URL at another database, keeping host, credentials and query parameters.
inline std::string with_database(const std::string& url, const std::string& db)
{
    const auto authority = url.find("://");
    if (authority == std::string::npos) return url + " dbname=" + db; // keyword=value form
    const auto query = url.find('?', authority + 3);
    const auto path = url.find('/', authority + 3);
    const auto path_end = query == std::string::npos ? url.size() : query;
    if (path == std::string::npos || path > path_end) return url.substr(0, path_end) + "/" + db + url.substr(path_end);
    return url.substr(0, path) + "/" + db + url.substr(path_end);
}

/// \brief Databases made for one test on the server named by the admin URL, all dropped on destruction.
class postgres_scratch {
public:
    explicit postgres_scratch(std::string admin_url) : m_admin_url(std::move(admin_url)) {}
    postgres_scratch(const postgres_scratch&) = delete;
    postgres_scratch& operator=(const postgres_scratch&) = delete;
    ~postgres_scratch()
    {
        // FORCE: a test that failed half-way may still hold connections.
        for (const auto& db : m_made)
            (void)admin("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }

    /// Creates an empty database with a random name; returns the URL to reach it.
    result<std::string> create()
    {
        std::random_device rd;
        const std::string name = "openrsp_test_" + std::to_string(rd()) + "_" + std::to_string(rd());
        OPENRSP_TRY_VOID(admin("CREATE DATABASE " + name));
        m_made.push_back(name);
        return with_database(m_admin_url, name);
    }

    /// One statement on the admin connection (test set-up only; names here come from create()).
    result<void> admin(const std::string& sql)
    {
        if (!m_conn) {
            m_conn.reset(::PQconnectdb(m_admin_url.c_str()));
            if (!m_conn || ::PQstatus(m_conn.get()) != CONNECTION_OK) {
                std::string why = m_conn ? ::PQerrorMessage(m_conn.get()) : "out of memory";
                m_conn.reset();
                return fail("cannot reach the test PostgreSQL server (OPENRSP_TEST_POSTGRES_URL): " + why);
            }
        }
        std::unique_ptr<PGresult, result_clearer> r(::PQexec(m_conn.get(), sql.c_str()));
        const auto status = r ? ::PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            return fail(sql + ": " + ::PQerrorMessage(m_conn.get()));
        return ok();
    }

    [[nodiscard]] const std::vector<std::string>& databases() const { return m_made; }

private:
    struct conn_closer {
        void operator()(PGconn* c) const { ::PQfinish(c); }
    };
    struct result_clearer {
        void operator()(PGresult* r) const { ::PQclear(r); }
    };

    std::string m_admin_url;
    std::unique_ptr<PGconn, conn_closer> m_conn;
    std::vector<std::string> m_made;
};

/// \brief Fresh store locations for one test: files in a temporary folder, or new PostgreSQL databases.
class scratch_stores {
public:
    scratch_stores(backend b, std::string admin_url)
    {
        if (b == backend::postgres) m_postgres = std::make_unique<postgres_scratch>(std::move(admin_url));
    }
    scratch_stores(const scratch_stores&) = delete;
    scratch_stores& operator=(const scratch_stores&) = delete;
    ~scratch_stores()
    {
        if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
    }

    /// A location open_inventory() accepts, with nothing there yet.
    result<std::string> fresh()
    {
        if (m_postgres) return m_postgres->create();
        if (m_dir.empty()) {
            std::string tmpl = (std::filesystem::temp_directory_path() / "openrsp-store-XXXXXX").string();
            if (!::mkdtemp(tmpl.data())) return fail("cannot make a temporary folder");
            m_dir = tmpl;
        }
        return (m_dir / ("inventory" + std::to_string(m_files++) + ".db")).string();
    }

    [[nodiscard]] postgres_scratch* postgres() const { return m_postgres.get(); }

private:
    std::filesystem::path m_dir;
    int m_files = 0;
    std::unique_ptr<postgres_scratch> m_postgres;
};

/// \brief Base of the suites run once per backend: a fresh, empty store per test, opened as m_inventory.
/// A derived SetUp calls this one first and returns when m_inventory is null (skipped or failed).
class backend_test : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        std::string admin_url;
        if (GetParam() == backend::postgres) {
            const auto pg = postgres_for_tests();
            if (pg.verdict == postgres_availability::fail) FAIL() << pg.reason;
            if (pg.verdict == postgres_availability::skip) GTEST_SKIP() << pg.reason;
            admin_url = pg.admin_url;
        }
        m_stores = std::make_unique<scratch_stores>(GetParam(), admin_url);
        auto where = m_stores->fresh();
        ASSERT_TRUE(where) << where.error().message;
        m_location = *where;
        auto inv = open_inventory(m_location);
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
    }
    void TearDown() override
    {
        m_inventory.reset();
        m_stores.reset();
    }

    std::unique_ptr<scratch_stores> m_stores;
    std::string m_location;
    std::unique_ptr<inventory> m_inventory;
};

} // namespace openrsp::store::testing
