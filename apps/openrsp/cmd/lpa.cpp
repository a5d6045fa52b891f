#include "common.h"

#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/lpa/download.h"
#include "openrsp/lpa/pcsc_transport.h"
#include "openrsp/qr/qr.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

namespace openrsp::cli {

namespace {

struct card_args {
    std::string euicc_path;
    std::string card; ///< `pcsc` or `pcsc:READER`; the alternative to euicc_path
    std::size_t block_size = 255;
};

struct http_args {
    std::string ca;
    bool insecure = false;
};

/// The eUICC and the LPA's ES10 session on it, kept together so the transport outlives the client.
struct card {
    std::unique_ptr<euicc::virtual_euicc> chip; ///< only for --euicc
    std::unique_ptr<rsp::card_transport> transport;
    std::unique_ptr<lpa::es10_client> es10;
};

card open_card(const card_args& a)
{
    card c;
    if (a.euicc_path.empty() == a.card.empty()) die("name the card: either --euicc FILE or --card pcsc[:READER]");
    if (!a.euicc_path.empty()) {
        c.chip = must(euicc::virtual_euicc::open(a.euicc_path));
        c.transport = c.chip->make_transport();
    } else {
        constexpr std::string_view pcsc = "pcsc";
        const std::string_view spec = a.card;
        if (spec != pcsc && !spec.starts_with("pcsc:"))
            die("unknown card \"" + a.card + "\": use --card pcsc or --card pcsc:READER");
        c.transport = lpa::make_pcsc_transport(std::string(spec.substr(std::min(spec.size(), pcsc.size() + 1))));
    }
    c.es10 = std::make_unique<lpa::es10_client>(*c.transport, a.block_size);
    must(c.es10->open());
    return c;
}

http::client make_http(const http_args& a)
{
    http::client_config cfg;
    std::string ca = a.ca;
    if (ca.empty())
        if (const char* env = std::getenv("OPENRSP_CA")) ca = env;
    if (!ca.empty()) cfg.ca_pem = must(read_text_file(ca));
    else if (a.insecure) {
        cfg.verify_peer = false;
        std::fprintf(stderr, "warning: not verifying the SM-DP+ TLS certificate (--insecure)\n");
    } else {
        die("the LPA needs the CI certificate to verify the SM-DP+ (--ca FILE or OPENRSP_CA), or --insecure");
    }
    return http::client(cfg);
}

void add_card_options(CLI::App* cmd, card_args& a)
{
    auto* euicc_opt = cmd->add_option("--euicc", a.euicc_path, "Virtual eUICC file");
    auto* card_opt = cmd->add_option("--card", a.card,
                                     "pcsc: the card in the first PC/SC reader holding one; pcsc:READER: in that "
                                     "reader (exact name or part of it)");
    euicc_opt->excludes(card_opt);
    // One of the two is required; open_card says so in a sentence, since CLI11 cannot express "exactly one".
    cmd->add_option("--block-size", a.block_size, "STORE DATA block size (6..255)")->capture_default_str();
}

void add_http_options(CLI::App* cmd, http_args& a)
{
    cmd->add_option("--ca", a.ca, "CI certificate (PEM) the SM-DP+ TLS certificate must chain to");
    cmd->add_flag("--insecure", a.insecure, "Do not verify the SM-DP+ TLS certificate");
}

struct download_args {
    card_args card;
    http_args http;
    std::string ac, qr_png, confirmation_code;
    bool yes = false;
};

void download(const download_args& a)
{
    std::string text = a.ac;
    if (!a.qr_png.empty()) text = must(qr::read_png(a.qr_png));
    auto ac = rsp::parse_activation_code(text);
    if (!ac) die(ac.error().message);
    auto http = make_http(a.http);
    auto c = open_card(a.card);
    lpa::download_options o;
    o.activation_code = *ac;
    o.ask_confirmation_code = [&]() -> std::optional<std::string> {
        if (!a.confirmation_code.empty()) return a.confirmation_code;
        return std::nullopt;
    };
    o.confirm = [&](const lpa::profile_metadata& m) {
        std::printf("profile: %s / %s, ICCID %s\n", m.service_provider_name.c_str(), m.profile_name.c_str(),
                    m.iccid.c_str());
        return true;
    };
    o.on_step = [](const lpa::step_report& s) {
        std::printf("  %-12s %8.1f ms  %s\n", s.name.c_str(), static_cast<double>(s.duration.count()) / 1000.0,
                    s.detail.c_str());
    };
    auto r = must(lpa::download_profile(*c.es10, http, o));
    std::printf("installed profile %s%s\n", r.metadata.iccid.c_str(),
                r.notification_sent ? "" : " (installation notification still pending)");
}

void profile_verb(CLI::App* profile, const char* name, const char* help, bool needs_iccid, bool needs_nickname)
{
    auto args = std::make_shared<card_args>();
    auto iccid = std::make_shared<std::string>();
    auto nickname = std::make_shared<std::string>();
    auto* cmd = profile->add_subcommand(name, help);
    add_card_options(cmd, *args);
    if (needs_iccid) cmd->add_option("iccid", *iccid, "ICCID of the profile")->required();
    if (needs_nickname) cmd->add_option("nickname", *nickname, "New nickname")->required();
    const std::string verb = name;
    cmd->callback([args, iccid, nickname, verb] {
        auto c = open_card(*args);
        if (verb == "list") {
            auto list = must(c.es10->get_profiles_info());
            if (list.empty()) std::printf("no profiles\n");
            for (const auto& p : list)
                std::printf("%s  %-8s  %s / %s%s%s\n", p.iccid.c_str(), p.enabled ? "enabled" : "disabled",
                            p.service_provider_name.c_str(), p.profile_name.c_str(),
                            p.nickname.empty() ? "" : "  nickname: ", p.nickname.c_str());
            return;
        }
        lpa::es10c_code code;
        std::string text;
        if (verb == "enable") {
            code = must(c.es10->enable_profile(*iccid));
            text = lpa::describe_enable_result(code.value);
        } else if (verb == "disable") {
            code = must(c.es10->disable_profile(*iccid));
            text = lpa::describe_disable_result(code.value);
        } else if (verb == "delete") {
            code = must(c.es10->delete_profile(*iccid));
            text = lpa::describe_delete_result(code.value);
        } else {
            code = must(c.es10->set_nickname(*iccid, *nickname));
            text = code.value == 1 ? "no profile with that ICCID on the eUICC" : "error " + std::to_string(code.value);
        }
        if (!code.ok()) die("cannot " + verb + " profile " + *iccid + ": " + text);
        std::printf("%s: %s done\n", iccid->c_str(), verb.c_str());
    });
}

} // namespace

void register_lpa(CLI::App& app)
{
    auto* lpa = app.add_subcommand("lpa", "Local Profile Assistant");
    lpa->require_subcommand(1);

    auto d = std::make_shared<download_args>();
    auto* dl = lpa->add_subcommand("download", "Download and install a profile from an activation code");
    add_card_options(dl, d->card);
    add_http_options(dl, d->http);
    auto* ac_opt = dl->add_option("--ac", d->ac, "Activation code (LPA:1$address$matchingId)");
    auto* qr_opt = dl->add_option("--qr", d->qr_png, "PNG image of the activation code QR")->check(CLI::ExistingFile);
    ac_opt->excludes(qr_opt);
    dl->add_option("--confirmation-code", d->confirmation_code, "Confirmation code, if the profile needs one");
    dl->callback([d] {
        if (d->ac.empty() && d->qr_png.empty()) die("give the activation code with --ac or a QR image with --qr");
        download(*d);
    });

    auto* profile = lpa->add_subcommand("profile", "Manage installed profiles");
    profile->require_subcommand(1);
    profile_verb(profile, "list", "List profiles", false, false);
    profile_verb(profile, "enable", "Enable a profile", true, false);
    profile_verb(profile, "disable", "Disable a profile", true, false);
    profile_verb(profile, "delete", "Delete a disabled profile", true, false);
    profile_verb(profile, "nickname", "Set a profile's nickname", true, true);

    auto* notification = lpa->add_subcommand("notification", "Pending notifications");
    notification->require_subcommand(1);
    auto nl = std::make_shared<card_args>();
    auto* list = notification->add_subcommand("list", "List pending notifications");
    add_card_options(list, *nl);
    list->callback([nl] {
        auto c = open_card(*nl);
        for (const auto& n : must(c.es10->list_notifications()))
            std::printf("%llu  %-8s  %s  %s\n", static_cast<unsigned long long>(n.seq_number), n.operation.c_str(),
                        n.iccid.c_str(), n.address.c_str());
    });
    auto np = std::make_shared<std::pair<card_args, http_args>>();
    auto* process = notification->add_subcommand("process", "Send pending notifications and remove delivered ones");
    add_card_options(process, np->first);
    add_http_options(process, np->second);
    process->callback([np] {
        auto http = make_http(np->second);
        auto c = open_card(np->first);
        const auto sent = must(lpa::process_notifications(*c.es10, http));
        std::printf("%zu notification(s) delivered\n", sent);
    });
}

} // namespace openrsp::cli
