// ES9+ AuthenticateClient (SGP.22 §5.6.3; common mutual authentication §3.1.2).
#include "decode_errors.h"
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/download.h"

#include <algorithm>

namespace openrsp::smdpp {

namespace {

// The codes authenticateClient has always answered for an AuthenticateServerResponse it cannot use: an unreadable
// error branch is still the eUICC's refusal (8.1 / 6.1), an unreadable transactionId an unknown transaction
// (8.10.1 / 3.9), an unreadable serverChallenge a failed authentication (8.1 / 6.1); the rest is the decoder's own
// 1.3.1 code.
unexpected authenticate_server_response_error(const error& e)
{
    if (decode_error_about(e, "AuthenticateResponseError"))
        return fail("8.1", "6.1", "the eUICC rejected the SM-DP+ authentication (error ?)");
    if (decode_error_about(e, "EuiccSigned1", "transactionId")) return with_codes(e, "8.10.1", "3.9");
    if (decode_error_about(e, "EuiccSigned1", "serverChallenge")) return with_codes(e, "8.1", "6.1");
    return fail(e);
}

} // namespace

result<rsp::es9p::authenticate_client_response>
service::authenticate_client(const rsp::es9p::authenticate_client_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();
    if (session->at != rsp_session::stage::authenticating)
        return fail("8.10.1", "3.9", "this session has already authenticated the eUICC");

    auto response = rsp::authenticate_server_response::decode(req.authenticate_server_response);
    if (!response) return authenticate_server_response_error(response.error());
    if (const auto* refused = response->error())
        return fail("8.1", "6.1",
                    "the eUICC rejected the SM-DP+ authentication (error " +
                        std::to_string(rsp::to_int(refused->authenticate_error_code)) + ")");
    const rsp::authenticate_response_ok& answer = *response->ok();
    const rsp::euicc_signed1& signed1 = answer.euicc_signed1;

    auto set = m.session_set(*session);
    if (!set) return set.take_error();
    auto euicc_cert = m.verify_euicc_chain(answer.euicc_certificate, answer.eum_certificate, session->ci_pkid);
    if (!euicc_cert) return euicc_cert.take_error();
    // Signatures cover the bytes as received, never a re-encoding (unknown extensions must survive).
    if (!crypto::ecdsa_verify(euicc_cert->public_key(), answer.euicc_signed1_raw, answer.euicc_signature1))
        return fail("8.1", "6.1", "the eUICC's signature (euiccSignature1) does not verify");

    if (!std::ranges::equal(signed1.transaction_id, session->transaction_id))
        return fail("8.10.1", "3.9", "euiccSigned1 names another transaction");
    if (!std::ranges::equal(signed1.server_challenge, session->server_challenge))
        return fail("8.1", "6.1", "the eUICC signed a different server challenge");

    const std::string matching_id = signed1.ctx_params1.matching_id.value_or(std::string());
    const std::string eid = euicc_cert->subject_serial_number();
    if (eid.size() != 32) return fail("8.1.3", "6.1", "the eUICC certificate carries no 32-digit EID");

    // An empty or absent matchingId is the Default SM-DP+ case (SGP.22 §3.1.2): the pending order bound to this
    // eUICC's EID (ES2+ DownloadOrder or ConfirmOrder with the EID). Without one the answer is the unknown
    // matching ID's, so an eUICC learns nothing about other eUICCs' orders.
    auto found = matching_id.empty() ? m.inventory.find_pending_order_for_eid(eid)
                                     : m.inventory.find_by_matching_id(matching_id);
    if (!found) return fail("8.8", "4.2", found.error().message);
    if (!*found)
        return fail("8.2.6", "3.8",
                    matching_id.empty() ? "no download order is pending for this eUICC (Default SM-DP+)"
                                        : "the matching ID is unknown to this SM-DP+");
    const store::inventory_profile& profile = **found;
    // EID binding comes first: once an order is linked to or delivered to an eUICC, its activation code is
    // worthless anywhere else, whatever state the profile is in (a stolen code must not even learn that).
    if (!profile.eid.empty() && profile.eid != eid) return fail("8.1.1", "3.8", "the order is bound to another EID");
    // SGP.22 §5.6.2: an order past its expiry is refused (8.8.5 / 4.10) until the operator cancels or re-orders it;
    // only orders not yet on an eUICC expire.
    if (profile.order_expires_at != 0 && profile.order_expires_at <= m.now() &&
        (profile.state == store::profile_state::released || profile.state == store::profile_state::error))
        return fail("8.8.5", "4.10", "the download order has expired");
    if (profile.cc_attempts >= m.cfg.max_confirmation_code_attempts)
        return fail("8.2.7", "6.4", "too many wrong confirmation codes were given for this order");
    // Eligibility before anything is reserved or moved, so a refused order stays as it is (SGP.22 §3.1.3).
    if (profile.state == store::profile_state::released || profile.state == store::profile_state::error)
        OPENRSP_TRY_VOID(check_eligibility(signed1.euicc_info2, profile.metadata));
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
    rsp::smdp_signed2 signed2;
    signed2.transaction_id = session->transaction_id;
    signed2.cc_required = session->cc_required;
    rsp::es9p::authenticate_client_response resp;
    resp.smdp_signed2 = signed2.encode();
    // smdpSignature2 covers smdpSigned2 followed by the eUICC's signature TLV (SGP.22 §5.6.3).
    auto sig =
        crypto::ecdsa_sign((*set)->dppb.key, concat({resp.smdp_signed2, signature_tlv(answer.euicc_signature1)}));
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
