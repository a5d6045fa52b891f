// `openrsp lpa profile list|enable|disable|delete|nickname` and `lpa notification list|process|remove`.
#include "lpa_common.h"

#include <cstdio>

namespace openrsp::cli::lpa_cmd {

namespace {

struct profile_args {
    card_args card;
    http_args http;
    std::string id, nickname;
    bool refresh = false;
    bool json = false;
};

nlohmann::json profile_json(const lpa::profile_info& p)
{
    return nlohmann::json{{"iccid", p.iccid},
                          {"isdpAid", to_hex(p.isdp_aid, true)},
                          {"state", p.enabled ? "enabled" : "disabled"},
                          {"nickname", p.nickname.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.nickname)},
                          {"serviceProviderName", p.service_provider_name},
                          {"profileName", p.profile_name},
                          {"profileClass", lpa::profile_class_name(p.profile_class)}};
}

void list_profiles(const profile_args& a)
{
    auto c = open_card(a.card);
    const auto list = need(c.es10->get_profiles_info());
    nlohmann::json arr = nlohmann::json::array();
    std::string text = list.empty() ? "no profiles\n" : "";
    for (const auto& p : list) {
        arr.push_back(profile_json(p));
        char line[512];
        std::snprintf(line, sizeof line, "%s  %-8s  %s  %s / %s (%s)%s%s\n", p.iccid.c_str(),
                      p.enabled ? "enabled" : "disabled", to_hex(p.isdp_aid, true).c_str(),
                      p.service_provider_name.c_str(), p.profile_name.c_str(),
                      lpa::profile_class_name(p.profile_class).c_str(),
                      p.nickname.empty() ? "" : "  nickname: ", p.nickname.c_str());
        text += line;
    }
    emit(a.json, {{"profiles", arr}}, text);
}

/// Enable, disable, delete or nickname; then the notifications the operation produced are sent.
void profile_operation(const std::string& verb, const profile_args& a)
{
    // Checked before touching the card, so a typo changes nothing.
    if (verb != "nickname") {
        if (auto id = lpa::profile_identifier_tlv(a.id); !id) usage(id.error().message);
    } else if (a.nickname.size() > 64) {
        usage("a nickname has at most 64 bytes");
    }
    auto c = open_card(a.card);
    // The sentence for a refusal comes from the code's rsp/codes.h table (rsp::describe).
    std::string refusal;
    const auto check = [&](const auto& code) {
        if (!code.ok()) refusal = rsp::describe(code.value);
    };
    if (verb == "enable")
        check(need(c.es10->enable_profile(a.id, a.refresh)));
    else if (verb == "disable")
        check(need(c.es10->disable_profile(a.id, a.refresh)));
    else if (verb == "delete")
        check(need(c.es10->delete_profile(a.id)));
    else
        check(need(c.es10->set_nickname(a.id, a.nickname)));
    if (!refusal.empty()) fail_with(error::plain("cannot " + verb + " profile " + a.id + ": " + refusal));
    if (!a.json) std::printf("%s: %s done\n", a.id.c_str(), verb.c_str());
    nlohmann::json j{{"profile", a.id}, {"operation", verb}, {"result", "ok"}};
    if (verb != "nickname") j["notifications"] = notify_after(*c.es10, a.http, a.json);
    if (a.json) emit(true, j, {});
}

void profile_verb(CLI::App* profile, const char* name, const char* help)
{
    auto a = std::make_shared<profile_args>();
    auto* cmd = profile->add_subcommand(name, help);
    add_card_options(cmd, a->card);
    add_json_option(cmd, a->json);
    const std::string verb = name;
    if (verb == "list") {
        cmd->callback([a] { run(a->json, [&] { list_profiles(*a); }); });
        return;
    }
    if (verb == "nickname") {
        cmd->add_option("iccid", a->id, "ICCID of the profile")->required();
        cmd->add_option("nickname", a->nickname, "New nickname (empty to remove)")->required();
    } else {
        cmd->add_option("profile", a->id, "ICCID or ISD-P AID (32 hex digits) of the profile")->required();
        add_http_options(cmd, a->http, true);
        if (verb != "delete")
            cmd->add_flag("--refresh", a->refresh,
                          "Ask the eUICC to REFRESH the device (refreshFlag), for modems that need it");
    }
    cmd->callback([a, verb] { run(a->json, [&] { profile_operation(verb, *a); }); });
}

struct notification_args {
    card_args card;
    http_args http;
    std::vector<std::uint64_t> seq;
    bool all = false;
    bool json = false;
};

nlohmann::json info_json(const lpa::notification_info& n)
{
    return nlohmann::json{
        {"seqNumber", n.seq_number}, {"operation", n.operation}, {"iccid", n.iccid}, {"address", n.address}};
}

void list_notifications(const notification_args& a)
{
    auto c = open_card(a.card);
    nlohmann::json arr = nlohmann::json::array();
    std::string text;
    for (const auto& n : need(c.es10->list_notifications())) {
        arr.push_back(info_json(n));
        text += std::to_string(n.seq_number) + "  " + n.operation + "  " + n.iccid + "  " + n.address + "\n";
    }
    emit(a.json, {{"notifications", arr}}, text.empty() ? "no pending notifications" : text);
}

void process_notifications(const notification_args& a)
{
    std::string why;
    auto http = make_http(a.http, &why);
    if (!http) usage("the LPA needs " + why);
    auto c = open_card(a.card);
    const auto report = need(lpa::deliver_notifications(*c.es10, *http, a.seq));
    nlohmann::json arr = nlohmann::json::array();
    std::string text;
    std::size_t delivered = 0;
    for (const auto& d : report) {
        arr.push_back(to_json(d));
        text += describe(d) + "\n";
        delivered += d.delivered;
    }
    text += std::to_string(delivered) + " of " + std::to_string(report.size()) + " notification(s) delivered";
    emit(a.json, {{"notifications", arr}}, text);
    // Some stayed pending: the operation did not fully succeed, so scripts see exit 1 (the object says which).
    if (delivered < report.size()) {
        std::fprintf(stderr, "error: %zu notification(s) could not be delivered and stay pending\n",
                     report.size() - delivered);
        throw exit_status{1};
    }
}

void remove_notifications(const notification_args& a)
{
    if (a.all == !a.seq.empty()) usage("give the sequence number(s) to remove, or --all");
    auto c = open_card(a.card);
    std::vector<std::uint64_t> seqs = a.seq;
    if (a.all)
        for (const auto& n : need(c.es10->list_notifications()))
            seqs.push_back(n.seq_number);
    nlohmann::json removed = nlohmann::json::array();
    std::string text;
    for (const auto seq : seqs) {
        const auto code = need(c.es10->remove_notification(seq));
        if (code.value == rsp::notification_sent_result::nothing_to_delete)
            fail_with(error::plain("there is no pending notification " + std::to_string(seq)));
        if (!code.ok())
            fail_with(error::plain("the eUICC could not remove notification " + std::to_string(seq) + " (result " +
                                   std::to_string(rsp::to_int(code.value)) + ")"));
        removed.push_back(seq);
        text += "removed notification " + std::to_string(seq) + " (not sent)\n";
    }
    emit(a.json, {{"removed", removed}}, text.empty() ? "no pending notifications" : text);
}

} // namespace

