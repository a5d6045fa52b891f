/// \file
/// \brief Bulk import (CSV, JSON, SAIP packages) on both inventory backends: bad rows reported by line and skipped,
/// idempotent re-runs, conflicts left alone, --strict batches, resuming an interrupted import, and imported
/// profiles ordered over ES2+ and downloaded over ES9+ like any other inventory.

#include "smdpp_fixture.h"

#include "openrsp/smdpp/import.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es2p = openrsp::smdpp::es2p;
using store::profile_state;

namespace {

constexpr const char* ki = "000102030405060708090a0b0c0d0e0f";
constexpr const char* opc = "cd63cb71954a9f4e48a5994e37a02baf";

std::string csv_row(const std::string& iccid, const std::string& imsi = "001010123456789", const std::string& k = ki)
{
    return iccid + "," + imsi + "," + k + "," + opc + ",OpenRSP Mobile,\"Plan, gold\",internet,gold\n";
}

constexpr const char* header = "ICCID,IMSI,Ki,OPc,SPN,profile_name,APN,Profile Type\n";

class import_test : public smdpp_test {
protected:
    smdpp::import_options options(std::size_t batch = 500, bool strict = false)
    {
        smdpp::import_options o;
        o.operator_id = "acme";
        o.smdp_address = smdp_address;
        o.batch_size = batch;
        o.strict = strict;
        return o;
    }
    std::size_t count()
    {
        auto all = m_inventory->list_profiles();
        EXPECT_TRUE(all);
        return all ? all->size() : 0;
    }
};

// ICCIDs 89490000000000000n0 for n = 0..9 (Luhn is not checked by the intake).
std::string iccid(int n)
{
    return "89490000000000000" + std::to_string(n) + "0";
}

} // namespace

TEST_P(import_test, csv_rows_are_imported_and_a_bad_row_is_reported_by_line_while_the_rest_continue)
{
    const std::string text = std::string(header) + csv_row(iccid(1)) + csv_row(iccid(2)) +
                             csv_row(iccid(3), "001010123456789", "00ff") + "\n" + csv_row(iccid(4)) + csv_row("12345");
    auto r = smdpp::import_csv(*m_inventory, text, options());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->imported, 3u);
    EXPECT_EQ(r->rejected, 2u);
    EXPECT_EQ(r->conflicts, 0u);
    ASSERT_EQ(r->problems.size(), 2u);
    EXPECT_EQ(r->problems[0].line, 4u);
    EXPECT_EQ(r->problems[0].iccid, iccid(3));
    EXPECT_NE(r->problems[0].reason.find("ki"), std::string::npos) << r->problems[0].reason;
    EXPECT_EQ(r->problems[1].line, 7u) << "the blank line still counts";
    EXPECT_NE(r->problems[1].reason.find("iccid"), std::string::npos) << r->problems[1].reason;

    const auto p = profile(iccid(2));
    EXPECT_EQ(p.state, profile_state::available);
    EXPECT_EQ(p.operator_id, "acme");
    EXPECT_EQ(p.profile_type, "gold");
    EXPECT_TRUE(p.matching_id.empty());
    EXPECT_NE(p.description_json.find("\"Plan, gold\""), std::string::npos) << "quoted comma kept";
    EXPECT_EQ(count(), 3u);
}

TEST_P(import_test, running_the_same_import_again_imports_nothing_new_and_says_so)
{
    const std::string text = std::string(header) + csv_row(iccid(1)) + csv_row(iccid(2)) + csv_row(iccid(3));
    ASSERT_TRUE(smdpp::import_csv(*m_inventory, text, options()));
    auto again = smdpp::import_csv(*m_inventory, text, options());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->imported, 0u);
    EXPECT_EQ(again->present, 3u);
    EXPECT_EQ(again->rejected, 0u);
    EXPECT_EQ(count(), 3u);
}

