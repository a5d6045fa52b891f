// ES9+ GetBoundProfilePackage (SGP.22 §5.6.2); the package itself is built in bpp_builder.cpp.
#include "decode_errors.h"
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/download.h"
#include "openrsp/smdpp/progress.h"

#include <algorithm>

namespace openrsp::smdpp {

result<rsp::es9p::get_bound_profile_package_response>
service::get_bound_profile_package(const rsp::es9p::get_bound_profile_package_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    // The one answer for an order locked by wrong confirmation codes (SGP.22 §5.6.2, 8.2.7 / 6.4 "maximum number
    // of retries exceeded"). The session that hit the limit ends with it, so its transactionId is unknown
    // afterwards (8.10.1 / 3.9 like any other); a request that read the session before it ended gets this same
    // answer whatever code it carries: after the lock no answer may tell a right code from a wrong one.
    auto confirmation_locked = [&m, &tid_hex]() -> unexpected {
        (void)m.inventory.delete_session(tid_hex);
        return fail("8.2.7", "6.4", "too many wrong confirmation codes; the order is locked");
    };
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();
    // SGP.22 §3.1.3: after a BPP went out the LPA may ask again in the same session (the answer was lost, the eUICC
    // never loaded it); the profile must then still be Downloaded for this session, with no installation result.
    const bool retry = session->at == rsp_session::stage::bpp_delivered;
    if (session->at != rsp_session::stage::authenticated && !retry)
        return fail("8.10.1", "3.9", "this session is not waiting for a Bound Profile Package request");

    auto response = rsp::prepare_download_response::decode(req.prepare_download_response);
    // An error branch the eUICC sent, readable or not, ends the session (its code is only told on).
    const bool refused =
        response ? response->error() != nullptr : decode_error_about(response.error(), "PrepareDownloadResponseError");
    if (refused) {
        (void)m.inventory.release_reservation(session->iccid, tid_hex);
        (void)m.inventory.delete_session(tid_hex);
        return fail("8.1", "6.1",
                    "the eUICC refused to prepare the download (error " +
                        (response ? std::to_string(response->error()->download_error_code) : std::string("?")) + ")");
    }
    // An unreadable transactionId names no transaction of ours (8.10.1 / 3.9), as it always did.
    if (!response)
        return decode_error_about(response.error(), "EUICCSigned2", "transactionId")
                   ? with_codes(response.error(), "8.10.1", "3.9")
                   : response.take_error();
    const rsp::prepare_download_response_ok& answer = *response->ok();
    const rsp::euicc_signed2& signed2 = answer.euicc_signed2;

    auto euicc_cert = m.parse_certificate(session->euicc_certificate);
    if (!euicc_cert) return fail("8.8", "4.2", "stored session lost its eUICC certificate");
    // euiccSignature2 covers euiccSigned2 as received followed by the smdpSignature2 TLV (SGP.22 §5.7.5).
    if (!crypto::ecdsa_verify(euicc_cert->public_key(), concat({signed2.raw, session->smdp_signature2}),
                              answer.euicc_signature2))
        return fail("8.1", "6.1", "the eUICC's signature (euiccSignature2) does not verify");

    if (!std::ranges::equal(signed2.transaction_id, session->transaction_id))
        return fail("8.10.1", "3.9", "euiccSigned2 names another transaction");

    auto profile = m.inventory.find_by_iccid(session->iccid);
    if (!profile) return fail("8.8", "4.2", profile.error().message);
    if (!*profile) return fail("8.2", "3.7", "the profile of this session no longer exists");
    if ((*profile)->secrets_sealed)
        return fail("8.8", "4.2", "the profile is sealed under a key-encryption key this SM-DP+ was not given");

    if (session->cc_required) {
        if ((*profile)->cc_attempts >= m.cfg.max_confirmation_code_attempts) return confirmation_locked();
        const auto& hash_cc = signed2.hash_cc;
        if (!hash_cc) return fail("8.2.7", "2.2", "a confirmation code is required for this profile");
        // Stored is SHA-256(CC); the eUICC sends SHA-256(SHA-256(CC) || transactionId) (SGP.22 §3.1.3.1).
        const bytes expected = crypto::sha256(concat({(*profile)->confirmation_code_hash, session->transaction_id}));
        if (!std::ranges::equal(*hash_cc, expected)) {
            // Counted in the store, so the limit holds across sessions and nodes; at the limit the order is
            // spent (Error, with the reason for the operator).
            const auto limit = m.cfg.max_confirmation_code_attempts;
            const std::string locked =
                "confirmation code refused " + std::to_string(limit) + " times; the order is locked";
            auto event = m.progress_event(session->iccid, notification_point::confirmation_failure, tid_hex);
            m.progress_failed(event, "8.2.7", "6.4", locked);
            auto n = m.inventory.record_confirmation_failure(session->iccid, tid_hex, limit, locked, &event);
            if (!n) return fail("8.8", "4.2", n.error().message);
            // 0: the session no longer holds a Released profile (locked meanwhile): the order is spent either way.
            if (*n == 0 || *n >= limit) {
                if (*n != 0) {
                    ++m.failures;
                    m.progress_queued();
                }
                return confirmation_locked();
            }
            return fail("8.2.7", "3.8", "the confirmation code is wrong");
        }
    }

    if (retry && ((*profile)->state != store::profile_state::downloaded || (*profile)->session_tid != tid_hex))
        return fail("8.2", "3.7", "the profile is no longer available for this session");

    auto keys = m.one_time_keys(tid_hex, *session, signed2.euicc_otpk);
    if (!keys) return keys.take_error();
    auto bpp = m.build_bound_profile_package(*session, **profile, signed2.euicc_otpk, *keys);
    if (!bpp) return bpp.take_error();
    if (retry) {
        // The profile left Released with the first BPP; only the keys the session may rebuild it with change.
        OPENRSP_TRY_VOID(m.save_session(tid_hex, *session));
        rsp::es9p::get_bound_profile_package_response resp;
        resp.transaction_id = tid_hex;
        resp.bound_profile_package = std::move(*bpp);
        return resp;
    }

    // The profile leaves Released exactly once: only the session holding it can move it to Downloaded, and the
    // same write binds it to this eUICC.
    auto event = m.progress_event(session->iccid, notification_point::bpp_download, tid_hex);
    auto moved = m.inventory.deliver(session->iccid, tid_hex, session->eid, session->euicc_certificate, &event);
    if (!moved) return fail("8.8", "4.2", moved.error().message);
    if (!*moved) {
        // A right code racing the request that locked the order must not learn that it was right.
        if (session->cc_required) {
            auto now = m.inventory.find_by_iccid(session->iccid);
            if (now && *now && (*now)->cc_attempts >= m.cfg.max_confirmation_code_attempts)
                return confirmation_locked();
        }
        return fail("8.2", "3.7", "the profile is no longer available for this session");
    }
    m.progress_queued();

    session->at = rsp_session::stage::bpp_delivered;
    OPENRSP_TRY_VOID(m.save_session(tid_hex, *session));
    ++m.downloads;
    rsp::es9p::get_bound_profile_package_response resp;
    resp.transaction_id = tid_hex;
    resp.bound_profile_package = std::move(*bpp);
    return resp;
}

} // namespace openrsp::smdpp
