// The Bound Profile Package (SGP.22 §2.5.5, §5.5; SCP03t per §2.6.4) built for GetBoundProfilePackage.
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/scp03t.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>

namespace openrsp::smdpp {

namespace {

constexpr std::size_t host_id_length = 8;

// Segments of at most `chunk` bytes, each protected by `wrap`, appended inside one constructed element.
template <class Wrap> result<void> add_segments(der::writer& w, byte_view data, std::size_t chunk, Wrap wrap)
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

} // namespace openrsp::smdpp
