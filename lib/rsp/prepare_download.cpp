/// \file
/// \brief SmdpSigned2, PrepareDownloadRequest, EUICCSigned2 and PrepareDownloadResponse (SGP.22 §5.7.5, §5.6.2).

#include "message_codec.h"

#include "openrsp/rsp/download.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {
constexpr std::string_view smdp_signed2_type = "SmdpSigned2";
constexpr std::string_view request_type = "PrepareDownloadRequest";
constexpr std::string_view euicc_signed2_type = "EUICCSigned2";
constexpr std::string_view response_type = "PrepareDownloadResponse";
constexpr std::string_view ok_type = "PrepareDownloadResponseOk";
constexpr std::string_view error_type = "PrepareDownloadResponseError";

result<std::optional<bytes>> optional_hash_cc(const codec::fields& f, der::tag_t tag, std::string_view type)
{
    // hashCc Octet32: SHA-256(SHA-256(CC) || transactionId), SGP.22 §3.1.3.1.
    const auto t = f.find(tag);
    if (!t) return std::optional<bytes>{};
    auto v = codec::octets(*t, type, "hashCc", 32, 32);
    if (!v) return v.take_error();
    return std::optional<bytes>(std::move(*v));
}
} // namespace

result<smdp_signed2> smdp_signed2::decode(byte_view der)
{
    namespace t = tag::smdp_signed2;
    auto outer = codec::open(der, tag::sequence, smdp_signed2_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, smdp_signed2_type,
                                 {t::transaction_id, t::cc_required_flag, t::bpp_euicc_otpk});
    if (!f) return f.take_error();
    smdp_signed2 out;
    auto tid = f->need(t::transaction_id, "transactionId");
    if (!tid) return tid.take_error();
    auto tid_v = codec::transaction_id(*tid, smdp_signed2_type);
    if (!tid_v) return tid_v.take_error();
    out.transaction_id = std::move(*tid_v);
    auto cc = f->need(t::cc_required_flag, "ccRequiredFlag");
    if (!cc) return cc.take_error();
    auto cc_v = codec::boolean(*cc, smdp_signed2_type, "ccRequiredFlag");
    if (!cc_v) return cc_v.take_error();
    out.cc_required = *cc_v;
    if (const auto otpk = f->find(t::bpp_euicc_otpk))
        out.bpp_euicc_otpk = bytes(otpk->value.begin(), otpk->value.end());
    out.raw.assign(der.begin(), der.end());
    return out;
}

bytes smdp_signed2::encode() const
{
    if (!raw.empty()) return raw;
    namespace t = tag::smdp_signed2;
    der::writer w;
    w.begin(tag::sequence).add(t::transaction_id, transaction_id).add_bool(t::cc_required_flag, cc_required);
    if (bpp_euicc_otpk) w.add(t::bpp_euicc_otpk, *bpp_euicc_otpk);
    w.end();
    return w.finish();
}

result<prepare_download_request> prepare_download_request::decode(byte_view der)
{
    namespace t = tag::prepare_download_request;
    auto outer = codec::open(der, tag::prepare_download, request_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, request_type, {t::smdp_signature2, t::hash_cc});
    if (!f) return f.take_error();
    // smdpSigned2 and smdpCertificate are both universal SEQUENCEs: the first `30` is the signed part, the second the
    // certificate (SGP.22 component order); later ones would be extensions.
    std::vector<der::tlv> sequences;
    for (const auto& item : f->all())
        if (item.tag == tag::sequence) sequences.push_back(item);
    if (sequences.empty()) return codec::missing(request_type, "smdpSigned2", tag::sequence);
    if (sequences.size() < 2) return codec::missing(request_type, "smdpCertificate", tag::sequence);
    prepare_download_request out;
    auto s2 = smdp_signed2::decode(sequences[0].raw);
    if (!s2) return s2.take_error();
    out.smdp_signed2 = std::move(*s2);
    auto sig = f->need(t::smdp_signature2, "smdpSignature2");
    if (!sig) return sig.take_error();
    out.smdp_signature2.assign(sig->value.begin(), sig->value.end());
    auto hash = optional_hash_cc(*f, t::hash_cc, request_type);
    if (!hash) return hash.take_error();
    out.hash_cc = std::move(*hash);
    out.smdp_certificate.assign(sequences[1].raw.begin(), sequences[1].raw.end());
    return out;
}

bytes prepare_download_request::encode() const
{
    namespace t = tag::prepare_download_request;
    der::writer w;
    w.begin(tag::prepare_download).raw(smdp_signed2.encode()).add(t::smdp_signature2, smdp_signature2);
    if (hash_cc) w.add(t::hash_cc, *hash_cc);
    w.raw(smdp_certificate).end();
    return w.finish();
}

