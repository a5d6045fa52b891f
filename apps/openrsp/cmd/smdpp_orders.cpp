// `openrsp smdpp operator add` and `openrsp smdpp order download|confirm|cancel|release`: the ES2+ functions
// (SGP.22 §5.3) run on the inventory directly, as the operator named by --operator.
#include "common.h"

#include "openrsp/http/server.h"
#include "openrsp/rsp/activation_code.h"
#include "openrsp/smdpp/es2p.h"
#include "openrsp/store/store.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace openrsp::cli {

namespace es2p = smdpp::es2p;

namespace {

struct order_args {
    std::string db, address, operator_id, iccid, eid, profile_type, matching_id, confirmation_code,
        final_status = "available";
    bool release = false;
    bool json = false;
    bool allow_redownload = false; ///< --allow-redownload
    bool deny_redownload = false;  ///< --deny-redownload (order redownload)
    unsigned expires_in = 0;       ///< --expires-in SECONDS (0: the serving SM-DP+'s default)
};

std::optional<std::string> given(const std::string& v)
{
    return v.empty() ? std::nullopt : std::optional(v);
}

es2p::request_header shell_header()
{
    return es2p::request_header{"openrsp-cli", "cli-" + std::to_string(::time(nullptr))};
}

// A refusal: the JSON envelope on stdout with --json, and always one sentence (with the SGP.22 codes) on stderr.
[[noreturn]] void refuse(const error& e, bool json)
{
    if (json) {
        nlohmann::json j{{"ok", false}, {"message", e.message}};
        if (e.has_codes()) j["subjectCode"] = e.subject, j["reasonCode"] = e.reason;
        std::printf("%s\n", j.dump().c_str());
    }
    die(e.has_codes() ? e.message + " (SGP.22 " + e.subject + "/" + e.reason + ")" : e.message);
}

template <class T> T checked(result<T> r, bool json)
{
    if (!r) refuse(r.error(), json);
    return std::move(*r);
}
void checked(result<void> r, bool json)
{
    if (!r) refuse(r.error(), json);
}

es2p::order_context context(store::inventory& inv, const order_args& a)
{
    es2p::order_context ctx{a.operator_id, a.address, ::time(nullptr), 0};
    if (ctx.smdp_address.empty()) ctx.smdp_address = must(inv.get_setting("smdp_address")).value_or("");
    // The default order lifetime `smdpp serve --order-ttl` was last started with.
    const std::string ttl = must(inv.get_setting("default_order_ttl")).value_or("0");
    ctx.default_order_ttl = std::strtoll(ttl.c_str(), nullptr, 10);
    return ctx;
}

std::optional<std::int64_t> expiry(const order_args& a)
{
    if (a.expires_in == 0) return std::nullopt;
    return static_cast<std::int64_t>(::time(nullptr)) + a.expires_in;
}

void print(const nlohmann::json& j, bool json, const std::string& text)
{
    if (json)
        std::printf("%s\n", j.dump().c_str());
    else
        std::printf("%s\n", text.c_str());
}

void download(const order_args& a)
{
    auto inv = must(store::open_inventory(a.db));
    es2p::download_order_request r;
    r.header = shell_header();
    r.iccid = given(a.iccid);
    r.eid = given(a.eid);
    r.profile_type = given(a.profile_type);
    if (a.allow_redownload) r.allow_redownload = true;
    r.expiry = expiry(a);
    if (!r.iccid && !r.profile_type) die("give --iccid or --profile-type");
    auto out = checked(es2p::download_order(*inv, context(*inv, a), r), a.json);
    print({{"ok", true}, {"iccid", out.iccid}}, a.json,
          "ordered " + out.iccid + (r.eid ? " (linked to " + *r.eid + ")" : " (allocated)"));
}

void confirm(const order_args& a)
{
    auto inv = must(store::open_inventory(a.db));
    const auto ctx = context(*inv, a);
    if (ctx.smdp_address.empty())
        die("the inventory does not know its SM-DP+ address yet; give --address or start `smdpp serve` once");
    es2p::confirm_order_request r;
    r.header = shell_header();
    r.iccid = a.iccid;
    r.eid = given(a.eid);
    r.matching_id = given(a.matching_id);
    r.confirmation_code = given(a.confirmation_code);
    r.release_flag = a.release;
    if (a.allow_redownload) r.allow_redownload = true;
    r.expiry = expiry(a);
    auto out = checked(es2p::confirm_order(*inv, ctx, r), a.json);
    rsp::activation_code ac;
    ac.smdp_address = out.smdp_address;
    ac.matching_id = out.matching_id;
    ac.confirmation_code_required = r.confirmation_code.has_value();
    nlohmann::json j{{"ok", true},
                     {"matchingId", out.matching_id},
                     {"smdpAddress", out.smdp_address},
                     {"activationCode", ac.to_string()},
                     {"released", a.release}};
    if (out.eid) j["eid"] = *out.eid;
    // An order bound to an EID is also that eUICC's Default SM-DP+ order (SGP.22 §3.1.2): `lpa download` with no
    // activation code finds it.
    if (out.eid) j["defaultSmdp"] = true;
    print(j, a.json,
          ac.to_string() + (a.release ? "" : "   (confirmed; release it with `smdpp order release`)") +
              (out.eid && !a.json ? "\n(the eUICC " + *out.eid + " may also download it without this code, from " +
                                        out.smdp_address + " as its default SM-DP+)"
                                  : ""));
}

void cancel(const order_args& a)
{
    auto inv = must(store::open_inventory(a.db));
    es2p::cancel_order_request r;
    r.header = shell_header();
    r.iccid = a.iccid;
    r.eid = given(a.eid);
    r.matching_id = given(a.matching_id);
    if (a.final_status == "available")
        r.final_profile_status = store::profile_state::available;
    else if (a.final_status == "unavailable")
        r.final_profile_status = store::profile_state::unavailable;
    else
        die("--final-status must be available or unavailable, not '" + a.final_status + "'");
    checked(es2p::cancel_order(*inv, context(*inv, a), r), a.json);
    print({{"ok", true}, {"iccid", a.iccid}, {"state", a.final_status}}, a.json,
          "cancelled the order for " + a.iccid + "; the profile is " + a.final_status);
}

void set_redownload(const order_args& a)
{
    if (a.allow_redownload == a.deny_redownload) die("give --allow-redownload or --deny-redownload");
    auto inv = must(store::open_inventory(a.db));
    checked(es2p::set_redownload_policy(*inv, context(*inv, a), a.iccid, a.allow_redownload), a.json);
    print({{"ok", true}, {"iccid", a.iccid}, {"allowRedownload", a.allow_redownload}}, a.json,
          a.allow_redownload ? "after a deletion on the eUICC, " + a.iccid + " returns to Released for the same EID"
                             : "a deletion on the eUICC ends the order for " + a.iccid);
}

void release(const order_args& a)
{
    auto inv = must(store::open_inventory(a.db));
    es2p::release_profile_request r;
    r.header = shell_header();
    r.iccid = a.iccid;
    checked(es2p::release_profile(*inv, context(*inv, a), r), a.json);
    print({{"ok", true}, {"iccid", a.iccid}, {"state", "released"}}, a.json, "released " + a.iccid + " for download");
}

CLI::App* order_command(CLI::App& group, const char* name, const char* help, std::shared_ptr<order_args>& a)
{
    a = std::make_shared<order_args>();
    auto* c = group.add_subcommand(name, help);
    c->add_option("--db", a->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    c->add_option("--operator", a->operator_id, "Operator whose order this is (see `smdpp operator add`)")->required();
    c->add_flag("--json", a->json, "Print the result as one JSON object");
    return c;
}

} // namespace

void register_smdpp_orders(CLI::App& smdpp)
{
    auto* op = smdpp.add_subcommand("operator", "ES2+ operators (bearer tokens or TLS client certificates)");
    op->require_subcommand(1);
    auto op_args = std::make_shared<std::pair<std::string, std::string>>();
    auto op_json = std::make_shared<bool>(false);
    auto op_cert = std::make_shared<std::string>();
    auto* add = op->add_subcommand("add", "Register an operator and print its bearer token (shown only once)");
    add->add_option("--db", op_args->first, "Inventory: SQLite file path or postgresql:// URL")->required();
    add->add_option("--name", op_args->second, "Operator name (owner of its profiles)")->required();
    add->add_option("--client-cert", *op_cert,
                    "The operator's TLS client certificate (PEM or DER, issued by a `smdpp serve --operator-ca`): "
                    "it authenticates with that instead of a token (its SHA-256 is stored; no token is printed)")
        ->check(CLI::ExistingFile);
    add->add_flag("--json", *op_json, "Print the result as one JSON object");
    add->callback([op_args, op_json, op_cert] {
        auto inv = must(store::open_inventory(op_args->first));
        if (!op_cert->empty()) {
            // Every check before the operator is added, so a refused certificate leaves no operator behind.
            const std::string cert = must(read_text_file(*op_cert));
            auto hashed = http::certificate_sha256(cert);
            if (!hashed) refuse(error::plain(*op_cert + ": " + hashed.error().message), *op_json);
            const std::string fingerprint = *hashed;
            const auto holder = checked(inv->find_operator_by_client_cert(*from_hex(fingerprint)), *op_json);
            if (holder)
                refuse(error::plain("that client certificate is already registered to operator " + *holder), *op_json);
            (void)checked(es2p::add_operator(*inv, op_args->second), *op_json);
            checked(es2p::set_operator_client_certificate(*inv, op_args->second, cert), *op_json);
            print({{"ok", true}, {"operator", op_args->second}, {"clientCertSha256", fingerprint}}, *op_json,
                  fingerprint);
            if (!*op_json)
                std::fprintf(stderr,
                             "operator %s added; it authenticates on ES2+ with the client certificate of that "
                             "SHA-256 (serve with --operator-ca naming its CA).\n",
                             op_args->second.c_str());
            return;
        }
        const std::string token = checked(es2p::add_operator(*inv, op_args->second), *op_json);
        print({{"ok", true}, {"operator", op_args->second}, {"token", token}}, *op_json, token);
        if (!*op_json)
            std::fprintf(stderr,
                         "operator %s added; send 'Authorization: Bearer <token>' on ES2+ calls. "
                         "Only a hash is stored: keep the token now.\n",
                         op_args->second.c_str());
    });

    auto cert_args = std::make_shared<std::array<std::string, 3>>(); // db, name, certificate file
    auto cert_json = std::make_shared<bool>(false);
    auto* set_cert = op->add_subcommand(
        "set-client-cert", "Register (or replace, e.g. on renewal) an operator's TLS client certificate for ES2+");
    set_cert->add_option("--db", (*cert_args)[0], "Inventory: SQLite file path or postgresql:// URL")->required();
    set_cert->add_option("--name", (*cert_args)[1], "Operator name")->required();
    set_cert->add_option("--client-cert", (*cert_args)[2], "Client certificate file (PEM or DER)")
        ->required()
        ->check(CLI::ExistingFile);
    set_cert->add_flag("--json", *cert_json, "Print the result as one JSON object");
    set_cert->callback([cert_args, cert_json] {
        auto inv = must(store::open_inventory((*cert_args)[0]));
        const std::string cert = must(read_text_file((*cert_args)[2]));
        auto set = es2p::set_operator_client_certificate(*inv, (*cert_args)[1], cert);
        if (!set) refuse(error::plain((*cert_args)[2] + ": " + set.error().message), *cert_json);
        const std::string fingerprint = *set;
        print({{"ok", true}, {"operator", (*cert_args)[1]}, {"clientCertSha256", fingerprint}}, *cert_json,
              fingerprint);
    });

    auto* order = smdpp.add_subcommand("order", "ES2+ orders (SGP.22 §5.3) on the inventory, as one operator");
    order->require_subcommand(1);
    std::shared_ptr<order_args> a;
    auto* d = order_command(*order, "download", "DownloadOrder: Available -> Allocated (or Linked with --eid)", a);
    d->add_option("--iccid", a->iccid, "The profile to order");
    d->add_option("--profile-type", a->profile_type, "Or any Available profile of this type");
    d->add_option("--eid", a->eid, "Link the order to this eUICC (32 digits)");
    d->add_flag("--allow-redownload", a->allow_redownload,
                "After the eUICC deletes the profile, let the same EID download it again (default: the deletion "
                "ends the order)");
    d->add_option("--expires-in", a->expires_in,
                  "The order expires after this many seconds (default: `smdpp serve --order-ttl`, else never)");
    d->callback([a] { download(*a); });

    auto* c = order_command(*order, "confirm", "ConfirmOrder: -> Confirmed, or Released with --release", a);
    c->add_option("--iccid", a->iccid, "The ordered profile")->required();
    c->add_option("--eid", a->eid, "Bind the order to this eUICC (32 digits)");
    c->add_option("--matching-id", a->matching_id, "Matching ID (default: a random one)");
    c->add_option("--confirmation-code", a->confirmation_code, "Require this confirmation code at download");
    c->add_option("--address", a->address, "SM-DP+ address for the activation code (default: the serving one)");
    c->add_flag("--release", a->release,
                "Release for download at once (releaseFlag); with --eid and no --matching-id the eUICC may also "
                "download it from its default SM-DP+ without an activation code");
    c->add_option("--expires-in", a->expires_in, "Set the order to expire after this many seconds");
    c->add_flag("--allow-redownload", a->allow_redownload,
                "After the eUICC deletes the profile, let the same EID download it again");
    c->callback([a] { confirm(*a); });

    auto* rd = order_command(*order, "redownload",
                             "Re-download policy of an order: may the same EID download it again after a deletion?", a);
    rd->add_option("--iccid", a->iccid, "The ordered profile")->required();
    rd->add_flag("--allow-redownload", a->allow_redownload, "Allow it (takes effect at the next deletion)");
    rd->add_flag("--deny-redownload", a->deny_redownload, "Forbid it: a deletion ends the order (the default)");
    rd->callback([a] { set_redownload(*a); });

    auto* x = order_command(*order, "cancel", "CancelOrder: the profile goes back to Available or to Unavailable", a);
    x->add_option("--iccid", a->iccid, "The ordered profile")->required();
    x->add_option("--eid", a->eid, "Only if the order is for this EID");
    x->add_option("--matching-id", a->matching_id, "Only if the order has this matching ID");
    x->add_option("--final-status", a->final_status, "available or unavailable")->capture_default_str();
    x->callback([a] { cancel(*a); });

    auto* r = order_command(*order, "release", "ReleaseProfile: Confirmed -> Released", a);
    r->add_option("--iccid", a->iccid, "The confirmed profile")->required();
    r->callback([a] { release(*a); });
}

} // namespace openrsp::cli
