/// \file
/// \brief The chip-level ES10 calls of the LPA: GetEUICCInfo2 and its decoding, ES10a configured addresses,
/// eUICCMemoryReset, and the DeviceInfo the LPA presents in AuthenticateServer.

#include "openrsp/lpa/es10.h"

#include "openrsp/der/der.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>
#include <array>

namespace openrsp::lpa {

namespace {

std::string version_text(byte_view v)
{
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i)
        out += (i ? "." : "") + std::to_string(v[i]);
    return out;
}

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

std::vector<std::string> pkid_list(byte_view seq)
{
    std::vector<std::string> out;
    auto items = der::reader(seq).all();
    if (!items) return out;
    for (const auto& i : *items)
        if (i.tag == rsp::tag::octet_string) out.push_back(to_hex(i.value));
    return out;
}

std::optional<std::uint64_t> uint_field(const der::reader& r, der::tag_t tag)
{
    auto t = r.find(tag);
    if (!t || t->value.empty()) return std::nullopt;
    // extCardResource sizes are unsigned big-endian octets (TS 102 226), not two's complement: 0xFFxxxxxx is large.
    if (t->value.size() > 8) return std::nullopt;
    std::uint64_t v = 0;
    for (auto b : t->value)
        v = v << 8 | b;
    return v;
}

result<es10c_code> code_of(const bytes& response, der::tag_t tag, const char* function)
{
    auto t = der::parse_one(response);
    if (!t || t->tag != tag) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    auto code = der::reader(t->value).find(0x80);
    auto v = code ? der::decode_uint(code->value) : result<std::uint64_t>(fail(""));
    if (!v) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    return es10c_code{static_cast<int>(*v)};
}

} // namespace

result<euicc_info2> parse_euicc_info2(byte_view bf22)
{
    auto t = der::parse_one(bf22);
    if (!t || t->tag != rsp::tag::euicc_info2 || !der::reader(t->value).all())
        return fail("the eUICC sent a malformed EUICCInfo2");
    const der::reader r(t->value);
    euicc_info2 out;
    const auto text = [&](der::tag_t tag) {
        auto f = r.find(tag);
        return f ? version_text(f->value) : std::string{};
    };
    out.profile_version = text(0x81);
    out.svn = text(0x82);
    out.firmware_version = text(0x83);
    if (auto ext = r.find(0x84)) {
        const der::reader e(ext->value);
        out.installed_applications = uint_field(e, 0x81);
        out.free_nvm = uint_field(e, 0x82);
        out.free_ram = uint_field(e, 0x83);
    }
    if (auto f = r.find(0x85)) out.uicc_capability = bit_names(f->value, uicc_capability_names);
    out.ts102241_version = text(0x86);
    out.globalplatform_version = text(0x87);
    if (auto f = r.find(0x88)) out.rsp_capability = bit_names(f->value, rsp_capability_names);
    if (auto f = r.find(0xA9)) out.ci_pkids_for_verification = pkid_list(f->value);
    if (auto f = r.find(0xAA)) out.ci_pkids_for_signing = pkid_list(f->value);
    if (auto f = r.find(0x8B))
        if (auto c = der::decode_uint(f->value)) out.euicc_category = static_cast<int>(*c);
    if (auto f = r.find(rsp::tag::profile_policy_rules))
        out.forbidden_profile_policy_rules = bit_names(f->value, ppr_names);
    out.pp_version = text(rsp::tag::octet_string);
    if (auto f = r.find(rsp::tag::utf8_string)) out.sas_accreditation_number = to_string(f->value);
    if (out.svn.empty()) return fail("the eUICC sent an EUICCInfo2 without its SGP.22 version (svn)");
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
    auto t = der::parse_one(bf3c);
    if (!t || t->tag != rsp::tag::get_euicc_configured_addresses || !der::reader(t->value).all())
        return fail("the eUICC sent a malformed GetEuiccConfiguredAddresses response");
    const der::reader r(t->value);
    configured_addresses out;
    if (auto f = r.find(0x80)) out.default_dp_address = to_string(f->value);
    if (auto f = r.find(0x81)) out.root_ds_address = to_string(f->value);
    return out;
}

result<bytes> encode_device_info(const device_info& d)
{
    // Without an IMEI: a generic TAC, as lpac sends.
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
    der::writer w;
    w.begin(0xA1).add(0x80, tac).begin(0xA1).end();
    if (imei) w.add(0x82, *imei);
    w.end();
    return w.finish();
}

result<bytes> es10_client::get_euicc_info2()
{
    auto r = call(bytes{0xBF, 0x22, 0x00});
    if (!r) return r;
    if (auto t = der::parse_one(*r); !t || t->tag != rsp::tag::euicc_info2)
        return fail("the eUICC sent a malformed GetEUICCInfo2 response");
    return r;
}

result<configured_addresses> es10_client::get_configured_addresses()
{
    auto r = call(bytes{0xBF, 0x3C, 0x00});
    if (!r) return r.take_error();
    return parse_configured_addresses(*r);
}

result<es10c_code> es10_client::set_default_dp_address(std::string_view address)
{
    if (address.size() > 255) return fail("an SM-DP+ address has at most 255 characters");
    der::writer w;
    w.begin(rsp::tag::set_default_dp_address).add(0x80, address).end();
    auto r = call(w.finish());
    if (!r) return r.take_error();
    return code_of(*r, rsp::tag::set_default_dp_address, "SetDefaultDpAddress");
}

result<es10c_code> es10_client::memory_reset(const memory_reset_options& o)
{
    const std::uint8_t bits = static_cast<std::uint8_t>(
        (o.operational_profiles ? 0x80 : 0) | (o.test_profiles ? 0x40 : 0) | (o.default_smdp_address ? 0x20 : 0));
    if (bits == 0) return fail("say what to reset: operational profiles, test profiles or the default SM-DP+ address");
    // DER BIT STRING: the unused-bits count drops the trailing zero bits.
    std::uint8_t unused = 0;
    while (((bits >> unused) & 1) == 0)
        ++unused;
    der::writer w;
    w.begin(rsp::tag::euicc_memory_reset).add(0x82, bytes{unused, bits}).end();
    auto r = call(w.finish());
    if (!r) return r.take_error();
    return code_of(*r, rsp::tag::euicc_memory_reset, "eUICCMemoryReset");
}

} // namespace openrsp::lpa
