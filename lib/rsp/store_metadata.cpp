/// \file
/// \brief StoreMetadataRequest with NotificationConfigurationInformation and OperatorId (SGP.22 §5.5.3).

#include "message_codec.h"

#include "openrsp/rsp/download.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {
constexpr std::string_view metadata_type = "StoreMetadataRequest";
constexpr std::string_view nci_type = "NotificationConfigurationInformation";
constexpr std::string_view operator_type = "OperatorId";
} // namespace

bool notification_configuration_information::has(notification_event e) const
{
    return der::bit_is_set(profile_management_operation, static_cast<unsigned>(e));
}

result<std::vector<notification_configuration_information>> decode_notification_configuration_info(byte_view contents)
{
    namespace t = tag::notification_configuration_information;
    auto items = der::reader(contents).all();
    if (!items) return codec::invalid("notificationConfigurationInfo", "the contents are not valid DER");
    std::vector<notification_configuration_information> out;
    for (const auto& e : *items) {
        if (e.tag != tag::sequence)
            return codec::invalid("notificationConfigurationInfo",
                                  "an element has tag " + codec::tag_text(e.tag) + " where a SEQUENCE (30) belongs");
        auto f = codec::fields::read(e.value, nci_type, {t::profile_management_operation, t::notification_address});
        if (!f) return f.take_error();
        auto pmo = f->need(t::profile_management_operation, "profileManagementOperation");
        if (!pmo) return pmo.take_error();
        auto bits = codec::bit_string(*pmo, nci_type, "profileManagementOperation");
        if (!bits) return bits.take_error();
        auto address = f->need(t::notification_address, "notificationAddress");
        if (!address) return address.take_error();
        out.push_back({std::move(*bits), to_string(address->value)});
    }
    return out;
}

bytes encode_notification_configuration_info(const std::vector<notification_configuration_information>& list)
{
    namespace t = tag::notification_configuration_information;
    der::writer w;
    for (const auto& e : list)
        w.begin(tag::sequence)
            .add(t::profile_management_operation, e.profile_management_operation)
            .add(t::notification_address, e.notification_address)
            .end();
    return w.finish();
}

result<operator_id> operator_id::decode_contents(byte_view contents)
{
    namespace t = tag::operator_id;
    auto f = codec::fields::read(contents, operator_type, {t::mcc_mnc, t::gid1, t::gid2});
    if (!f) return f.take_error();
    operator_id out;
    auto mm = f->need(t::mcc_mnc, "mccMnc");
    if (!mm) return mm.take_error();
    auto mm_v = codec::octets(*mm, operator_type, "mccMnc", 3, 3);
    if (!mm_v) return mm_v.take_error();
    out.mcc_mnc = std::move(*mm_v);
    if (const auto g = f->find(t::gid1)) out.gid1 = bytes(g->value.begin(), g->value.end());
    if (const auto g = f->find(t::gid2)) out.gid2 = bytes(g->value.begin(), g->value.end());
    return out;
}

bytes operator_id::encode_contents() const
{
    namespace t = tag::operator_id;
    der::writer w;
    w.add(t::mcc_mnc, mcc_mnc);
    if (gid1) w.add(t::gid1, *gid1);
    if (gid2) w.add(t::gid2, *gid2);
    return w.finish();
}

std::string store_metadata_request::iccid_digits() const
{
    return iccid_from_bcd(iccid);
}

result<store_metadata_request> store_metadata_request::decode(byte_view der)
{
    namespace t = tag::store_metadata_request;
    auto outer = codec::open(der, tag::store_metadata, metadata_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, metadata_type,
                                 {t::iccid, t::service_provider_name, t::profile_name, t::icon_type, t::icon,
                                  t::profile_class, t::notification_configuration_info, t::profile_owner,
                                  t::profile_policy_rules});
    if (!f) return f.take_error();
    store_metadata_request out;
    auto iccid = f->need(t::iccid, "iccid");
    if (!iccid) return iccid.take_error();
    auto iccid_v = codec::iccid(*iccid, metadata_type);
    if (!iccid_v) return iccid_v.take_error();
    out.iccid = std::move(*iccid_v);
    auto spn = f->need(t::service_provider_name, "serviceProviderName");
    if (!spn) return spn.take_error();
    auto spn_v = codec::utf8(*spn, metadata_type, "serviceProviderName", 32);
    if (!spn_v) return spn_v.take_error();
    out.service_provider_name = std::move(*spn_v);
    auto name = f->need(t::profile_name, "profileName");
    if (!name) return name.take_error();
    auto name_v = codec::utf8(*name, metadata_type, "profileName", 64);
    if (!name_v) return name_v.take_error();
    out.profile_name = std::move(*name_v);
    // iconType and profileClass values are the consumer's to judge (the eUICC answers unsupportedProfileClass).
    if (const auto v = f->find(t::icon_type)) {
        auto c = codec::code(*v, metadata_type, "iconType");
        if (!c) return c.take_error();
        out.icon_type = *c;
    }
    if (const auto v = f->find(t::icon)) {
        auto b = codec::octets(*v, metadata_type, "icon", 0, 1024);
        if (!b) return b.take_error();
        out.icon = std::move(*b);
    }
    if (const auto v = f->find(t::profile_class)) {
        auto c = codec::code(*v, metadata_type, "profileClass");
        if (!c) return c.take_error();
        out.profile_class = *c;
    }
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
    if (const auto v = f->find(t::profile_policy_rules)) {
        auto bits = codec::bit_string(*v, metadata_type, "profilePolicyRules");
        if (!bits) return bits.take_error();
        out.profile_policy_rules = std::move(*bits);
    }
    return out;
}

bytes store_metadata_request::encode() const
{
    namespace t = tag::store_metadata_request;
    der::writer w;
    w.begin(tag::store_metadata)
        .add(t::iccid, iccid)
        .add(t::service_provider_name, service_provider_name)
        .add(t::profile_name, profile_name);
    if (icon_type) w.add_uint(t::icon_type, *icon_type);
    if (icon) w.add(t::icon, *icon);
    if (profile_class) w.add_uint(t::profile_class, *profile_class);
    if (!notification_configuration_info.empty())
        w.add(t::notification_configuration_info,
              encode_notification_configuration_info(notification_configuration_info));
    if (profile_owner) w.add(t::profile_owner, profile_owner->encode_contents());
    if (!profile_policy_rules.empty()) w.add(t::profile_policy_rules, profile_policy_rules);
    w.end();
    return w.finish();
}

} // namespace openrsp::rsp
