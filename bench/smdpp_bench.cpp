// SM-DP+ CPU per download against the elliptic-curve operations SGP.22 makes mandatory for it.
//
//   build/bench/openrsp_bench --benchmark_counters_tabular=true
//
// ec_ops_per_download: what one download costs the SM-DP+ in ECC alone (the budget's unit):
//   signatures: serverSignature1, smdpSignature2, smdpSign (BF23), TLS CertificateVerify         = 4 sign
//   verifications: EUM cert, eUICC cert, euiccSignature1, euiccSignature2, euiccSignPIR          = 5 verify
//   key agreement: one-time ECKA key pair + ECDH, TLS ECDHE key pair + ECDH                     = 2 keygen, 2 ECDH
// smdpp_download_cpu: thread CPU time of the SM-DP+ handling the four ES9+ calls of a download through its
//   HTTP edge (JSON, base64, DER, SQLite, crypto), TLS excluded; the eUICC's work is not counted.
// tls_handshake_server_cpu: server-side CPU of one TLS 1.3 handshake with the DPtls certificate (in memory).
// Budget: (smdpp_download_cpu + tls_handshake_server_cpu) <= 1.5 x ec_ops_per_download.
#include "http/tls_context.h" // internal: the server's own SSL_CTX
#include "openrsp/crypto/ec.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/http/message.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/pki/pki.h"
#include "openrsp/smdpp/smdpp.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace openrsp;
namespace fs = std::filesystem;

