/// \file
/// \brief BoundProfilePackage and InitialiseSecureChannelRequest (SGP.22 §2.5.5, §5.5.1).

#include "message_codec.h"

#include "openrsp/rsp/download.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {
constexpr std::string_view isc_type = "InitialiseSecureChannelRequest";
constexpr std::string_view crt_type = "ControlRefTemplate";
constexpr std::string_view bpp_type = "BoundProfilePackage";

/// The components of InitialiseSecureChannelRequest before smdpSign, from its fields (DER order of §5.5.1).
bytes encode_isc_signed_part(const initialise_secure_channel_request& r)
{
    namespace t = tag::initialise_secure_channel_request;
    namespace c = tag::control_ref_template_fields;
    der::writer w;
    w.add_uint(t::remote_op_id, r.remote_op_id)
        .add(t::transaction_id, r.transaction_id)
        .begin(t::control_ref_template)
        .add(c::key_type, r.control_ref_template.key_type)
        .add(c::key_len, r.control_ref_template.key_len)
        .add(c::host_id, r.control_ref_template.host_id)
        .end()
        .add(t::smdp_otpk, r.smdp_otpk);
    return w.finish();
}

/// A SEQUENCE OF [n] OCTET STRING: each segment's whole TLV, all with tag `segment`.
result<std::vector<bytes>> segments(const der::tlv& list, der::tag_t segment, std::string_view field)
{
    auto items = der::reader(list.value).all();
    if (!items) return codec::invalid(bpp_type, std::string(field) + " is not valid DER");
    std::vector<bytes> out;
    out.reserve(items->size());
    for (const auto& s : *items) {
        if (s.tag != segment)
            return codec::invalid(bpp_type, std::string(field) + " holds a " + codec::tag_text(s.tag) + " where only " +
                                                codec::tag_text(segment) + " segments belong");
        out.emplace_back(s.raw.begin(), s.raw.end());
    }
    return out;
}

void add_list(der::writer& w, der::tag_t tag, const std::vector<bytes>& list)
{
    w.begin(tag);
    for (const auto& s : list)
        w.raw(s);
    w.end();
}

bytes header_of(der::tag_t tag, const std::vector<bytes>& list)
{
    std::size_t n = 0;
    for (const auto& s : list)
        n += s.size();
    bytes h;
    der::put_header(h, tag, n);
    return h;
}
} // namespace

bytes initialise_secure_channel_request::signed_part() const
{
    if (raw.empty()) return encode_isc_signed_part(*this);
    bytes out;
    auto outer = der::parse_one(raw);
    if (!outer) return out;
    auto items = der::reader(outer->value).all();
    if (!items) return out;
    // §5.5.1: smdpSign is computed over the data objects that precede it, exactly as sent.
    for (const auto& t : *items) {
        if (t.tag == tag::initialise_secure_channel_request::smdp_sign) break;
        append(out, t.raw);
    }
    return out;
}

result<initialise_secure_channel_request> initialise_secure_channel_request::decode(byte_view der)
{
    namespace t = tag::initialise_secure_channel_request;
    namespace c = tag::control_ref_template_fields;
    auto outer = codec::open(der, tag::initialise_secure_channel, isc_type);
    if (!outer) return outer.take_error();
    auto f =
        codec::fields::read(outer->value, isc_type,
                            {t::remote_op_id, t::transaction_id, t::control_ref_template, t::smdp_otpk, t::smdp_sign});
    if (!f) return f.take_error();
    initialise_secure_channel_request out;
    auto op = f->need(t::remote_op_id, "remoteOpId");
    if (!op) return op.take_error();
    auto op_v = codec::uinteger(*op, isc_type, "remoteOpId");
    if (!op_v) return op_v.take_error();
    out.remote_op_id = *op_v;
    auto tid = f->need(t::transaction_id, "transactionId");
    if (!tid) return tid.take_error();
    auto tid_v = codec::transaction_id(*tid, isc_type);
    if (!tid_v) return tid_v.take_error();
    out.transaction_id = std::move(*tid_v);
    auto crt = f->need(t::control_ref_template, "controlRefTemplate");
    if (!crt) return crt.take_error();
    auto cf = codec::fields::read(crt->value, crt_type, {c::key_type, c::key_len, c::host_id});
    if (!cf) return cf.take_error();
    auto key_type = cf->need(c::key_type, "keyType");
    if (!key_type) return key_type.take_error();
    auto key_len = cf->need(c::key_len, "keyLen");
    if (!key_len) return key_len.take_error();
    auto host_id = cf->need(c::host_id, "hostId");
    if (!host_id) return host_id.take_error();
    out.control_ref_template = {bytes(key_type->value.begin(), key_type->value.end()),
                                bytes(key_len->value.begin(), key_len->value.end()),
                                bytes(host_id->value.begin(), host_id->value.end())};
    auto otpk = f->need(t::smdp_otpk, "smdpOtpk");
    if (!otpk) return otpk.take_error();
    out.smdp_otpk.assign(otpk->value.begin(), otpk->value.end());
    auto sign = f->need(t::smdp_sign, "smdpSign");
    if (!sign) return sign.take_error();
    out.smdp_sign.assign(sign->value.begin(), sign->value.end());
    out.raw.assign(der.begin(), der.end());
    return out;
}

