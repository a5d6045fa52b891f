// ES9+ HandleNotification (SGP.22 §5.6.4).
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"
#include "openrsp/smdpp/progress.h"

namespace openrsp::smdpp {

namespace {

// ErrorResult of a ProfileInstallationResult (SGP.22 §5.7.6): the sentence the operator sees for a failed install.
std::string describe_install_error(const der::tlv& error_result)
{
    static constexpr const char* commands[] = {"initialiseSecureChannel", "configureISDP",      "storeMetadata",
                                               "storeMetadata2",          "replaceSessionKeys", "loadProfileElements"};
    static constexpr const char* reasons[] = {"",
                                              "incorrectInputValues",
                                              "invalidSignature",
                                              "invalidTransactionId",
                                              "unsupportedCrtValues",
                                              "unsupportedRemoteOperationType",
                                              "unsupportedProfileClass",
                                              "scp03tStructureError",
                                              "scp03tSecurityError",
                                              "iccidAlreadyExists",
                                              "insufficientMemory",
                                              "interruption",
                                              "PEProcessingError",
                                              "dataMismatch",
                                              "testProfileInvalidNaaKey",
                                              "pprNotAllowed"};
    der::reader r(error_result.value);
    const auto command = r.find(0x80);
    const auto reason = r.find(0x81);
    const auto c = command ? der::decode_uint(command->value) : result<std::uint64_t>(fail(""));
    const auto why = reason ? der::decode_uint(reason->value) : result<std::uint64_t>(fail(""));
    std::string out = "installation failed: ";
    if (!why)
        out += "no errorReason";
    else if (*why < std::size(reasons) && *why > 0)
        out += reasons[*why];
    else
        out += *why == 127 ? "unknown" : "errorReason " + std::to_string(*why);
    if (c) {
        out += " in ";
        out += *c < std::size(commands) ? commands[*c] : "bppCommandId " + std::to_string(*c);
    }
    return out;
}

} // namespace

result<void> service::handle_notification(const rsp::es9p::handle_notification_request& req)
{
    auto& m = *m_impl;
    auto outer = der::parse_one(req.pending_notification);
    if (!outer) return fail("1.3.1", "2.1", "'pendingNotification' is not DER");

    if (outer->tag == rsp::tag::profile_installation_result) {
        der::reader pir(outer->value);
        auto data = pir.find(rsp::tag::profile_installation_result_data);
        auto sig = pir.find(rsp::tag::signature);
        if (!data || !sig) return fail("1.3.1", "2.2", "ProfileInstallationResult is incomplete");
        der::reader d(data->value);
        auto tid = d.find(0x80);
        auto final_result = d.find(0xA2);
        if (!tid || !final_result) return fail("1.3.1", "2.2", "ProfileInstallationResultData is incomplete");
        const std::string tid_hex = to_hex(tid->value, true);

        // The session may have expired; the profile row remembers which session and eUICC it went to.
        std::string iccid;
        if (auto rec = m.inventory.get_session(tid_hex, m.now()); rec && *rec) iccid = (*rec)->iccid;
        if (iccid.empty())
            if (auto meta = d.find(rsp::tag::notification_metadata))
                if (auto i = der::reader(meta->value).find(rsp::tag::iccid)) iccid = rsp::iccid_from_bcd(i->value);
        if (iccid.empty()) return fail("8.10.1", "3.9", "the installation result names an unknown transaction");
        auto profile = m.inventory.find_by_iccid(iccid);
        if (!profile) return fail("8.8", "4.2", profile.error().message);
        if (!*profile || (*profile)->session_tid != tid_hex || (*profile)->euicc_certificate.empty())
            return fail("8.10.1", "3.9", "the installation result names an unknown transaction");
        auto cert = m.parse_certificate((*profile)->euicc_certificate);
        if (!cert || !crypto::ecdsa_verify(cert->public_key(), data->raw, sig->value))
            return fail("8.1", "6.1", "the installation result's signature (euiccSignPIR) does not verify");

        auto branch = der::parse_one(final_result->value);
        const bool success = branch && branch->tag == 0xA0;
        const std::string why = success                         ? std::string()
                                : branch && branch->tag == 0xA1 ? describe_install_error(*branch)
                                                                : "installation failed: no readable finalResult";
        // The operator hears of the installation with the eUICC's signed result as resultData.
        store::progress_event event = m.progress_event(iccid, notification_point::bpp_installation, tid_hex);
        event.result_data = base64_encode(req.pending_notification);
        if (!success) m.progress_failed(event, "8.1", "4.2", why);
        auto moved = success ? m.inventory.transition(iccid, store::profile_state::downloaded,
                                                      store::profile_state::installed, tid_hex, &event)
                             : m.inventory.fail_download(iccid, tid_hex, store::profile_state::downloaded, why, &event);
        if (!moved) return fail("8.8", "4.2", moved.error().message);
        if (*moved) m.progress_queued();
        (void)m.inventory.delete_session(tid_hex);
        if (success)
            ++m.installs;
        else
            ++m.failures;
        return ok();
    }

    if (outer->tag == rsp::tag::sequence) {
        // OtherSignedNotification: {tbsOtherNotification BF2F, 5F37 sig, euiccCertificate, eumCertificate}
        auto parts = der::reader(outer->value).all();
        if (!parts || parts->size() < 4) return fail("1.3.1", "2.2", "OtherSignedNotification is incomplete");
        const der::tlv& tbs = (*parts)[0];
        if (tbs.tag != rsp::tag::notification_metadata || (*parts)[1].tag != rsp::tag::signature)
            return fail("1.3.1", "2.1", "OtherSignedNotification has unexpected elements");
        // Outside a session any CI this SM-DP+ trusts will do.
        auto cert = m.verify_euicc_chain((*parts)[2].raw, (*parts)[3].raw, {});
        if (!cert) return cert.take_error();
        if (!crypto::ecdsa_verify(cert->public_key(), tbs.raw, (*parts)[1].value))
            return fail("8.1", "6.1", "the notification's signature does not verify");
        der::reader meta(tbs.value);
        auto pmo = meta.find(0x81);
        auto iccid_tlv = meta.find(rsp::tag::iccid);
        if (!pmo || !iccid_tlv) return fail("1.3.1", "2.2", "the notification names no operation or profile");
        const std::string iccid = rsp::iccid_from_bcd(iccid_tlv->value);
        auto profile = m.inventory.find_by_iccid(iccid);
        if (!profile) return fail("8.8", "4.2", profile.error().message);
        // Only the eUICC holding the profile may report on it.
        if (!*profile || (*profile)->eid != cert->subject_serial_number()) return ok();
        std::optional<store::profile_state> to;
        std::int64_t point = 0;
        if (der::bit_is_set(pmo->value, static_cast<unsigned>(rsp::notification_event::enable))) {
            to = store::profile_state::enabled;
            point = notification_point::enabled;
        } else if (der::bit_is_set(pmo->value, static_cast<unsigned>(rsp::notification_event::disable))) {
            to = store::profile_state::disabled;
            point = notification_point::disabled;
        } else if (der::bit_is_set(pmo->value, static_cast<unsigned>(rsp::notification_event::del))) {
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
            auto seq = meta.find(0x80);
            store::progress_event event =
                m.progress_event(iccid, point, (*profile)->eid + ":" + (seq ? to_hex(seq->value) : to_hex(tbs.raw)));
            event.result_data = base64_encode(req.pending_notification);
            // A deletion ends the order, unless the operator allowed the same eUICC to download it again: then
            // the store returns it to Released in the same step (store::inventory::record_deletion).
            if (*to == store::profile_state::deleted) {
                auto r = m.inventory.record_deletion(iccid, &event);
                if (!r) return fail("8.8", "4.2", r.error().message);
            } else {
                auto r = m.inventory.set_state(iccid, *to, &event);
                if (!r) return fail("8.8", "4.2", r.error().message);
            }
            m.progress_queued();
        }
        return ok();
    }
    return fail("1.3.1", "2.1",
                "'pendingNotification' is neither a ProfileInstallationResult nor an OtherSignedNotification");
}

} // namespace openrsp::smdpp
