/// \file
/// \brief ES10c local profile management and ES10a addresses (SGP.22 §5.7.15-§5.7.20, §5.7.3, §5.7.4):
/// GetProfilesInfo, Enable/Disable/DeleteProfile, SetNickname, GetEID, eUICCMemoryReset,
/// GetEuiccConfiguredAddresses, SetDefaultDpAddress.

#include "euicc_impl.h"

#include "openrsp/rsp/activation_code.h"
#include "openrsp/rsp/profile_info.h"

#include <algorithm>

namespace openrsp::euicc::detail {

namespace {

using rsp::delete_profile_result;
using rsp::disable_profile_result;
using rsp::enable_profile_result;

/// profilePolicyRules bits (SGP.22 §2.9.1): ppr1 forbids disabling, ppr2 forbids deleting.
constexpr unsigned ppr1_no_disable = 1;
constexpr unsigned ppr2_no_delete = 2;

/// ProfileInfoListResponse profileInfoListError incorrectInputValues.
constexpr unsigned incorrect_input_values = 1;

bool ppr_forbids(const installed_profile& p, unsigned bit) { return !p.ppr.empty() && der::bit_is_set(p.ppr, bit); }

template <class E> bytes answer(E code) { return rsp::management_result<E>{code}.encode(); }

/// The ProfileInfo of one installed profile with the fields a tagList asks for (all when there is none).
rsp::profile_info profile_info_of(const installed_profile& p, const std::optional<std::vector<der::tag_t>>& wanted)
{
    namespace t = rsp::tag::profile_info_fields;
    const auto want = [&](der::tag_t tag) { return !wanted || std::ranges::find(*wanted, tag) != wanted->end(); };
    rsp::profile_info i;
    if (want(t::iccid)) i.iccid = p.iccid_bcd;
    if (want(t::isdp_aid)) i.isdp_aid = p.info.isdp_aid;
    if (want(t::profile_state)) i.profile_state = p.info.enabled ? 1 : 0;
    if (want(t::profile_nickname) && !p.info.nickname.empty()) i.profile_nickname = p.info.nickname;
    if (want(t::service_provider_name)) i.service_provider_name = p.info.service_provider_name;
    if (want(t::profile_name)) i.profile_name = p.info.profile_name;
    if (want(t::icon_type)) i.icon_type = p.icon_type;
    if (want(t::icon) && !p.icon.empty()) i.icon = p.icon;
    if (want(t::profile_class)) i.profile_class = p.info.profile_class;
    // B6 and B7 were checked by StoreMetadataRequest::decode when the profile was installed.
    if (want(t::notification_configuration_info) && !p.notification_config.empty())
        if (auto list = rsp::decode_notification_configuration_info(p.notification_config))
            i.notification_configuration_info = std::move(*list);
    if (want(t::profile_owner) && !p.profile_owner.empty())
        if (auto owner = rsp::operator_id::decode_contents(p.profile_owner)) i.profile_owner = std::move(*owner);
    if (want(t::profile_policy_rules)) i.profile_policy_rules = p.ppr;
    return i;
}

} // namespace

/// SGP.22 §5.7.15 GetProfilesInfo.
bytes euicc_impl::get_profiles_info(const der::tlv& request) const
{
    rsp::profile_info_list_response out;
    const auto req = rsp::profile_info_list_request::decode(request.raw);
    if (!req) {
        out.error = incorrect_input_values;
        return out.encode();
    }
    for (const auto& p : m_state.profiles) {
        if (req->search_profile_class && *req->search_profile_class != p.info.profile_class) continue;
        if (req->search_isdp_aid && *req->search_isdp_aid != p.info.isdp_aid) continue;
        if (req->search_iccid) {
            bytes id = *req->search_iccid;
            id.resize(10, 0xFF); // older lpac sends 9 bytes for 18-digit ICCIDs
            if (id != p.iccid_bcd) continue;
        }
        out.profiles.push_back(profile_info_of(p, req->tag_list));
    }
    return out.encode();
}

/// SGP.22 §5.7.16 EnableProfile. The previously enabled profile is disabled in the same write.
bytes euicc_impl::enable_profile(const der::tlv& request)
{
    using R = enable_profile_result;
    const auto req = rsp::enable_profile_request::decode(request.raw);
    if (!req) return answer(R::undefined_error);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, req->profile_identifier);
    if (!target) return answer(R::iccid_or_aid_not_found);
    if (target->info.enabled) return answer(R::profile_not_in_disabled_state);
    // A profile switch during a proactive session would pull the NAA away under the running command.
    if (m_cat_busy) return answer(R::cat_busy);
    for (auto& p : next.profiles) {
        if (!p.info.enabled) continue;
        if (ppr_forbids(p, ppr1_no_disable)) return answer(R::disallowed_by_policy);
        p.info.enabled = false;
        if (!add_other_notifications(next, p, rsp::notification_event::disable)) return answer(R::undefined_error);
    }
    target->info.enabled = true;
    if (!add_other_notifications(next, *target, rsp::notification_event::enable)) return answer(R::undefined_error);
    if (!commit(std::move(next))) return answer(R::undefined_error);
    return answer(R::ok);
}

