/// \file
/// \brief ES10b CancelSession request and response (SGP.22 v2.2.2 §5.7.14): decode and encode.

#include "openrsp/rsp/cancel_session.h"

#include "message_codec.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {
} // namespace

result<cancel_session_request> cancel_session_request::decode(byte_view der)
{
    namespace t = tag::cancel_session_request;
    constexpr std::string_view T = "CancelSessionRequest";
    auto outer = codec::open(der, tag::cancel_session, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    auto tid = e->need(t::transaction_id, "transactionId");
    auto reason = e->need(t::reason, "reason");
    if (!tid) return tid.take_error();
    if (!reason) return reason.take_error();

    cancel_session_request out;
    auto v_tid = codec::transaction_id(*tid, T);
    if (!v_tid) return v_tid.take_error();
    out.transaction_id = std::move(*v_tid);
    auto v_reason = codec::code<cancel_session_reason>(*reason, T, "reason");
    if (!v_reason) return v_reason.take_error();
    out.reason = *v_reason;
    return out;
}

bytes cancel_session_request::encode() const
{
    namespace t = tag::cancel_session_request;
    der::writer w;
    w.begin(tag::cancel_session)
        .add(t::transaction_id, transaction_id)
        .add_uint(t::reason, static_cast<std::uint64_t>(to_int(reason)))
        .end();
    return w.finish();
}

result<euicc_cancel_session_signed> euicc_cancel_session_signed::decode(byte_view der)
{
    namespace t = tag::euicc_cancel_session_signed;
    constexpr std::string_view T = "EuiccCancelSessionSigned";
    auto outer = codec::open(der, tag::sequence, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    auto tid = e->need(t::transaction_id, "transactionId");
    auto oid = e->need(t::smdp_oid, "smdpOid");
    auto reason = e->need(t::reason, "reason");
    if (!tid) return tid.take_error();
    if (!oid) return oid.take_error();
    if (!reason) return reason.take_error();

    euicc_cancel_session_signed out;
    auto v_tid = codec::transaction_id(*tid, T);
    if (!v_tid) return v_tid.take_error();
    out.transaction_id = std::move(*v_tid);
    if (oid->constructed() || !der::decode_oid(oid->value))
        return codec::invalid(T, "smdpOid is not a valid OBJECT IDENTIFIER");
    out.smdp_oid.assign(oid->value.begin(), oid->value.end());
    auto v_reason = codec::code<cancel_session_reason>(*reason, T, "reason");
    if (!v_reason) return v_reason.take_error();
    out.reason = *v_reason;
    return out;
}

bytes euicc_cancel_session_signed::encode() const
{
    namespace t = tag::euicc_cancel_session_signed;
    der::writer w;
    w.begin(tag::sequence)
        .add(t::transaction_id, transaction_id)
        .add(t::smdp_oid, smdp_oid)
        .add_uint(t::reason, static_cast<std::uint64_t>(to_int(reason)))
        .end();
    return w.finish();
}

result<cancel_session_response> cancel_session_response::decode(byte_view der)
{
    namespace t = tag::cancel_session_response;
    constexpr std::string_view T = "CancelSessionResponse";
    auto outer = codec::open(der, tag::cancel_session, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();

    if (auto err = e->take(t::cancel_session_response_error)) {
        auto c = codec::code<cancel_session_error>(*err, T, "cancelSessionResponseError");
        if (!c) return c.take_error();
        return cancel_session_response{*c};
    }
    auto ok_branch = e->take(t::cancel_session_response_ok);
    if (!ok_branch)
        return codec::invalid(T, "neither cancelSessionResponseOk (A0) nor cancelSessionResponseError (81)");

    namespace to = tag::cancel_session_response_ok;
    constexpr std::string_view TO = "CancelSessionResponseOk";
    auto f = codec::fields::read(ok_branch->value, TO, {});
    if (!f) return f.take_error();
    auto signed_part = f->need(to::euicc_cancel_session_signed, "euiccCancelSessionSigned");
    auto sig = f->need(to::euicc_cancel_session_signature, "euiccCancelSessionSignature");
    if (!signed_part) return signed_part.take_error();
    if (!sig) return sig.take_error();

    cancel_session_response_ok out;
    auto s = rsp::euicc_cancel_session_signed::decode(signed_part->raw);
    if (!s) return s.take_error();
    out.euicc_cancel_session_signed = std::move(*s);
    out.euicc_cancel_session_signed_raw.assign(signed_part->raw.begin(), signed_part->raw.end());
    auto v_sig = codec::octets(*sig, TO, "euiccCancelSessionSignature", 1, 256);
    if (!v_sig) return v_sig.take_error();
    out.euicc_cancel_session_signature = std::move(*v_sig);
    return cancel_session_response{std::move(out)};
}

bytes cancel_session_response::encode() const
{
    der::writer w;
    w.begin(tag::cancel_session);
    if (const auto* o = ok()) {
        w.begin(tag::cancel_session_response::cancel_session_response_ok)
            .raw(o->euicc_cancel_session_signed_raw.empty() ? o->euicc_cancel_session_signed.encode()
                                                            : o->euicc_cancel_session_signed_raw)
            .add(tag::cancel_session_response_ok::euicc_cancel_session_signature, o->euicc_cancel_session_signature)
            .end();
    } else if (const auto* e = error()) {
        w.add_uint(tag::cancel_session_response::cancel_session_response_error, static_cast<std::uint64_t>(to_int(*e)));
    }
    w.end();
    return w.finish();
}

} // namespace openrsp::rsp
