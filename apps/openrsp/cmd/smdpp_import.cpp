// `openrsp smdpp import`: bulk profiles (CSV, JSON or SAIP packages) into an operator's ES2+ inventory.
#include "common.h"

#include "openrsp/smdpp/import.h"
#include "openrsp/store/store.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

namespace openrsp::cli {

store::key_ring kek_ring(const std::string& kek_file, const std::vector<std::string>& old_kek_files); // smdpp_keys.cpp

namespace {

struct import_args {
    std::string db, kek, operator_id, csv, json, saip, address, profile_type;
    unsigned batch = 500;
    bool strict = false;
    bool json_summary = false;
};

std::string where(const smdpp::import_problem& p)
{
    if (!p.where.empty()) return p.where;
    return p.line == 0 ? std::string("the file") : "line " + std::to_string(p.line);
}

void run_import(const import_args& a)
{
    if ((a.csv.empty() ? 0 : 1) + (a.json.empty() ? 0 : 1) + (a.saip.empty() ? 0 : 1) != 1)
        die("give exactly one of --csv FILE, --json FILE or --saip DIR");
    auto inv = must(store::open_inventory(a.db, kek_ring(a.kek, {})));
    if (!must(inv->find_operator_by_name(a.operator_id)))
        die("there is no operator named " + a.operator_id + "; add it first with `openrsp smdpp operator add`");
    smdpp::import_options o;
    o.operator_id = a.operator_id;
    o.default_profile_type = a.profile_type;
    o.batch_size = a.batch;
    o.strict = a.strict;
    o.smdp_address = a.address;
    if (o.smdp_address.empty()) {
        auto known = must(inv->get_setting("smdp_address"));
        if (!known) die("the inventory does not know its SM-DP+ address yet; give --address");
        o.smdp_address = *known;
    }

    const auto start = std::chrono::steady_clock::now();
    smdpp::import_report r;
    if (!a.csv.empty())
        r = must(smdpp::import_csv(*inv, must(read_text_file(a.csv)), o));
    else if (!a.json.empty())
        r = must(smdpp::import_json(*inv, must(read_text_file(a.json)), o));
    else
        r = must(smdpp::import_saip_dir(*inv, a.saip, o));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (a.json_summary) {
        auto problems = nlohmann::json::array();
        for (const auto& p : r.problems) {
            nlohmann::json j{{"line", p.line}, {"reason", p.reason}, {"conflict", p.conflict}};
            if (!p.where.empty()) j["file"] = p.where;
            if (!p.iccid.empty()) j["iccid"] = p.iccid;
            problems.push_back(std::move(j));
        }
        nlohmann::json out{{"ok", r.rejected == 0 && r.conflicts == 0 && !r.stopped},
                           {"imported", r.imported},
                           {"alreadyPresent", r.present},
                           {"conflicts", r.conflicts},
                           {"rejected", r.rejected},
                           {"batches", r.batches},
                           {"stopped", r.stopped},
                           {"seconds", seconds},
                           {"problems", std::move(problems)}};
        std::printf("%s\n", out.dump().c_str());
    } else {
        for (const auto& p : r.problems)
            std::fprintf(stderr, "%s%s: %s%s\n", where(p).c_str(),
                         p.iccid.empty() ? "" : (" (" + p.iccid + ")").c_str(), p.conflict ? "conflict: " : "",
                         p.reason.c_str());
        if (r.imported == 0 && r.rejected == 0 && r.conflicts == 0)
            std::printf("nothing new to import: %zu profiles already present\n", r.present);
        else
            std::printf("imported %zu, already present %zu, conflicts %zu, rejected %zu (%zu batches, %.2f s)\n",
                        r.imported, r.present, r.conflicts, r.rejected, r.batches, seconds);
        if (r.stopped)
            std::printf("stopped at the first problem (--strict): its batch was not imported; fix it and run the "
                        "import again to continue\n");
    }
    std::fflush(stdout);
    // Scripts see a partial import: every good row is in, but something needs a look.
    if (r.rejected > 0 || r.conflicts > 0 || r.stopped) throw exit_status{1};
}

} // namespace

void register_smdpp_import(CLI::App& smdpp)
{
    auto a = std::make_shared<import_args>();
    auto* c = smdpp.add_subcommand(
        "import", "Import profiles (CSV, JSON or SAIP packages) as Available ES2+ inventory of one operator; "
                  "idempotent and resumable (batches of --batch-size, one transaction each)");
    c->add_option("--db", a->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    c->add_option("--operator", a->operator_id, "Operator owning the imported profiles (see `smdpp operator add`)")
        ->required();
    c->add_option("--csv", a->csv,
                  "CSV file; the header row names the columns: iccid, imsi, ki, opc, spn, profileName, "
                  "[apn, profileType, mncLength]")
        ->check(CLI::ExistingFile);
    c->add_option("--json", a->json, "JSON file: an array of profile objects, or one object per line (same keys)")
        ->check(CLI::ExistingFile);
    c->add_option("--saip", a->saip, "Folder of SAIP profile packages (*.der); ICCID, IMSI, Ki, OPc read from each")
        ->check(CLI::ExistingDirectory);
    c->add_option("--profile-type", a->profile_type, "Profile type for rows without one (and every SAIP package)");
    c->add_option("--address", a->address, "SM-DP+ address for the profile metadata (default: the serving one)");
    c->add_option("--batch-size", a->batch, "Profiles per transaction")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100000u));
    c->add_flag("--strict", a->strict,
                "Stop at the first bad row or conflict; nothing of its batch is imported (earlier batches stay)");
    c->add_flag("--json-summary", a->json_summary, "Print the summary and every problem as one JSON object");
    c->add_option("--kek", a->kek, "Key-encryption key file sealing Ki/OPc at rest (or OPENRSP_SMDPP_KEK)")
        ->check(CLI::ExistingFile);
    c->callback([a] { run_import(*a); });
}

} // namespace openrsp::cli
