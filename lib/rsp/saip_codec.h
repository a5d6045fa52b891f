#pragma once
/// \file
/// \brief Private to lib/rsp: SAIP ProfileElement tags and the EF content encodings shared by the UPP writer and
/// reader (3GPP TS 31.102, TS 23.003, TS 23.038; shared/reference/sgp22-facts.md §8).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"

#include <optional>
#include <string>
#include <string_view>

namespace openrsp::rsp::saip {

/// ProfileElement CHOICE alternatives (PE_Definitions v3.3.1, automatic tags; facts §8.1).
namespace pe {
inline constexpr der::tag_t header = 0xA0;
inline constexpr der::tag_t pin_codes = 0xA2;
inline constexpr der::tag_t puk_codes = 0xA3;
inline constexpr der::tag_t aka_parameter = 0xA4;
inline constexpr der::tag_t non_standard = 0xA9;
inline constexpr der::tag_t end = 0xAA;
inline constexpr der::tag_t mf = 0xB0;
inline constexpr der::tag_t usim = 0xB3;
inline constexpr der::tag_t opt_usim = 0xB4;
} // namespace pe

/// Members of the PE SEQUENCEs this code touches (context tags by position).
namespace field {
inline constexpr der::tag_t pe_header = 0xA0;
inline constexpr der::tag_t template_id = 0x81;
inline constexpr der::tag_t mf_mf = 0xA2, mf_ef_iccid = 0xA4, mf_ef_dir = 0xA5, mf_ef_arr = 0xA6;
inline constexpr der::tag_t usim_adf = 0xA2, usim_ef_imsi = 0xA3, usim_ef_arr = 0xA4, usim_ef_ust = 0xA8,
                            usim_ef_spn = 0xAD, usim_ef_est = 0xAE, usim_ef_acc = 0xB2, usim_ef_ad = 0xB5,
                            usim_ef_ecc = 0xB6;
inline constexpr der::tag_t opt_usim_ef_acl = 0xB9;
} // namespace field

/// File ::= SEQUENCE OF CHOICE { doNotCreate, fileDescriptor (Fcp), fillFileOffset, fillFileContent }.
namespace file {
inline constexpr der::tag_t fcp = 0xA1;
inline constexpr der::tag_t fill_offset = 0x82;
inline constexpr der::tag_t fill_content = 0x83;
// Fcp members
inline constexpr der::tag_t descriptor = 0x82, file_id = 0x83, df_name = 0x84, security = 0x8B, size = 0x80,
                            pin_status = 0xC6, proprietary = 0xA5;
inline constexpr der::tag_t fill_pattern = 0xC1, repeat_pattern = 0xC2;
} // namespace file

/// EF.ICCID / SGP.22 `5A`: nibble-swapped BCD, F padded, 10 bytes.
result<bytes> iccid_swapped(std::string_view digits);
/// ProfileHeader iccid: digits in plain order (high nibble first), F padded, 10 bytes (facts §8.2).
result<bytes> iccid_plain(std::string_view digits);
std::string iccid_plain_digits(byte_view bcd);

/// EF.IMSI, 9 bytes (TS 31.102 §4.2.2, facts §8.3).
result<bytes> encode_ef_imsi(std::string_view imsi);
/// Digits of EF.IMSI; empty if the length byte is zero or out of range.
std::string decode_ef_imsi(byte_view ef);

/// UTF-8 -> GSM 7-bit default alphabet, unpacked (TS 23.038 §6.2.1, escape 0x1B for the extension table).
/// nullopt if a character has no GSM form.
std::optional<bytes> utf8_to_gsm7(std::string_view utf8);
/// Name field of EF.SPN: GSM 7-bit when every character has a GSM form, else UCS2 with the 0x80 prefix; cut to
/// max_bytes at a character boundary (the EF holds 16 bytes, SGP.22 metadata allows 32).
bytes encode_spn_name(std::string_view utf8, std::size_t max_bytes);
/// EF.SPN name bytes -> UTF-8: GSM 7-bit unpacked, or UCS2 with the 0x80 prefix (TS 31.101 annex A). Stops at FF.
std::string spn_name_to_utf8(byte_view name);

/// APN in the TS 23.003 §9.1 label form (length-prefixed labels); fails on empty labels or > 100 bytes.
result<bytes> encode_apn(std::string_view apn);
std::string decode_apn(byte_view labels);

} // namespace openrsp::rsp::saip