TEST_P(import_test, a_known_iccid_with_other_data_is_a_conflict_and_keeps_its_data)
{
    ASSERT_TRUE(smdpp::import_csv(*m_inventory, std::string(header) + csv_row(iccid(1)), options()));
    auto r = smdpp::import_csv(
        *m_inventory, std::string(header) + csv_row(iccid(1), "001010999999999") + csv_row(iccid(2)), options());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->imported, 1u);
    EXPECT_EQ(r->conflicts, 1u);
    ASSERT_EQ(r->problems.size(), 1u);
    EXPECT_TRUE(r->problems[0].conflict);
    EXPECT_EQ(r->problems[0].line, 2u);
    EXPECT_NE(profile(iccid(1)).description_json.find("001010123456789"), std::string::npos);
}

TEST_P(import_test, strict_stops_at_the_first_bad_row_and_imports_nothing_of_its_batch)
{
    // Batches of two: rows 2-3 commit, row 5 is bad, so row 4 (its batch) and everything after stay out.
    const std::string text = std::string(header) + csv_row(iccid(1)) + csv_row(iccid(2)) + csv_row(iccid(3)) +
                             csv_row(iccid(4), "x") + csv_row(iccid(5));
    auto r = smdpp::import_csv(*m_inventory, text, options(2, true));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->stopped);
    EXPECT_EQ(r->imported, 2u);
    EXPECT_EQ(r->rejected, 1u);
    ASSERT_EQ(r->problems.size(), 1u);
    EXPECT_EQ(r->problems[0].line, 5u);
    EXPECT_EQ(count(), 2u);
    auto third = m_inventory->find_by_iccid(iccid(3));
    ASSERT_TRUE(third);
    EXPECT_FALSE(*third);

    // A conflict stops a strict import the same way, rolling its batch back.
    auto c = smdpp::import_csv(
        *m_inventory, std::string(header) + csv_row(iccid(6)) + csv_row(iccid(1), "001010999999999"), options(2, true));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->stopped);
    EXPECT_EQ(c->imported, 0u);
    EXPECT_EQ(c->conflicts, 1u);
    EXPECT_EQ(count(), 2u);
}

TEST_P(import_test, an_interrupted_import_continues_where_it_stopped_when_run_again)
{
    std::string text = header;
    for (int i = 1; i <= 7; ++i)
        text += csv_row(iccid(i));
    auto o = options(3);
    o.after_batch = [](const smdpp::import_report&) { return false; }; // "killed" after the first commit
    auto first = smdpp::import_csv(*m_inventory, text, o);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->imported, 3u);
    EXPECT_EQ(count(), 3u);

    auto rest = smdpp::import_csv(*m_inventory, text, options(3));
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_EQ(rest->present, 3u);
    EXPECT_EQ(rest->imported, 4u);
    EXPECT_EQ(rest->batches, 3u);
    EXPECT_EQ(count(), 7u);
}

TEST_P(import_test, an_unusable_header_or_unknown_operator_settings_import_nothing)
{
    for (const char* bad : {"iccid,imsi,ki,opc,spn\n", "iccid,imsi,ki,opc,spn,profileName,colour\n",
                            "iccid,iccid,imsi,ki,opc,spn,profileName\n", ""}) {
        auto r = smdpp::import_csv(*m_inventory, std::string(bad) + csv_row(iccid(1)), options());
        EXPECT_FALSE(r) << bad;
    }
    auto no_operator = options();
    no_operator.operator_id.clear();
    EXPECT_FALSE(smdpp::import_csv(*m_inventory, std::string(header) + csv_row(iccid(1)), no_operator));
    EXPECT_EQ(count(), 0u);
}

