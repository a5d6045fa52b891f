/// \file
/// \brief EUICCInfo1 and EUICCInfo2 (SGP.22 v2.2.2 §5.7.8 GetEUICCInfo) decode and encode.

#include "openrsp/rsp/euicc_info.h"

#include "message_codec.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {

constexpr std::string_view info1_type = "EUICCInfo1";
constexpr std::string_view info2_type = "EUICCInfo2";
} // namespace

std::string version_text(const version_type& v)
{
    return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
}

result<euicc_info1> euicc_info1::decode(byte_view der)
{
    namespace t = tag::euicc_info1;
    auto outer = codec::open(der, tag::get_euicc_info1, info1_type);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, info1_type, {});
    if (!e) return e.take_error();

    auto svn = e->need(t::svn, "svn");
    auto verification = e->need(t::ci_pkid_list_for_verification, "euiccCiPKIdListForVerification");
    auto signing = e->need(t::ci_pkid_list_for_signing, "euiccCiPKIdListForSigning");
    if (!svn) return svn.take_error();
    if (!verification) return verification.take_error();
    if (!signing) return signing.take_error();

    euicc_info1 out;
    auto v = codec::version(*svn, info1_type, "svn");
    if (!v) return v.take_error();
    out.svn = *v;
    auto lv = codec::pkid_list(*verification, info1_type, "euiccCiPKIdListForVerification");
    if (!lv) return lv.take_error();
    out.ci_pkids_for_verification = std::move(*lv);
    auto ls = codec::pkid_list(*signing, info1_type, "euiccCiPKIdListForSigning");
    if (!ls) return ls.take_error();
    out.ci_pkids_for_signing = std::move(*ls);
    return out;
}

bytes euicc_info1::encode() const
{
    namespace t = tag::euicc_info1;
    der::writer w;
    w.begin(tag::get_euicc_info1);
    codec::put_version(w, t::svn, svn);
    codec::put_pkid_list(w, t::ci_pkid_list_for_verification, ci_pkids_for_verification);
    codec::put_pkid_list(w, t::ci_pkid_list_for_signing, ci_pkids_for_signing);
    w.end();
    return w.finish();
}

ext_card_resource ext_card_resource::parse(byte_view value)
{
    namespace t = tag::ext_card_resource;
    ext_card_resource out;
    const der::reader r(value);
    // TS 102 226 §8.2.1.3.2 sizes are unsigned big-endian octets, not two's complement: 0xFFxxxxxx is large.
    const auto number = [&](der::tag_t tag) -> std::optional<std::uint64_t> {
        auto f = r.find(tag);
        if (!f || f->value.empty() || f->value.size() > 8) return std::nullopt;
        std::uint64_t v = 0;
        for (auto b : f->value)
            v = v << 8 | b;
        return v;
    };
    out.installed_applications = number(t::installed_applications);
    out.free_nvm = number(t::free_non_volatile_memory);
    out.free_ram = number(t::free_volatile_memory);
    return out;
}

