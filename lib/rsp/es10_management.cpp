/// \file
/// \brief The small ES10 messages (SGP.22 §5.7.3, §5.7.4, §5.7.7, §5.7.16-§5.7.22): GetEUICCChallenge, GetEID,
/// GetEuiccConfiguredAddresses, SetDefaultDpAddress, Enable/Disable/DeleteProfile, SetNickname, eUICCMemoryReset,
/// GetRAT and their result answers.

#include "message_codec.h"

#include "openrsp/rsp/es10_management.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {

/// The contents of one of our messages, opened and read with the component tags that may appear once.
result<codec::fields> open_fields(byte_view der, der::tag_t outer, std::string_view type,
                                  std::initializer_list<der::tag_t> unique)
{
    auto o = codec::open(der, outer, type);
    if (!o) return o.take_error();
    return codec::fields::read(o->value, type, unique);
}

/// The profileIdentifier CHOICE {isdpAid `4F`, iccid `5A`} out of `contents` (the A0 contents, or BF33's).
result<profile_identifier> read_identifier(byte_view contents, std::string_view type)
{
    namespace t = tag::enable_profile_request;
    auto f = codec::fields::read(contents, type, {t::isdp_aid, t::iccid});
    if (!f) return f.take_error();
    profile_identifier out;
    // Any ICCID size: the eUICC answers an ICCID it cannot match with iccidOrAidNotFound, as it always did.
    if (const auto iccid = f->find(t::iccid)) {
        out.iccid.assign(iccid->value.begin(), iccid->value.end());
        return out;
    }
    const auto aid = f->find(t::isdp_aid);
    if (!aid) return codec::missing(type, "profileIdentifier", t::iccid);
    auto v = codec::octets(*aid, type, "isdpAid", 1, 16);
    if (!v) return v.take_error();
    out.isdp_aid = std::move(*v);
    return out;
}

/// Enable and Disable share their shape (§5.7.16, §5.7.17).
template <class R> result<R> decode_switch(byte_view der, der::tag_t outer, std::string_view type)
{
    namespace t = tag::enable_profile_request;
    auto f = open_fields(der, outer, type, {t::profile_identifier, t::refresh_flag});
    if (!f) return f.take_error();
    auto a0 = f->need(t::profile_identifier, "profileIdentifier");
    if (!a0) return a0.take_error();
    auto id = read_identifier(a0->value, type);
    if (!id) return id.take_error();
    R out;
    out.profile_identifier = std::move(*id);
    if (const auto flag = f->find(t::refresh_flag)) {
        auto v = codec::boolean(*flag, type, "refreshFlag");
        if (!v) return v.take_error();
        out.refresh_flag = *v;
    }
    return out;
}

template <class R> bytes encode_switch(const R& r, der::tag_t outer)
{
    namespace t = tag::enable_profile_request;
    der::writer w;
    w.begin(outer).begin(t::profile_identifier).raw(r.profile_identifier.encode()).end();
    if (r.refresh_flag) w.add_bool(t::refresh_flag, *r.refresh_flag);
    w.end();
    return w.finish();
}

} // namespace

bytes profile_identifier::encode() const
{
    namespace t = tag::enable_profile_request;
    return isdp_aid.empty() ? der::encode(t::iccid, iccid) : der::encode(t::isdp_aid, isdp_aid);
}

bytes empty_request(der::tag_t outer)
{
    der::writer w;
    w.begin(outer).end();
    return w.finish();
}

// ---- GetEUICCChallenge, GetEID, GetEuiccConfiguredAddresses ------------------------------------------------------

result<get_euicc_challenge_response> get_euicc_challenge_response::decode(byte_view der)
{
    namespace t = tag::get_euicc_challenge_response;
    constexpr std::string_view T = "GetEuiccChallengeResponse";
    auto f = open_fields(der, tag::get_euicc_challenge, T, {t::euicc_challenge});
    if (!f) return f.take_error();
    auto c = f->need(t::euicc_challenge, "euiccChallenge");
    if (!c) return c.take_error();
    auto v = codec::octets(*c, T, "euiccChallenge", 16, 16);
    if (!v) return v.take_error();
    return get_euicc_challenge_response{std::move(*v)};
}