bytes initialise_secure_channel_request::encode() const
{
    if (!raw.empty()) return raw;
    der::writer w;
    w.begin(tag::initialise_secure_channel)
        .raw(encode_isc_signed_part(*this))
        .add(tag::initialise_secure_channel_request::smdp_sign, smdp_sign)
        .end();
    return w.finish();
}

result<bound_profile_package> bound_profile_package::decode(byte_view der)
{
    namespace t = tag::bound_profile_package_fields;
    auto outer = codec::open(der, tag::bound_profile_package, bpp_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, bpp_type,
                                 {t::initialise_secure_channel_request, t::first_sequence_of_87, t::sequence_of_88,
                                  t::second_sequence_of_87, t::sequence_of_86});
    if (!f) return f.take_error();
    bound_profile_package out;
    auto isc = f->need(t::initialise_secure_channel_request, "initialiseSecureChannelRequest");
    if (!isc) return isc.take_error();
    auto isc_v = initialise_secure_channel_request::decode(isc->raw);
    if (!isc_v) return isc_v.take_error();
    out.initialise_secure_channel_request = std::move(*isc_v);

    const auto take = [&](der::tag_t list_tag, der::tag_t segment, std::string_view field,
                          std::vector<bytes>& into) -> result<void> {
        auto list = f->need(list_tag, field);
        if (!list) return list.take_error();
        auto segs = segments(*list, segment, field);
        if (!segs) return segs.take_error();
        into = std::move(*segs);
        return ok();
    };
    OPENRSP_TRY_VOID(take(t::first_sequence_of_87, t::segment_87, "firstSequenceOf87", out.first_sequence_of_87));
    OPENRSP_TRY_VOID(take(t::sequence_of_88, t::segment_88, "sequenceOf88", out.sequence_of_88));
    if (const auto a2 = f->find(t::second_sequence_of_87)) { // OPTIONAL: only when PPKs replace the session keys
        auto segs = segments(*a2, t::segment_87, "secondSequenceOf87");
        if (!segs) return segs.take_error();
        out.second_sequence_of_87 = std::move(*segs);
    }
    OPENRSP_TRY_VOID(take(t::sequence_of_86, t::segment_86, "sequenceOf86", out.sequence_of_86));
    return out;
}

bytes bound_profile_package::encode() const
{
    namespace t = tag::bound_profile_package_fields;
    der::writer w;
    w.begin(tag::bound_profile_package).raw(initialise_secure_channel_request.encode());
    add_list(w, t::first_sequence_of_87, first_sequence_of_87);
    add_list(w, t::sequence_of_88, sequence_of_88);
    if (second_sequence_of_87) add_list(w, t::second_sequence_of_87, *second_sequence_of_87);
    add_list(w, t::sequence_of_86, sequence_of_86);
    w.end();
    return w.finish();
}

std::vector<bytes> bound_profile_package::store_data_series() const
{
    namespace t = tag::bound_profile_package_fields;
    const bytes whole = encode();
    auto outer = der::parse_one(whole);
    std::vector<bytes> series;
    bytes first;
    der::put_header(first, tag::bound_profile_package, outer ? outer->value.size() : 0);
    append(first, initialise_secure_channel_request.encode());
    series.push_back(std::move(first));
    const auto full = [](der::tag_t tag, const std::vector<bytes>& list) {
        bytes out = header_of(tag, list);
        for (const auto& s : list)
            append(out, s);
        return out;
    };
    series.push_back(full(t::first_sequence_of_87, first_sequence_of_87));
    series.push_back(header_of(t::sequence_of_88, sequence_of_88));
    for (const auto& s : sequence_of_88)
        series.push_back(s);
    if (second_sequence_of_87) series.push_back(full(t::second_sequence_of_87, *second_sequence_of_87));
    series.push_back(header_of(t::sequence_of_86, sequence_of_86));
    for (const auto& s : sequence_of_86)
        series.push_back(s);
    return series;
}

} // namespace openrsp::rsp
