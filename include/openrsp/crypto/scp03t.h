#pragma once
/// \file
/// \brief SCP03t protection of Bound Profile Package segments (SGP.22 §2.6.4, §5.5; GP Amd F).
///
/// Rules (checked against pySim test_esim_bsp vectors, see tests/unit/crypto):
///  - keys: X9.63 KDF output [0:16] initial MAC chaining value, [16:32] S-ENC, [32:48] S-MAC;
///  - block counter starts at 1 and increments for every segment, MAC-only ones included;
///  - ICV = AES(S-ENC, counter as 16-byte big-endian); plaintext always padded 80 00..; AES-CBC;
///  - MAC = CMAC(S-MAC, MCV || tag || len(L) || payload) with L = payload + 8; segment carries MAC[0:8];
///    the next MCV is the full 16-byte CMAC.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <cstdint>

namespace openrsp::crypto {

/// \brief Session or profile-protection keys.
struct scp03t_keys {
    bytes initial_mcv; ///< 16 bytes
    bytes s_enc;       ///< 16 bytes
    bytes s_mac;       ///< 16 bytes
};

/// \brief SGP.22 key derivation: X9.63(ShS, keyType 0x88 || keyLen 0x10 || len||hostId || len||EID).
/// \param eid the 16 EID bytes (32 digits packed in plain order, as GetEID returns them).
scp03t_keys derive_bpp_session_keys(byte_view shared_secret, byte_view host_id, byte_view eid);

/// Largest plaintext in one encrypted 86/87 segment so the whole TLV stays within 1020 bytes.
inline constexpr std::size_t max_encrypted_segment_plaintext = 1007;
/// Largest plaintext in one MAC-only 88 segment.
inline constexpr std::size_t max_mac_only_segment_plaintext = 1008;

/// \brief Both directions of one SCP03t secure channel: state is the block counter and MAC chaining value.
class scp03t_channel final {
public:
    explicit scp03t_channel(scp03t_keys keys);
    ~scp03t_channel();
    scp03t_channel(scp03t_channel&&) noexcept = default;
    scp03t_channel& operator=(scp03t_channel&&) noexcept = default;

    /// Encrypts and MACs one segment: returns the whole TLV (tag 0x86 or 0x87).
    result<bytes> wrap_encrypted(std::uint8_t tag, byte_view plaintext);
    /// MACs one segment without encryption (tag 0x88).
    result<bytes> wrap_mac_only(std::uint8_t tag, byte_view plaintext);
    /// Verifies the MAC of a received segment (whole TLV), decrypts it and strips the padding.
    /// Fails with a plain error on a bad MAC or padding; the channel state is then unusable.
    result<bytes> unwrap_encrypted(byte_view segment_tlv);
    /// Verifies a MAC-only segment and returns its plaintext.
    result<bytes> unwrap_mac_only(byte_view segment_tlv);
    /// ReplaceSessionKeys: switches to profile protection keys, counter back to 1.
    void replace_keys(scp03t_keys keys);

private:
    scp03t_keys m_keys;
    bytes m_mcv;
    std::uint32_t m_counter = 1;
};

} // namespace openrsp::crypto
