/// \file
/// \brief Reading the parts of a SAIP profile package the virtual eUICC needs (ours or the GSMA TS.48 test profiles).

#include "openrsp/rsp/saip.h"

#include "openrsp/rsp/tags.h"

#include "saip_codec.h"

#include <cstdio>

namespace openrsp::rsp {
namespace {

std::string tag_text(der::tag_t t)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%X", static_cast<unsigned>(t));
    return buf;
}

/// Applies an EF's proprietary fill: a fillPattern repeats its last byte, a repeatPattern repeats whole
/// (ETSI TS 102 222), up to the file size when it is known.
bytes initial_content(byte_view fcp)
{
    const der::reader r(fcp);
    std::size_t size = 0;
    if (auto s = r.find(tag::saip::fcp::ef_file_size)) {
        if (auto v = der::decode_uint(s->value)) size = static_cast<std::size_t>(*v);
    }
    auto prop = r.find(tag::saip::fcp::proprietary_ef_info);
    if (!prop) return {};
    const der::reader pr(prop->value);
    if (auto fill = pr.find(tag::saip::proprietary_ef_info::fill_pattern); fill && !fill->value.empty()) {
        bytes out(fill->value.begin(), fill->value.end());
        if (size > out.size()) out.resize(size, out.back());
        return out;
    }
    if (auto rep = pr.find(tag::saip::proprietary_ef_info::repeat_pattern); rep && !rep->value.empty()) {
        bytes out;
        const std::size_t n = size ? size : rep->value.size();
        for (std::size_t i = 0; i < n; ++i)
            out.push_back(rep->value[i % rep->value.size()]);
        return out;
    }
    return {};
}

/// The content a File element leaves in its EF: FCP fill first, then fillFileOffset/fillFileContent in order.
result<bytes> file_content(const der::tlv& file, std::string_view what)
{
    auto items = der::reader(file.value).all();
    if (!items) return fail(std::string(what) + " is not valid DER: " + items.error().message);
    bytes content;
    std::size_t pos = 0;
    for (const auto& item : *items) {
        if (item.tag == tag::saip::file::file_descriptor) {
            content = initial_content(item.value);
        } else if (item.tag == tag::saip::file::fill_file_offset) {
            auto off = der::decode_uint(item.value);
            if (!off || *off > 0x10000) return fail(std::string(what) + " has a bad fillFileOffset");
            pos += static_cast<std::size_t>(*off);
        } else if (item.tag == tag::saip::file::fill_file_content) {
            if (content.size() < pos + item.value.size()) content.resize(pos + item.value.size(), 0xFF);
            std::copy(item.value.begin(), item.value.end(), content.begin() + static_cast<std::ptrdiff_t>(pos));
            pos += item.value.size();
        }
    }
    return content;
}

result<void> read_header(const der::tlv& pe, upp_summary& out)
{
    const der::reader r(pe.value);
    auto major = r.find(tag::saip::profile_header::major_version);
    auto iccid = r.find(tag::saip::profile_header::iccid);
    if (!major) return fail("the ProfileHeader has no major-version");
    if (!iccid || iccid->value.size() != 10) return fail("the ProfileHeader has no 10-byte iccid");
    out.iccid = saip::iccid_plain_digits(iccid->value);
    if (out.iccid.size() < 18) return fail("the ProfileHeader iccid " + to_hex(iccid->value) + " is not BCD digits");
    return ok();
}

result<void> read_usim(const der::tlv& pe, upp_summary& out)
{
    const der::reader r(pe.value);
    if (auto imsi = r.find(tag::saip::pe_usim::ef_imsi)) {
        auto content = file_content(*imsi, "the USIM's EF.IMSI");
        if (!content) return content.take_error();
        out.imsi = saip::decode_ef_imsi(*content);
    }
    if (auto spn = r.find(tag::saip::pe_usim::ef_spn)) {
        auto content = file_content(*spn, "the USIM's EF.SPN");
        if (!content) return content.take_error();
        if (content->size() > 1) out.service_provider_name = saip::spn_name_to_utf8(byte_view(*content).subspan(1));
    }
    return ok();
}

result<void> read_opt_usim(const der::tlv& pe, upp_summary& out)
{
    auto acl = der::reader(pe.value).find(tag::saip::pe_opt_usim::ef_acl);
    if (!acl) return ok();
    auto content = file_content(*acl, "the USIM's EF.ACL");
    if (!content) return content.take_error();
    // EF.ACL (TS 31.102 §4.2.48): number of APNs, then DD-tagged APNs; the first non-empty one is the APN.
    if (content->empty() || (*content)[0] == 0 || (*content)[0] == 0xFF) return ok();
    const byte_view rest = byte_view(*content).subspan(1);
    std::size_t i = 0;
    while (i + 2 <= rest.size() && rest[i] == tag::saip::ef_acl::apn) {
        const std::size_t len = rest[i + 1];
        if (i + 2 + len > rest.size()) break;
        if (len > 0) {
            out.apn = saip::decode_apn(rest.subspan(i + 2, len));
            break;
        }
        i += 2 + len;
    }
    return ok();
}

result<void> read_aka(const der::tlv& pe, upp_summary& out)
{
    auto config = der::reader(pe.value).find(tag::saip::pe_aka_parameter::algo_configuration);
    if (!config) return fail("the akaParameter element has no algoConfiguration");
    auto algo = der::reader(config->value).find(tag::saip::pe_aka_parameter::algo_parameter);
    if (!algo) return ok(); // mappingParameter: keys live in another NAA
    const der::reader r(algo->value);
    auto id = r.find(tag::saip::algo_parameter::algorithm_id);
    auto key = r.find(tag::saip::algo_parameter::key);
    auto opc = r.find(tag::saip::algo_parameter::opc);
    if (!id || !key || !opc) return fail("the akaParameter algoParameter lacks algorithmID, key or opc");
    auto v = der::decode_uint(id->value);
    if (!v || *v > 255) return fail("the akaParameter algorithmID is not a small integer");
    out.algorithm_id = static_cast<unsigned>(*v);
    out.ki.assign(key->value.begin(), key->value.end());
    out.opc.assign(opc->value.begin(), opc->value.end());
    return ok();
}

} // namespace

