// `openrsp lpa chip info`, `lpa default-smdp get|set`, `lpa memory-reset`: the eUICC itself rather than a profile.
#include "lpa_common.h"

#include "openrsp/rsp/activation_code.h"

#include <cstdio>

namespace openrsp::cli::lpa_cmd {

namespace {

nlohmann::json opt(const std::optional<std::uint64_t>& v)
{
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json opt(const std::string& s)
{
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ")
{
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out.empty() ? "-" : out;
}

std::string size_text(const std::optional<std::uint64_t>& v)
{
    if (!v) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%llu bytes (%.1f KiB)", static_cast<unsigned long long>(*v),
                  static_cast<double>(*v) / 1024.0);
    return buf;
}

nlohmann::json to_json(const lpa::euicc_info2& i)
{
    return nlohmann::json{
        {"profileVersion", i.profile_version},
        {"svn", i.svn},
        {"euiccFirmwareVer", i.firmware_version},
        {"extCardResource",
         {{"installedApplications", opt(i.installed_applications)},
          {"freeNonVolatileMemory", opt(i.free_nvm)},
          {"freeVolatileMemory", opt(i.free_ram)}}},
        {"uiccCapability", i.uicc_capability},
        {"ts102241Version", opt(i.ts102241_version)},
        {"globalplatformVersion", opt(i.globalplatform_version)},
        {"rspCapability", i.rsp_capability},
        {"euiccCiPKIdListForVerification", i.ci_pkids_for_verification},
        {"euiccCiPKIdListForSigning", i.ci_pkids_for_signing},
        {"euiccCategory",
         i.euicc_category ? nlohmann::json(lpa::euicc_category_name(*i.euicc_category)) : nlohmann::json(nullptr)},
        {"forbiddenProfilePolicyRules", i.forbidden_profile_policy_rules},
        {"ppVersion", opt(i.pp_version)},
        {"sasAcreditationNumber", opt(i.sas_accreditation_number)},
    };
}

struct chip_args {
    card_args card;
    bool json = false;
};

void chip_info(const chip_args& a)
{
    auto c = open_card(a.card);
    const std::string eid = need(c.es10->get_eid());
    const auto info = need(lpa::parse_euicc_info2(need(c.es10->get_euicc_info2())));
    const auto addresses = need(c.es10->get_configured_addresses());
    nlohmann::json j{
        {"eid", eid},
        {"euiccInfo2", to_json(info)},
        {"configuredAddresses",
         {{"defaultDpAddress", opt(addresses.default_dp_address)}, {"rootDsAddress", opt(addresses.root_ds_address)}}}};
    std::string t;
    const auto line = [&t](const char* k, const std::string& v) {
        t += std::string(k) + std::string(24 - std::string(k).size(), ' ') + v + "\n";
    };
    line("EID", eid);
    line("SGP.22 version (svn)", info.svn);
    line("SAIP profile version", info.profile_version);
    line("firmware version", info.firmware_version);
    line("free non-volatile", size_text(info.free_nvm));
    line("free volatile", size_text(info.free_ram));
    line("installed applications", info.installed_applications ? std::to_string(*info.installed_applications) : "-");
    line("UICC capabilities", join(info.uicc_capability));
    line("RSP capabilities", join(info.rsp_capability));
    line("TS 102 241 version", info.ts102241_version.empty() ? "-" : info.ts102241_version);
    line("GlobalPlatform version", info.globalplatform_version.empty() ? "-" : info.globalplatform_version);
    line("CI keys (verification)", join(info.ci_pkids_for_verification, "\n                        "));
    line("CI keys (signing)", join(info.ci_pkids_for_signing, "\n                        "));
    line("eUICC category", info.euicc_category ? lpa::euicc_category_name(*info.euicc_category) : "-");
    line("forbidden PPRs", join(info.forbidden_profile_policy_rules));
    line("ppVersion", info.pp_version.empty() ? "-" : info.pp_version);
    line("SAS accreditation", info.sas_accreditation_number.empty() ? "-" : info.sas_accreditation_number);
    line("default SM-DP+", addresses.default_dp_address.empty() ? "(none)" : addresses.default_dp_address);
    line("root SM-DS", addresses.root_ds_address.empty() ? "(none)" : addresses.root_ds_address);
    emit(a.json, j, t);
}

struct default_smdp_args {
    card_args card;
    std::string address;
    bool clear = false;
    bool json = false;
};

void default_smdp_get(const default_smdp_args& a)
{
    auto c = open_card(a.card);
    const auto addresses = need(c.es10->get_configured_addresses());
    emit(a.json, {{"defaultDpAddress", opt(addresses.default_dp_address)}},
         addresses.default_dp_address.empty() ? "no default SM-DP+ address is set" : addresses.default_dp_address);
}

void default_smdp_set(const default_smdp_args& a)
{
    if (a.address.empty() == !a.clear) usage("give the new SM-DP+ address, or --clear to remove it");
    // The eUICC would refuse a malformed address with undefinedError; say what is wrong instead.
    if (!a.clear && !rsp::is_valid_smdp_address(a.address))
        usage("'" + a.address + "' is not an SM-DP+ address (a host name, optionally with :port)");
    auto c = open_card(a.card);
    const auto code = need(c.es10->set_default_dp_address(a.clear ? std::string{} : a.address));
    if (!code.ok())
        fail_with(error::plain("the eUICC refused the new default SM-DP+ address (result " +
                               std::to_string(rsp::to_int(code.value)) + ")"));
    emit(a.json, {{"defaultDpAddress", opt(a.clear ? std::string{} : a.address)}},
         a.clear ? "default SM-DP+ address removed" : "default SM-DP+ address set to " + a.address);
}

struct memory_reset_args {
    card_args card;
    bool operational = false, test = false, address = false, all = false;
    bool yes = false;
    bool json = false;
};

void memory_reset(const memory_reset_args& a)
{
    lpa::memory_reset_options o;
    o.operational_profiles = a.operational || a.all;
    o.test_profiles = a.test || a.all;
    o.default_smdp_address = a.address || a.all;
    if (!o.operational_profiles && !o.test_profiles && !o.default_smdp_address)
        usage("say what to reset: --operational-profiles, --test-profiles, --default-smdp-address, or --all");
    if (!a.yes && !interactive())
        usage("memory-reset deletes profiles and asks first, but stdin is not a terminal: add --yes to confirm");
    auto c = open_card(a.card);
    if (!a.yes) {
        std::string what;
        if (o.operational_profiles) what += "every operational profile";
        if (o.test_profiles) what += std::string(what.empty() ? "" : ", ") + "every field-loaded test profile";
        if (o.default_smdp_address) what += std::string(what.empty() ? "" : ", ") + "the default SM-DP+ address";
        if (!ask_yes_no("This deletes " + what + " from the eUICC. Continue?"))
            fail_with(error::plain("memory reset declined; nothing changed"));
    }
    const auto code = need(c.es10->memory_reset(o));
    // nothingToDelete is not a failure for someone who wanted an empty card.
    if (!code.ok() && code.value != rsp::euicc_memory_reset_result::nothing_to_delete)
        fail_with(error::plain("the eUICC refused the memory reset: " + rsp::describe(code.value)));
    nlohmann::json j{{"operationalProfiles", o.operational_profiles},
                     {"testProfiles", o.test_profiles},
                     {"defaultSmdpAddress", o.default_smdp_address},
                     {"result", code.ok() ? "ok" : "nothingToDelete"}};
    emit(a.json, j, code.ok() ? "memory reset done" : "memory reset: there was nothing to delete");
}

} // namespace

void register_chip(CLI::App* lpa)
{
    auto* chip = lpa->add_subcommand("chip", "The eUICC: EID, capabilities, memory, addresses");
    chip->require_subcommand(1);
    auto ci = std::make_shared<chip_args>();
    auto* info = chip->add_subcommand("info", "EID, EUICCInfo2 and the configured SM-DP+/SM-DS addresses");
    add_card_options(info, ci->card);
    add_json_option(info, ci->json);
    info->callback([ci] { run(ci->json, [&] { chip_info(*ci); }); });

    auto* smdp = lpa->add_subcommand("default-smdp", "The eUICC's default SM-DP+ address");
    smdp->require_subcommand(1);
    auto g = std::make_shared<default_smdp_args>();
    auto* get = smdp->add_subcommand("get", "Show the default SM-DP+ address");
    add_card_options(get, g->card);
    add_json_option(get, g->json);
    get->callback([g] { run(g->json, [&] { default_smdp_get(*g); }); });
    auto s = std::make_shared<default_smdp_args>();
    auto* set = smdp->add_subcommand("set", "Set (or --clear) the default SM-DP+ address");
    add_card_options(set, s->card);
    add_json_option(set, s->json);
    set->add_option("address", s->address, "SM-DP+ address (host[:port])");
    set->add_flag("--clear", s->clear, "Remove the default SM-DP+ address");
    set->callback([s] { run(s->json, [&] { default_smdp_set(*s); }); });

    auto m = std::make_shared<memory_reset_args>();
    auto* reset =
        lpa->add_subcommand("memory-reset", "Delete profiles and/or the default SM-DP+ address (eUICCMemoryReset)");
    add_card_options(reset, m->card);
    add_json_option(reset, m->json);
    reset->add_flag("--operational-profiles", m->operational, "Delete every operational profile");
    reset->add_flag("--test-profiles", m->test, "Delete every field-loaded test profile");
    reset->add_flag("--default-smdp-address", m->address, "Remove the default SM-DP+ address");
    reset->add_flag("--all", m->all, "All three");
    reset->add_flag("--yes,-y", m->yes, "Do not ask for confirmation");
    reset->callback([m] { run(m->json, [&] { memory_reset(*m); }); });
}

} // namespace openrsp::cli::lpa_cmd
