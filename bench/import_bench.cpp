// Bulk import speed: `smdpp import` of 10,000 CSV rows into a fresh SQLite inventory (intake, SAIP package and
// metadata built per row, batches of 500 in one transaction each), with and without a key-encryption key.
//
//   build/bench/openrsp_bench --benchmark_filter=import --benchmark_counters_tabular=true
#include "openrsp/smdpp/import.h"
#include "openrsp/store/store.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>

using namespace openrsp;
namespace fs = std::filesystem;

namespace {

std::string csv_rows(int n)
{
    std::string text = "iccid,imsi,ki,opc,spn,profileName,apn,profileType\n";
    char line[256];
    for (int i = 0; i < n; ++i) {
        std::snprintf(line, sizeof line, "8949%015d,00101%010d,%032x,%032x,OpenRSP Mobile,Plan %d,internet,gold\n",
                      100000000 + i, i, i + 1, i + 7, i);
        text += line;
    }
    return text;
}

void BM_import_csv_sqlite(benchmark::State& state)
{
    const bool sealed = state.range(0) != 0;
    const int rows = 10000;
    const std::string text = csv_rows(rows);
    std::string tmpl = (fs::temp_directory_path() / "openrsp-import-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        state.SkipWithError("mkdtemp");
        return;
    }
    int run = 0;
    for (auto _ : state) {
        state.PauseTiming();
        store::key_ring ring;
        if (sealed) ring.keys.push_back(*store::make_kek(bytes(32, 0x5A)));
        auto inv = store::open_sqlite(tmpl + "/inv" + std::to_string(run++) + ".db", ring);
        if (!inv) {
            state.SkipWithError(inv.error().message.c_str());
            break;
        }
        smdpp::import_options o;
        o.operator_id = "acme";
        o.smdp_address = "smdp.example.com";
        state.ResumeTiming();
        auto r = smdpp::import_csv(**inv, text, o);
        if (!r || r->imported != static_cast<std::size_t>(rows)) {
            state.SkipWithError(r ? "not every row was imported" : r.error().message.c_str());
            break;
        }
    }
    fs::remove_all(tmpl);
    state.counters["profiles_per_s"] = benchmark::Counter(
        static_cast<double>(rows) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_import_csv_sqlite)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

} // namespace
