/// \file
/// \brief ES10c local profile management and ES10a addresses (SGP.22 §5.7.15-§5.7.20, §5.7.3, §5.7.4):
/// GetProfilesInfo, Enable/Disable/DeleteProfile, SetNickname, GetEID, eUICCMemoryReset,
/// GetEuiccConfiguredAddresses, SetDefaultDpAddress.

#include "euicc_impl.h"

#include "openrsp/rsp/activation_code.h"

#include <algorithm>
#include <set>

namespace openrsp::euicc::detail {

namespace {

constexpr unsigned result_ok = 0;
constexpr unsigned result_not_found = 1;
constexpr unsigned result_wrong_state = 2;
constexpr unsigned result_disallowed_by_policy = 3;
constexpr unsigned result_cat_busy = 5;
constexpr unsigned result_undefined = 127;

/// profilePolicyRules bits (SGP.22 §2.9.1): ppr1 forbids disabling, ppr2 forbids deleting.
constexpr unsigned ppr1_no_disable = 1;
constexpr unsigned ppr2_no_delete = 2;

bool ppr_forbids(const installed_profile& p, unsigned bit) { return !p.ppr.empty() && der::bit_is_set(p.ppr, bit); }

/// Parses a list of BER tags as carried in a `5C` tagList.
std::optional<std::set<der::tag_t>> parse_tag_list(byte_view b)
{
    std::set<der::tag_t> tags;
    std::size_t i = 0;
    while (i < b.size()) {
        der::tag_t t = b[i++];
        if ((t & 0x1F) == 0x1F) {
            std::size_t n = 0;
            do {
                if (i >= b.size() || ++n > 2) return std::nullopt;
                t = t << 8 | b[i];
            } while ((b[i++] & 0x80) != 0);
        }
        tags.insert(t);
    }
    return tags;
}

/// The profile identifier of Enable/Disable (`A0{5A|4F}`) or Delete (`5A|4F` directly).
std::optional<der::tlv> profile_identifier(byte_view v, bool wrapped)
{
    const der::reader r(v);
    if (wrapped) {
        const auto a0 = r.find(0xA0);
        if (!a0) return std::nullopt;
        return profile_identifier(a0->value, false);
    }
    if (auto t = r.find(rsp::tag::iccid)) return t;
    if (auto t = r.find(rsp::tag::isdp_aid)) return t;
    return std::nullopt;
}

} // namespace

/// SGP.22 §5.7.15 GetProfilesInfo.
bytes euicc_impl::get_profiles_info(const der::tlv& request) const
{
    constexpr der::tag_t outer = rsp::tag::get_profiles_info;
    const auto refuse = [&](unsigned code) {
        der::writer w;
        w.begin(outer).add_uint(0x81, code).end();
        return w.finish();
    };
    const der::reader r(request.value);
    if (!request.value.empty() && !r.all()) return refuse(1);
    std::optional<der::tlv> criterion;
    if (const auto search = r.find(0xA0)) {
        auto inner = der::reader(search->value).all();
        if (!inner || inner->size() != 1) return refuse(1);
        criterion = inner->front();
        if (criterion->tag != rsp::tag::iccid && criterion->tag != rsp::tag::isdp_aid &&
            criterion->tag != rsp::tag::profile_class)
            return refuse(1);
    }
    std::optional<std::set<der::tag_t>> wanted;
    if (const auto tl = r.find(0x5C)) {
        wanted = parse_tag_list(tl->value);
        if (!wanted) return refuse(1);
    }
    const auto want = [&](der::tag_t t) { return !wanted || wanted->contains(t); };

    der::writer w;
    w.begin(outer).begin(0xA0);
    for (const auto& p : m_state.profiles) {
        if (criterion) {
            if (criterion->tag == rsp::tag::profile_class) {
                auto c = der::decode_uint(criterion->value);
                if (!c || *c != p.info.profile_class) continue;
            } else {
                if (criterion->tag == rsp::tag::iccid) {
                    bytes id(criterion->value.begin(), criterion->value.end());
                    id.resize(10, 0xFF);
                    if (id != p.iccid_bcd) continue;
                } else if (!std::ranges::equal(criterion->value, p.info.isdp_aid)) {
                    continue;
                }
            }
        }
        w.begin(rsp::tag::profile_info);
        if (want(rsp::tag::iccid)) w.add(rsp::tag::iccid, p.iccid_bcd);
        if (want(rsp::tag::isdp_aid)) w.add(rsp::tag::isdp_aid, p.info.isdp_aid);
        if (want(rsp::tag::profile_state)) w.add_uint(rsp::tag::profile_state, p.info.enabled ? 1 : 0);
        if (want(rsp::tag::profile_nickname) && !p.info.nickname.empty())
            w.add(rsp::tag::profile_nickname, std::string_view{p.info.nickname});
        if (want(rsp::tag::service_provider_name))
            w.add(rsp::tag::service_provider_name, std::string_view{p.info.service_provider_name});
        if (want(rsp::tag::profile_name)) w.add(rsp::tag::profile_name, std::string_view{p.info.profile_name});
        if (want(rsp::tag::icon_type) && p.icon_type) w.add_uint(rsp::tag::icon_type, *p.icon_type);
        if (want(rsp::tag::icon) && !p.icon.empty()) w.add(rsp::tag::icon, p.icon);
        if (want(rsp::tag::profile_class)) w.add_uint(rsp::tag::profile_class, p.info.profile_class);
        if (want(rsp::tag::notification_configuration_info) && !p.notification_config.empty())
            w.add(rsp::tag::notification_configuration_info, p.notification_config);
        if (want(rsp::tag::profile_owner) && !p.profile_owner.empty())
            w.add(rsp::tag::profile_owner, p.profile_owner);
        if (want(rsp::tag::profile_policy_rules) && !p.ppr.empty()) w.add(rsp::tag::profile_policy_rules, p.ppr);
        w.end();
    }
    w.end().end();
    return w.finish();
}

/// SGP.22 §5.7.16 EnableProfile. The previously enabled profile is disabled in the same write.
bytes euicc_impl::enable_profile(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::enable_profile;
    const auto id = profile_identifier(request.value, true);
    if (!id) return simple_result(outer, result_undefined);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, *id);
    if (!target) return simple_result(outer, result_not_found);
    if (target->info.enabled) return simple_result(outer, result_wrong_state);
    // A profile switch during a proactive session would pull the NAA away under the running command.
    if (m_cat_busy) return simple_result(outer, result_cat_busy);
    for (auto& p : next.profiles) {
        if (!p.info.enabled) continue;
        if (ppr_forbids(p, ppr1_no_disable)) return simple_result(outer, result_disallowed_by_policy);
        p.info.enabled = false;
        if (!add_other_notifications(next, p, rsp::notification_event::disable))
            return simple_result(outer, result_undefined);
    }
    target->info.enabled = true;
    if (!add_other_notifications(next, *target, rsp::notification_event::enable))
        return simple_result(outer, result_undefined);
    if (!commit(std::move(next))) return simple_result(outer, result_undefined);
    return simple_result(outer, result_ok);
}