bytes get_euicc_challenge_response::encode() const
{
    der::writer w;
    w.begin(tag::get_euicc_challenge).add(tag::get_euicc_challenge_response::euicc_challenge, euicc_challenge).end();
    return w.finish();
}

result<get_eid_request> get_eid_request::decode(byte_view der)
{
    namespace t = tag::get_eid_request;
    constexpr std::string_view T = "GetEuiccDataRequest";
    auto f = open_fields(der, tag::get_eid, T, {t::tag_list});
    if (!f) return f.take_error();
    auto l = f->need(t::tag_list, "tagList");
    if (!l) return l.take_error();
    return get_eid_request{bytes(l->value.begin(), l->value.end())};
}

bytes get_eid_request::encode() const
{
    der::writer w;
    w.begin(tag::get_eid).add(tag::get_eid_request::tag_list, tag_list).end();
    return w.finish();
}

result<get_eid_response> get_eid_response::decode(byte_view der)
{
    namespace t = tag::get_eid_response;
    constexpr std::string_view T = "GetEuiccDataResponse";
    auto f = open_fields(der, tag::get_eid, T, {t::eid});
    if (!f) return f.take_error();
    auto e = f->need(t::eid, "eidValue");
    if (!e) return e.take_error();
    auto v = codec::octets(*e, T, "eidValue", 16, 16);
    if (!v) return v.take_error();
    return get_eid_response{std::move(*v)};
}

bytes get_eid_response::encode() const
{
    der::writer w;
    w.begin(tag::get_eid).add(tag::get_eid_response::eid, eid).end();
    return w.finish();
}

result<euicc_configured_addresses_response> euicc_configured_addresses_response::decode(byte_view der)
{
    namespace t = tag::euicc_configured_addresses_response;
    constexpr std::string_view T = "EuiccConfiguredAddressesResponse";
    auto f = open_fields(der, tag::get_euicc_configured_addresses, T, {t::default_dp_address, t::root_ds_address});
    if (!f) return f.take_error();
    euicc_configured_addresses_response out;
    if (const auto dp = f->find(t::default_dp_address)) {
        auto v = codec::utf8(*dp, T, "defaultDpAddress", SIZE_MAX);
        if (!v) return v.take_error();
        out.default_dp_address = std::move(*v);
    }
    // rootDsAddress is mandatory, but the LPA has always shown an answer without it (as "none"): kept.
    if (const auto ds = f->find(t::root_ds_address)) {
        auto v = codec::utf8(*ds, T, "rootDsAddress", SIZE_MAX);
        if (!v) return v.take_error();
        out.root_ds_address = std::move(*v);
    }
    return out;
}

bytes euicc_configured_addresses_response::encode() const
{
    namespace t = tag::euicc_configured_addresses_response;
    der::writer w;
    w.begin(tag::get_euicc_configured_addresses);
    if (default_dp_address) w.add(t::default_dp_address, std::string_view{*default_dp_address});
    w.add(t::root_ds_address, std::string_view{root_ds_address}).end();
    return w.finish();
}

result<set_default_dp_address_request> set_default_dp_address_request::decode(byte_view der)
{
    namespace t = tag::set_default_dp_address_request;
    constexpr std::string_view T = "SetDefaultDpAddressRequest";
    auto f = open_fields(der, tag::set_default_dp_address, T, {t::default_dp_address});
    if (!f) return f.take_error();
    auto a = f->need(t::default_dp_address, "defaultDpAddress");
    if (!a) return a.take_error();
    // An FQDN (with an optional port) is at most 255 bytes.
    auto v = codec::utf8(*a, T, "defaultDpAddress", 255);
    if (!v) return v.take_error();
    return set_default_dp_address_request{std::move(*v)};
}