result<upp_summary> parse_upp(byte_view upp)
{
    if (upp.empty()) return fail("the profile package is empty");
    upp_summary out;
    der::reader r(upp);
    der::tag_t last = 0;
    bool seen_usim = false, seen_opt_usim = false, seen_aka = false;
    while (!r.empty()) {
        auto pe = r.next();
        if (!pe)
            return fail("the profile package is not valid DER after " + std::to_string(out.profile_elements) +
                        " profile elements: " + pe.error().message);
        const std::size_t index = out.profile_elements++;
        if (index == 0 && pe->tag != tag::saip::profile_element::header)
            return fail("the profile package must start with a ProfileHeader (A0), not tag " + tag_text(pe->tag));
        if (!pe->constructed())
            return fail("profile element " + std::to_string(index + 1) + " (tag " + tag_text(pe->tag) +
                        ") is not a constructed SEQUENCE");
        if (auto inner = der::reader(pe->value).all(); !inner)
            return fail("profile element " + std::to_string(index + 1) + " (tag " + tag_text(pe->tag) +
                        ") is not valid DER: " + inner.error().message);
        last = pe->tag;

        if (index == 0) {
            OPENRSP_TRY_VOID(read_header(*pe, out));
        } else if (pe->tag == tag::saip::profile_element::header) {
            return fail("the profile package has a second ProfileHeader (element " + std::to_string(index + 1) + ")");
        } else if (pe->tag == tag::saip::profile_element::end && !r.empty()) {
            return fail("the profile package has data after its end element");
        } else if (pe->tag == tag::saip::profile_element::usim && !seen_usim) {
            // Only the first USIM and the AKA parameters that follow it describe the primary subscription.
            seen_usim = true;
            OPENRSP_TRY_VOID(read_usim(*pe, out));
        } else if (pe->tag == tag::saip::profile_element::opt_usim && !seen_opt_usim) {
            seen_opt_usim = true;
            OPENRSP_TRY_VOID(read_opt_usim(*pe, out));
        } else if (pe->tag == tag::saip::profile_element::aka_parameter && !seen_aka) {
            seen_aka = true;
            OPENRSP_TRY_VOID(read_aka(*pe, out));
        }
    }
    if (last != tag::saip::profile_element::end)
        return fail("the profile package does not end with an end element (AA)");
    return out;
}

} // namespace openrsp::rsp