/// SGP.22 §5.7.17 DisableProfile.
bytes euicc_impl::disable_profile(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::disable_profile;
    const auto id = profile_identifier(request.value, true);
    if (!id) return simple_result(outer, result_undefined);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, *id);
    if (!target) return simple_result(outer, result_not_found);
    if (!target->info.enabled) return simple_result(outer, result_wrong_state);
    if (ppr_forbids(*target, ppr1_no_disable)) return simple_result(outer, result_disallowed_by_policy);
    if (m_cat_busy) return simple_result(outer, result_cat_busy);
    target->info.enabled = false;
    if (!add_other_notifications(next, *target, rsp::notification_event::disable))
        return simple_result(outer, result_undefined);
    if (!commit(std::move(next))) return simple_result(outer, result_undefined);
    return simple_result(outer, result_ok);
}

/// SGP.22 §5.7.18 DeleteProfile: identifier directly in BF33, profile must be disabled.
bytes euicc_impl::delete_profile(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::delete_profile;
    const auto id = profile_identifier(request.value, false);
    if (!id) return simple_result(outer, result_undefined);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, *id);
    if (!target) return simple_result(outer, result_not_found);
    if (target->info.enabled) return simple_result(outer, result_wrong_state);
    if (ppr_forbids(*target, ppr2_no_delete)) return simple_result(outer, result_disallowed_by_policy);
    const installed_profile gone = *target;
    std::erase_if(next.profiles, [&](const installed_profile& p) { return p.iccid_bcd == gone.iccid_bcd; });
    if (!add_other_notifications(next, gone, rsp::notification_event::del))
        return simple_result(outer, result_undefined);
    if (!commit(std::move(next))) return simple_result(outer, result_undefined);
    return simple_result(outer, result_ok);
}