namespace {

double thread_cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string slurp(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

template <class T>
T must(result<T> r)
{
    if (!r) {
        std::fprintf(stderr, "bench setup failed: %s\n", r.error().message.c_str());
        std::exit(1);
    }
    return std::move(*r);
}
void must(result<void> r)
{
    if (!r) {
        std::fprintf(stderr, "bench setup failed: %s\n", r.error().message.c_str());
        std::exit(1);
    }
}

struct fixture {
    fs::path dir;
    fixture()
    {
        std::string tmpl = (fs::temp_directory_path() / "openrsp-bench-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) std::exit(1);
        dir = tmpl;
        pki::init_options o;
        o.directory = (dir / "pki").string();
        must(pki::init(o));
    }
    ~fixture() { fs::remove_all(dir); }
    [[nodiscard]] std::string pki_file(const char* f) const { return (dir / "pki" / f).string(); }
};

fixture& env()
{
    static fixture f;
    return f;
}

void BM_ec_ops_per_download(benchmark::State& state)
{
    auto signer = must(crypto::ec_key::generate(crypto::curve::nist_p256));
    auto peer = must(crypto::ec_key::generate(crypto::curve::nist_p256));
    const bytes msg(200, 0x5A);
    const bytes sig = must(crypto::ecdsa_sign(signer, msg));
    for (auto _ : state) {
        for (int i = 0; i < 4; ++i) benchmark::DoNotOptimize(crypto::ecdsa_sign(signer, msg));
        for (int i = 0; i < 5; ++i) benchmark::DoNotOptimize(crypto::ecdsa_verify(signer, msg, sig));
        for (int i = 0; i < 2; ++i) {
            auto k = must(crypto::ec_key::generate(crypto::curve::nist_p256));
            benchmark::DoNotOptimize(crypto::ecka(k, peer));
        }
    }
}
BENCHMARK(BM_ec_ops_per_download)->Unit(benchmark::kMicrosecond)->UseRealTime();

http::request es9p_request(std::string_view function, std::string body)
{
    http::request r;
    r.method = "POST";
    r.target = "/gsma/rsp2/es9plus/" + std::string(function);
    r.headers = {{"Content-Type", "application/json"}, {"X-Admin-Protocol", "gsma/rsp/v2.2.2"}};
    r.body = std::move(body);
    return r;
}

bytes b64_field(const std::string& json_text, const char* key)
{
    auto j = nlohmann::json::parse(json_text);
    return *base64_decode(j.at(key).get<std::string>());
}

void BM_smdpp_download_cpu(benchmark::State& state)
{
    const fs::path run_dir = env().dir / ("run-" + std::to_string(state.range(0)));
    fs::create_directories(run_dir);
    // OPENRSP_BENCH_DB: another inventory, e.g. a postgresql:// URL (the database then runs in its own process).
    const char* db_override = std::getenv("OPENRSP_BENCH_DB");
    auto inventory =
        must(store::open_inventory(db_override ? std::string(db_override) : (run_dir / "smdpp.db").string()));
    smdpp::config cfg;
    cfg.address = "smdp.bench.example";
    smdpp::service service(cfg, must(smdpp::load_credentials((env().dir / "pki").string())), *inventory);
    euicc::provisioning p;
    p.euicc_cert_pem = slurp(env().pki_file(pki::files::euicc_cert));
    p.euicc_key_pem = slurp(env().pki_file(pki::files::euicc_key));
    p.eum_cert_pem = slurp(env().pki_file(pki::files::eum_cert));
    p.ci_cert_pems.push_back(slurp(env().pki_file(pki::files::ci_cert)));
    const std::string euicc_path = (run_dir / "euicc.json").string();
    must(euicc::virtual_euicc::create(euicc_path, p));
    auto chip = must(euicc::virtual_euicc::open(euicc_path));
    auto transport = chip->make_transport();
    lpa::es10_client es10(*transport);
    must(es10.open());

    std::uint64_t n = 0;
    double smdp_cpu = 0;
    double per_call[4] = {0, 0, 0, 0};
    int call = 0;
    auto timed = [&](const http::request& r) {
        const double t0 = thread_cpu_seconds();
        http::response resp = service.handle_http(r);
        const double spent = thread_cpu_seconds() - t0;
        smdp_cpu += spent;
        per_call[call++ % 4] += spent;
        if (resp.status != 200 && resp.status != 204) std::exit(2);
        if (resp.body.find("\"Failed\"") != std::string::npos) {
            std::fprintf(stderr, "SM-DP+ failed: %s\n", resp.body.c_str());
            std::exit(2);
        }
        return resp;
    };
    for (auto _ : state) {
        // Operator intake and the eUICC side are not part of the measured SM-DP+ download work.
        rsp::profile_description d;
        d.iccid = "8949" + std::to_string(10000 + getpid() % 90000) + std::to_string(1000000000ULL + n++);
        d.imsi = "001010000000001";
        d.ki = bytes(16, 1);
        d.opc = bytes(16, 2);
        d.service_provider_name = "Bench";
        d.profile_name = "Bench";
        smdpp::add_profile_options ao;
        ao.smdp_address = cfg.address;
        const auto ac = must(smdpp::add_profile(*inventory, d, ao));
        const double before = smdp_cpu;

        const bytes info1 = must(es10.get_euicc_info1());
        const bytes challenge = must(es10.get_euicc_challenge());
        auto r1 = timed(es9p_request("initiateAuthentication",
                                     rsp::es9p::to_json(rsp::es9p::initiate_authentication_request{cfg.address, challenge, info1})));
        const auto ia = must(rsp::es9p::parse_initiate_authentication_response(r1.body));
        const bytes as = must(es10.authenticate_server(ia.server_signed1, ia.server_signature1,
                                                       ia.euicc_ci_pkid_to_be_used, ia.server_certificate, ac.matching_id));
        auto r2 = timed(es9p_request("authenticateClient",
                                     rsp::es9p::to_json(rsp::es9p::authenticate_client_request{ia.transaction_id, as})));
        const auto acr = must(rsp::es9p::parse_authenticate_client_response(r2.body));
        const bytes pd = must(es10.prepare_download(acr.smdp_signed2, acr.smdp_signature2, acr.smdp_certificate, std::nullopt));
        auto r3 = timed(es9p_request("getBoundProfilePackage",
                                     rsp::es9p::to_json(rsp::es9p::get_bound_profile_package_request{ia.transaction_id, pd})));
        const bytes pir = must(es10.load_bound_profile_package(b64_field(r3.body, "boundProfilePackage")));
        timed(es9p_request("handleNotification",
                           rsp::es9p::to_json(rsp::es9p::handle_notification_request{pir})));
        state.SetIterationTime(smdp_cpu - before);
        // Keep the eUICC small so its store writes stay constant across iterations.
        for (const auto& nt : must(es10.list_notifications())) (void)es10.remove_notification(nt.seq_number);
        (void)es10.delete_profile(d.iccid);
        for (const auto& nt : must(es10.list_notifications())) (void)es10.remove_notification(nt.seq_number);
    }
    state.counters["downloads"] = static_cast<double>(n);
    const double k = 1e6 / static_cast<double>(n ? n : 1);
    state.counters["initiate_us"] = per_call[0] * k;
    state.counters["authclient_us"] = per_call[1] * k;
    state.counters["getbpp_us"] = per_call[2] * k;
    state.counters["notify_us"] = per_call[3] * k;
}
BENCHMARK(BM_smdpp_download_cpu)->Arg(0)->Unit(benchmark::kMicrosecond)->UseManualTime()->Iterations(300);

struct ssl_ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
};

// The server side is the SM-DP+'s own TLS context (lib/http), so the figure moves with its settings (tickets,
// groups, ciphers). Arg 0: the client offers only P-256 (the curve SGP.22 mandates); arg 1: it offers X25519 first,
// as curl, lpac and Android do, and the server takes that key share.
void BM_tls_handshake_server_cpu(benchmark::State& state)
{
    auto server_ctx = http::detail::make_server_tls_context(slurp(env().pki_file(pki::files::dptls_cert)),
                                                            slurp(env().pki_file(pki::files::dptls_key)));
    if (!server_ctx) std::exit(3);
    std::unique_ptr<SSL_CTX, ssl_ctx_free> client_ctx(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set1_groups_list(client_ctx.get(), state.range(0) == 0 ? "P-256" : "X25519:P-256");
    for (auto _ : state) {
        std::unique_ptr<SSL, ssl_free> server(SSL_new(server_ctx->get()));
        std::unique_ptr<SSL, ssl_free> client(SSL_new(client_ctx.get()));
        BIO* a = nullptr;
        BIO* b = nullptr;
        BIO_new_bio_pair(&a, 0, &b, 0);
        SSL_set_bio(server.get(), a, a);
        SSL_set_bio(client.get(), b, b);
        SSL_set_accept_state(server.get());
        SSL_set_connect_state(client.get());
        double server_cpu = 0;
        for (int round = 0; round < 10; ++round) {
            const int c = SSL_do_handshake(client.get());
            const double t0 = thread_cpu_seconds();
            const int s = SSL_do_handshake(server.get());
            server_cpu += thread_cpu_seconds() - t0;
            if (c == 1 && s == 1) break;
        }
        state.SetIterationTime(server_cpu);
    }
}
BENCHMARK(BM_tls_handshake_server_cpu)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseManualTime();

} // namespace


namespace {
void BM_certificate_from_der(benchmark::State& state)
{
    auto cert = must(crypto::certificate::load_file(env().pki_file(pki::files::euicc_cert)));
    const bytes der = cert.der();
    for (auto _ : state) benchmark::DoNotOptimize(crypto::certificate::from_der(der));
}
BENCHMARK(BM_certificate_from_der)->Unit(benchmark::kMicrosecond);

void BM_ecdsa_verify(benchmark::State& state)
{
    auto k = must(crypto::ec_key::generate(crypto::curve::nist_p256));
    const bytes msg(200, 1);
    const bytes sig = must(crypto::ecdsa_sign(k, msg));
    for (auto _ : state) benchmark::DoNotOptimize(crypto::ecdsa_verify(k, msg, sig));
}
BENCHMARK(BM_ecdsa_verify)->Unit(benchmark::kMicrosecond);

void BM_ecdsa_sign(benchmark::State& state)
{
    auto k = must(crypto::ec_key::generate(crypto::curve::nist_p256));
    const bytes msg(200, 1);
    for (auto _ : state) benchmark::DoNotOptimize(crypto::ecdsa_sign(k, msg));
}
BENCHMARK(BM_ecdsa_sign)->Unit(benchmark::kMicrosecond);

void BM_keygen_ecdh(benchmark::State& state)
{
    auto peer = must(crypto::ec_key::generate(crypto::curve::nist_p256));
    for (auto _ : state) {
        auto k = must(crypto::ec_key::generate(crypto::curve::nist_p256));
        benchmark::DoNotOptimize(crypto::ecka(k, peer));
    }
}
BENCHMARK(BM_keygen_ecdh)->Unit(benchmark::kMicrosecond);

void BM_from_public_point(benchmark::State& state)
{
    auto k = must(crypto::ec_key::generate(crypto::curve::nist_p256));
    const bytes pt = k.public_point();
    for (auto _ : state) benchmark::DoNotOptimize(crypto::ec_key::from_public_point(crypto::curve::nist_p256, pt));
}
BENCHMARK(BM_from_public_point)->Unit(benchmark::kMicrosecond);

void BM_sqlite_session_roundtrip(benchmark::State& state)
{
    auto inv = must(store::open_sqlite((env().dir / "sess.db").string()));
    std::uint64_t n = 0;
    for (auto _ : state) {
        store::rsp_session_row r{"T" + std::to_string(n++), "", "1", bytes(700, 1), 4000000000};
        must(inv->put_session(r));
        benchmark::DoNotOptimize(inv->get_session(r.transaction_id, 1));
        must(inv->delete_session(r.transaction_id));
    }
}
BENCHMARK(BM_sqlite_session_roundtrip)->Unit(benchmark::kMicrosecond);
} // namespace


namespace {
// The inventory calls one download makes, in order, without crypto or JSON: the storage share of the budget.
void BM_store_ops_per_download(benchmark::State& state)
{
    const bool postgres = state.range(0) == 1;
    const char* url = std::getenv("OPENRSP_BENCH_DB");
    if (postgres && (!url || std::string_view(url).substr(0, 8) != "postgres")) {
        state.SkipWithError("set OPENRSP_BENCH_DB=postgresql://... to measure PostgreSQL");
        return;
    }
    auto inv = must(postgres ? store::open_postgres(url)
                             : store::open_sqlite((env().dir / ("ops-" + std::to_string(getpid()) + ".db")).string()));
    const bytes upp(1200, 0xA5), meta(120, 0xBF), cert(560, 0x30), session(900, 0x11);
    static std::uint64_t n = 0; // the benchmark function runs several times on one database
    for (auto _ : state) {
        const std::string id = std::to_string(getpid()) + "-" + std::to_string(n++);
        store::inventory_profile p;
        p.iccid = "ICCID" + id;
        p.matching_id = "MID" + id;
        p.state = store::profile_state::released;
        p.description_json = "{}";
        p.upp = upp;
        p.metadata = meta;
        state.PauseTiming();
        must(inv->add_profile(p));
        state.ResumeTiming();
        const std::string tid = "TID" + id;
        must(inv->put_session({tid, "", "1", session, 4000000000}));
        (void)must(inv->get_session(tid, 1));
        (void)must(inv->find_by_matching_id(p.matching_id));
        (void)must(inv->reserve_for_session(p.iccid, tid, "EID", 1, 4000000000));
        must(inv->put_session({tid, p.iccid, "2", session, 4000000000}));
        (void)must(inv->get_session(tid, 1));
        (void)must(inv->find_by_iccid(p.iccid));
        (void)must(inv->deliver(p.iccid, tid, "EID", cert));
        must(inv->put_session({tid, p.iccid, "3", session, 4000000000}));
        (void)must(inv->get_session(tid, 1));
        (void)must(inv->find_by_iccid(p.iccid));
        (void)must(inv->transition(p.iccid, store::profile_state::downloaded, store::profile_state::installed, tid));
        must(inv->delete_session(tid));
    }
}
BENCHMARK(BM_store_ops_per_download)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
} // namespace

BENCHMARK_MAIN();
