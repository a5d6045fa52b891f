/// \file
/// \brief ProfileInfo, ProfileInfoListRequest and ProfileInfoListResponse (SGP.22 §5.7.15, ES10c GetProfilesInfo).

#include "message_codec.h"

#include "openrsp/rsp/profile_info.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {
constexpr std::string_view info_type = "ProfileInfo";
constexpr std::string_view request_type = "ProfileInfoListRequest";
constexpr std::string_view response_type = "ProfileInfoListResponse";

result<std::optional<std::string>> optional_utf8(const codec::fields& f, der::tag_t tag, std::string_view field,
                                                 std::size_t max)
{
    const auto t = f.find(tag);
    if (!t) return std::optional<std::string>{};
    auto s = codec::utf8(*t, info_type, field, max);
    if (!s) return s.take_error();
    return std::optional<std::string>(std::move(*s));
}

result<std::optional<unsigned>> optional_code(const codec::fields& f, der::tag_t tag, std::string_view field)
{
    const auto t = f.find(tag);
    if (!t) return std::optional<unsigned>{};
    auto c = codec::code(*t, info_type, field);
    if (!c) return c.take_error();
    return std::optional<unsigned>(*c);
}

/// A `5C` tagList: BER tags written one after the other (SGP.22 §5.7.15), each 1 to 3 bytes.
result<std::vector<der::tag_t>> parse_tag_list(byte_view b)
{
    std::vector<der::tag_t> tags;
    std::size_t i = 0;
    while (i < b.size()) {
        der::tag_t t = b[i++];
        if ((t & 0x1F) == 0x1F) {
            std::size_t n = 0;
            do {
                if (i >= b.size() || ++n > 2) return codec::invalid(request_type, "tagList holds a malformed tag");
                t = t << 8 | b[i];
            } while ((b[i++] & 0x80) != 0);
        }
        tags.push_back(t);
    }
    return tags;
}
} // namespace

std::string profile_info::iccid_digits() const
{
    return iccid_from_bcd(iccid);
}

result<profile_info> profile_info::decode(byte_view der)
{
    namespace t = tag::profile_info_fields;
    auto outer = codec::open(der, tag::profile_info, info_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, info_type,
                                 {t::iccid, t::isdp_aid, t::profile_state, t::profile_nickname,
                                  t::service_provider_name, t::profile_name, t::icon_type, t::icon, t::profile_class,
                                  t::notification_configuration_info, t::profile_owner, t::dp_proprietary_data,
                                  t::profile_policy_rules, t::ref_ar_do});
    if (!f) return f.take_error();
    profile_info out;
    if (const auto v = f->find(t::iccid)) {
        auto b = codec::iccid(*v, info_type);
        if (!b) return b.take_error();
        out.iccid = std::move(*b);
    }
    if (const auto v = f->find(t::isdp_aid)) {
        auto b = codec::octets(*v, info_type, "isdpAid", 1, 16);
        if (!b) return b.take_error();
        out.isdp_aid = std::move(*b);
    }
    auto state = optional_code(*f, t::profile_state, "profileState");
    if (!state) return state.take_error();
    out.profile_state = *state;
    auto nick = optional_utf8(*f, t::profile_nickname, "profileNickname", 64);
    if (!nick) return nick.take_error();
    out.profile_nickname = std::move(*nick);
    auto spn = optional_utf8(*f, t::service_provider_name, "serviceProviderName", 32);
    if (!spn) return spn.take_error();
    out.service_provider_name = std::move(*spn);
    auto name = optional_utf8(*f, t::profile_name, "profileName", 64);
    if (!name) return name.take_error();
    out.profile_name = std::move(*name);
    auto icon_type = optional_code(*f, t::icon_type, "iconType");
    if (!icon_type) return icon_type.take_error();
    out.icon_type = *icon_type;
    if (const auto v = f->find(t::icon)) {
        auto b = codec::octets(*v, info_type, "icon", 0, 1024);
        if (!b) return b.take_error();
        out.icon = std::move(*b);
    }
    auto cls = optional_code(*f, t::profile_class, "profileClass");
    if (!cls) return cls.take_error();
    out.profile_class = *cls;
    if (const auto v = f->find(t::notification_configuration_info)) {
        auto list = decode_notification_configuration_info(v->value);
        if (!list) return list.take_error();
        out.notification_configuration_info = std::move(*list);
    }
    if (const auto v = f->find(t::profile_owner)) {
        auto owner = operator_id::decode_contents(v->value);
        if (!owner) return owner.take_error();
        out.profile_owner = std::move(*owner);
    }
    if (const auto v = f->find(t::dp_proprietary_data))
        out.dp_proprietary_data = bytes(v->value.begin(), v->value.end());
    if (const auto v = f->find(t::profile_policy_rules)) {
        auto bits = codec::bit_string(*v, info_type, "profilePolicyRules");
        if (!bits) return bits.take_error();
        out.profile_policy_rules = std::move(*bits);
    }
    if (const auto v = f->find(t::ref_ar_do)) out.ref_ar_do = bytes(v->value.begin(), v->value.end());
    return out;
}

