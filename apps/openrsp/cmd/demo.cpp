// `openrsp demo`: the whole activation minute on loopback, every party real, every step measured.
#include "common.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/http/server.h"
#include "openrsp/lpa/download.h"
#include "openrsp/pki/pki.h"
#include "openrsp/qr/qr.h"
#include "openrsp/smdpp/smdpp.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace openrsp::cli {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct demo_args {
    std::string dir;
    bool keep = false;
    bool no_qr = false;
};

std::string random_digits(std::size_t n)
{
    const bytes r = crypto::random_bytes(n);
    std::string s;
    for (auto b : r) s += static_cast<char>('0' + b % 10);
    return s;
}

std::string with_luhn(const std::string& digits)
{
    int sum = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        int d = digits[digits.size() - 1 - i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return digits + static_cast<char>('0' + (10 - sum % 10) % 10);
}

void print_step(int n, const std::string& name, double ms, std::size_t http_bytes, std::size_t apdu_bytes,
                const std::string& detail)
{
    std::printf("[%d/7] %-12s %9.2f ms %8zu B HTTPS %7zu B APDU  %s\n", n, name.c_str(), ms, http_bytes, apdu_bytes,
                detail.c_str());
    std::fflush(stdout);
}

double ms_since(clock_type::time_point t)
{
    return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

void run_demo(const demo_args& a)
{
    fs::path dir;
    bool remove_after = false;
    if (a.dir.empty()) {
        std::string tmpl = (fs::temp_directory_path() / "openrsp-demo-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) die("cannot create a temporary directory");
        dir = tmpl;
        remove_after = !a.keep;
    } else {
        dir = a.dir;
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) die("cannot create " + dir.string() + ": " + ec.message());
    }
    struct cleanup {
        fs::path dir;
        bool active;
        ~cleanup()
        {
            std::error_code ec;
            if (active) fs::remove_all(dir, ec);
        }
    } cleaner{dir, remove_after};

    std::printf("OpenRSP demo: one eSIM activation, every party real, on loopback\n\n");
    const auto setup_start = clock_type::now();
    // The SM-DP+ listens first so its address (with the ephemeral port) can go into the activation code.
    std::atomic<smdpp::service*> service_ptr{nullptr};
    http::server_config sc;
    pki::init_options po;
    po.directory = (dir / "pki").string();
    po.smdp_host = "localhost";
    po.overwrite = true;
    must(pki::init(po));
    auto creds = must(smdpp::load_credentials(po.directory));
    sc.cert_chain_pem = creds.dptls.cert.pem();
    sc.private_key_pem = creds.dptls.key.private_pem();
    auto server = must(http::server::start(sc, [&service_ptr](const http::request& r) {
        smdpp::service* s = service_ptr.load();
        if (!s) return http::response{503, {}, "starting\n"};
        return s->handle_http(r);
    }));
    const std::string address = "localhost:" + std::to_string(server->port());
    auto inventory = must(store::open_sqlite((dir / "smdpp.db").string()));
    must(inventory->set_setting("smdp_address", address));
    smdpp::config cfg;
    cfg.address = address;
    smdpp::service service(cfg, std::move(creds), *inventory);
    service_ptr.store(&service);

    const std::string euicc_path = (dir / "euicc.json").string();
    euicc::provisioning prov;
    prov.euicc_cert_pem = must(read_text_file(po.directory + "/" + pki::files::euicc_cert));
    prov.euicc_key_pem = must(read_text_file(po.directory + "/" + pki::files::euicc_key));
    prov.eum_cert_pem = must(read_text_file(po.directory + "/" + pki::files::eum_cert));
    const std::string ci_pem = must(read_text_file(po.directory + "/" + pki::files::ci_cert));
    prov.ci_cert_pems.push_back(ci_pem);
    must(euicc::virtual_euicc::create(euicc_path, prov));

    rsp::profile_description profile;
    profile.iccid = with_luhn("894900" + random_digits(12));
    profile.imsi = "00101" + random_digits(10);
    profile.ki = crypto::random_bytes(16);
    profile.opc = crypto::random_bytes(16);
    profile.service_provider_name = "OpenRSP Mobile";
    profile.profile_name = "Demo plan";
    profile.apn = "internet";
    smdpp::add_profile_options ao;
    ao.smdp_address = address;
    const auto ac = must(smdpp::add_profile(*inventory, profile, ao));
    const std::string png = (dir / "activation-code.png").string();
    must(qr::write_png(ac.to_string(), png));

    std::printf("set-up (%.0f ms): test PKI, virtual eUICC, SM-DP+ with SQLite inventory in %s\n",
                ms_since(setup_start), dir.string().c_str());
    std::printf("SM-DP+ serving ES9+ at https://%s\n", address.c_str());
    std::printf("profile %s (IMSI %s) released with activation code\n  %s\n", profile.iccid.c_str(),
                profile.imsi.c_str(), ac.to_string().c_str());
    if (!a.no_qr) std::printf("%s", qr::render_terminal(ac.to_string()).c_str());
    std::printf("QR code saved as %s\n\n", png.c_str());

    const auto total_start = clock_type::now();
    // Step 1: the phone's camera.
    auto t = clock_type::now();
    const std::string scanned = must(qr::read_png(png));
    const auto parsed = must(rsp::parse_activation_code(scanned));
    print_step(1, "Scan", ms_since(t), 0, 0, "QR decoded: SM-DP+ " + parsed.smdp_address + ", matching ID " +
                                                 parsed.matching_id);

    auto chip = must(euicc::virtual_euicc::open(euicc_path));
    auto transport = chip->make_transport();
    lpa::es10_client es10(*transport);
    must(es10.open());
    http::client_config hc;
    hc.ca_pem = ci_pem;
    http::client http(hc);

    int step = 2;
    lpa::download_options o;
    o.activation_code = parsed;
    o.confirm = [](const lpa::profile_metadata&) { return true; };
    o.on_step = [&step](const lpa::step_report& s) {
        print_step(step++, s.name, static_cast<double>(s.duration.count()) / 1000.0, s.http_bytes, s.apdu_bytes,
                   s.detail);
    };
    const auto result = must(lpa::download_profile(es10, http, o));

    t = clock_type::now();
    const std::size_t apdu0 = es10.bytes_moved();
    const auto enabled = must(es10.enable_profile(result.metadata.iccid));
    if (!enabled.ok()) die("cannot enable the profile: " + rsp::describe(enabled.value));
    const std::size_t http0 = http.stats().bytes_sent + http.stats().bytes_received;
    // The enable notification goes to the SM-DP+ like a phone would send it.
    (void)lpa::process_notifications(es10, http);
    const std::string imsi = attach_enabled_profile(*chip, profile);
    print_step(7, "Enable+attach", ms_since(t), http.stats().bytes_sent + http.stats().bytes_received - http0,
               es10.bytes_moved() - apdu0, "EnableProfile; AKA with IMSI " + imsi + ": attached");

    const auto state = must(inventory->find_by_iccid(profile.iccid));
    std::printf("\nactivation complete in %.1f ms: %zu B over HTTPS, %zu B in %zu APDUs; SM-DP+ says profile is %s\n",
                ms_since(total_start), http.stats().bytes_sent + http.stats().bytes_received, es10.bytes_moved(),
                es10.apdu_count(), state ? std::string(store::to_string(state->state)).c_str() : "?");
    es10.close();
    server->stop();
    if (!remove_after) std::printf("files kept in %s\n", dir.string().c_str());
}

} // namespace

void register_demo(CLI::App& app)
{
    auto a = std::make_shared<demo_args>();
    auto* demo = app.add_subcommand("demo", "Run the whole activation end to end on loopback");
    demo->add_option("--dir", a->dir, "Keep all files in this directory (default: a temporary one, removed)");
    demo->add_flag("--keep", a->keep, "Keep the temporary directory");
    demo->add_flag("--no-qr", a->no_qr, "Do not draw the QR code in the terminal");
    demo->callback([a] { run_demo(*a); });
}

} // namespace openrsp::cli
