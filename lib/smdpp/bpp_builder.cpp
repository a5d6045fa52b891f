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

result<service::impl::bpp_keys> service::impl::one_time_keys(const std::string& tid_hex, rsp_session& s,
                                                             byte_view euicc_otpk)
{
    auto set = session_set(s);
    if (!set) return set.take_error();
    // ECKA on the curve of the DPpb in use: the eUICC made its one-time key on that curve (SGP.22 §3.1.3.2).
    const crypto::curve c = (*set)->dppb.key.key_curve();
    // SGP.22 §3.1.3 (getBoundProfilePackage) and §5.6.2: an eUICC that retries with the otPK.EUICC.ECKA of the BPP
    // it never installed gets a BPP under the same session keys (same otPK.DP.ECKA and hostId); a new otPK gets a
    // new pair. The earlier key is only ever used for the same eUICC key, never for another one.
    if (!s.euicc_otpk.empty() && std::ranges::equal(s.euicc_otpk, euicc_otpk)) {
        auto pem = inventory.open_session_secret(tid_hex, s.smdp_otsk_sealed);
        if (!pem) return fail("8.8", "4.2", pem.error().message);
        auto otk = crypto::ec_key::from_pem(openrsp::to_string(*pem));
        secure_wipe(*pem);
        if (!otk || otk->key_curve() != c) return fail("8.8", "4.2", "the session's one-time key is unusable");
        return bpp_keys{std::move(*otk), s.host_id};
    }
    auto otk = crypto::ec_key::generate(c);
    if (!otk) return fail("8.8", "4.2", otk.error().message);
    std::string pem = otk->private_pem();
    auto sealed = inventory.seal_session_secret(tid_hex, as_bytes(pem));
    std::fill(pem.begin(), pem.end(), '\0');
    if (!sealed) return fail("8.8", "4.2", sealed.error().message);
    s.euicc_otpk.assign(euicc_otpk.begin(), euicc_otpk.end());
    s.smdp_otsk_sealed = std::move(*sealed);
    s.host_id = crypto::random_bytes(host_id_length);
    return bpp_keys{std::move(*otk), s.host_id};
}

result<bytes> service::impl::build_bound_profile_package(const rsp_session& s, const store::inventory_profile& p,
                                                         byte_view euicc_otpk_point, const bpp_keys& keys)
{
    namespace seg = rsp::tag::bound_profile_package_fields;
    auto set = session_set(s);
    if (!set) return set.take_error();
    const pki::credential& dppb = (*set)->dppb;
    auto euicc_otpk = crypto::ec_key::from_public_point(keys.otk.key_curve(), euicc_otpk_point);
    if (!euicc_otpk) return fail("8.1", "6.1", "the eUICC's one-time public key is not a point on the DPpb curve");
    auto shs = crypto::ecka(keys.otk, *euicc_otpk);
    if (!shs) return fail("8.8", "4.2", shs.error().message);
    auto eid_bytes = from_hex(s.eid);
    if (!eid_bytes || eid_bytes->size() != 16) return fail("8.1.1", "2.1", "the EID is not 32 digits");

    rsp::bound_profile_package bpp;
    // InitialiseSecureChannelRequest (§5.5.1): smdpSign covers its own components up to smdpSign, then the eUICC's
    // otPK TLV.
    auto& isc = bpp.initialise_secure_channel_request;
    isc.remote_op_id = 1; // installBoundProfilePackage
    isc.transaction_id = s.transaction_id;
    isc.control_ref_template = {bytes{key_type_aes}, bytes{key_length_16}, keys.host_id};
    isc.smdp_otpk = keys.otk.public_point();
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

    // sequenceOf88: the StoreMetadataRequest, MAC only, split over several segments when configured (SGP.22 §5.5.3:
    // the eUICC concatenates their plaintexts); sequenceOf86: the profile package, encrypted.
    const std::size_t md_chunk = cfg.metadata_segment_size == 0
                                     ? crypto::max_mac_only_segment_plaintext
                                     : std::min(cfg.metadata_segment_size, crypto::max_mac_only_segment_plaintext);
    auto seg88 =
        segments(p.metadata, md_chunk, [&](byte_view part) { return channel.wrap_mac_only(seg::segment_88, part); });
    if (!seg88) return seg88.take_error();
    bpp.sequence_of_88 = std::move(*seg88);
    auto seg86 = segments(p.upp, crypto::max_encrypted_segment_plaintext,
                          [&](byte_view part) { return channel.wrap_encrypted(seg::segment_86, part); });
    if (!seg86) return seg86.take_error();
    bpp.sequence_of_86 = std::move(*seg86);
    return bpp.encode();
}

} // namespace openrsp::smdpp