result<euicc_signed2> euicc_signed2::decode(byte_view der)
{
    namespace t = tag::euicc_signed2;
    auto outer = codec::open(der, tag::sequence, euicc_signed2_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, euicc_signed2_type, {t::transaction_id, t::euicc_otpk, t::hash_cc});
    if (!f) return f.take_error();
    euicc_signed2 out;
    auto tid = f->need(t::transaction_id, "transactionId");
    if (!tid) return tid.take_error();
    auto tid_v = codec::transaction_id(*tid, euicc_signed2_type);
    if (!tid_v) return tid_v.take_error();
    out.transaction_id = std::move(*tid_v);
    auto otpk = f->need(t::euicc_otpk, "euiccOtpk");
    if (!otpk) return otpk.take_error();
    auto otpk_v = codec::octets(*otpk, euicc_signed2_type, "euiccOtpk", 1, 255);
    if (!otpk_v) return otpk_v.take_error();
    out.euicc_otpk = std::move(*otpk_v);
    auto hash = optional_hash_cc(*f, t::hash_cc, euicc_signed2_type);
    if (!hash) return hash.take_error();
    out.hash_cc = std::move(*hash);
    out.raw.assign(der.begin(), der.end());
    return out;
}

bytes euicc_signed2::encode() const
{
    if (!raw.empty()) return raw;
    namespace t = tag::euicc_signed2;
    der::writer w;
    w.begin(tag::sequence).add(t::transaction_id, transaction_id).add(t::euicc_otpk, euicc_otpk);
    if (hash_cc) w.add(t::hash_cc, *hash_cc);
    w.end();
    return w.finish();
}

result<prepare_download_response> prepare_download_response::decode(byte_view der)
{
    namespace t = tag::prepare_download_response;
    auto outer = codec::open(der, tag::prepare_download, response_type);
    if (!outer) return outer.take_error();
    auto choice = der::parse_one(outer->value);
    if (!choice) return codec::invalid(response_type, "the contents are not exactly one CHOICE alternative");
    if (choice->tag == t::download_response_ok) {
        namespace o = tag::prepare_download_response_ok;
        auto f = codec::fields::read(choice->value, ok_type, {o::euicc_signed2, o::euicc_signature2});
        if (!f) return f.take_error();
        auto s2 = f->need(o::euicc_signed2, "euiccSigned2");
        if (!s2) return s2.take_error();
        auto signed2 = euicc_signed2::decode(s2->raw);
        if (!signed2) return signed2.take_error();
        auto sig = f->need(o::euicc_signature2, "euiccSignature2");
        if (!sig) return sig.take_error();
        return prepare_download_response{
            prepare_download_response_ok{std::move(*signed2), bytes(sig->value.begin(), sig->value.end())}};
    }
    if (choice->tag == t::download_response_error) {
        namespace e = tag::prepare_download_response_error;
        auto f = codec::fields::read(choice->value, error_type, {e::transaction_id, e::download_error_code});
        if (!f) return f.take_error();
        prepare_download_response_error err;
        if (const auto tid = f->find(e::transaction_id)) {
            auto v = codec::transaction_id(*tid, error_type);
            if (!v) return v.take_error();
            err.transaction_id = std::move(*v);
        }
        auto c = f->need(e::download_error_code, "downloadErrorCode");
        if (!c) return c.take_error();
        auto v = codec::code(*c, error_type, "downloadErrorCode");
        if (!v) return v.take_error();
        err.download_error_code = *v;
        return prepare_download_response{std::move(err)};
    }
    return codec::invalid(response_type, "the CHOICE alternative " + codec::tag_text(choice->tag) + " is unknown");
}

bytes prepare_download_response::encode() const
{
    der::writer w;
    w.begin(tag::prepare_download);
    if (const auto* o = ok()) {
        w.begin(tag::prepare_download_response::download_response_ok)
            .raw(o->euicc_signed2.encode())
            .add(tag::prepare_download_response_ok::euicc_signature2, o->euicc_signature2)
            .end();
    } else if (const auto* e = error()) {
        w.begin(tag::prepare_download_response::download_response_error);
        if (!e->transaction_id.empty()) w.add(tag::prepare_download_response_error::transaction_id, e->transaction_id);
        w.add_uint(tag::prepare_download_response_error::download_error_code, e->download_error_code).end();
    }
    w.end();
    return w.finish();
}

} // namespace openrsp::rsp
