/// \file
/// \brief Writing a TCA eUICC Profile Package (SAIP, PE_Definitions v3.3.1 as in pySim) for one subscription.
///
/// Element order follows what real packages use (facts §8.1): header, mf, pukCodes, pinCodes (MF context),
/// usim, [opt-usim], pinCodes (USIM context), akaParameter, end. Files come from the SAIP templates; a file is
/// only described here when its content differs from the template default, so FCPs are given only where the
/// size or record layout is ours.

#include "openrsp/rsp/saip.h"

#include "openrsp/rsp/tags.h"

#include "saip_codec.h"

#include <string_view>

namespace openrsp::rsp {
namespace {

// Template OIDs (TCA SAIP annex A; facts §8.2).
constexpr std::string_view oid_mf = "2.23.143.1.2.1";
constexpr std::string_view oid_usim = "2.23.143.1.2.4";
constexpr std::string_view oid_opt_usim = "2.23.143.1.2.5";

// A USIM AID: RID A000000087 (3GPP), application code 1002 (USIM), remaining PIX bytes free-form.
const bytes usim_aid = hex("A0000000871002FFFFFFFF8907090000");

// Key references (PE_Definitions PINKeyReferenceValue / PUKKeyReferenceValue).
constexpr std::uint8_t pin_appl1 = 0x01, adm1 = 0x0A, second_pin_appl1 = 0x81;
constexpr std::uint8_t puk_appl1 = 0x01, second_puk_appl1 = 0x81;

/// Access rules for EF.ARR (TS 102 221 §9.2.4 expanded format), one per record, referenced by number.
///  1: read always, update/admin ADM1      2: read and update PIN1, admin ADM1
///  3: read always, update never (ICCID)   4: read PIN1, update/admin ADM1
const bytes arr_records[] = {
    hex("8001019000"
        "80015AA40683010A950108"),
    hex("800103A406830101950108"
        "800158A40683010A950108"),
    hex("8001019000"
        "8001029700"
        "800158A40683010A950108"),
    hex("800101A406830101950108"
        "80015AA40683010A950108"),
};
constexpr std::size_t arr_record_length = 0x20;

std::uint8_t ust_service_byte(unsigned service, bytes& ust)
{
    // TS 31.102 §4.2.8: service n is bit (n-1)%8 of byte (n-1)/8.
    auto& b = ust[(service - 1) / 8];
    b = static_cast<std::uint8_t>(b | (1u << ((service - 1) % 8)));
    return b;
}

bool digits_only(std::string_view s)
{
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

/// PEHeader: mandated NULL and the running identification number.
void pe_header(der::writer& w, unsigned& id)
{
    w.begin(tag::saip::profile_element_fields::header)
        .add_null(tag::saip::pe_header::mandated)
        .add_uint(tag::saip::pe_header::identification, id++)
        .end();
}

result<void> template_id(der::writer& w, std::string_view oid)
{
    auto enc = der::encode_oid(oid);
    if (!enc) return enc.take_error();
    w.add(tag::saip::profile_element_fields::template_id, *enc);
    return ok();
}

/// A linear fixed EF (descriptor 42 21 00 <len>) of n records with the given file ID, filled from the start.
void record_file(der::writer& w, der::tag_t tag, std::uint16_t fid, std::size_t record_length, std::size_t records,
                 const bytes& content)
{
    const bytes fid_bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
    w.begin(tag)
        .begin(tag::saip::file::file_descriptor)
        .add(tag::saip::fcp::file_descriptor, bytes{0x42, 0x21, 0x00, static_cast<std::uint8_t>(record_length)})
        .add(tag::saip::fcp::file_id, fid_bytes)
        .add(tag::saip::fcp::ef_file_size, der::encode_uint(record_length * records))
        .end()
        .add(tag::saip::file::fill_file_content, content)
        .end();
}

bytes arr_content()
{
    bytes out;
    for (const auto& r : arr_records) {
        append(out, r);
        out.resize(out.size() + (arr_record_length - r.size()), 0xFF);
    }
    return out;
}

/// A template file whose content replaces the template default from offset 0.
void content_file(der::writer& w, der::tag_t tag, byte_view content)
{
    w.begin(tag).add(tag::saip::file::fill_file_content, content).end();
}

bytes ef_spn(const std::string& name)
{
    // EF.SPN (TS 31.102 §4.2.12): display condition, then 16 bytes of name, FF padded.
    bytes ef(17, 0xFF);
    ef[0] = 0x01; // b1: show the registered PLMN name in the HPLMN as well
    const bytes encoded = saip::encode_spn_name(name, 16);
    std::copy(encoded.begin(), encoded.end(), ef.begin() + 1);
    return ef;
}

} // namespace

result<void> validate(const profile_description& d)
{
    if (d.iccid.size() < 18 || d.iccid.size() > 20 || !digits_only(d.iccid))
        return fail("iccid \"" + d.iccid + "\" must be 18 to 20 decimal digits");
    if (d.imsi.size() < 6 || d.imsi.size() > 15 || !digits_only(d.imsi))
        return fail("imsi \"" + d.imsi + "\" must be 6 to 15 decimal digits");
    if (d.ki.size() != 16) return fail("ki must be 16 bytes (32 hex digits), not " + std::to_string(d.ki.size()));
    if (d.opc.size() != 16) return fail("opc must be 16 bytes (32 hex digits), not " + std::to_string(d.opc.size()));
    if (d.service_provider_name.size() > 32)
        return fail("service_provider_name is " + std::to_string(d.service_provider_name.size()) +
                    " bytes; SGP.22 allows at most 32");
    if (d.profile_name.empty() || d.profile_name.size() > 64)
        return fail("profile_name must be 1 to 64 bytes, not " + std::to_string(d.profile_name.size()));
    if (d.mnc_length != 2 && d.mnc_length != 3)
        return fail("mnc_length must be 2 or 3, not " + std::to_string(d.mnc_length));
    if (!d.apn.empty()) {
        auto apn = saip::encode_apn(d.apn);
        if (!apn) return fail("apn: " + apn.error().message);
    }
    return ok();
}

result<bytes> build_upp(const profile_description& d)
{
    OPENRSP_TRY_VOID(validate(d));
    auto iccid_header = saip::iccid_plain(d.iccid);
    auto iccid_ef = saip::iccid_swapped(d.iccid);
    auto imsi_ef = saip::encode_ef_imsi(d.imsi);
    const bytes spn = ef_spn(d.service_provider_name);
    if (!iccid_header) return iccid_header.take_error();
    if (!iccid_ef) return iccid_ef.take_error();
    if (!imsi_ef) return imsi_ef.take_error();
    const bool with_apn = !d.apn.empty();

    der::writer w;
    unsigned id = 1;

    // ProfileHeader: SAIP 2.3; the eUICC must support USIM and Milenage and the templates listed.
    namespace ph = tag::saip::profile_header;
    w.begin(tag::saip::profile_element::header).add_uint(ph::major_version, 2).add_uint(ph::minor_version, 3);
    w.add(ph::profile_type, std::string_view(d.profile_name));
    w.add(ph::iccid, *iccid_header);
    w.begin(ph::euicc_mandatory_services)
        .add_null(tag::saip::services_list::usim)
        .add_null(tag::saip::services_list::milenage)
        .end();
    w.begin(ph::euicc_mandatory_gfste_list);
    for (const auto oid : {oid_mf, oid_usim}) {
        auto enc = der::encode_oid(oid);
        if (!enc) return enc.take_error();
        w.add(tag::oid, *enc);
    }
    if (with_apn) {
        auto enc = der::encode_oid(oid_opt_usim);
        if (!enc) return enc.take_error();
        w.add(tag::oid, *enc);
    }
    w.end().end();

    // PE-MF: the MF with EF.ICCID, EF.DIR (one record announcing the USIM) and a small EF.ARR.
    w.begin(tag::saip::profile_element::mf);
    pe_header(w, id);
    OPENRSP_TRY_VOID(template_id(w, oid_mf));
    // The MF itself: rule 1 of EF.ARR; PIN status lists PIN1 and ADM1 (as the TS.48 profiles do).
    w.begin(tag::saip::pe_mf::mf)
        .begin(tag::saip::file::file_descriptor)
        .add(tag::saip::fcp::security_attributes_referenced, hex("2F0601"))
        .add(tag::saip::fcp::pin_status_template_do, bytes{pin_appl1, adm1})
        .end()
        .end();
    content_file(w, tag::saip::pe_mf::ef_iccid, *iccid_ef);
    {
        der::writer app;
        app.begin(tag::saip::ef_dir::application_template)
            .add(tag::saip::ef_dir::application_identifier, usim_aid)
            .add(tag::saip::ef_dir::application_label, std::string_view("USIM"))
            .end();
        record_file(w, tag::saip::pe_mf::ef_dir, 0x2F00, 0x20, 1, app.finish());
    }
    record_file(w, tag::saip::pe_mf::ef_arr, 0x2F06, arr_record_length, std::size(arr_records), arr_content());
    w.end();

    // PUKs and PINs of the MF context. Test values: PUK 12345678 / 87654321, PIN1 0000 (disabled), ADM1 ASCII
    // 8 digits. pinAttributes and retry counters copy the values the TS.48 generic profiles use.
    const bytes pin1 = hex("30303030FFFFFFFF");
    w.begin(tag::saip::profile_element::puk_codes);
    pe_header(w, id);
    namespace puk = tag::saip::puk_code;
    w.begin(tag::saip::pe_puk_codes::puk_codes)
        .begin(tag::sequence)
        .add_uint(puk::key_reference, puk_appl1)
        .add(puk::puk_value, std::string_view("12345678"))
        .end()
        .begin(tag::sequence)
        .add_uint(puk::key_reference, second_puk_appl1)
        .add(puk::puk_value, std::string_view("87654321"))
        .end()
        .end()
        .end();
    w.begin(tag::saip::profile_element::pin_codes);
    pe_header(w, id);
    namespace pin = tag::saip::pin_configuration;
    w.begin(tag::saip::pe_pin_codes::pin_codes)
        .begin(tag::saip::pe_pin_codes::pinconfig)
        .begin(tag::sequence)
        .add_uint(pin::key_reference, pin_appl1)
        .add(pin::pin_value, pin1)
        .add_uint(pin::unblocking_pin_reference, puk_appl1)
        .add_uint(pin::pin_attributes, 6)
        .end()
        .begin(tag::sequence)
        .add_uint(pin::key_reference, adm1)
        .add(pin::pin_value, std::string_view("88888888"))
        .add_uint(pin::pin_attributes, 3)
        .add(pin::max_num_of_attempts_retry_num_left, bytes{0x00, 0xAA})
        .end()
        .end()
        .end()
        .end();

    // PE-USIM with the identity files.
    w.begin(tag::saip::profile_element::usim);
    pe_header(w, id);
    OPENRSP_TRY_VOID(template_id(w, oid_usim));
    w.begin(tag::saip::pe_usim::adf_usim)
        .begin(tag::saip::file::file_descriptor)
        .add(tag::saip::fcp::file_id, hex("7FD0")) // temporary file ID of the ADF inside this package
        .add(tag::saip::fcp::df_name, usim_aid)
        .add(tag::saip::fcp::security_attributes_referenced, hex("2F0601"))
        .add(tag::saip::fcp::pin_status_template_do, bytes{second_pin_appl1, pin_appl1, adm1})
        .end()
        .end();
    content_file(w, tag::saip::pe_usim::ef_imsi, *imsi_ef);
    record_file(w, tag::saip::pe_usim::ef_arr, 0x6F06, arr_record_length, std::size(arr_records), arr_content());
    {
        // Service 19 (SPN) matches the EF.SPN written below; 33 "shall be set to 1" (TS 31.102 §4.2.8).
        // Service 35 (ACL) stays off on purpose: the APN is carried in EF.ACL but must not restrict the device.
        bytes ust(5, 0x00);
        ust_service_byte(19, ust);
        ust_service_byte(33, ust);
        content_file(w, tag::saip::pe_usim::ef_ust, ust);
    }
    content_file(w, tag::saip::pe_usim::ef_spn, spn);
    content_file(w, tag::saip::pe_usim::ef_est, bytes{0x00});
    {
        // EF.ACC: pySim's convention of access class = last IMSI digit (facts §8.3 notes it is only a convention).
        const unsigned cls = static_cast<unsigned>(d.imsi.back() - '0');
        const unsigned bits = 1u << cls;
        content_file(w, tag::saip::pe_usim::ef_acc,
                     bytes{static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)});
    }
    // EF.AD: normal operation, MNC length in byte 4 (TS 31.102 §4.2.18).
    content_file(w, tag::saip::pe_usim::ef_ad, bytes{0x00, 0x00, 0x00, static_cast<std::uint8_t>(d.mnc_length)});
    w.begin(tag::saip::pe_usim::ef_ecc).end(); // template default (no extra emergency numbers)
    w.end();

