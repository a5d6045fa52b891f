#pragma once
/// \file
/// \brief Private to lib/rsp: the EF content encodings shared by the SAIP UPP writer and reader (the SAIP tags are
/// in openrsp/rsp/tags.h, namespace tag::saip) (3GPP TS 31.102, TS 23.003, TS 23.038; shared/reference/sgp22-facts.md
/// §8).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"

#include <optional>
#include <string>
#include <string_view>

namespace openrsp::rsp::saip {

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