result<euicc_info2> euicc_info2::decode(byte_view der)
{
    namespace t = tag::euicc_info2_fields;
    constexpr std::string_view T = info2_type;
    auto outer = codec::open(der, tag::euicc_info2, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();

    euicc_info2 out;
    // Mandatory VersionTypes.
    const struct {
        der::tag_t tag;
        std::string_view field;
        version_type* into;
    } versions[] = {{t::profile_version, "profileVersion", &out.profile_version},
                    {t::svn, "svn", &out.svn},
                    {t::euicc_firmware_ver, "euiccFirmwareVer", &out.euicc_firmware_version},
                    {t::pp_version, "ppVersion", &out.pp_version}};
    for (const auto& f : versions) {
        auto tlv = e->need(f.tag, f.field);
        if (!tlv) return tlv.take_error();
        auto v = codec::version(*tlv, T, f.field);
        if (!v) return v.take_error();
        *f.into = *v;
    }
    const struct {
        der::tag_t tag;
        std::string_view field;
        std::optional<version_type>* into;
    } optional_versions[] = {{t::ts102241_version, "ts102241Version", &out.ts102241_version},
                             {t::globalplatform_version, "globalplatformVersion", &out.globalplatform_version}};
    for (const auto& f : optional_versions) {
        auto tlv = e->take(f.tag);
        if (!tlv) continue;
        auto v = codec::version(*tlv, T, f.field);
        if (!v) return v.take_error();
        *f.into = *v;
    }

    auto ext = e->need(t::ext_card_resource, "extCardResource");
    if (!ext) return ext.take_error();
    auto ext_value = codec::octets(*ext, T, "extCardResource", 0, SIZE_MAX);
    if (!ext_value) return ext_value.take_error();
    out.ext_card_resource = std::move(*ext_value);

    const struct {
        der::tag_t tag;
        std::string_view field;
        bytes* into;
    } bit_strings[] = {{t::uicc_capability, "uiccCapability", &out.uicc_capability},
                       {t::rsp_capability, "rspCapability", &out.rsp_capability}};
    for (const auto& f : bit_strings) {
        auto tlv = e->need(f.tag, f.field);
        if (!tlv) return tlv.take_error();
        auto b = codec::bit_string(*tlv, T, f.field);
        if (!b) return b.take_error();
        *f.into = std::move(*b);
    }
    if (auto ppr = e->take(t::forbidden_profile_policy_rules)) {
        auto b = codec::bit_string(*ppr, T, "forbiddenProfilePolicyRules");
        if (!b) return b.take_error();
        out.forbidden_profile_policy_rules = std::move(*b);
    }

    auto verification = e->need(t::ci_pkid_list_for_verification, "euiccCiPKIdListForVerification");
    if (!verification) return verification.take_error();
    auto lv = codec::pkid_list(*verification, T, "euiccCiPKIdListForVerification");
    if (!lv) return lv.take_error();
    out.ci_pkids_for_verification = std::move(*lv);
    auto signing = e->need(t::ci_pkid_list_for_signing, "euiccCiPKIdListForSigning");
    if (!signing) return signing.take_error();
    auto ls = codec::pkid_list(*signing, T, "euiccCiPKIdListForSigning");
    if (!ls) return ls.take_error();
    out.ci_pkids_for_signing = std::move(*ls);

    if (auto category = e->take(t::euicc_category)) {
        auto c = codec::small_int(*category, T, "euiccCategory");
        if (!c) return c.take_error();
        out.euicc_category = *c;
    }
    auto sas = e->need(t::sas_acreditation_number, "sasAcreditationNumber");
    if (!sas) return sas.take_error();
    auto sas_text = codec::utf8(*sas, T, "sasAcreditationNumber", 64);
    if (!sas_text) return sas_text.take_error();
    out.sas_accreditation_number = std::move(*sas_text);
    if (auto cert = e->take(t::certification_data_object)) {
        if (!cert->constructed()) return codec::invalid(T, "certificationDataObject must be a SEQUENCE");
        out.certification_data_object = bytes(cert->value.begin(), cert->value.end());
    }
    return out;
}

bytes euicc_info2::encode() const
{
    namespace t = tag::euicc_info2_fields;
    // Field order of the EUICCInfo2 SEQUENCE (DER writes components in definition order).
    der::writer w;
    w.begin(tag::euicc_info2);
    codec::put_version(w, t::profile_version, profile_version);
    codec::put_version(w, t::svn, svn);
    codec::put_version(w, t::euicc_firmware_ver, euicc_firmware_version);
    w.add(t::ext_card_resource, ext_card_resource);
    w.add(t::uicc_capability, uicc_capability);
    if (ts102241_version) codec::put_version(w, t::ts102241_version, *ts102241_version);
    if (globalplatform_version) codec::put_version(w, t::globalplatform_version, *globalplatform_version);
    w.add(t::rsp_capability, rsp_capability);
    codec::put_pkid_list(w, t::ci_pkid_list_for_verification, ci_pkids_for_verification);
    codec::put_pkid_list(w, t::ci_pkid_list_for_signing, ci_pkids_for_signing);
    if (euicc_category) w.add_uint(t::euicc_category, static_cast<std::uint64_t>(*euicc_category));
    if (forbidden_profile_policy_rules) w.add(t::forbidden_profile_policy_rules, *forbidden_profile_policy_rules);
    codec::put_version(w, t::pp_version, pp_version);
    w.add(t::sas_acreditation_number, std::string_view{sas_accreditation_number});
    if (certification_data_object) w.add(t::certification_data_object, *certification_data_object);
    w.end();
    return w.finish();
}

} // namespace openrsp::rsp
