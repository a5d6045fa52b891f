/// \file
/// \brief Ki/OPc at rest under a key-encryption key, on both backends: the database never holds them in clear
/// (SQLite file bytes, PostgreSQL rows), downloads still work, a missing or wrong key is refused clearly, and the key
/// can rotate.

#include "smdpp_fixture.h"

#include "openrsp/crypto/ec.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";

bool contains(const std::string& hay, byte_view needle)
{
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

std::string upper(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

class sealed_inventory : public smdpp_test {
protected:
    void SetUp() override
    {
        smdpp_test::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        m_key = *store::make_kek(crypto::random_bytes(32));
        reopen({m_key});
        // Secrets no test vector shares, so finding them can only mean they leaked.
        m_ki = crypto::random_bytes(16);
        m_opc = crypto::random_bytes(16);
    }

    void reopen(std::vector<store::kek> keys)
    {
        m_service.reset();
        m_inventory.reset();
        auto inv = store::open_inventory(m_location, store::key_ring{std::move(keys)});
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
        start_service(smdpp::config{});
    }

    rsp::profile_description secret_description(const std::string& iccid)
    {
        auto d = description(iccid);
        d.ki = m_ki;
        d.opc = m_opc;
        return d;
    }

    std::string add_secret_profile(const std::string& iccid)
    {
        smdpp::add_profile_options o;
        o.smdp_address = smdp_address;
        auto ac = smdpp::add_profile(*m_inventory, secret_description(iccid), o);
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? ac->matching_id : "";
    }

    /// Everything the database holds for the inventory: the SQLite files' bytes (main, WAL, sessions), or every
    /// profile row of PostgreSQL as text (bytea shows as hex there).
    std::string stored_bytes()
    {
        std::string all;
        if (GetParam() == backend::sqlite) {
            for (const char* suffix : {"", "-wal", "-sessions", "-sessions-wal"})
                if (fs::exists(m_location + suffix)) all += slurp(m_location + suffix);
            return all;
        }
        std::unique_ptr<PGconn, decltype(&::PQfinish)> c(::PQconnectdb(m_location.c_str()), &::PQfinish);
        EXPECT_EQ(::PQstatus(c.get()), CONNECTION_OK);
        std::unique_ptr<PGresult, decltype(&::PQclear)> r(
            ::PQexec(c.get(), "SELECT t::text FROM profiles t UNION ALL SELECT s::text FROM sessions s"), &::PQclear);
        EXPECT_EQ(::PQresultStatus(r.get()), PGRES_TUPLES_OK) << ::PQerrorMessage(c.get());
        for (int i = 0; i < ::PQntuples(r.get()); ++i)
            all += ::PQgetvalue(r.get(), i, 0);
        return all;
    }

    void expect_no_secret_in(const std::string& stored)
    {
        ASSERT_FALSE(stored.empty());
        for (const bytes& secret : {m_ki, m_opc}) {
            EXPECT_FALSE(contains(stored, secret)) << "raw secret found in the database";
            EXPECT_FALSE(contains(stored, as_bytes(to_hex(secret)))) << "hex secret found in the database";
            EXPECT_FALSE(contains(stored, as_bytes(upper(to_hex(secret))))) << "HEX secret found in the database";
        }
    }

    store::kek m_key;
    bytes m_ki, m_opc;
};

} // namespace

TEST_P(sealed_inventory, the_database_never_holds_ki_or_opc_in_clear_and_downloads_still_work)
{
    const auto mid = add_secret_profile(iccid1);
    // The check works: the same profile stored in clear is found.
    {
        auto clear = store::open_inventory((m_dir / "clear.db").string());
        ASSERT_TRUE(clear);
        smdpp::add_profile_options o;
        o.smdp_address = smdp_address;
        ASSERT_TRUE(smdpp::add_profile(**clear, secret_description(iccid1), o));
        const std::string clear_bytes = slurp(m_dir / "clear.db") + slurp(m_dir / "clear.db-wal");
        EXPECT_TRUE(contains(clear_bytes, m_ki) || contains(clear_bytes, as_bytes(to_hex(m_ki))));
    }

    auto p = profile(iccid1);
    EXPECT_EQ(p.kek_id, m_key.id);
    EXPECT_FALSE(p.secrets_sealed);
    EXPECT_NE(p.description_json.find(to_hex(m_ki)), std::string::npos); // opened for the SM-DP+
    expect_no_secret_in(stored_bytes());

    ASSERT_TRUE(download(make_euicc(), mid));
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
    expect_no_secret_in(stored_bytes());
}

TEST_P(sealed_inventory, without_the_key_profiles_list_but_stay_sealed_and_nothing_is_added_in_clear)
{
    add_secret_profile(iccid1);
    reopen({});
    auto list = m_inventory->list_profiles();
    ASSERT_TRUE(list) << list.error().message;
    ASSERT_EQ(list->size(), 1u);
    EXPECT_TRUE((*list)[0].secrets_sealed);
    EXPECT_TRUE((*list)[0].upp.empty());
    EXPECT_TRUE((*list)[0].description_json.empty());

    smdpp::add_profile_options o;
    o.smdp_address = smdp_address;
    auto added = smdpp::add_profile(*m_inventory, secret_description(iccid2), o);
    ASSERT_FALSE(added);
    EXPECT_NE(added.error().message.find("--kek"), std::string::npos) << added.error().message;
    EXPECT_FALSE(*m_inventory->find_by_iccid(iccid2));
}

TEST_P(sealed_inventory, a_sealed_value_moved_to_another_row_does_not_open)
{
    add_secret_profile(iccid1);
    add_secret_profile(iccid2);
    // Copy profile 1's sealed columns into profile 2, as an attacker with write access to the database could.
    if (GetParam() == backend::sqlite) {
        reopen({}); // release our handle's statements; another connection edits the file
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(m_location.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "UPDATE profiles SET description=(SELECT description FROM profiles WHERE "
                               "iccid='8949000000000000018'), upp=(SELECT upp FROM profiles WHERE "
                               "iccid='8949000000000000018') WHERE iccid='8949000000000000026'",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    } else {
        std::unique_ptr<PGconn, decltype(&::PQfinish)> c(::PQconnectdb(m_location.c_str()), &::PQfinish);
        std::unique_ptr<PGresult, decltype(&::PQclear)> r(
            ::PQexec(c.get(), "UPDATE profiles p SET description=q.description, upp=q.upp FROM profiles q "
                              "WHERE q.iccid='8949000000000000018' AND p.iccid='8949000000000000026'"),
            &::PQclear);
        ASSERT_EQ(::PQresultStatus(r.get()), PGRES_COMMAND_OK);
    }
    reopen({m_key});
    EXPECT_TRUE(*m_inventory->find_by_iccid(iccid1));
    auto moved = m_inventory->find_by_iccid(iccid2);
    ASSERT_FALSE(moved);
    EXPECT_NE(moved.error().message.find("does not open"), std::string::npos) << moved.error().message;
}

TEST_P(sealed_inventory, the_key_rotates_row_by_row_and_the_old_key_is_then_no_longer_needed)
{
    const auto mid1 = add_secret_profile(iccid1);
    add_secret_profile(iccid2);
    const auto new_key = *store::make_kek(crypto::random_bytes(32));
    reopen({new_key, m_key});
    EXPECT_EQ(profile(iccid1).kek_id, m_key.id); // still readable under the old key
    auto n = m_inventory->reseal_profiles(1);
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 1u);
    n = m_inventory->reseal_profiles(100);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1u);
    EXPECT_EQ(*m_inventory->reseal_profiles(100), 0u);

    reopen({new_key});
    EXPECT_EQ(profile(iccid1).kek_id, new_key.id);
    EXPECT_FALSE(profile(iccid2).secrets_sealed);
    ASSERT_TRUE(download(make_euicc(), mid1));
    expect_no_secret_in(stored_bytes());

    // Re-sealing without the key a row needs says so.
    reopen({*store::make_kek(crypto::random_bytes(32))});
    auto refused = m_inventory->reseal_profiles(10);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("was not given"), std::string::npos) << refused.error().message;
}