bytes set_default_dp_address_request::encode() const
{
    der::writer w;
    w.begin(tag::set_default_dp_address)
        .add(tag::set_default_dp_address_request::default_dp_address, std::string_view{default_dp_address})
        .end();
    return w.finish();
}

// ---- Enable, Disable, Delete, SetNickname, eUICCMemoryReset -------------------------------------------------------

result<enable_profile_request> enable_profile_request::decode(byte_view der)
{
    return decode_switch<enable_profile_request>(der, tag::enable_profile, "EnableProfileRequest");
}
bytes enable_profile_request::encode() const { return encode_switch(*this, tag::enable_profile); }

result<disable_profile_request> disable_profile_request::decode(byte_view der)
{
    return decode_switch<disable_profile_request>(der, tag::disable_profile, "DisableProfileRequest");
}
bytes disable_profile_request::encode() const { return encode_switch(*this, tag::disable_profile); }

result<delete_profile_request> delete_profile_request::decode(byte_view der)
{
    constexpr std::string_view T = "DeleteProfileRequest";
    auto o = codec::open(der, tag::delete_profile, T);
    if (!o) return o.take_error();
    auto id = read_identifier(o->value, T);
    if (!id) return id.take_error();
    return delete_profile_request{std::move(*id)};
}

bytes delete_profile_request::encode() const
{
    der::writer w;
    w.begin(tag::delete_profile).raw(profile_identifier.encode()).end();
    return w.finish();
}

result<set_nickname_request> set_nickname_request::decode(byte_view der)
{
    namespace t = tag::set_nickname_request;
    constexpr std::string_view T = "SetNicknameRequest";
    auto f = open_fields(der, tag::set_nickname, T, {t::iccid, t::profile_nickname});
    if (!f) return f.take_error();
    auto iccid = f->need(t::iccid, "iccid");
    if (!iccid) return iccid.take_error();
    auto nick = f->need(t::profile_nickname, "profileNickname");
    if (!nick) return nick.take_error();
    auto v = codec::utf8(*nick, T, "profileNickname", 64);
    if (!v) return v.take_error();
    return set_nickname_request{bytes(iccid->value.begin(), iccid->value.end()), std::move(*v)};
}

bytes set_nickname_request::encode() const
{
    namespace t = tag::set_nickname_request;
    der::writer w;
    w.begin(tag::set_nickname).add(t::iccid, iccid).add(t::profile_nickname, std::string_view{profile_nickname}).end();
    return w.finish();
}

result<euicc_memory_reset_request> euicc_memory_reset_request::decode(byte_view der)
{
    namespace t = tag::euicc_memory_reset_request;
    constexpr std::string_view T = "EuiccMemoryResetRequest";
    auto f = open_fields(der, tag::euicc_memory_reset, T, {t::reset_options});
    if (!f) return f.take_error();
    auto o = f->need(t::reset_options, "resetOptions");
    if (!o) return o.take_error();
    auto v = codec::bit_string(*o, T, "resetOptions");
    if (!v) return v.take_error();
    return euicc_memory_reset_request{std::move(*v)};
}

bytes euicc_memory_reset_request::encode() const
{
    der::writer w;
    w.begin(tag::euicc_memory_reset).add(tag::euicc_memory_reset_request::reset_options, reset_options).end();
    return w.finish();
}

// ---- GetRAT ------------------------------------------------------------------------------------------------------

bytes profile_policy_authorisation_rule::encode() const
{
    namespace t = tag::profile_policy_authorisation_rule;
    der::writer w;
    w.begin(tag::sequence).add(t::ppr_ids, ppr_ids).begin(t::allowed_operators);
    for (const auto& o : allowed_operators) w.begin(tag::sequence).raw(o.encode_contents()).end();
    w.end().add(t::ppr_flags, ppr_flags).end();
    return w.finish();
}