/// SGP.22 §5.7.17 DisableProfile.
bytes euicc_impl::disable_profile(const der::tlv& request)
{
    using R = disable_profile_result;
    const auto req = rsp::disable_profile_request::decode(request.raw);
    if (!req) return answer(R::undefined_error);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, req->profile_identifier);
    if (!target) return answer(R::iccid_or_aid_not_found);
    if (!target->info.enabled) return answer(R::profile_not_in_enabled_state);
    if (ppr_forbids(*target, ppr1_no_disable)) return answer(R::disallowed_by_policy);
    if (m_cat_busy) return answer(R::cat_busy);
    target->info.enabled = false;
    if (!add_other_notifications(next, *target, rsp::notification_event::disable)) return answer(R::undefined_error);
    if (!commit(std::move(next))) return answer(R::undefined_error);
    return answer(R::ok);
}

/// SGP.22 §5.7.18 DeleteProfile: identifier directly in BF33, profile must be disabled.
bytes euicc_impl::delete_profile(const der::tlv& request)
{
    using R = delete_profile_result;
    const auto req = rsp::delete_profile_request::decode(request.raw);
    if (!req) return answer(R::undefined_error);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, req->profile_identifier);
    if (!target) return answer(R::iccid_or_aid_not_found);
    if (target->info.enabled) return answer(R::profile_not_in_disabled_state);
    if (ppr_forbids(*target, ppr2_no_delete)) return answer(R::disallowed_by_policy);
    const installed_profile gone = *target;
    std::erase_if(next.profiles, [&](const installed_profile& p) { return p.iccid_bcd == gone.iccid_bcd; });
    if (!add_other_notifications(next, gone, rsp::notification_event::del)) return answer(R::undefined_error);
    if (!commit(std::move(next))) return answer(R::undefined_error);
    return answer(R::ok);
}

/// SGP.22 §5.7.21 SetNickname.
bytes euicc_impl::set_nickname(const der::tlv& request)
{
    using R = rsp::set_nickname_result;
    const auto req = rsp::set_nickname_request::decode(request.raw);
    if (!req) return answer(R::undefined_error);
    card_state next = m_state;
    installed_profile* target = find_profile(next.profiles, rsp::profile_identifier{{}, req->iccid});
    if (!target) return answer(R::iccid_not_found);
    target->info.nickname = req->profile_nickname;
    if (!commit(std::move(next))) return answer(R::undefined_error);
    return answer(R::ok);
}

/// SGP.22 §5.7.20 GetEID (GetEuiccData with tagList 5A).
bytes euicc_impl::get_eid(const der::tlv& request) const
{
    (void)request; // only the EID can be asked for in v2.2.2
    return rsp::get_eid_response{m_creds.eid_bytes}.encode();
}

/// SGP.22 §5.7.3 GetEuiccConfiguredAddresses.
bytes euicc_impl::get_configured_addresses() const
{
    rsp::euicc_configured_addresses_response out;
    if (!m_state.default_dp_address.empty()) out.default_dp_address = m_state.default_dp_address;
    out.root_ds_address = m_state.root_ds_address;
    return out.encode();
}

/// SGP.22 §5.7.4 SetDefaultDpAddress (an empty address clears it).
bytes euicc_impl::set_default_dp_address(const der::tlv& request)
{
    using R = rsp::set_default_dp_address_result;
    const auto req = rsp::set_default_dp_address_request::decode(request.raw);
    if (!req) return answer(R::undefined_error);
    // Only a host[:port] the LPA could later connect to is worth keeping; empty clears the address.
    if (!req->default_dp_address.empty() && !rsp::is_valid_smdp_address(req->default_dp_address))
        return answer(R::undefined_error);
    card_state next = m_state;
    next.default_dp_address = req->default_dp_address;
    if (!commit(std::move(next))) return answer(R::undefined_error);
    return answer(R::ok);
}

/// SGP.22 §5.7.19 eUICCMemoryReset: bit0 operational profiles, bit1 test profiles, bit2 default SM-DP+ address.
bytes euicc_impl::memory_reset(const der::tlv& request)
{
    using R = rsp::euicc_memory_reset_result;
    const auto req = rsp::euicc_memory_reset_request::decode(request.raw);
    if (!req) return answer(R::undefined_error);
    if (m_cat_busy) return answer(R::cat_busy);
    const bool operational = der::bit_is_set(req->reset_options, 0);
    const bool test = der::bit_is_set(req->reset_options, 1);
    const bool address = der::bit_is_set(req->reset_options, 2);
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
    if (!changed) return answer(R::nothing_to_delete);
    if (!commit(std::move(next))) return answer(R::undefined_error);
    return answer(R::ok);
}

} // namespace openrsp::euicc::detail