TEST(kek_file, is_64_hex_digits_and_its_id_follows_from_the_key)
{
    const auto dir = make_temp_dir();
    const auto good = (dir / "good.kek").string();
    std::ofstream(good) << "  " << std::string(64, 'a') << "\n";
    auto k = store::load_kek(good);
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(k->key, bytes(32, 0xAA));
    EXPECT_EQ(k->id.size(), 16u);
    EXPECT_EQ(k->id, store::make_kek(bytes(32, 0xAA))->id);
    EXPECT_NE(k->id, store::make_kek(bytes(32, 0xAB))->id);

    const auto short_key = (dir / "short.kek").string();
    std::ofstream(short_key) << std::string(62, 'a');
    EXPECT_FALSE(store::load_kek(short_key));
    EXPECT_FALSE(store::load_kek((dir / "missing.kek").string()));
    fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(backends, sealed_inventory, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });

TEST_P(sealed_inventory, profiles_stored_in_clear_leave_no_trace_in_the_sqlite_files_once_resealed)
{
    if (GetParam() != backend::sqlite) GTEST_SKIP() << "about SQLite's free pages and WAL (PostgreSQL: VACUUM)";
    // An inventory that started without a key: the secrets are in the file in clear.
    const std::string path = (m_dir / "was-clear.db").string();
    {
        auto clear = store::open_inventory(path);
        ASSERT_TRUE(clear);
        smdpp::add_profile_options o;
        o.smdp_address = smdp_address;
        for (const char* iccid : {iccid1, iccid2})
            ASSERT_TRUE(smdpp::add_profile(**clear, secret_description(iccid), o));
    }
    const auto file_bytes = [&] {
        std::string all;
        for (const char* suffix : {"", "-wal"})
            if (fs::exists(path + suffix)) all += slurp(path + suffix);
        return all;
    };
    ASSERT_TRUE(contains(file_bytes(), as_bytes(to_hex(m_ki)))) << "the check must see the clear secret first";
    // The operator turns sealing on and re-seals: neither the rows' old space nor the WAL may keep the secret.
    {
        auto sealed = store::open_inventory(path, store::key_ring{{m_key}});
        ASSERT_TRUE(sealed) << sealed.error().message;
        auto n = (*sealed)->reseal_profiles(100);
        ASSERT_TRUE(n) << n.error().message;
        EXPECT_EQ(*n, 2u);
    }
    expect_no_secret_in(file_bytes());
}