/// SGP.22 §5.7.21 SetNickname.
bytes euicc_impl::set_nickname(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::set_nickname;
    const der::reader r(request.value);
    const auto iccid = r.find(rsp::tag::iccid);
    const auto nick = r.find(rsp::tag::profile_nickname);
    if (!iccid || !nick || nick->value.size() > 64) return simple_result(outer, result_undefined);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, *iccid);
    if (!target) return simple_result(outer, result_not_found);
    target->info.nickname = to_string(nick->value);
    if (!commit(std::move(next))) return simple_result(outer, result_undefined);
    return simple_result(outer, result_ok);
}

/// SGP.22 §5.7.20 GetEID (GetEuiccData with tagList 5A).
bytes euicc_impl::get_eid(const der::tlv& request) const
{
    (void)request; // only the EID can be asked for in v2.2.2
    der::writer w;
    w.begin(rsp::tag::get_eid).add(rsp::tag::iccid, m_creds.eid_bytes).end();
    return w.finish();
}

/// SGP.22 §5.7.3 GetEuiccConfiguredAddresses.
bytes euicc_impl::get_configured_addresses() const
{
    der::writer w;
    w.begin(rsp::tag::get_euicc_configured_addresses);
    if (!m_state.default_dp_address.empty()) w.add(0x80, std::string_view{m_state.default_dp_address});
    w.add(0x81, std::string_view{m_state.root_ds_address});
    w.end();
    return w.finish();
}

/// SGP.22 §5.7.4 SetDefaultDpAddress (an empty address clears it).
bytes euicc_impl::set_default_dp_address(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::set_default_dp_address;
    const auto addr = der::reader(request.value).find(0x80);
    if (!addr || addr->value.size() > 255) return simple_result(outer, result_undefined);
    // Only a host[:port] the LPA could later connect to is worth keeping; empty clears the address.
    if (!addr->value.empty() && !rsp::is_valid_smdp_address(to_string(addr->value)))
        return simple_result(outer, result_undefined);
    card_state next = m_state;
    next.default_dp_address = to_string(addr->value);
    if (!commit(std::move(next))) return simple_result(outer, result_undefined);
    return simple_result(outer, result_ok);
}

/// SGP.22 §5.7.19 eUICCMemoryReset: bit0 operational profiles, bit1 test profiles, bit2 default SM-DP+ address.
bytes euicc_impl::memory_reset(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::euicc_memory_reset;
    const auto opts = der::reader(request.value).find(0x82);
    if (!opts || opts->value.empty()) return simple_result(outer, result_undefined);
    if (m_cat_busy) return simple_result(outer, result_cat_busy);
    const bool operational = der::bit_is_set(opts->value, 0);
    const bool test = der::bit_is_set(opts->value, 1);
    const bool address = der::bit_is_set(opts->value, 2);
    card_state next = m_state;
    const std::size_t before = next.profiles.size();
    std::erase_if(next.profiles, [&](const installed_profile& p) {
        return (operational && p.info.profile_class != 0) || (test && p.info.profile_class == 0);
    });
    bool changed = next.profiles.size() != before;
    if (address && !next.default_dp_address.empty()) {
        next.default_dp_address.clear();
        changed = true;
    }
    if (!changed) return simple_result(outer, 1); // nothingToDelete
    if (!commit(std::move(next))) return simple_result(outer, result_undefined);
    return simple_result(outer, result_ok);
}

} // namespace openrsp::euicc::detail
