// ES9+ GetBoundProfilePackage and the Bound Profile Package (SGP.22 §5.6.2, §2.5.5, §5.5; SCP03t per §2.6.4).
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/scp03t.h"
#include "openrsp/rsp/tags.h"
#include "openrsp/smdpp/progress.h"

#include <algorithm>

namespace openrsp::smdpp {

namespace {

constexpr std::size_t host_id_length = 8;

// Segments of at most `chunk` bytes, each protected by `wrap`, appended inside one constructed element.
template <class Wrap>
result<void> add_segments(der::writer& w, byte_view data, std::size_t chunk, Wrap wrap)
{
    for (std::size_t off = 0; off < data.size(); off += chunk) {
        auto seg = wrap(data.subspan(off, std::min(chunk, data.size() - off)));
        if (!seg) return seg.take_error();
        w.raw(*seg);
    }
    return ok();
}

} // namespace

result<bytes> service::impl::build_bound_profile_package(const rsp_session& s, const store::inventory_profile& p,
                                                         byte_view euicc_otpk_point)
{
    auto set = session_set(s);
    if (!set) return set.take_error();
    const pki::credential& dppb = (*set)->dppb;
    // ECKA on the curve of the DPpb in use: the eUICC made its one-time key on that curve (SGP.22 §3.1.3.2).
    const crypto::curve c = dppb.key.key_curve();
    auto euicc_otpk = crypto::ec_key::from_public_point(c, euicc_otpk_point);
    if (!euicc_otpk) return fail("8.1", "6.1", "the eUICC's one-time public key is not a point on the DPpb curve");
    auto otk = crypto::ec_key::generate(c);
    if (!otk) return fail("8.8", "4.2", otk.error().message);
    auto shs = crypto::ecka(*otk, *euicc_otpk);
    if (!shs) return fail("8.8", "4.2", shs.error().message);
    const bytes host_id = crypto::random_bytes(host_id_length);
    auto eid_bytes = from_hex(s.eid);
    if (!eid_bytes || eid_bytes->size() != 16) return fail("8.1.1", "2.1", "the EID is not 32 digits");
    crypto::scp03t_channel channel(crypto::derive_bpp_session_keys(*shs, host_id, *eid_bytes));
    secure_wipe(*shs);

    // InitialiseSecureChannelRequest: smdpSign covers its own content up to smdpSign, then the eUICC's otPK TLV.
    const bytes smdp_otpk = otk->public_point();
    der::writer body;
    body.add(0x82, bytes{0x01}) // remoteOpId installBoundProfilePackage
        .add(0x80, s.transaction_id)
        .begin(rsp::tag::control_ref_template)
        .add(0x80, bytes{0x88}) // key type AES
        .add(0x81, bytes{0x10}) // key length 16
        .add(0x84, host_id)
        .end()
        .add(rsp::tag::public_key, smdp_otpk);
    bytes isc_body = body.finish();
    auto smdp_sign =
        crypto::ecdsa_sign(dppb.key, concat({isc_body, der::encode(rsp::tag::public_key, euicc_otpk_point)}));
    if (!smdp_sign) return fail("8.8", "4.2", smdp_sign.error().message);

    der::writer bpp;
    bpp.begin(rsp::tag::bound_profile_package);
    bpp.begin(rsp::tag::initialise_secure_channel).raw(isc_body).add(rsp::tag::signature, *smdp_sign).end();

    static const bytes configure_isdp{0xBF, 0x24, 0x00};
    bpp.begin(rsp::tag::first_sequence_of_87);
    auto seg87 = channel.wrap_encrypted(0x87, configure_isdp);
    if (!seg87) return fail("8.8", "4.2", seg87.error().message);
    bpp.raw(*seg87).end();

    bpp.begin(rsp::tag::sequence_of_88);
    OPENRSP_TRY_VOID(add_segments(bpp, p.metadata, crypto::max_mac_only_segment_plaintext,
                                  [&](byte_view part) { return channel.wrap_mac_only(0x88, part); }));
    bpp.end();

    bpp.begin(rsp::tag::sequence_of_86);
    OPENRSP_TRY_VOID(add_segments(bpp, p.upp, crypto::max_encrypted_segment_plaintext,
                                  [&](byte_view part) { return channel.wrap_encrypted(0x86, part); }));
    bpp.end();
    bpp.end();
    return bpp.finish();
}

result<rsp::es9p::get_bound_profile_package_response>
service::get_bound_profile_package(const rsp::es9p::get_bound_profile_package_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();
    if (session->at != rsp_session::stage::authenticated)
        return fail("8.10.1", "3.9", "this session is not waiting for a Bound Profile Package request");

    auto outer = der::parse_one(req.prepare_download_response);
    if (!outer || outer->tag != rsp::tag::prepare_download)
        return fail("1.3.1", "2.1", "'prepareDownloadResponse' is not a PrepareDownloadResponse (BF21)");
    der::reader top(outer->value);
    if (auto err = top.find(0xA1)) {
        (void)m.inventory.release_reservation(session->iccid, tid_hex);
        (void)m.inventory.delete_session(tid_hex);
        auto code = der::reader(err->value).find(rsp::tag::integer);
        const auto v = code ? der::decode_uint(code->value) : result<std::uint64_t>(fail(""));
        return fail("8.1", "6.1",
                    "the eUICC refused to prepare the download (error " + (v ? std::to_string(*v) : "?") + ")");
    }
    auto ok_branch = top.find(0xA0);
    if (!ok_branch) return fail("1.3.1", "2.1", "PrepareDownloadResponse has neither a result nor an error");
    der::reader okr(ok_branch->value);
    auto signed2 = okr.find(rsp::tag::sequence);
    auto signature2 = okr.find(rsp::tag::signature);
    if (!signed2 || !signature2) return fail("1.3.1", "2.2", "PrepareDownloadResponseOk is incomplete");

    auto euicc_cert = m.parse_certificate(session->euicc_certificate);
    if (!euicc_cert) return fail("8.8", "4.2", "stored session lost its eUICC certificate");
    if (!crypto::ecdsa_verify(euicc_cert->public_key(), concat({signed2->raw, session->smdp_signature2}),
                              signature2->value))
        return fail("8.1", "6.1", "the eUICC's signature (euiccSignature2) does not verify");

    der::reader s2(signed2->value);
    const auto tid = s2.find(0x80);
    if (!tid || !std::equal(tid->value.begin(), tid->value.end(), session->transaction_id.begin(),
                            session->transaction_id.end()))
        return fail("8.10.1", "3.9", "euiccSigned2 names another transaction");
    const auto otpk = s2.find(rsp::tag::public_key);
    if (!otpk) return fail("1.3.1", "2.2", "euiccSigned2 carries no one-time public key");

    auto profile = m.inventory.find_by_iccid(session->iccid);
    if (!profile) return fail("8.8", "4.2", profile.error().message);
    if (!*profile) return fail("8.2", "3.7", "the profile of this session no longer exists");
    if ((*profile)->secrets_sealed)
        return fail("8.8", "4.2", "the profile is sealed under a key-encryption key this SM-DP+ was not given");

    if (session->cc_required) {
        const auto hash_cc = s2.find(rsp::tag::octet_string);
        if (!hash_cc) return fail("8.2.7", "2.2", "a confirmation code is required for this profile");
        // Stored is SHA-256(CC); the eUICC sends SHA-256(SHA-256(CC) || transactionId) (SGP.22 §3.1.3.1).
        const bytes expected = crypto::sha256(concat({(*profile)->confirmation_code_hash, session->transaction_id}));
        if (!std::equal(hash_cc->value.begin(), hash_cc->value.end(), expected.begin(), expected.end())) {
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
            // The session itself stays, so the LPA's cancelSession still finds it.
            if (*n == 0 || *n >= limit) {
                if (*n != 0) {
                    ++m.failures;
                    m.progress_queued();
                }
                return fail("8.2.7", "6.4", "the confirmation code is wrong, and that was the last attempt");
            }
            return fail("8.2.7", "3.8", "the confirmation code is wrong");
        }
    }

    auto bpp = m.build_bound_profile_package(*session, **profile, otpk->value);
    if (!bpp) return bpp.take_error();

    // The profile leaves Released exactly once: only the session holding it can move it to Downloaded, and the
    // same write binds it to this eUICC.
    auto event = m.progress_event(session->iccid, notification_point::bpp_download, tid_hex);
    auto moved = m.inventory.deliver(session->iccid, tid_hex, session->eid, session->euicc_certificate, &event);
    if (!moved) return fail("8.8", "4.2", moved.error().message);
    if (!*moved) return fail("8.2", "3.7", "the profile is no longer available for this session");
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
