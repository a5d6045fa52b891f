// The Bound Profile Package (SGP.22 §2.5.5, §5.5; SCP03t per §2.6.4) built for GetBoundProfilePackage.
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/scp03t.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>

namespace openrsp::smdpp {

namespace {

constexpr std::size_t host_id_length = 8;

// ControlRefTemplate values of SGP.22 §5.5.1: AES keys of 16 bytes.
constexpr std::uint8_t key_type_aes = 0x88;
constexpr std::uint8_t key_length_16 = 0x10;

// Segments of at most `chunk` bytes, each protected by `wrap`: the TLVs of one SEQUENCE OF the BPP.
template <class Wrap> result<std::vector<bytes>> segments(byte_view data, std::size_t chunk, Wrap wrap)
{
    std::vector<bytes> out;
    out.reserve((data.size() + chunk - 1) / chunk);
    for (std::size_t off = 0; off < data.size(); off += chunk) {
        auto seg = wrap(data.subspan(off, std::min(chunk, data.size() - off)));
        if (!seg) return seg.take_error();
        out.push_back(std::move(*seg));
    }
    return out;
}

} // namespace

result<bytes> service::impl::build_bound_profile_package(const rsp_session& s, const store::inventory_profile& p,
                                                         byte_view euicc_otpk_point)
{
    namespace seg = rsp::tag::bound_profile_package_fields;
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
    auto eid_bytes = from_hex(s.eid);
    if (!eid_bytes || eid_bytes->size() != 16) return fail("8.1.1", "2.1", "the EID is not 32 digits");

    rsp::bound_profile_package bpp;
    // InitialiseSecureChannelRequest (§5.5.1): smdpSign covers its own components up to smdpSign, then the eUICC's
    // otPK TLV.
    auto& isc = bpp.initialise_secure_channel_request;
    isc.remote_op_id = 1; // installBoundProfilePackage
    isc.transaction_id = s.transaction_id;
    isc.control_ref_template = {bytes{key_type_aes}, bytes{key_length_16}, crypto::random_bytes(host_id_length)};
    isc.smdp_otpk = otk->public_point();
    crypto::scp03t_channel channel(crypto::derive_bpp_session_keys(*shs, isc.control_ref_template.host_id, *eid_bytes));
    secure_wipe(*shs);
    auto smdp_sign = crypto::ecdsa_sign(
        dppb.key, concat({isc.signed_part(),
                          der::encode(rsp::tag::initialise_secure_channel_request::smdp_otpk, euicc_otpk_point)}));
    if (!smdp_sign) return fail("8.8", "4.2", smdp_sign.error().message);
    isc.smdp_sign = std::move(*smdp_sign);

    // firstSequenceOf87: the ConfigureISDPRequest (BF24, empty), encrypted.
    auto seg87 = channel.wrap_encrypted(seg::segment_87, der::encode(rsp::tag::configure_isdp, {}));
    if (!seg87) return fail("8.8", "4.2", seg87.error().message);
    bpp.first_sequence_of_87.push_back(std::move(*seg87));

    // sequenceOf88: the StoreMetadataRequest, MAC only; sequenceOf86: the profile package, encrypted.
    auto seg88 = segments(p.metadata, crypto::max_mac_only_segment_plaintext,
                          [&](byte_view part) { return channel.wrap_mac_only(seg::segment_88, part); });
    if (!seg88) return seg88.take_error();
    bpp.sequence_of_88 = std::move(*seg88);
    auto seg86 = segments(p.upp, crypto::max_encrypted_segment_plaintext,
                          [&](byte_view part) { return channel.wrap_encrypted(seg::segment_86, part); });
    if (!seg86) return seg86.take_error();
    bpp.sequence_of_86 = std::move(*seg86);
    return bpp.encode();
}

} // namespace openrsp::smdpp