result<get_rat_response> get_rat_response::decode(byte_view der)
{
    namespace t = tag::profile_policy_authorisation_rule;
    constexpr std::string_view T = "GetRatResponse";
    constexpr std::string_view R = "ProfilePolicyAuthorisationRule";
    auto f = open_fields(der, tag::get_rat, T, {tag::get_rat_response::rat});
    if (!f) return f.take_error();
    auto rat = f->need(tag::get_rat_response::rat, "rat");
    if (!rat) return rat.take_error();
    auto rules = der::reader(rat->value).all();
    if (!rules) return codec::invalid(T, "rat is not a SEQUENCE OF ProfilePolicyAuthorisationRule");
    get_rat_response out;
    for (const auto& r : *rules) {
        if (r.tag != tag::sequence) return codec::invalid(T, "rat holds a " + codec::tag_text(r.tag) + ", not a 30");
        auto rf = codec::fields::read(r.value, R, {t::ppr_ids, t::allowed_operators, t::ppr_flags});
        if (!rf) return rf.take_error();
        profile_policy_authorisation_rule rule;
        auto ids = rf->need(t::ppr_ids, "pprIds");
        if (!ids) return ids.take_error();
        auto ids_v = codec::bit_string(*ids, R, "pprIds");
        if (!ids_v) return ids_v.take_error();
        rule.ppr_ids = std::move(*ids_v);
        auto ops = rf->need(t::allowed_operators, "allowedOperators");
        if (!ops) return ops.take_error();
        auto list = der::reader(ops->value).all();
        if (!list) return codec::invalid(R, "allowedOperators is not a SEQUENCE OF OperatorId");
        for (const auto& o : *list) {
            if (o.tag != tag::sequence) return codec::invalid(R, "allowedOperators holds something else than a 30");
            auto op = operator_id::decode_contents(o.value);
            if (!op) return op.take_error();
            rule.allowed_operators.push_back(std::move(*op));
        }
        auto flags = rf->need(t::ppr_flags, "pprFlags");
        if (!flags) return flags.take_error();
        auto flags_v = codec::bit_string(*flags, R, "pprFlags");
        if (!flags_v) return flags_v.take_error();
        rule.ppr_flags = std::move(*flags_v);
        out.rat.push_back(std::move(rule));
    }
    return out;
}

bytes get_rat_response::encode() const
{
    der::writer w;
    w.begin(tag::get_rat).begin(tag::get_rat_response::rat);
    for (const auto& r : rat) w.raw(r.encode());
    w.end().end();
    return w.finish();
}

// ---- The result answers ------------------------------------------------------------------------------------------

template <class E> openrsp::result<management_result<E>> management_result<E>::decode(byte_view der)
{
    // Every one of these answers is `OUTER{[0] INTEGER}` (automatic tags), whatever its field is called.
    constexpr der::tag_t result_tag = tag::enable_profile_response::enable_result;
    using traits = management_result_traits<E>;
    auto f = open_fields(der, traits::outer, traits::type, {result_tag});
    if (!f) return f.take_error();
    auto r = f->need(result_tag, traits::field);
    if (!r) return r.take_error();
    auto c = codec::code(*r, traits::type, traits::field);
    if (!c) return c.take_error();
    return management_result{code_from_int<E>(static_cast<int>(*c))};
}

template <class E> bytes management_result<E>::encode() const
{
    der::writer w;
    w.begin(management_result_traits<E>::outer)
        .add_uint(tag::enable_profile_response::enable_result, static_cast<std::uint64_t>(to_int(result)))
        .end();
    return w.finish();
}

template struct management_result<enable_profile_result>;
template struct management_result<disable_profile_result>;
template struct management_result<delete_profile_result>;
template struct management_result<euicc_memory_reset_result>;
template struct management_result<set_nickname_result>;
template struct management_result<set_default_dp_address_result>;

} // namespace openrsp::rsp
