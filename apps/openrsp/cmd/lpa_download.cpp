// `openrsp lpa download`: activation code (text, QR image, or SM-DP+ address and matching ID), the user's consent,
// progress, and the notifications afterwards.
#include "lpa_common.h"

#include "openrsp/qr/qr.h"
#include "openrsp/rsp/activation_code.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace openrsp::cli::lpa_cmd {

namespace {

struct download_args {
    card_args card;
    http_args http;
    std::string ac, qr_image, smdp, matching_id, confirmation_code, imei;
    std::string binding = "json";
    int retries = 2;
    bool yes = false;
    bool json = false;
};

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int)
{
    g_interrupted.store(true);
}

/// Ctrl-C during a download: the LPA finishes the step under way, then cancels the session (reason postponed) so
/// the SM-DP+ releases the profile. A second Ctrl-C ends the process at once.
class sigint_guard {
public:
    sigint_guard()
    {
        g_interrupted = false;
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sa.sa_flags = SA_RESETHAND; // the second Ctrl-C gets the default action
        ::sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &m_old);
    }
    ~sigint_guard() { ::sigaction(SIGINT, &m_old, nullptr); }
    sigint_guard(const sigint_guard&) = delete;
    sigint_guard& operator=(const sigint_guard&) = delete;

private:
    struct sigaction m_old {};
};

rsp::activation_code activation_code(const download_args& a, lpa::es10_client& es10)
{
    const int sources = !a.ac.empty() + !a.qr_image.empty() + !a.smdp.empty();
    if (sources > 1) usage("give the activation code one way only: --ac, --qr, or --smdp with --matching-id");
    if (!a.matching_id.empty() && a.smdp.empty()) usage("--matching-id goes with --smdp ADDRESS");
    if (!a.ac.empty() || !a.qr_image.empty()) {
        std::string text = a.ac;
        if (!a.qr_image.empty()) {
            auto decoded = qr::read_image(a.qr_image);
            if (!decoded) usage("cannot read an activation code from " + a.qr_image + ": " + decoded.error().message);
            text = *decoded;
        }
        auto ac = rsp::parse_activation_code(text);
        if (!ac) usage(ac.error().message);
        return *ac;
    }
    rsp::activation_code ac;
    ac.smdp_address = a.smdp;
    ac.matching_id = a.matching_id;
    if (ac.smdp_address.empty()) {
        // SGP.22 §3.1.2: without an activation code the LPA asks the eUICC for its default SM-DP+.
        ac.smdp_address = need(es10.get_configured_addresses()).default_dp_address;
        if (ac.smdp_address.empty())
            usage("give the activation code with --ac, --qr or --smdp ADDRESS --matching-id ID (the eUICC has no "
                  "default SM-DP+ address)");
    }
    if (!rsp::is_valid_smdp_address(ac.smdp_address))
        usage("'" + ac.smdp_address + "' is not an SM-DP+ address (a host name, optionally with :port)");
    return ac;
}

nlohmann::json metadata_json(const lpa::profile_metadata& m)
{
    return nlohmann::json{
        {"iccid", m.iccid},
        {"serviceProviderName", m.service_provider_name},
        {"profileName", m.profile_name},
        {"profileClass", lpa::profile_class_name(m.profile_class)},
        {"iconType", m.icon_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.icon_type)},
        {"iconBytes", m.icon_bytes},
        {"profileOwner", m.profile_owner.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.profile_owner)}};
}

