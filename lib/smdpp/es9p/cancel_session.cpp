// ES9+ CancelSession (SGP.22 §5.6.5).
#include "decode_errors.h"
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/cancel_session.h"
#include "openrsp/smdpp/progress.h"

#include <algorithm>

namespace openrsp::smdpp {

namespace {

// The codes cancelSession has always answered for a CancelSessionResponse it cannot use: no confirmation (the error
// branch, or neither branch) is an unknown transaction for the SM-DP+ (8.10.1 / 3.9), as is an unreadable
// transactionId; an unreadable smdpOid is addressed to another SM-DP+ (8.8 / 3.10); the rest is the decoder's own
// 1.3.1 code.
unexpected cancel_session_response_error(const error& e)
{
    if (decode_error_about(e, "CancelSessionResponse", "cancelSessionResponse"))
        return fail("8.10.1", "3.9", "the eUICC did not confirm the cancellation");
    if (decode_error_about(e, "EuiccCancelSessionSigned", "transactionId")) return with_codes(e, "8.10.1", "3.9");
    if (decode_error_about(e, "EuiccCancelSessionSigned", "smdpOid"))
        return fail("8.8", "3.10", "the cancellation is addressed to another SM-DP+ OID");
    return fail(e);
}

} // namespace

result<void> service::cancel_session(const rsp::es9p::cancel_session_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();

    auto response = rsp::cancel_session_response::decode(req.cancel_session_response);
    if (!response) return cancel_session_response_error(response.error());
    const rsp::cancel_session_response_ok* answer = response->ok();
    if (answer == nullptr) return fail("8.10.1", "3.9", "the eUICC did not confirm the cancellation");
    const rsp::euicc_cancel_session_signed& signed_part = answer->euicc_cancel_session_signed;
    if (!std::ranges::equal(signed_part.transaction_id, session->transaction_id))
        return fail("8.10.1", "3.9", "the cancellation names another transaction");
    const auto oid_text = der::decode_oid(signed_part.smdp_oid); // checked by the decoder
    // The eUICC names the OID of the DPauth it authenticated, i.e. that of the session's certificate set.
    auto set = m.session_set(*session);
    const std::string& our_oid = set ? (*set)->dpauth.cert.san_registered_id() : m.creds.smdp_oid;
    if (!oid_text || *oid_text != our_oid)
        return fail("8.8", "3.10", "the cancellation is addressed to another SM-DP+ OID");
    // Before authenticateClient the eUICC is not known yet and nothing is reserved; afterwards it must sign.
    if (!session->euicc_certificate.empty()) {
        auto cert = m.parse_certificate(session->euicc_certificate);
        if (!cert || !crypto::ecdsa_verify(cert->public_key(), answer->euicc_cancel_session_signed_raw,
                                           answer->euicc_cancel_session_signature))
            return fail("8.1", "6.1", "the eUICC's cancellation signature does not verify");
    }
    if (!session->iccid.empty()) {
        // The operator hears of the cancellation at the step it ended (SGP.22 §3.1.3 / §5.3.5).
        const bool delivered = session->at == rsp_session::stage::bpp_delivered;
        store::progress_event event = m.progress_event(
            session->iccid, delivered ? notification_point::bpp_installation : notification_point::bpp_download,
            tid_hex);
        const std::string reason = rsp::asn1_name(signed_part.reason);
        const std::string why = delivered ? "the LPA cancelled the session after the Bound Profile Package was "
                                            "delivered (reason " +
                                                reason + ")"
                                          : "the LPA cancelled the session (reason " + reason + ")";
        m.progress_failed(event, "8.1", "4.2", why);
        event.result_data = base64_encode(req.cancel_session_response);
        if (delivered) {
            (void)m.inventory.fail_download(session->iccid, tid_hex, store::profile_state::downloaded, why, &event);
            ++m.failures;
        } else {
            (void)m.inventory.release_reservation(session->iccid, tid_hex, &event);
        }
        m.progress_queued();
    }
    auto del = m.inventory.delete_session(tid_hex);
    if (!del) return fail("8.8", "4.2", del.error().message);
    return ok();
}

} // namespace openrsp::smdpp