bytes profile_info::encode() const
{
    namespace t = tag::profile_info_fields;
    der::writer w;
    w.begin(tag::profile_info);
    if (!iccid.empty()) w.add(t::iccid, iccid);
    if (!isdp_aid.empty()) w.add(t::isdp_aid, isdp_aid);
    if (profile_state) w.add_uint(t::profile_state, *profile_state);
    if (profile_nickname) w.add(t::profile_nickname, *profile_nickname);
    if (service_provider_name) w.add(t::service_provider_name, *service_provider_name);
    if (profile_name) w.add(t::profile_name, *profile_name);
    if (icon_type) w.add_uint(t::icon_type, *icon_type);
    if (icon) w.add(t::icon, *icon);
    if (profile_class) w.add_uint(t::profile_class, *profile_class);
    if (!notification_configuration_info.empty())
        w.add(t::notification_configuration_info,
              encode_notification_configuration_info(notification_configuration_info));
    if (profile_owner) w.add(t::profile_owner, profile_owner->encode_contents());
    if (dp_proprietary_data) w.add(t::dp_proprietary_data, *dp_proprietary_data);
    if (!profile_policy_rules.empty()) w.add(t::profile_policy_rules, profile_policy_rules);
    if (ref_ar_do) w.add(t::ref_ar_do, *ref_ar_do);
    w.end();
    return w.finish();
}

result<profile_info_list_request> profile_info_list_request::decode(byte_view der)
{
    namespace t = tag::profile_info_list_request;
    auto outer = codec::open(der, tag::get_profiles_info, request_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, request_type, {t::search_criteria, t::tag_list});
    if (!f) return f.take_error();
    profile_info_list_request out;
    if (const auto criteria = f->find(t::search_criteria)) {
        auto choice = der::parse_one(criteria->value);
        if (!choice) return codec::invalid(request_type, "searchCriteria is not exactly one CHOICE alternative");
        if (choice->tag == t::isdp_aid) {
            auto b = codec::octets(*choice, request_type, "searchCriteria isdpAid", 1, 16);
            if (!b) return b.take_error();
            out.search_isdp_aid = std::move(*b);
        } else if (choice->tag == t::iccid) {
            auto b = codec::octets(*choice, request_type, "searchCriteria iccid", 1, 10);
            if (!b) return b.take_error();
            out.search_iccid = std::move(*b);
        } else if (choice->tag == t::profile_class) {
            auto c = codec::code(*choice, request_type, "searchCriteria profileClass");
            if (!c) return c.take_error();
            out.search_profile_class = *c;
        } else {
            return codec::invalid(request_type,
                                  "searchCriteria has the unknown alternative " + codec::tag_text(choice->tag));
        }
    }
    if (const auto list = f->find(t::tag_list)) {
        auto tags = parse_tag_list(list->value);
        if (!tags) return tags.take_error();
        out.tag_list = std::move(*tags);
    }
    return out;
}

bytes profile_info_list_request::encode() const
{
    namespace t = tag::profile_info_list_request;
    der::writer w;
    w.begin(tag::get_profiles_info);
    if (search_isdp_aid)
        w.begin(t::search_criteria).add(t::isdp_aid, *search_isdp_aid).end();
    else if (search_iccid)
        w.begin(t::search_criteria).add(t::iccid, *search_iccid).end();
    else if (search_profile_class)
        w.begin(t::search_criteria).add_uint(t::profile_class, *search_profile_class).end();
    if (tag_list) {
        // put_header writes the tag and a one-byte zero length: keep only the tag bytes.
        bytes tags_only;
        for (const auto tag : *tag_list) {
            bytes one;
            der::put_header(one, tag, 0);
            tags_only.insert(tags_only.end(), one.begin(), one.end() - 1);
        }
        w.add(t::tag_list, tags_only);
    }
    w.end();
    return w.finish();
}

result<profile_info_list_response> profile_info_list_response::decode(byte_view der)
{
    namespace t = tag::profile_info_list_response;
    auto outer = codec::open(der, tag::get_profiles_info, response_type);
    if (!outer) return outer.take_error();
    auto choice = der::parse_one(outer->value);
    if (!choice) return codec::invalid(response_type, "the contents are not exactly one CHOICE alternative");
    profile_info_list_response out;
    if (choice->tag == t::profile_info_list_error) {
        auto c = codec::code(*choice, response_type, "profileInfoListError");
        if (!c) return c.take_error();
        out.error = *c;
        return out;
    }
    if (choice->tag != t::profile_info_list_ok)
        return codec::invalid(response_type, "the CHOICE alternative " + codec::tag_text(choice->tag) + " is unknown");
    auto items = der::reader(choice->value).all();
    if (!items) return codec::invalid(response_type, "profileInfoListOk is not valid DER");
    for (const auto& item : *items) {
        auto p = profile_info::decode(item.raw);
        if (!p) return p.take_error();
        out.profiles.push_back(std::move(*p));
    }
    return out;
}

bytes profile_info_list_response::encode() const
{
    namespace t = tag::profile_info_list_response;
    der::writer w;
    w.begin(tag::get_profiles_info);
    if (error) {
        w.add_uint(t::profile_info_list_error, *error);
    } else {
        w.begin(t::profile_info_list_ok);
        for (const auto& p : profiles)
            w.raw(p.encode());
        w.end();
    }
    w.end();
    return w.finish();
}

} // namespace openrsp::rsp