void download(const download_args& a)
{
    if (!a.yes && !interactive())
        usage("the download asks you to confirm the profile, but stdin is not a terminal: add --yes");
    std::string why;
    auto http = make_http(a.http, &why);
    if (!http) usage("the LPA needs " + why);
    auto c = open_card(a.card);
    const auto ac = activation_code(a, *c.es10);
    if (ac.confirmation_code_required && a.confirmation_code.empty() && !interactive())
        usage("this activation code needs a confirmation code: add --confirmation-code CODE");

    const bool json = a.json;
    nlohmann::json steps = nlohmann::json::array();
    lpa::download_options o;
    o.activation_code = ac;
    o.device.imei = a.imei;
    o.retries = a.retries;
    o.send_notification = !a.http.no_notify;
    // The choices are checked by CLI11 (IsMember), so the name always parses.
    o.binding = lpa::parse_es9p_binding(a.binding).value_or(lpa::es9p_binding::json);
    o.ask_confirmation_code = [&]() -> std::optional<std::string> {
        if (!a.confirmation_code.empty()) return a.confirmation_code;
        if (!interactive()) return std::nullopt;
        return ask_line("Confirmation code: ", true);
    };
    o.confirm = [&](const lpa::profile_metadata& m) {
        if (!json) {
            std::printf("profile to install:\n  operator:   %s\n  name:       %s\n  class:      %s\n  ICCID:      %s\n"
                        "  icon:       %s\n",
                        m.service_provider_name.empty() ? "-" : m.service_provider_name.c_str(),
                        m.profile_name.empty() ? "-" : m.profile_name.c_str(),
                        lpa::profile_class_name(m.profile_class).c_str(), m.iccid.c_str(),
                        m.icon_bytes ? (m.icon_type + ", " + std::to_string(m.icon_bytes) + " bytes").c_str() : "none");
            std::fflush(stdout);
        }
        return a.yes || ask_yes_no("Install this profile?");
    };
    o.on_step = [&](const lpa::step_report& s) {
        const double ms = static_cast<double>(s.duration.count()) / 1000.0;
        steps.push_back({{"name", s.name},
                         {"ms", ms},
                         {"apduBytes", s.apdu_bytes},
                         {"httpBytes", s.http_bytes},
                         {"detail", s.detail}});
        if (!json) std::printf("  %-12s %8.1f ms  %s\n", s.name.c_str(), ms, s.detail.c_str());
        std::fflush(stdout);
    };
    std::size_t last_quarter = 0;
    o.on_bpp_progress = [&](std::size_t loaded, std::size_t total) {
        const std::size_t quarter = total ? loaded * 4 / total : 4;
        if (json || quarter == last_quarter) return;
        last_quarter = quarter;
        std::printf("  loading      %zu / %zu bytes of the Bound Profile Package\n", loaded, total);
        std::fflush(stdout);
    };
    o.interrupted = [] { return g_interrupted.load(); };

    sigint_guard guard;
    if (!json) std::printf("downloading from %s\n", ac.smdp_address.c_str());
    auto r = lpa::download_profile(*c.es10, *http, o);
    if (!r) fail_with(r.error());

    nlohmann::json notifications = nlohmann::json::array();
    if (r->install_notification) {
        notifications.push_back(to_json(*r->install_notification));
        if (!json) std::printf("%s\n", describe(*r->install_notification).c_str());
    }
    if (!a.http.no_notify) {
        for (const auto& d : need(lpa::deliver_notifications(*c.es10, *http, {}, o.binding))) {
            notifications.push_back(to_json(d));
            if (!json) std::printf("%s\n", describe(d).c_str());
        }
    }
    nlohmann::json j{{"iccid", r->metadata.iccid},     {"profile", metadata_json(r->metadata)},
                     {"smdpAddress", ac.smdp_address}, {"transactionId", r->transaction_id},
                     {"bppBytes", r->bpp_bytes},       {"steps", steps},
                     {"notifications", notifications}};
    emit(json, j,
         "installed profile " + r->metadata.iccid +
             (a.http.no_notify       ? " (notifications not sent: --no-notify)"
              : r->notification_sent ? ""
                                     : " (installation notification still pending)"));
}

} // namespace

void register_download(CLI::App* lpa)
{
    auto d = std::make_shared<download_args>();
    auto* dl = lpa->add_subcommand("download", "Download and install a profile");
    add_card_options(dl, d->card);
    add_http_options(dl, d->http, true);
    add_json_option(dl, d->json);
    dl->add_option("--ac", d->ac, "Activation code (LPA:1$address$matchingId)");
    dl->add_option("--qr", d->qr_image, "Image (PNG or JPEG) of the activation code QR")->check(CLI::ExistingFile);
    dl->add_option("--smdp", d->smdp, "SM-DP+ address, instead of an activation code (default: the eUICC's)");
    dl->add_option("--matching-id", d->matching_id, "Matching ID, with --smdp");
    dl->add_option("--confirmation-code", d->confirmation_code,
                   "Confirmation code, if the profile needs one (asked for on a terminal otherwise)");
    dl->add_option("--imei", d->imei, "IMEI (15 digits) or IMEISV (16) to present in DeviceInfo");
    dl->add_option("--retries", d->retries, "Extra attempts of initiateAuthentication when the SM-DP+ does not answer")
        ->capture_default_str()
        ->check(CLI::Range(0, 10));
    dl->add_option("--binding", d->binding,
                   "ES9+ binding: json (SGP.22 6.5, /gsma/rsp2/es9plus/...) or asn1 (6.6, /gsma/rsp2/asn1, DER)")
        ->capture_default_str()
        ->check(CLI::IsMember({"json", "asn1"}));
    dl->add_flag("--yes,-y", d->yes, "Install without asking to confirm the profile");
    dl->callback([d] { run(d->json, [&] { download(*d); }); });
}

} // namespace openrsp::cli::lpa_cmd
