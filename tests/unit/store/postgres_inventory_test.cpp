/// \file
/// \brief What only the PostgreSQL backend has: URL handling, error sentences, the connection pool,
/// reconnecting after the server cut connections, and schema versioning.

#include "support/store_backends.h"

#include "openrsp/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace openrsp;
using store::profile_state;

namespace {

// Needs no server: nothing listens on port 1, so the connection is refused at once.
TEST(postgres_open, when_no_server_answers_then_the_sentence_names_host_port_and_database)
{
    auto r = store::open_inventory("postgresql://smdp:s3cret-pw@127.0.0.1:1/inventory?connect_timeout=3");
    ASSERT_FALSE(r);
    const auto& msg = r.error().message;
    EXPECT_EQ(msg.rfind("cannot connect to PostgreSQL at 127.0.0.1:1/inventory: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find("s3cret-pw"), std::string::npos) << "the password leaked: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(postgres_open, postgres_scheme_is_accepted_too_and_defaults_are_named)
{
    auto r = store::open_postgres("postgres://127.0.0.1:1?connect_timeout=3&user=smdp");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("cannot connect to PostgreSQL at 127.0.0.1:1/smdp: ", 0), 0u)
        << r.error().message;
}

TEST(postgres_open, when_pool_size_is_not_a_sane_number_then_it_is_refused)
{
    for (const char* bad : {"0", "-1", "x", "100000", ""}) {
        auto r = store::open_postgres(std::string("postgresql://127.0.0.1:1/db?pool_size=") + bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("pool_size"), std::string::npos) << r.error().message;
    }
}

TEST(postgres_open, when_the_url_is_malformed_then_the_sentence_says_so)
{
    auto r = store::open_postgres("postgresql://127.0.0.1:1/db?no_such_option=1");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("PostgreSQL URL"), std::string::npos) << r.error().message;
}

TEST(postgres_open, with_database_replaces_only_the_path)
{
    using store::testing::with_database;
    EXPECT_EQ(with_database("postgresql://u:p@h:5/postgres?sslmode=disable", "x"),
              "postgresql://u:p@h:5/x?sslmode=disable");
    EXPECT_EQ(with_database("postgresql://h:5", "x"), "postgresql://h:5/x");
    EXPECT_EQ(with_database("postgresql://h?a=b", "x"), "postgresql://h/x?a=b");
}

/// A fresh database per test on the server from OPENRSP_TEST_POSTGRES_URL (skipped or failed as the suite is).
class postgres_inventory : public ::testing::Test {
protected:
    void SetUp() override
    {
        const auto pg = store::testing::postgres_for_tests();
        if (pg.verdict == store::testing::postgres_availability::fail) FAIL() << pg.reason;
        if (pg.verdict == store::testing::postgres_availability::skip) GTEST_SKIP() << pg.reason;
        m_scratch = std::make_unique<store::testing::postgres_scratch>(pg.admin_url);
        auto url = m_scratch->create();
        ASSERT_TRUE(url) << url.error().message;
        m_url = *url;
    }

    /// Runs statements in the test's own database (not through the inventory).
    void sql(const std::string& text) const
    {
        std::unique_ptr<PGconn, decltype(&::PQfinish)> c(::PQconnectdb(m_url.c_str()), &::PQfinish);
        ASSERT_EQ(::PQstatus(c.get()), CONNECTION_OK) << ::PQerrorMessage(c.get());
        std::unique_ptr<PGresult, decltype(&::PQclear)> r(::PQexec(c.get(), text.c_str()), &::PQclear);
        const auto status = ::PQresultStatus(r.get());
        ASSERT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << ::PQerrorMessage(c.get());
    }

    static store::inventory_profile profile(const std::string& iccid)
    {
        store::inventory_profile p;
        p.iccid = iccid;
        p.matching_id = "M" + iccid;
        p.state = profile_state::released;
        p.description_json = "{}";
        p.upp = bytes{0xA0, 0x00};
        p.metadata = bytes{0xBF, 0x25, 0x00};
        return p;
    }

    std::unique_ptr<store::testing::postgres_scratch> m_scratch;
    std::string m_url;
};

} // namespace

TEST_F(postgres_inventory, when_the_server_cuts_every_connection_then_the_next_call_reconnects)
{
    auto inv = store::open_inventory(m_url);
    ASSERT_TRUE(inv) << inv.error().message;
    ASSERT_TRUE((*inv)->add_profile(profile("8949000000000000018")));
    // What a server restart or failover does to the pooled, idle connections.
    const auto db = m_scratch->databases().front();
    ASSERT_TRUE(m_scratch->admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname='" + db +
                                 "' AND pid <> pg_backend_pid()"));
    auto all = (*inv)->list_profiles();
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(all->size(), 1u);
    EXPECT_TRUE(*(*inv)->reserve_for_session("8949000000000000018", "T1", "EID1", 100, 400));
}

TEST_F(postgres_inventory, a_small_pool_serves_many_threads)
{
    auto inv = store::open_inventory(m_url + "?pool_size=2");
    ASSERT_TRUE(inv) << inv.error().message;
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const std::string iccid = "89490000000" + std::to_string(1000 + t) + std::to_string(1000 + i);
                if (!(*inv)->add_profile(profile(iccid))) ++errors;
                auto found = (*inv)->find_by_iccid(iccid);
                if (!found || !*found) ++errors;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ((*inv)->list_profiles()->size(), 120u);
}

TEST_F(postgres_inventory, schema_version_is_recorded_and_a_newer_schema_is_refused)
{
    {
        auto inv = store::open_inventory(m_url);
        ASSERT_TRUE(inv) << inv.error().message;
    }
    sql("INSERT INTO schema_version(version) VALUES (999)");
    auto r = store::open_inventory(m_url);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("version 999"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("upgrade OpenRSP"), std::string::npos) << r.error().message;
}