void register_profile(CLI::App* lpa)
{
    auto* profile = lpa->add_subcommand("profile", "Manage installed profiles");
    profile->require_subcommand(1);
    profile_verb(profile, "list", "List profiles");
    profile_verb(profile, "enable", "Enable a profile");
    profile_verb(profile, "disable", "Disable a profile");
    profile_verb(profile, "delete", "Delete a disabled profile");
    profile_verb(profile, "nickname", "Set a profile's nickname");
}

void register_notification(CLI::App* lpa)
{
    auto* notification = lpa->add_subcommand("notification", "Pending notifications");
    notification->require_subcommand(1);

    auto l = std::make_shared<notification_args>();
    auto* list = notification->add_subcommand("list", "List pending notifications");
    add_card_options(list, l->card);
    add_json_option(list, l->json);
    list->callback([l] { run(l->json, [&] { list_notifications(*l); }); });

    auto p = std::make_shared<notification_args>();
    auto* process = notification->add_subcommand("process", "Send pending notifications and remove delivered ones");
    add_card_options(process, p->card);
    add_http_options(process, p->http, false);
    add_json_option(process, p->json);
    process->add_option("seq", p->seq, "Only these sequence numbers (default: all)");
    process->callback([p] { run(p->json, [&] { process_notifications(*p); }); });

    auto r = std::make_shared<notification_args>();
    auto* remove = notification->add_subcommand("remove", "Remove pending notifications without sending them");
    add_card_options(remove, r->card);
    add_json_option(remove, r->json);
    remove->add_option("seq", r->seq, "Sequence numbers to remove");
    remove->add_flag("--all", r->all, "Remove every pending notification");
    remove->callback([r] { run(r->json, [&] { remove_notifications(*r); }); });
}

} // namespace openrsp::cli::lpa_cmd