TEST_P(import_test, json_arrays_and_json_lines_import_with_positions_for_bad_entries)
{
    const std::string good = std::string(R"({"iccid":")") + iccid(1) + R"(","imsi":"001010123456789","ki":")" + ki +
                             R"(","opc":")" + opc +
                             R"(","spn":"X","profileName":"P","profileType":"silver","mncLength":3})";
    const std::string good2 = std::string(R"({"iccid":")") + iccid(2) + R"(","imsi":"001010123456789","ki":")" + ki +
                              R"(","opc":")" + opc + R"(","spn":"X","profileName":"P"})";
    auto arr = smdpp::import_json(*m_inventory, "[" + good + R"(, {"iccid":"1"}, )" + good2 + "]", options());
    ASSERT_TRUE(arr) << arr.error().message;
    EXPECT_EQ(arr->imported, 2u);
    ASSERT_EQ(arr->problems.size(), 1u);
    EXPECT_EQ(arr->problems[0].line, 2u);
    EXPECT_EQ(profile(iccid(1)).profile_type, "silver");

    const std::string good3 = std::string(R"({"iccid":")") + iccid(3) + R"(","imsi":"001010123456789","ki":")" + ki +
                              R"(","opc":")" + opc + R"(","spn":"X","profileName":"P"})";
    auto lines = smdpp::import_json(*m_inventory, good + "\n\n{not json\n" + good3 + "\n", options());
    ASSERT_TRUE(lines) << lines.error().message;
    EXPECT_EQ(lines->present, 1u);
    EXPECT_EQ(lines->imported, 1u);
    ASSERT_EQ(lines->problems.size(), 1u);
    EXPECT_EQ(lines->problems[0].line, 3u);
}

TEST_P(import_test, an_imported_profile_is_ordered_over_es2p_and_downloaded_over_es9p)
{
    ASSERT_TRUE(es2p::add_operator(*m_inventory, "acme"));
    ASSERT_TRUE(smdpp::import_csv(*m_inventory, std::string(header) + csv_row(iccid(1)), options()));
    es2p::download_order_request d;
    d.profile_type = "gold";
    auto ordered = es2p::download_order(*m_inventory, {"acme", smdp_address}, d);
    ASSERT_TRUE(ordered) << ordered.error().message;
    es2p::confirm_order_request c;
    c.iccid = ordered->iccid;
    c.release_flag = true;
    auto confirmed = es2p::confirm_order(*m_inventory, {"acme", smdp_address}, c);
    ASSERT_TRUE(confirmed) << confirmed.error().message;
    auto r = download(make_euicc(), confirmed->matching_id);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(profile(iccid(1)).state, profile_state::installed);
}

TEST_P(import_test, saip_packages_keep_their_bytes_and_their_identity_is_read_from_them)
{
    const std::string dir = std::string(OPENRSP_SOURCE_DIR) + "/tests/data/saip";
    auto o = options();
    o.default_profile_type = "ts48";
    auto r = smdpp::import_saip_dir(*m_inventory, dir, o);
    ASSERT_TRUE(r) << r.error().message;
    for (const auto& p : r->problems)
        ADD_FAILURE() << p.where << ": " << p.reason;
    const auto packages =
        static_cast<std::size_t>(std::count_if(fs::directory_iterator(dir), fs::directory_iterator(),
                                               [](const auto& f) { return f.path().extension() == ".der"; }));
    ASSERT_GE(packages, 3u);
    EXPECT_EQ(r->imported, packages);
    auto all = m_inventory->list_profiles();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), packages);
    for (const auto& p : *all) {
        auto summary = rsp::parse_upp(p.upp);
        ASSERT_TRUE(summary) << summary.error().message;
        EXPECT_EQ(summary->iccid, p.iccid);
        EXPECT_NE(p.description_json.find(summary->imsi), std::string::npos);
        EXPECT_EQ(p.profile_type, "ts48");
        // The package is the file as it was: no rebuild.
        bool found = false;
        for (const auto& f : fs::directory_iterator(dir))
            if (slurp(f.path()) == std::string(p.upp.begin(), p.upp.end())) found = true;
        EXPECT_TRUE(found) << p.iccid;
    }
    auto again = smdpp::import_saip_dir(*m_inventory, dir, o);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->present, packages);

    // A file that is not a package is reported by name and the others still import.
    const auto mixed = m_dir / "mixed";
    fs::create_directories(mixed);
    // The same package under its own name is the same profile (the name is the profile name).
    const fs::path first = fs::directory_iterator(dir)->path();
    fs::copy_file(first, mixed / first.filename());
    std::ofstream(mixed / "zz-broken.der") << "not DER";
    auto m = smdpp::import_saip_dir(*m_inventory, mixed.string(), o);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->present, 1u);
    ASSERT_EQ(m->problems.size(), 1u);
    EXPECT_EQ(m->problems[0].where, "zz-broken.der");
}

INSTANTIATE_TEST_SUITE_P(backends, import_test, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
