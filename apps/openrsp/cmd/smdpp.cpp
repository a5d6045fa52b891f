#include "common.h"
#include "smdpp_config.h"
#include "smdpp_logging.h"

#include "openrsp/http/server.h"
#include "openrsp/qr/qr.h"
#include "openrsp/smdpp/progress.h"
#include "openrsp/smdpp/smdpp.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>

namespace openrsp::cli {

/// The keys sealing profile secrets: --kek (or the file named by OPENRSP_SMDPP_KEK), then --old-kek files
/// (smdpp_keys.cpp).
store::key_ring kek_ring(const std::string& kek_file, const std::vector<std::string>& old_kek_files);

namespace {

struct serve_args {
    std::vector<std::string> pki_dirs, crls, revoked_lists;
    std::string db, address, listen; ///< listen empty: 127.0.0.1 on the port of --address (listen_for)
    std::vector<std::string> operator_cas;
    unsigned threads = 0;
    bool plain_http = false;
    bool check_config = false;
    unsigned session_ttl = 300;
    unsigned max_cc_attempts = 3;
    unsigned max_download_attempts = 3;
    unsigned order_ttl = 0; ///< --order-ttl: seconds a new ES2+ order lives (0: no expiry)
    unsigned es2p_resend_window = 86400; ///< --es2p-resend-window: seconds an ES2+ answer is kept for a resend
    unsigned metadata_segment_size = 0;
    std::string callback_ca;
    std::string kek;
    std::vector<std::string> old_keks;
    log_args log; // --log, --log-level, --node-id (smdpp_logging.cpp)
};

struct add_args {
    std::string db, address, profile, matching_id, confirmation_code, qr_png, operator_id, profile_type, kek;
    bool available = false;
};

std::pair<std::string, std::uint16_t> split_listen(const std::string& s)
{
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) die("--listen must be ADDRESS:PORT, not '" + s + "'");
    try {
        const unsigned long port = std::stoul(s.substr(colon + 1));
        if (port > 65535) throw std::out_of_range("port");
        return {s.substr(0, colon), static_cast<std::uint16_t>(port)};
    } catch (const std::exception&) {
        die("--listen must be ADDRESS:PORT, not '" + s + "'");
    }
}

/// --listen when not given: loopback, on the port the --address names (so `--address host:9443` alone works), else
/// on 8443.
std::string listen_for(const std::string& address)
{
    std::string_view port;
    if (address.starts_with('[')) { // [IPv6]:port
        if (const auto close = address.find(']');
            close != std::string::npos && address.size() > close + 1 && address[close + 1] == ':')
            port = std::string_view(address).substr(close + 2);
    } else if (const auto colon = address.find(':'); colon != std::string::npos && address.rfind(':') == colon) {
        port = std::string_view(address).substr(colon + 1);
    }
    if (port.empty()) return "127.0.0.1:8443";
    unsigned long n = 0;
    const bool digits = port.find_first_not_of("0123456789") == std::string_view::npos && port.size() <= 5;
    if (digits) n = std::stoul(std::string(port));
    if (!digits || n == 0 || n > 65535)
        die("--address " + address + " has no valid port after ':'; give host[:port] or --listen ADDRESS:PORT");
    return "127.0.0.1:" + std::string(port);
}

void serve(const serve_args& a, const CLI::App& cmd)
{
    // Flag checks first: a refused command line must not touch the inventory (smdp_address below).
    const auto [bind_address, port] = split_listen(a.listen.empty() ? listen_for(a.address) : a.listen);
    if (!a.operator_cas.empty() && a.plain_http)
        die("--operator-ca needs TLS: operators' client certificates cannot be checked with --plain-http");
    if (a.check_config) {
        std::printf("%s", effective_config(cmd).c_str());
        return;
    }
    auto inventory = must(store::open_inventory(a.db, kek_ring(a.kek, a.old_keks)));
    must(inventory->set_setting("smdp_address", a.address));
    // `smdpp order download` on the shell gives its orders the same default lifetime (smdpp_orders.cpp).
    must(inventory->set_setting("default_order_ttl", std::to_string(a.order_ttl)));
    auto creds = must(smdpp::load_credentials(a.pki_dirs));
    for (const auto& f : a.crls)
        must(smdpp::load_crl(creds, f));
    for (const auto& f : a.revoked_lists)
        must(smdpp::load_revoked_list(creds, f));
    http::server_config sc;
    sc.bind_address = bind_address;
    sc.port = port;
    sc.threads = a.threads;
    if (!a.plain_http) {
        sc.cert_chain_pem = creds.dptls.cert.pem();
        sc.private_key_pem = creds.dptls.key.private_pem();
    }
    for (const auto& f : a.operator_cas)
        sc.client_ca_pem += must(read_text_file(f)) + "\n";
    smdpp::config cfg;
    cfg.address = a.address;
    cfg.session_ttl = std::chrono::seconds(a.session_ttl);
    cfg.max_confirmation_code_attempts = a.max_cc_attempts;
    cfg.max_download_attempts = a.max_download_attempts;
    cfg.default_order_ttl = std::chrono::seconds(a.order_ttl);
    cfg.es2p_resend_window = std::chrono::seconds(a.es2p_resend_window);
    cfg.metadata_segment_size = a.metadata_segment_size;
    // ES2+ progress callbacks queued by this node (or by one that stopped before sending them) go out from here.
    smdpp::progress_sender_config pc;
    pc.requester_id = a.address;
    if (!a.callback_ca.empty()) pc.http.ca_pem = must(read_text_file(a.callback_ca));
    smdpp::progress_sender progress(std::move(pc), *inventory);
    cfg.progress_queued = [&progress] { progress.wake(); };
    cfg.log = open_request_log(a.log);
    smdpp::service service(std::move(cfg), std::move(creds), *inventory);

    // Block the stop signals before any thread starts so only sigwait sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    auto server = must(http::server::start(sc, [&service](const http::request& r) { return service.handle_http(r); }));
    progress.start();
    std::printf("SM-DP+ %s serving ES9+ and ES2+ on %s://%s:%u (inventory %s)\n", a.address.c_str(),
                a.plain_http ? "http" : "https", sc.bind_address.c_str(), server->port(), a.db.c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server->stop();
    progress.stop();
    const auto c = service.counters();
    std::printf("stopped: %llu downloads, %llu installs, %llu failures\n", static_cast<unsigned long long>(c.downloads),
                static_cast<unsigned long long>(c.installs), static_cast<unsigned long long>(c.failures));
}

void add_profile(const add_args& a)
{
    auto inventory = must(store::open_inventory(a.db, kek_ring(a.kek, {})));
    std::string address = a.address;
    if (address.empty()) {
        auto known = must(inventory->get_setting("smdp_address"));
        if (!known) die("the inventory does not know its SM-DP+ address yet; give --address");
        address = *known;
    }
    auto description = must(smdpp::parse_profile_description(must(read_text_file(a.profile))));
    if (a.available) {
        if (a.operator_id.empty()) die("--available needs --operator: ES2+ orders come from an operator");
        if (!a.matching_id.empty() || !a.confirmation_code.empty() || !a.qr_png.empty())
            die("--available profiles get their matching ID and confirmation code from `smdpp order confirm`");
        smdpp::inventory_profile_options io;
        io.smdp_address = address;
        io.operator_id = a.operator_id;
        io.profile_type = a.profile_type;
        must(smdpp::add_inventory_profile(*inventory, description, io));
        std::printf("%s available to operator %s\n", description.iccid.c_str(), a.operator_id.c_str());
        return;
    }
    smdpp::add_profile_options o;
    o.operator_id = a.operator_id;
    o.smdp_address = address;
    if (!a.matching_id.empty()) o.matching_id = a.matching_id;
    if (!a.confirmation_code.empty()) o.confirmation_code = a.confirmation_code;
    auto ac = must(smdpp::add_profile(*inventory, description, o));
    const std::string code = ac.to_string();
    std::printf("%s\n", code.c_str());
    if (!a.qr_png.empty()) {
        must(qr::write_png(code, a.qr_png));
        std::fprintf(stderr, "QR code written to %s\n", a.qr_png.c_str());
    }
}

/// An order past its expiry that no eUICC has yet: authenticateClient refuses it (8.8.5 / 4.10).
bool expired(const store::inventory_profile& p, std::int64_t now)
{
    const bool waiting = p.state == store::profile_state::allocated || p.state == store::profile_state::linked ||
                         p.state == store::profile_state::confirmed || p.state == store::profile_state::released ||
                         p.state == store::profile_state::error;
    return waiting && p.order_expires_at != 0 && p.order_expires_at <= now;
}

void list(const std::string& db, bool json)
{
    auto inventory = must(store::open_inventory(db));
    const auto profiles = must(inventory->list_profiles());
    const std::int64_t now = ::time(nullptr);
    if (json) {
        auto out = nlohmann::json::array();
        for (const auto& p : profiles)
            out.push_back({{"iccid", p.iccid},
                           {"state", store::to_string(p.state)},
                           {"matchingId", p.matching_id},
                           {"eid", p.eid},
                           {"operator", p.operator_id},
                           {"profileType", p.profile_type},
                           {"downloadAttempts", p.download_attempts},
                           {"confirmationCodeFailures", p.cc_attempts},
                           {"lastError", p.last_error},
                           {"allowRedownload", p.allow_redownload},
                           {"expiresAt", p.order_expires_at ? nlohmann::json(p.order_expires_at) : nlohmann::json()},
                           {"expired", expired(p, now)}});
        std::printf("%s\n", out.dump().c_str());
        return;
    }
    for (const auto& p : profiles) {
        std::printf("%s  %-11s  %-19s  %-32s  %s", p.iccid.c_str(), std::string(store::to_string(p.state)).c_str(),
                    p.matching_id.empty() ? "-" : p.matching_id.c_str(), p.eid.empty() ? "-" : p.eid.c_str(),
                    p.operator_id.empty() ? "-" : p.operator_id.c_str());
        if (expired(p, now)) std::printf("  order expired");
        if (!p.last_error.empty()) std::printf("  last error: %s", p.last_error.c_str());
        std::printf("\n");
    }
}

} // namespace

void register_smdpp_orders(CLI::App& smdpp);    // smdpp_orders.cpp
void register_smdpp_callbacks(CLI::App& smdpp); // smdpp_callbacks.cpp
void register_smdpp_keys(CLI::App& smdpp);      // smdpp_keys.cpp
void register_smdpp_import(CLI::App& smdpp);    // smdpp_import.cpp

void register_smdpp(CLI::App& app)
{
    auto* smdpp = app.add_subcommand("smdpp", "SM-DP+ server and its profile inventory");
    smdpp->require_subcommand(1);

    auto s = std::make_shared<serve_args>();
    auto* serve_cmd = smdpp->add_subcommand("serve", "Serve ES9+ over HTTPS until SIGINT/SIGTERM");
    add_config_option(*serve_cmd);
    serve_cmd
        ->add_flag("--check-config", s->check_config,
                   "Check the options (command line over --config), print them as TOML and exit without opening "
                   "the inventory or listening")
        ->configurable(false);
    serve_cmd
        ->add_option("--pki", s->pki_dirs,
                     "PKI directory (pki init, single or both curves, or the SGP.26 layout); repeat for more "
                     "certificate sets; the first one's DPtls serves TLS")
        ->required();
    serve_cmd->add_option("--crl", s->crls,
                          "CRL (PEM or DER) of a CI or EUM; revoked EUM/eUICC certificates are "
                          "refused (repeatable; default: none)");
    serve_cmd->add_option(
        "--revoked", s->revoked_lists,
        "File of revoked eUICCs/certificates, lines `eid DIGITS` or `serial HEX` (repeatable; default: none)");
    serve_cmd->add_option("--db", s->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    serve_cmd->add_option("--address", s->address, "SM-DP+ address as in activation codes (host[:port])")->required();
    serve_cmd->add_option("--listen", s->listen,
                          "ADDRESS:PORT to listen on (default: 127.0.0.1 and the port of --address, else 8443)");
    serve_cmd
        ->add_option(
            "--operator-ca", s->operator_cas,
            "PEM CA certificate(s) issuing ES2+ operators' TLS client certificates (repeatable). TLS then "
            "asks for (never requires) a client certificate; one that verifies and is registered with "
            "`smdpp operator add --client-cert` authenticates its operator like a bearer token (default: none, "
            "bearer tokens only)")
        ->check(CLI::ExistingFile);
    serve_cmd->add_option("--threads", s->threads, "HTTP worker threads (0 = one per core)")->capture_default_str();
    serve_cmd->add_flag("--plain-http", s->plain_http,
                        "Serve plain HTTP behind a TLS-terminating proxy (default: HTTPS with the DPtls certificate)");
    serve_cmd
        ->add_option("--session-ttl", s->session_ttl,
                     "Seconds an RSP session may wait between ES9+ calls before its transactionId expires")
        ->capture_default_str()
        ->check(CLI::Range(1u, 86400u));
    serve_cmd
        ->add_option("--max-cc-attempts", s->max_cc_attempts,
                     "Wrong confirmation codes an order tolerates before it is locked")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100u));
    serve_cmd
        ->add_option("--max-download-attempts", s->max_download_attempts,
                     "Bound Profile Packages an order may deliver (retries after failed installs)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100u));
    serve_cmd
        ->add_option("--order-ttl", s->order_ttl,
                     "Seconds an ES2+ order lives when DownloadOrder names no expiryTimestamp; an expired order is "
                     "refused at download (8.8.5/4.10) until cancelled (0 = orders do not expire)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 315360000u));
    serve_cmd
        ->add_option("--es2p-resend-window", s->es2p_resend_window,
                     "Seconds an ES2+ answer is kept: the same call (function, functionCallIdentifier and body) sent "
                     "again by the operator gets the first answer again (0 = every call runs)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 2592000u));
    serve_cmd
        ->add_option("--metadata-segment-size", s->metadata_segment_size,
                     "Bytes of StoreMetadataRequest per 88 segment of the BPP (0 = as many as one segment holds)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 1008u));
    serve_cmd
        ->add_option("--callback-ca", s->callback_ca,
                     "PEM trust anchors for operators' HTTPS callback URLs (default: the system's)")
        ->check(CLI::ExistingFile);
    serve_cmd
        ->add_option("--kek", s->kek,
                     "Key-encryption key file (64 hex digits) sealing Ki/OPc at rest; default: the file named "
                     "by OPENRSP_SMDPP_KEK, else secrets are stored in clear")
        ->check(CLI::ExistingFile);
    serve_cmd
        ->add_option(
            "--old-kek", s->old_keks,
            "Older key file(s) still accepted for reading during a rotation (see `smdpp rekey`; default: none)")
        ->check(CLI::ExistingFile);
    add_log_options(*serve_cmd, s->log);
    serve_cmd->callback([s, serve_cmd] { serve(*s, *serve_cmd); });

    auto a = std::make_shared<add_args>();
    auto* add = smdpp->add_subcommand("add-profile", "Add a profile and print its activation code");
    add->add_option("--db", a->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    add->add_option("--profile", a->profile, "Profile description JSON file")->required()->check(CLI::ExistingFile);
    add->add_option("--address", a->address, "SM-DP+ address (default: the one the server was started with)");
    add->add_option("--matching-id", a->matching_id, "Matching ID (default: a random one)");
    add->add_option("--confirmation-code", a->confirmation_code, "Require this confirmation code at download");
    add->add_option("--qr", a->qr_png, "Also write the activation code as a QR PNG");
    add->add_option("--operator", a->operator_id, "Operator owning the profile (ES2+ caller)");
    add->add_option("--profile-type", a->profile_type, "Profile type, for DownloadOrder by type");
    add->add_flag("--available", a->available,
                  "Store as Available for an ES2+ order (needs --operator) instead of Released with a code");
    add->add_option("--kek", a->kek, "Key-encryption key file sealing the profile's Ki/OPc (or OPENRSP_SMDPP_KEK)")
        ->check(CLI::ExistingFile);
    add->callback([a] { add_profile(*a); });

    auto db = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* list_cmd = smdpp->add_subcommand("list", "List the inventory: state, matching ID, EID, operator, last error");
    list_cmd->add_option("--db", *db, "Inventory: SQLite file path or postgresql:// URL")->required();
    list_cmd->add_flag("--json", *json, "Print a JSON array");
    list_cmd->callback([db, json] { list(*db, *json); });

    register_smdpp_orders(*smdpp);
    register_smdpp_callbacks(*smdpp);
    register_smdpp_keys(*smdpp);
    register_smdpp_import(*smdpp);
}

} // namespace openrsp::cli
