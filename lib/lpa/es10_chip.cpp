/// \file
/// \brief The chip-level ES10 calls of the LPA: GetEUICCInfo2 and its decoding, ES10a configured addresses,
/// eUICCMemoryReset, and the DeviceInfo the LPA presents in AuthenticateServer.

#include "openrsp/lpa/es10.h"

#include "es10_detail.h"

#include "openrsp/der/der.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/es10_management.h"
#include "openrsp/rsp/euicc_info.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>
#include <array>

namespace openrsp::lpa {

namespace {

/// Names of the set bits of a named BIT STRING; bits without a name in v2.2.2 show as "bitN".
template <std::size_t N> std::vector<std::string> bit_names(byte_view bits, const std::array<const char*, N>& names)
{
    std::vector<std::string> out;
    if (bits.empty()) return out;
    const std::size_t total = (bits.size() - 1) * 8;
    for (std::size_t i = 0; i < total; ++i) {
        if (!der::bit_is_set(bits, static_cast<unsigned>(i))) continue;
        out.emplace_back(i < N ? names[i] : "bit" + std::to_string(i));
    }
    return out;
}

// UICCCapability (SGP.22 v2.2.2 rsp.asn); bits 19-25 were added in v2.2.2.
constexpr std::array<const char*, 26> uicc_capability_names{"contactlessSupport",
                                                            "usimSupport",
                                                            "isimSupport",
                                                            "csimSupport",
                                                            "akaMilenage",
                                                            "akaCave",
                                                            "akaTuak128",
                                                            "akaTuak256",
                                                            "rfu1",
                                                            "rfu2",
                                                            "gbaAuthenUsim",
                                                            "gbaAuthenISim",
                                                            "mbmsAuthenUsim",
                                                            "eapClient",
                                                            "javacard",
                                                            "multos",
                                                            "multipleUsimSupport",
                                                            "multipleIsimSupport",
                                                            "multipleCsimSupport",
                                                            "berTlvFileSupport",
                                                            "dfLinkSupport",
                                                            "catTp",
                                                            "getIdentity",
                                                            "profile-a-x25519",
                                                            "profile-b-p256",
                                                            "suciCalculatorApi"};
constexpr std::array<const char*, 5> rsp_capability_names{"additionalProfile", "crlSupport", "rpmSupport",
                                                          "testProfileSupport", "deviceInfoExtensibilitySupport"};
constexpr std::array<const char*, 3> ppr_names{"pprUpdateControl", "ppr1", "ppr2"};

std::vector<std::string> pkid_list(const std::vector<bytes>& pkids)
{
    std::vector<std::string> out;
    out.reserve(pkids.size());
    for (const auto& p : pkids)
        out.push_back(to_hex(p));
    return out;
}

std::string optional_version(const std::optional<rsp::version_type>& v)
{
    return v ? rsp::version_text(*v) : std::string{};
}

} // namespace

result<euicc_info2> parse_euicc_info2(byte_view bf22)
{
    // rsp::euicc_info2 requires every mandatory field of SGP.22 §5.7.8; its sentence names the one that is missing or
    // malformed (e.g. svn).
    auto info = rsp::euicc_info2::decode(bf22);
    if (!info) return fail("the eUICC sent a malformed EUICCInfo2: " + info.error().message);
    euicc_info2 out;
    out.profile_version = rsp::version_text(info->profile_version);
    out.svn = rsp::version_text(info->svn);
    out.firmware_version = rsp::version_text(info->euicc_firmware_version);
    const auto ext = rsp::ext_card_resource::parse(info->ext_card_resource);
    out.installed_applications = ext.installed_applications;
    out.free_nvm = ext.free_nvm;
    out.free_ram = ext.free_ram;
    out.uicc_capability = bit_names(info->uicc_capability, uicc_capability_names);
    out.ts102241_version = optional_version(info->ts102241_version);
    out.globalplatform_version = optional_version(info->globalplatform_version);
    out.rsp_capability = bit_names(info->rsp_capability, rsp_capability_names);
    out.ci_pkids_for_verification = pkid_list(info->ci_pkids_for_verification);
    out.ci_pkids_for_signing = pkid_list(info->ci_pkids_for_signing);
    out.euicc_category = info->euicc_category;
    if (info->forbidden_profile_policy_rules)
        out.forbidden_profile_policy_rules = bit_names(*info->forbidden_profile_policy_rules, ppr_names);
    out.pp_version = rsp::version_text(info->pp_version);
    out.sas_accreditation_number = std::move(info->sas_accreditation_number);
    return out;
}

std::string euicc_category_name(int category)
{
    switch (category) {
    case 0:
        return "other";
    case 1:
        return "basicEuicc";
    case 2:
        return "mediumEuicc";
    case 3:
        return "contactlessEuicc";
    default:
        return std::to_string(category);
    }
}

result<configured_addresses> parse_configured_addresses(byte_view bf3c)
{
    // Both addresses may be absent (rsp::euicc_configured_addresses_response reads a card without rootDsAddress).
    auto answer = rsp::euicc_configured_addresses_response::decode(bf3c);
    if (!answer) return fail("the eUICC sent a malformed GetEuiccConfiguredAddresses response");
    configured_addresses out;
    out.default_dp_address = std::move(answer->default_dp_address).value_or("");
    out.root_ds_address = std::move(answer->root_ds_address);
    return out;
}

namespace detail {

result<rsp::device_info> typed_device_info(const device_info& d)
{
    // Without an IMEI: a generic TAC, as lpac sends; deviceCapabilities stays empty (every VersionType is OPTIONAL).
    bytes tac{0x35, 0x29, 0x06, 0x11};
    std::optional<bytes> imei;
    if (!d.imei.empty()) {
        const bool digits = std::ranges::all_of(d.imei, [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || (d.imei.size() != 15 && d.imei.size() != 16))
            return fail("'" + d.imei + "' is not an IMEI (15 digits) or IMEISV (16 digits)");
        // The TAC is the IMEI's first 8 digits, one digit per nibble in reading order (as the generic TAC above);
        // the IMEI itself is swapped BCD padded with F, like an ICCID (lpac encodes it the same way).
        for (std::size_t i = 0; i < 4; ++i)
            tac[i] = static_cast<std::uint8_t>((d.imei[2 * i] - '0') << 4 | (d.imei[2 * i + 1] - '0'));
        bytes swapped;
        for (std::size_t i = 0; i < 16; i += 2) {
            const std::uint8_t lo = static_cast<std::uint8_t>(d.imei[i] - '0');
            const std::uint8_t hi = i + 1 < d.imei.size() ? static_cast<std::uint8_t>(d.imei[i + 1] - '0') : 0x0F;
            swapped.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
        }
        imei = std::move(swapped);
    }
    rsp::device_info out;
    out.tac = std::move(tac);
    out.imei = std::move(imei);
    return out;
}

} // namespace detail

result<bytes> encode_device_info(const device_info& d)
{
    auto typed = detail::typed_device_info(d);
    if (!typed) return typed.take_error();
    return typed->encode();
}

result<bytes> es10_client::get_euicc_info2()
{
    auto r = call(rsp::empty_request(rsp::tag::euicc_info2));
    if (!r) return r;
    if (auto t = detail::expect(*r, rsp::tag::euicc_info2, "GetEUICCInfo2"); !t) return t.take_error();
    return r;
}

result<configured_addresses> es10_client::get_configured_addresses()
{
    auto r = call(rsp::empty_request(rsp::tag::get_euicc_configured_addresses));
    if (!r) return r.take_error();
    return parse_configured_addresses(*r);
}

result<es10c_code<rsp::set_default_dp_address_result>> es10_client::set_default_dp_address(std::string_view address)
{
    if (address.size() > 255) return fail("an SM-DP+ address has at most 255 characters");
    auto r = call(rsp::set_default_dp_address_request{std::string(address)}.encode());
    if (!r) return r.take_error();
    return detail::result_code<rsp::set_default_dp_address_result>(*r, "SetDefaultDpAddress");
}

result<es10c_code<rsp::euicc_memory_reset_result>> es10_client::memory_reset(const memory_reset_options& o)
{
    const std::uint8_t bits = static_cast<std::uint8_t>(
        (o.operational_profiles ? 0x80 : 0) | (o.test_profiles ? 0x40 : 0) | (o.default_smdp_address ? 0x20 : 0));
    if (bits == 0) return fail("say what to reset: operational profiles, test profiles or the default SM-DP+ address");
    // DER BIT STRING: the unused-bits count drops the trailing zero bits.
    std::uint8_t unused = 0;
    while (((bits >> unused) & 1) == 0)
        ++unused;
    auto r = call(rsp::euicc_memory_reset_request{bytes{unused, bits}}.encode());
    if (!r) return r.take_error();
    return detail::result_code<rsp::euicc_memory_reset_result>(*r, "eUICCMemoryReset");
}

} // namespace openrsp::lpa
