/// \file
/// \brief Common Mutual Authentication messages (SGP.22 v2.2.2 §5.7.13 AuthenticateServer): decode and encode.

#include "openrsp/rsp/authentication.h"

#include "message_codec.h"

namespace openrsp::rsp {

namespace {


bytes raw_of(const der::tlv& t)
{
    return bytes(t.raw.begin(), t.raw.end());
}

/// The 5F37 value of a signature element.
result<bytes> signature_value(const der::tlv& t, std::string_view type, std::string_view field)
{
    return codec::octets(t, type, field, 1, 256);
}

} // namespace

// ---- ServerSigned1 ----------------------------------------------------------------------------------------------

result<server_signed1> server_signed1::decode(byte_view der)
{
    namespace t = tag::server_signed1;
    constexpr std::string_view T = "ServerSigned1";
    auto outer = codec::open(der, tag::sequence, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    auto tid = e->need(t::transaction_id, "transactionId");
    auto echoed = e->need(t::euicc_challenge, "euiccChallenge");
    auto address = e->need(t::server_address, "serverAddress");
    auto challenge = e->need(t::server_challenge, "serverChallenge");
    if (!tid) return tid.take_error();
    if (!echoed) return echoed.take_error();
    if (!address) return address.take_error();
    if (!challenge) return challenge.take_error();

    server_signed1 out;
    auto v_tid = codec::transaction_id(*tid, T);
    if (!v_tid) return v_tid.take_error();
    out.transaction_id = std::move(*v_tid);
    auto v_echoed = codec::octets(*echoed, T, "euiccChallenge", 16, 16);
    if (!v_echoed) return v_echoed.take_error();
    out.euicc_challenge = std::move(*v_echoed);
    auto v_address = codec::utf8(*address, T, "serverAddress", SIZE_MAX);
    if (!v_address) return v_address.take_error();
    out.server_address = std::move(*v_address);
    auto v_challenge = codec::octets(*challenge, T, "serverChallenge", 16, 16);
    if (!v_challenge) return v_challenge.take_error();
    out.server_challenge = std::move(*v_challenge);
    return out;
}

bytes server_signed1::encode() const
{
    namespace t = tag::server_signed1;
    der::writer w;
    w.begin(tag::sequence)
        .add(t::transaction_id, transaction_id)
        .add(t::euicc_challenge, euicc_challenge)
        .add(t::server_address, std::string_view{server_address})
        .add(t::server_challenge, server_challenge)
        .end();
    return w.finish();
}

// ---- DeviceInfo and CtxParams1 ----------------------------------------------------------------------------------

result<device_info> device_info::decode(byte_view der, der::tag_t outer_tag)
{
    namespace t = tag::device_info;
    constexpr std::string_view T = "DeviceInfo";
    auto outer = codec::open(der, outer_tag, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    auto tac = e->need(t::tac, "tac");
    if (!tac) return tac.take_error();
    auto caps = e->need(t::device_capabilities, "deviceCapabilities");
    if (!caps) return caps.take_error();

    device_info out;
    // TAC is Octet4 in v2.2.2; v2.0 modules (and pySim's) say Octet8, so both sizes are read.
    auto v_tac = codec::octets(*tac, T, "tac", 4, 8);
    if (!v_tac) return v_tac.take_error();
    if (v_tac->size() != 4 && v_tac->size() != 8)
        return codec::invalid(T, "tac must be 4 bytes (or 8, as in v2.0), not " + std::to_string(v_tac->size()));
    out.tac = std::move(*v_tac);
    if (!caps->constructed() || !der::reader(caps->value).all())
        return codec::invalid(T, "deviceCapabilities is not a well-formed SEQUENCE");
    out.device_capabilities.assign(caps->value.begin(), caps->value.end());
    if (auto imei = e->take(t::imei)) {
        auto v = codec::octets(*imei, T, "imei", 8, 8);
        if (!v) return v.take_error();
        out.imei = std::move(*v);
    }
    out.extensions = e->rest();
    return out;
}

bytes device_info::encode(der::tag_t outer_tag) const
{
    namespace t = tag::device_info;
    der::writer w;
    w.begin(outer_tag).add(t::tac, tac).add(t::device_capabilities, device_capabilities);
    if (imei) w.add(t::imei, *imei);
    w.raw(extensions).end();
    return w.finish();
}

result<ctx_params1> ctx_params1::decode(byte_view der)
{
    namespace t = tag::ctx_params_for_common_authentication;
    constexpr std::string_view T = "CtxParamsForCommonAuthentication";
    auto outer = codec::open(der, tag::ctx_params1::ctx_params_for_common_authentication, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    ctx_params1 out;
    if (auto mid = e->take(t::matching_id)) {
        auto v = codec::utf8(*mid, T, "matchingId", SIZE_MAX);
        if (!v) return v.take_error();
        out.matching_id = std::move(*v);
    }
    auto dev = e->need(t::device_info, "deviceInfo");
    if (!dev) return dev.take_error();
    auto d = rsp::device_info::decode(dev->raw);
    if (!d) return d.take_error();
    out.device_info = std::move(*d);
    out.extensions = e->rest();
    return out;
}

bytes ctx_params1::encode() const
{
    namespace t = tag::ctx_params_for_common_authentication;
    der::writer w;
    w.begin(tag::ctx_params1::ctx_params_for_common_authentication);
    if (matching_id) w.add(t::matching_id, std::string_view{*matching_id});
    w.raw(device_info.encode()).raw(extensions).end();
    return w.finish();
}

// ---- AuthenticateServerRequest ----------------------------------------------------------------------------------

result<authenticate_server_request> authenticate_server_request::decode(byte_view der)
{
    namespace t = tag::authenticate_server_request;
    constexpr std::string_view T = "AuthenticateServerRequest";
    auto outer = codec::open(der, tag::authenticate_server, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    // serverSigned1 and serverCertificate are both universal SEQUENCEs: the first one sent is serverSigned1.
    auto signed1 = e->need(t::server_signed1, "serverSigned1");
    auto sig = e->need(t::server_signature1, "serverSignature1");
    auto ci = e->need(t::euicc_ci_pkid_to_be_used, "euiccCiPKIdToBeUsed");
    auto cert = e->need(t::server_certificate, "serverCertificate");
    auto ctx = e->need(t::ctx_params1, "ctxParams1");
    if (!signed1) return signed1.take_error();
    if (!sig) return sig.take_error();
    if (!ci) return ci.take_error();
    if (!cert) return cert.take_error();
    if (!ctx) return ctx.take_error();

    authenticate_server_request out;
    auto s1 = rsp::server_signed1::decode(signed1->raw);
    if (!s1) return s1.take_error();
    out.server_signed1 = std::move(*s1);
    out.server_signed1_raw = raw_of(*signed1);
    auto v_sig = signature_value(*sig, T, "serverSignature1");
    if (!v_sig) return v_sig.take_error();
    out.server_signature1 = std::move(*v_sig);
    auto v_ci = codec::octets(*ci, T, "euiccCiPKIdToBeUsed", 1, SIZE_MAX);
    if (!v_ci) return v_ci.take_error();
    out.euicc_ci_pkid_to_be_used = std::move(*v_ci);
    auto v_cert = codec::certificate(*cert, T, "serverCertificate");
    if (!v_cert) return v_cert.take_error();
    out.server_certificate = std::move(*v_cert);
    auto c1 = rsp::ctx_params1::decode(ctx->raw);
    if (!c1) return c1.take_error();
    out.ctx_params1 = std::move(*c1);
    out.ctx_params1_raw = raw_of(*ctx);
    return out;
}

bytes authenticate_server_request::encode() const
{
    namespace t = tag::authenticate_server_request;
    der::writer w;
    w.begin(tag::authenticate_server)
        .raw(server_signed1_raw.empty() ? server_signed1.encode() : server_signed1_raw)
        .add(t::server_signature1, server_signature1)
        .add(t::euicc_ci_pkid_to_be_used, euicc_ci_pkid_to_be_used)
        .raw(server_certificate)
        .raw(ctx_params1_raw.empty() ? ctx_params1.encode() : ctx_params1_raw)
        .end();
    return w.finish();
}

// ---- EuiccSigned1 and AuthenticateServerResponse ----------------------------------------------------------------

result<euicc_signed1> euicc_signed1::decode(byte_view der)
{
    namespace t = tag::euicc_signed1;
    constexpr std::string_view T = "EuiccSigned1";
    auto outer = codec::open(der, tag::sequence, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();
    auto tid = e->need(t::transaction_id, "transactionId");
    auto address = e->need(t::server_address, "serverAddress");
    auto challenge = e->need(t::server_challenge, "serverChallenge");
    auto info2 = e->need(t::euicc_info2, "euiccInfo2");
    auto ctx = e->need(t::ctx_params1, "ctxParams1");
    if (!tid) return tid.take_error();
    if (!address) return address.take_error();
    if (!challenge) return challenge.take_error();
    if (!info2) return info2.take_error();
    if (!ctx) return ctx.take_error();

    euicc_signed1 out;
    auto v_tid = codec::transaction_id(*tid, T);
    if (!v_tid) return v_tid.take_error();
    out.transaction_id = std::move(*v_tid);
    auto v_address = codec::utf8(*address, T, "serverAddress", SIZE_MAX);
    if (!v_address) return v_address.take_error();
    out.server_address = std::move(*v_address);
    auto v_challenge = codec::octets(*challenge, T, "serverChallenge", 16, 16);
    if (!v_challenge) return v_challenge.take_error();
    out.server_challenge = std::move(*v_challenge);
    // EUICCInfo2 is kept as sent: the SM-DP+ reads it only when it wants to (rsp::euicc_info2::decode).
    if (!info2->constructed()) return codec::invalid(T, "euiccInfo2 must be a constructed EUICCInfo2");
    out.euicc_info2 = raw_of(*info2);
    auto c1 = rsp::ctx_params1::decode(ctx->raw);
    if (!c1) return c1.take_error();
    out.ctx_params1 = std::move(*c1);
    out.ctx_params1_raw = raw_of(*ctx);
    return out;
}

bytes euicc_signed1::encode() const
{
    namespace t = tag::euicc_signed1;
    der::writer w;
    w.begin(tag::sequence)
        .add(t::transaction_id, transaction_id)
        .add(t::server_address, std::string_view{server_address})
        .add(t::server_challenge, server_challenge)
        .raw(euicc_info2)
        .raw(ctx_params1_raw.empty() ? ctx_params1.encode() : ctx_params1_raw)
        .end();
    return w.finish();
}

result<authenticate_server_response> authenticate_server_response::decode(byte_view der)
{
    namespace t = tag::authenticate_server_response;
    constexpr std::string_view T = "AuthenticateServerResponse";
    auto outer = codec::open(der, tag::authenticate_server, T);
    if (!outer) return outer.take_error();
    auto e = codec::fields::read(outer->value, T, {});
    if (!e) return e.take_error();

    if (auto err = e->take(t::authenticate_response_error)) {
        namespace te = tag::authenticate_response_error;
        constexpr std::string_view TE = "AuthenticateResponseError";
        auto f = codec::fields::read(err->value, TE, {});
        if (!f) return f.take_error();
        authenticate_response_error out;
        // Left out by an eUICC that could not read the request's transactionId (see the header).
        if (auto tid = f->take(te::transaction_id)) {
            auto v = codec::transaction_id(*tid, TE);
            if (!v) return v.take_error();
            out.transaction_id = std::move(*v);
        }
        auto code = f->need(te::authenticate_error_code, "authenticateErrorCode");
        if (!code) return code.take_error();
        auto c = codec::code<rsp::authenticate_error_code>(*code, TE, "authenticateErrorCode");
        if (!c) return c.take_error();
        out.authenticate_error_code = *c;
        return authenticate_server_response{out};
    }

    namespace to = tag::authenticate_response_ok;
    constexpr std::string_view TO = "AuthenticateResponseOk";
    auto ok_branch = e->take(t::authenticate_response_ok);
    if (!ok_branch) return codec::invalid(T, "neither authenticateResponseOk (A0) nor authenticateResponseError (A1)");
    auto f = codec::fields::read(ok_branch->value, TO, {});
    if (!f) return f.take_error();
    // Three universal SEQUENCEs, in this order: euiccSigned1, euiccCertificate, eumCertificate.
    auto signed1 = f->need(to::euicc_signed1, "euiccSigned1");
    auto sig = f->need(to::euicc_signature1, "euiccSignature1");
    auto euicc_cert = f->need(to::euicc_certificate, "euiccCertificate");
    auto eum_cert = f->need(to::eum_certificate, "eumCertificate");
    if (!signed1) return signed1.take_error();
    if (!sig) return sig.take_error();
    if (!euicc_cert) return euicc_cert.take_error();
    if (!eum_cert) return eum_cert.take_error();

    authenticate_response_ok out;
    auto s1 = rsp::euicc_signed1::decode(signed1->raw);
    if (!s1) return s1.take_error();
    out.euicc_signed1 = std::move(*s1);
    out.euicc_signed1_raw = raw_of(*signed1);
    auto v_sig = signature_value(*sig, TO, "euiccSignature1");
    if (!v_sig) return v_sig.take_error();
    out.euicc_signature1 = std::move(*v_sig);
    auto v_euicc = codec::certificate(*euicc_cert, TO, "euiccCertificate");
    if (!v_euicc) return v_euicc.take_error();
    out.euicc_certificate = std::move(*v_euicc);
    auto v_eum = codec::certificate(*eum_cert, TO, "eumCertificate");
    if (!v_eum) return v_eum.take_error();
    out.eum_certificate = std::move(*v_eum);
    return authenticate_server_response{std::move(out)};
}

bytes authenticate_server_response::encode() const
{
    der::writer w;
    w.begin(tag::authenticate_server);
    if (const auto* o = ok()) {
        namespace to = tag::authenticate_response_ok;
        w.begin(tag::authenticate_server_response::authenticate_response_ok)
            .raw(o->euicc_signed1_raw.empty() ? o->euicc_signed1.encode() : o->euicc_signed1_raw)
            .add(to::euicc_signature1, o->euicc_signature1)
            .raw(o->euicc_certificate)
            .raw(o->eum_certificate)
            .end();
    } else if (const auto* e = error()) {
        namespace te = tag::authenticate_response_error;
        w.begin(tag::authenticate_server_response::authenticate_response_error);
        if (!e->transaction_id.empty()) w.add(te::transaction_id, e->transaction_id);
        w.add_uint(te::authenticate_error_code, static_cast<std::uint64_t>(to_int(e->authenticate_error_code)));
        w.end();
    }
    w.end();
    return w.finish();
}

} // namespace openrsp::rsp
