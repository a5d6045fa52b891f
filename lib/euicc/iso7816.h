#pragma once
/// \file
/// \brief The ISO/IEC 7816-4 (and GlobalPlatform) command and response codes the virtual eUICC speaks: class
/// bytes, instructions, P1/P2 values and status words (the FCI tags of the SELECT answer are in rsp/tags.h,
/// tag::select_fci). SGP.22 §5.7.2 maps every ES10 function onto these (STORE DATA to the ISD-R, GET RESPONSE).

#include <cstdint>

namespace openrsp::euicc::detail::iso7816 {

/// CLA (ISO/IEC 7816-4 §5.4.1): interindustry class, channel 0; b8 set is the GlobalPlatform proprietary class.
inline constexpr std::uint8_t cla_interindustry = 0x00;
inline constexpr std::uint8_t cla_proprietary_bit = 0x80;
inline constexpr std::uint8_t cla_further_interindustry_bit = 0x40; ///< channels 4-19 in b4..b1
inline constexpr std::uint8_t cla_rfu_bit = 0x20;
inline constexpr std::uint8_t cla_invalid = 0xFF;

/// INS.
inline constexpr std::uint8_t ins_manage_channel = 0x70;
inline constexpr std::uint8_t ins_select = 0xA4;
inline constexpr std::uint8_t ins_store_data = 0xE2; ///< GlobalPlatform STORE DATA
inline constexpr std::uint8_t ins_get_response = 0xC0;
inline constexpr std::uint8_t ins_terminal_capability = 0xAA; ///< ETSI TS 102 221 TERMINAL CAPABILITY

/// MANAGE CHANNEL P1: open (P2 0: the card assigns the number) or close (P2: the channel, 0 = this one).
inline constexpr std::uint8_t p1_open_channel = 0x00;
inline constexpr std::uint8_t p1_close_channel = 0x80;
/// SELECT P1: by DF name (AID); P2: first occurrence and FCI, or no response data.
inline constexpr std::uint8_t p1_select_by_name = 0x04;
inline constexpr std::uint8_t p2_select_fci = 0x00;
inline constexpr std::uint8_t p2_select_no_data = 0x0C;
/// STORE DATA P1 (GlobalPlatform §11.11.2): more blocks follow / last block, both "BER-TLV data, no encryption".
inline constexpr std::uint8_t p1_more_blocks = 0x11;
inline constexpr std::uint8_t p1_last_block = 0x91;

/// Status words.
namespace sw {
inline constexpr std::uint16_t ok = 0x9000;
inline constexpr std::uint16_t bytes_available = 0x6100; ///< low byte: how many (00: 256 or more)
inline constexpr std::uint16_t wrong_length = 0x6700;
inline constexpr std::uint16_t channel_not_supported = 0x6881;
inline constexpr std::uint16_t conditions_not_satisfied = 0x6985;
inline constexpr std::uint16_t wrong_data = 0x6A80;
inline constexpr std::uint16_t file_not_found = 0x6A82;
inline constexpr std::uint16_t not_enough_memory = 0x6A84;
inline constexpr std::uint16_t wrong_p1p2 = 0x6A86;
inline constexpr std::uint16_t data_not_found = 0x6A88;
inline constexpr std::uint16_t ins_not_supported = 0x6D00;
inline constexpr std::uint16_t cla_not_supported = 0x6E00;
inline constexpr std::uint16_t no_precise_diagnosis = 0x6F00;
} // namespace sw

/// SW1 of "normal processing" (90) and of "bytes available" (61).
inline constexpr std::uint8_t sw1_ok = 0x90;
inline constexpr std::uint8_t sw1_bytes_available = 0x61;

} // namespace openrsp::euicc::detail::iso7816

namespace openrsp::euicc::detail {
namespace sw = iso7816::sw;
} // namespace openrsp::euicc::detail
