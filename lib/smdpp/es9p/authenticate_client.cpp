// ES9+ AuthenticateClient (SGP.22 §5.6.3; common mutual authentication §3.1.2).
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>

namespace openrsp::smdpp {

result<rsp::es9p::authenticate_client_response>
service::authenticate_client(const rsp::es9p::authenticate_client_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();
    if (session->at != rsp_session::stage::authenticating)
        return fail("8.10.1", "3.9", "this session has already authenticated the eUICC");

    auto outer = der::parse_one(req.authenticate_server_response);
    if (!outer || outer->tag != rsp::tag::authenticate_server)
        return fail("1.3.1", "2.1", "'authenticateServerResponse' is not an AuthenticateServerResponse (BF38)");
    der::reader top(outer->value);
    if (auto err = top.find(0xA1)) {
        auto code = der::reader(err->value).find(rsp::tag::integer);
        const auto v = code ? der::decode_uint(code->value) : result<std::uint64_t>(fail(""));
        return fail("8.1", "6.1",
                    "the eUICC rejected the SM-DP+ authentication (error " + (v ? std::to_string(*v) : "?") + ")");
    }
    auto ok_branch = top.find(0xA0);
    if (!ok_branch) return fail("1.3.1", "2.1", "AuthenticateServerResponse has neither a result nor an error");
    auto parts = der::reader(ok_branch->value).all();
    if (!parts || parts->size() < 4) return fail("1.3.1", "2.2", "AuthenticateResponseOk is incomplete");
    const der::tlv& euicc_signed1 = (*parts)[0];
    const der::tlv& euicc_signature1 = (*parts)[1];
    const der::tlv& euicc_cert_tlv = (*parts)[2];
    const der::tlv& eum_cert_tlv = (*parts)[3];
    if (euicc_signed1.tag != rsp::tag::sequence || euicc_signature1.tag != rsp::tag::signature ||
        euicc_cert_tlv.tag != rsp::tag::sequence || eum_cert_tlv.tag != rsp::tag::sequence)
        return fail("1.3.1", "2.1", "AuthenticateResponseOk has unexpected elements");

    auto set = m.session_set(*session);
    if (!set) return set.take_error();
    auto euicc_cert = m.verify_euicc_chain(euicc_cert_tlv.raw, eum_cert_tlv.raw, session->ci_pkid);
    if (!euicc_cert) return euicc_cert.take_error();
    // Signatures cover the bytes as received, never a re-encoding (unknown extensions must survive).
    if (!crypto::ecdsa_verify(euicc_cert->public_key(), euicc_signed1.raw, euicc_signature1.value))
        return fail("8.1", "6.1", "the eUICC's signature (euiccSignature1) does not verify");

    der::reader signed1(euicc_signed1.value);
    const auto tid = signed1.find(0x80);
    const auto challenge = signed1.find(0x84);
    if (!tid || !std::equal(tid->value.begin(), tid->value.end(), session->transaction_id.begin(),
                            session->transaction_id.end()))
        return fail("8.10.1", "3.9", "euiccSigned1 names another transaction");
    if (!challenge || !std::equal(challenge->value.begin(), challenge->value.end(), session->server_challenge.begin(),
                                  session->server_challenge.end()))
        return fail("8.1", "6.1", "the eUICC signed a different server challenge");

    std::string matching_id;
    if (auto ctx = signed1.find(0xA0))
        if (auto mid = der::reader(ctx->value).find(0x80)) matching_id = to_string(mid->value);
    const std::string eid = euicc_cert->subject_serial_number();
    if (eid.size() != 32) return fail("8.1.3", "6.1", "the eUICC certificate carries no 32-digit EID");

    if (matching_id.empty())
        return fail("8.2.6", "3.8", "no matching ID was given (default SM-DP+ orders are not kept)");
    auto found = m.inventory.find_by_matching_id(matching_id);
    if (!found) return fail("8.8", "4.2", found.error().message);
    if (!*found) return fail("8.2.6", "3.8", "the matching ID is unknown to this SM-DP+");
    const store::inventory_profile& profile = **found;
    // EID binding comes first: once an order is linked to or delivered to an eUICC, its activation code is
    // worthless anywhere else, whatever state the profile is in (a stolen code must not even learn that).
    if (!profile.eid.empty() && profile.eid != eid) return fail("8.1.1", "3.8", "the order is bound to another EID");
    if (profile.cc_attempts >= m.cfg.max_confirmation_code_attempts)
        return fail("8.2.7", "6.4", "too many wrong confirmation codes were given for this order");
    switch (profile.state) {
    case store::profile_state::released:
        break;
    case store::profile_state::error: {
        // A failed download may be tried again by the same eUICC, a bounded number of times.
        if (profile.download_attempts >= m.cfg.max_download_attempts)
            return fail("8.8.5", "6.4", "this order has reached its limit of download attempts");
        auto again = m.inventory.retry_after_failure(profile.iccid, eid, m.cfg.max_download_attempts,
                                                     m.cfg.max_confirmation_code_attempts);
        if (!again) return fail("8.8", "4.2", again.error().message);
        if (!*again) return fail("8.2.6", "3.3", "the matching ID is in use by another download in progress");
        break;
    }
    case store::profile_state::available:
    case store::profile_state::allocated:
    case store::profile_state::linked:
    case store::profile_state::confirmed:
        return fail("8.2", "1.2", "the profile for this matching ID is not released for download yet");
    case store::profile_state::unavailable:
        return fail("8.2", "3.7", "the profile for this matching ID is no longer available");
    default:
        return fail("8.2.6", "3.8", "the matching ID has already been used");
    }

    auto reserved =
        m.inventory.reserve_for_session(profile.iccid, tid_hex, eid, m.now(), m.now() + m.cfg.session_ttl.count());
    if (!reserved) return fail("8.8", "4.2", reserved.error().message);
    if (!*reserved) return fail("8.2.6", "3.3", "the matching ID is in use by another download in progress");

    session->cc_required = !profile.confirmation_code_hash.empty();
    der::writer w;
    w.begin(rsp::tag::sequence)
        .add(0x80, session->transaction_id)
        .add_bool(rsp::tag::boolean, session->cc_required)
        .end();
    rsp::es9p::authenticate_client_response resp;
    resp.smdp_signed2 = w.finish();
    // smdpSignature2 covers smdpSigned2 followed by the eUICC's signature TLV (SGP.22 §5.6.3).
    auto sig = crypto::ecdsa_sign((*set)->dppb.key, concat({resp.smdp_signed2, euicc_signature1.raw}));
    if (!sig) return fail("8.8", "4.2", sig.error().message);
    resp.smdp_signature2 = signature_tlv(*sig);
    resp.smdp_certificate = (*set)->dppb.cert.der();
    resp.profile_metadata = profile.metadata;
    resp.transaction_id = tid_hex;

    session->at = rsp_session::stage::authenticated;
    session->euicc_certificate = euicc_cert->der();
    session->eid = eid;
    session->iccid = profile.iccid;
    session->smdp_signature2 = resp.smdp_signature2;
    OPENRSP_TRY_VOID(m.save_session(tid_hex, *session));
    return resp;
}

} // namespace openrsp::smdpp
