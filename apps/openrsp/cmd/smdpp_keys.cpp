// Key-encryption keys for the SM-DP+ inventory (`--kek`, OPENRSP_SMDPP_KEK) and `openrsp smdpp rekey`.
#include "common.h"

#include "openrsp/store/store.h"

#include <cstdio>
#include <cstdlib>

namespace openrsp::cli {

store::key_ring kek_ring(const std::string& kek_file, const std::vector<std::string>& old_kek_files)
{
    // The environment variable names a file, never the key itself: keys do not belong in process listings.
    std::string primary = kek_file;
    if (primary.empty())
        if (const char* env = std::getenv("OPENRSP_SMDPP_KEK")) primary = env;
    store::key_ring ring;
    if (primary.empty()) {
        if (!old_kek_files.empty()) die("--old-kek needs --kek: new rows are sealed under --kek");
        return ring;
    }
    ring.keys.push_back(must(store::load_kek(primary)));
    for (const auto& f : old_kek_files)
        ring.keys.push_back(must(store::load_kek(f)));
    return ring;
}

namespace {

struct rekey_args {
    std::string db, kek;
    std::vector<std::string> old_keks;
    unsigned batch = 500;
};

void rekey(const rekey_args& a)
{
    auto inv = must(store::open_inventory(a.db, kek_ring(a.kek, a.old_keks)));
    std::size_t total = 0;
    // Batches keep each pass short; an interrupted rekey simply continues where the rows say it stopped.
    for (;;) {
        const std::size_t n = must(inv->reseal_profiles(a.batch));
        if (n == 0) break;
        total += n;
    }
    std::printf("%zu profiles re-sealed; every profile is now sealed under the new key\n", total);
}

} // namespace

void register_smdpp_keys(CLI::App& smdpp)
{
    auto a = std::make_shared<rekey_args>();
    auto* cmd = smdpp.add_subcommand("rekey", "Re-seal every profile's secrets under a new key-encryption key");
    cmd->add_option("--db", a->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    cmd->add_option("--kek", a->kek, "The new key file (64 hex digits, e.g. `openssl rand -hex 32`)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--old-kek", a->old_keks, "Key file(s) the profiles are sealed under now (repeatable)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--batch", a->batch, "Profiles re-sealed per round")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100000u));
    cmd->callback([a] { rekey(*a); });
}

} // namespace openrsp::cli
