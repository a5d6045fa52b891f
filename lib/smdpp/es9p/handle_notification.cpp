// ES9+ HandleNotification (SGP.22 §5.6.4).
#include "decode_errors.h"
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/notifications.h"
#include "openrsp/smdpp/progress.h"

namespace openrsp::smdpp {

namespace {

// ErrorResult of a ProfileInstallationResult (SGP.22 §5.7.6): the sentence the operator sees for a failed install,
// in the ASN.1 names of ErrorReason and BppCommandId.
std::string describe_install_failure(const rsp::error_result& e)
{
    return "installation failed: " + rsp::asn1_name(e.error_reason) + " in " + rsp::asn1_name(e.bpp_command_id);
}

} // namespace

result<rsp::pending_notification> read_pending_notification(byte_view der)
{
    auto n = rsp::pending_notification::decode(der);
    // A transactionId of the wrong size names no session of ours, as it always did.
    if (!n && decode_error_about(n.error(), "ProfileInstallationResultData", "transactionId"))
        return fail("8.10.1", "3.9", "the installation result names an unknown transaction");
    return n;
}

result<void> service::handle_notification(const rsp::es9p::handle_notification_request& req)
{
    auto n = read_pending_notification(req.pending_notification);
    if (!n) return n.take_error();
    return handle_notification(req, *n);
}

result<void> service::handle_notification(const rsp::es9p::handle_notification_request& req,
                                          const rsp::pending_notification& notification)
{
    auto& m = *m_impl;
    if (const auto* pir = notification.installation_result()) return m.installation_result(req, *pir);
    return m.other_notification(req, *notification.other());
}

result<void> service::impl::installation_result(const rsp::es9p::handle_notification_request& req,
                                                const rsp::profile_installation_result& pir)
{
    const std::string tid_hex = to_hex(pir.transaction_id, true);

    // The session may have expired; the profile row remembers which session and eUICC it went to.
    std::string iccid;
    if (auto rec = inventory.get_session(tid_hex, now()); rec && *rec) iccid = (*rec)->iccid;
    if (iccid.empty()) iccid = pir.notification_metadata.iccid_digits();
    if (iccid.empty()) return fail("8.10.1", "3.9", "the installation result names an unknown transaction");
    auto profile = inventory.find_by_iccid(iccid);
    if (!profile) return fail("8.8", "4.2", profile.error().message);
    if (!*profile || (*profile)->session_tid != tid_hex || (*profile)->euicc_certificate.empty())
        return fail("8.10.1", "3.9", "the installation result names an unknown transaction");
    auto cert = parse_certificate((*profile)->euicc_certificate);
    // euiccSignPIR covers ProfileInstallationResultData as received (SGP.22 §5.7.6).
    if (!cert || !crypto::ecdsa_verify(cert->public_key(), pir.data_raw, pir.euicc_sign_pir))
        return fail("8.1", "6.1", "the installation result's signature (euiccSignPIR) does not verify");

    const rsp::error_result* failure = pir.error();
    const bool success = failure == nullptr;
    const std::string why = success ? std::string() : describe_install_failure(*failure);
    // The operator hears of the installation with the eUICC's signed result as resultData.
    store::progress_event event = progress_event(iccid, notification_point::bpp_installation, tid_hex);
    event.result_data = base64_encode(req.pending_notification);
    if (!success) progress_failed(event, "8.1", "4.2", why);
    auto moved = success ? inventory.transition(iccid, store::profile_state::downloaded,
                                                store::profile_state::installed, tid_hex, &event)
                         : inventory.fail_download(iccid, tid_hex, store::profile_state::downloaded, why, &event);
    if (!moved) return fail("8.8", "4.2", moved.error().message);
    if (*moved) progress_queued();
    (void)inventory.delete_session(tid_hex);
    if (success)
        ++installs;
    else
        ++failures;
    return ok();
}

result<void> service::impl::other_notification(const rsp::es9p::handle_notification_request& req,
                                               const rsp::other_signed_notification& other)
{
    const rsp::notification_metadata& meta = other.tbs_other_notification;
    // Outside a session any CI this SM-DP+ trusts will do.
    auto cert = verify_euicc_chain(other.euicc_certificate, other.eum_certificate, {});
    if (!cert) return cert.take_error();
    // euiccNotificationSignature covers tbsOtherNotification as received (SGP.22 §5.7.10).
    if (!crypto::ecdsa_verify(cert->public_key(), meta.raw, other.euicc_notification_signature))
        return fail("8.1", "6.1", "the notification's signature does not verify");
    // iccid is OPTIONAL in NotificationMetadata (SGP.22 §5.7.9): a valid, signed notification without it is
    // acknowledged like one naming a profile we do not hold (Executed-Success, nothing changes), so the LPA can
    // remove it from the eUICC (§3.5).
    if (meta.iccid.empty()) return ok();
    const std::string iccid = meta.iccid_digits();
    auto profile = inventory.find_by_iccid(iccid);
    if (!profile) return fail("8.8", "4.2", profile.error().message);
    // Only the eUICC holding the profile may report on it.
    if (!*profile || (*profile)->eid != cert->subject_serial_number()) return ok();
    std::optional<store::profile_state> to;
    std::int64_t point = 0;
    if (meta.has(rsp::notification_event::enable)) {
        to = store::profile_state::enabled;
        point = notification_point::enabled;
    } else if (meta.has(rsp::notification_event::disable)) {
        to = store::profile_state::disabled;
        point = notification_point::disabled;
    } else if (meta.has(rsp::notification_event::del)) {
        to = store::profile_state::deleted;
        point = notification_point::deleted;
    }
    // Enable/disable only move a profile that sits on an eUICC: a late or replayed one must not pull a Deleted
    // profile back, nor one released again for re-download out of Released (record_deletion guards deletes).
    const auto at = (*profile)->state;
    const bool on_euicc = at == store::profile_state::downloaded || at == store::profile_state::installed ||
                          at == store::profile_state::enabled || at == store::profile_state::disabled;
    if (to && *to != store::profile_state::deleted && !on_euicc) return ok();
    if (to) {
        // The eUICC numbers its notifications (seqNumber): the same one sent again is the same event.
        // The occasion is the seqNumber INTEGER's contents in hex, as the event ids have always been formed.
        store::progress_event event =
            progress_event(iccid, point, (*profile)->eid + ":" + to_hex(der::encode_uint(meta.seq_number)));
        event.result_data = base64_encode(req.pending_notification);
        // A deletion ends the order, unless the operator allowed the same eUICC to download it again: then
        // the store returns it to Released in the same step (store::inventory::record_deletion).
        if (*to == store::profile_state::deleted) {
            auto r = inventory.record_deletion(iccid, &event);
            if (!r) return fail("8.8", "4.2", r.error().message);
        } else {
            auto r = inventory.set_state(iccid, *to, &event);
            if (!r) return fail("8.8", "4.2", r.error().message);
        }
        progress_queued();
    }
    return ok();
}

} // namespace openrsp::smdpp
