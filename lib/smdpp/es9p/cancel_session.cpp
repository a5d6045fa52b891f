// ES9+ CancelSession (SGP.22 §5.6.5).
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/tags.h"
#include "openrsp/smdpp/progress.h"

#include <algorithm>

namespace openrsp::smdpp {

namespace {

bool same(byte_view a, byte_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// CancelSessionReason (SGP.22 §5.7.14) from euiccCancelSessionSigned {80 tid, 81 smdpOid, 82 reason}.
std::string cancel_reason_text(const der::reader& ok_branch)
{
    static constexpr const char* names[] = {"endUserRejection", "postponed",        "timeout",
                                            "pprNotAllowed",    "metadataMismatch", "loadBppExecutionError"};
    auto signed_part = ok_branch.find(rsp::tag::sequence);
    if (!signed_part) return "unknown";
    auto reason = der::reader(signed_part->value).find(0x82);
    const auto v = reason ? der::decode_uint(reason->value) : result<std::uint64_t>(fail(""));
    if (!v) return "unknown";
    return *v < std::size(names) ? names[*v] : std::to_string(*v);
}

} // namespace

result<void> service::cancel_session(const rsp::es9p::cancel_session_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();

    auto outer = der::parse_one(req.cancel_session_response);
    if (!outer || outer->tag != rsp::tag::cancel_session)
        return fail("1.3.1", "2.1", "'cancelSessionResponse' is not a CancelSessionResponse (BF41)");
    der::reader top(outer->value);
    auto ok_branch = top.find(0xA0);
    if (!ok_branch) return fail("8.10.1", "3.9", "the eUICC did not confirm the cancellation");
    der::reader okr(ok_branch->value);
    auto signed_part = okr.find(rsp::tag::sequence);
    auto sig = okr.find(rsp::tag::signature);
    if (!signed_part || !sig) return fail("1.3.1", "2.2", "CancelSessionResponseOk is incomplete");
    der::reader fields(signed_part->value);
    auto tid = fields.find(0x80);
    auto oid = fields.find(0x81);
    if (!tid || !same(tid->value, session->transaction_id))
        return fail("8.10.1", "3.9", "the cancellation names another transaction");
    auto oid_text = oid ? der::decode_oid(oid->value) : result<std::string>(fail(""));
    // The eUICC names the OID of the DPauth it authenticated, i.e. that of the session's certificate set.
    auto set = m.session_set(*session);
    const std::string& our_oid = set ? (*set)->dpauth.cert.san_registered_id() : m.creds.smdp_oid;
    if (!oid_text || *oid_text != our_oid)
        return fail("8.8", "3.10", "the cancellation is addressed to another SM-DP+ OID");
    // Before authenticateClient the eUICC is not known yet and nothing is reserved; afterwards it must sign.
    if (!session->euicc_certificate.empty()) {
        auto cert = m.parse_certificate(session->euicc_certificate);
        if (!cert || !crypto::ecdsa_verify(cert->public_key(), signed_part->raw, sig->value))
            return fail("8.1", "6.1", "the eUICC's cancellation signature does not verify");
    }
    if (!session->iccid.empty()) {
        // The operator hears of the cancellation at the step it ended (SGP.22 §3.1.3 / §5.3.5).
        const bool delivered = session->at == rsp_session::stage::bpp_delivered;
        store::progress_event event = m.progress_event(
            session->iccid, delivered ? notification_point::bpp_installation : notification_point::bpp_download,
            tid_hex);
        const std::string why = delivered ? "the LPA cancelled the session after the Bound Profile Package was "
                                            "delivered (reason " +
                                                cancel_reason_text(okr) + ")"
                                          : "the LPA cancelled the session (reason " + cancel_reason_text(okr) + ")";
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