    // The APN. There is no "default APN" EF in TS 31.102; the only USIM file that carries an APN in its standard
    // TS 23.003 form is EF.ACL (APN Control List, §4.2.48, in the optional USIM template), so it goes there rather
    // than into a nonStandard PE that other parsers would skip. With UST service 35 off the device ignores it.
    if (with_apn) {
        auto labels = saip::encode_apn(d.apn);
        if (!labels) return labels.take_error();
        bytes acl{0x01, static_cast<std::uint8_t>(tag::saip::ef_acl::apn), static_cast<std::uint8_t>(labels->size())};
        append(acl, *labels);
        w.begin(tag::saip::profile_element::opt_usim);
        pe_header(w, id);
        OPENRSP_TRY_VOID(template_id(w, oid_opt_usim));
        w.begin(tag::saip::pe_opt_usim::ef_acl)
            .begin(tag::saip::file::file_descriptor)
            .add(tag::saip::fcp::file_descriptor, hex("4121"))
            .add(tag::saip::fcp::file_id, hex("6F57"))
            .add(tag::saip::fcp::ef_file_size, der::encode_uint(acl.size()))
            .end()
            .add(tag::saip::file::fill_file_content, acl)
            .end();
        w.end();
    }

    // The USIM's local PIN (PIN context = the ADF created above).
    w.begin(tag::saip::profile_element::pin_codes);
    pe_header(w, id);
    w.begin(tag::saip::pe_pin_codes::pin_codes)
        .begin(tag::saip::pe_pin_codes::pinconfig)
        .begin(tag::sequence)
        .add_uint(pin::key_reference, second_pin_appl1)
        .add(pin::pin_value, hex("31323334FFFFFFFF"))
        .add_uint(pin::unblocking_pin_reference, second_puk_appl1)
        .end()
        .end()
        .end()
        .end();

