/// \file
/// \brief libFuzzer target for the SM-DP+'s HTTP edge (ES9+ and ES2+ JSON, base64, DER, session lookup and every
/// handler's error paths) and for the LPA's parsers of ES9+ responses, which read what an untrusted server sends.
///
/// Input layout: one selector byte, then the body.
///  * selector & 0x0F picks the target: 0-4 the five ES9+ functions, 5-8 ES2+ functions (with a valid operator
///    token), 9 an unknown path, 10-13 the LPA's parsers of the three ES9+ responses and header-only answers.
///  * selector bit4: a session is started first (initiateAuthentication with a genuine EUICCInfo1) and every
///    "@TID@" in the body is replaced by its transactionId, so bodies reach the checks behind the session lookup.
///  * selector bit5: the X-Admin-Protocol header is left out (must be refused, never crash).
/// The inventory is an in-memory SQLite, fresh per input, holding one released profile.

#include "openrsp/crypto/ec.h"
#include "openrsp/http/message.h"
#include "openrsp/pki/pki.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/smdpp/es2p.h"
#include "openrsp/smdpp/smdpp.h"
#include "openrsp/store/store.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace openrsp;
namespace fs = std::filesystem;

namespace {

constexpr const char* smdp_address = "smdp.fuzz.example";

struct fixture {
    fs::path dir;
    std::string pki_dir;
    bytes euicc_info1;
};

fixture& the_fixture()
{
    static fixture f = [] {
        fixture x;
        std::string tmpl = (fs::temp_directory_path() / "openrsp-fuzz-smdpp-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        x.dir = tmpl;
        pki::init_options o;
        o.directory = (x.dir / "pki").string();
        o.smdp_host = smdp_address;
        if (!pki::init(o)) std::abort();
        x.pki_dir = o.directory;
        auto c = smdpp::load_credentials(o.directory);
        if (!c) std::abort();
        // EUICCInfo1 naming the generated CI for verification and signing: BF20 { 82 svn, A9 {04 ski}, AA {04 ski} }.
        const bytes ski = c->cis.front().subject_key_id();
        bytes list = {0x04, static_cast<std::uint8_t>(ski.size())};
        list.insert(list.end(), ski.begin(), ski.end());
        bytes body = {0x82, 0x03, 0x02, 0x02, 0x02, 0xA9, static_cast<std::uint8_t>(list.size())};
        body.insert(body.end(), list.begin(), list.end());
        body.push_back(0xAA);
        body.push_back(static_cast<std::uint8_t>(list.size()));
        body.insert(body.end(), list.begin(), list.end());
        x.euicc_info1 = {0xBF, 0x20, static_cast<std::uint8_t>(body.size())};
        x.euicc_info1.insert(x.euicc_info1.end(), body.begin(), body.end());
        return x;
    }();
    return f;
}

http::request make_request(std::string target, std::string body, bool with_admin_protocol, std::string bearer = {})
{
    http::request r;
    r.method = "POST";
    r.target = std::move(target);
    r.headers.push_back({"Content-Type", "application/json"});
    if (with_admin_protocol) r.headers.push_back({"X-Admin-Protocol", "gsma/rsp/v2.2.2"});
    if (!bearer.empty()) r.headers.push_back({"Authorization", "Bearer " + bearer});
    r.body = std::move(body);
    return r;
}

void replace_all(std::string& s, std::string_view from, std::string_view to)
{
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

constexpr const char* es9p_functions[] = {"initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
                                          "handleNotification", "cancelSession"};
constexpr const char* es2p_functions[] = {"downloadOrder", "confirmOrder", "cancelOrder", "releaseProfile"};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    fixture& f = the_fixture();
    const std::uint8_t selector = data[0];
    std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    const unsigned target = selector & 0x0F;

    // The LPA side: parsers of what an SM-DP+ answers. They must refuse garbage with an error, never crash.
    if (target >= 10) {
        switch (target) {
        case 10: (void)rsp::es9p::parse_initiate_authentication_response(body); break;
        case 11: (void)rsp::es9p::parse_authenticate_client_response(body); break;
        case 12: (void)rsp::es9p::parse_get_bound_profile_package_response(body); break;
        default: (void)rsp::es9p::parse_header_only_response(body); break;
        }
        return 0;
    }

    auto inventory = store::open_inventory(":memory:");
    if (!inventory) std::abort();
    smdpp::config cfg;
    cfg.address = smdp_address;
    auto creds = smdpp::load_credentials(f.pki_dir); // per input: the service owns its credentials
    if (!creds) std::abort();
    smdpp::service service(cfg, std::move(*creds), **inventory);

    rsp::profile_description d;
    d.iccid = "8949449999999990148";
    d.imsi = "001010123456789";
    d.ki = bytes(16, 0x11);
    d.opc = bytes(16, 0x22);
    d.service_provider_name = "Fuzz";
    d.profile_name = "Fuzz";
    smdpp::add_profile_options ao;
    ao.smdp_address = smdp_address;
    ao.matching_id = "FUZZ-MATCHING-ID";
    if (!smdpp::add_profile(**inventory, d, ao)) std::abort();

    const bool admin = (selector & 0x20) == 0;
    if ((selector & 0x10) != 0) {
        const rsp::es9p::initiate_authentication_request ia{smdp_address, crypto::random_bytes(16), f.euicc_info1};
        const http::response r = service.handle_http(
            make_request("/gsma/rsp2/es9plus/initiateAuthentication", rsp::es9p::to_json(ia), true));
        auto parsed = rsp::es9p::parse_initiate_authentication_response(r.body);
        if (!parsed) std::abort(); // a genuine request must start a session
        replace_all(body, "@TID@", parsed->transaction_id);
    }

    http::response r;
    if (target < 5) {
        r = service.handle_http(make_request(std::string("/gsma/rsp2/es9plus/") + es9p_functions[target], body, admin));
    } else if (target < 9) {
        auto token = smdpp::es2p::add_operator(**inventory, "fuzz-operator");
        if (!token) std::abort();
        r = service.handle_http(
            make_request(std::string("/gsma/rsp2/es2plus/") + es2p_functions[target - 5], body, admin, *token));
    } else {
        r = service.handle_http(make_request("/gsma/rsp2/es9plus/" + body.substr(0, 64), body, admin));
    }
    // Every answer is an HTTP status the edge chose on purpose; a 5xx would mean an unhandled path.
    if (r.status >= 500) std::abort();
    return 0;
}