    // PE-AKAParameter: Milenage with the standard rotation/XOR constants (their DEFAULTs, so left out).
    w.begin(tag::saip::profile_element::aka_parameter);
    pe_header(w, id);
    namespace algo = tag::saip::algo_parameter;
    w.begin(tag::saip::pe_aka_parameter::algo_configuration)
        .begin(tag::saip::pe_aka_parameter::algo_parameter)
        .add_uint(algo::algorithm_id, 1)           // milenage
        .add(algo::algorithm_options, bytes{0x02}) // the value the TS.48 profiles carry
        .add(algo::key, d.ki)
        .add(algo::opc, d.opc)
        .end()
        .end();
    w.end();

    w.begin(tag::saip::profile_element::end);
    pe_header(w, id);
    w.end();
    return w.finish();
}

result<bytes> iccid_to_bcd(std::string_view digits)
{
    if (digits.empty()) return fail("ICCID is empty");
    return saip::iccid_swapped(digits);
}

std::string iccid_from_bcd(byte_view bcd)
{
    std::string out;
    for (const auto b : bcd) {
        for (const unsigned n : {static_cast<unsigned>(b & 0x0F), static_cast<unsigned>(b >> 4)}) {
            if (n > 9) return out;
            out += static_cast<char>('0' + n);
        }
    }
    return out;
}

} // namespace openrsp::rsp
