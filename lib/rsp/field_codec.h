#pragma once
/// \file
/// \brief Private to lib/rsp: the checks every typed SGP.22 message decoder shares, each failing with a sentence
/// that names the ASN.1 type and field (subject 1.3.1; reason 2.2 for a missing mandatory element, 2.1 for an
/// invalid one, as SGP.22 §5.2.6 words them for ES9+; callers may remap).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::rsp::codec {

using der::tag_t;

/// "BF27", "5F37", "30": a tag as written on the wire.
std::string tag_hex(tag_t tag);

/// 1.3.1 / 2.2: `type` lacks a mandatory `field`.
unexpected missing(std::string_view type, std::string_view field, tag_t tag);
/// 1.3.1 / 2.1: `type` carries something invalid; `what` is the rest of the sentence.
unexpected invalid(std::string_view type, std::string_view what);

/// Decodes exactly one TLV with the expected outer tag; trailing bytes, other tags and bad DER are invalid.
result<der::tlv> open(byte_view der, tag_t expected, std::string_view type);

/// \brief The components of one constructed value, looked up by tag. Unknown tags are left alone (every RSP
/// SEQUENCE is extensible); a known tag that appears twice is invalid.
class fields {
public:
    static result<fields> read(byte_view contents, std::string_view type, std::initializer_list<tag_t> unique_tags);

    [[nodiscard]] std::optional<der::tlv> find(tag_t tag) const;
    /// The component or 1.3.1/2.2 naming it.
    result<der::tlv> need(tag_t tag, std::string_view field) const;
    [[nodiscard]] const std::vector<der::tlv>& all() const { return m_items; }
    [[nodiscard]] std::string_view type() const { return m_type; }

private:
    std::vector<der::tlv> m_items;
    std::string m_type;
};

/// OCTET STRING (or any primitive) contents with a size range.
result<bytes> octets(const der::tlv& t, std::string_view type, std::string_view field, std::size_t min,
                     std::size_t max);
/// TransactionId ::= OCTET STRING (SIZE(1..16)).
result<bytes> transaction_id(const der::tlv& t, std::string_view type);
/// Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10)).
result<bytes> iccid(const der::tlv& t, std::string_view type);
/// Non-negative INTEGER (ENUMERATED-like codes and counters).
result<std::uint64_t> uinteger(const der::tlv& t, std::string_view type, std::string_view field);
/// An INTEGER code that fits an `unsigned` enum.
result<unsigned> code(const der::tlv& t, std::string_view type, std::string_view field);
/// BOOLEAN: one byte, any non-zero value is TRUE (BER; DER writers send FF).
result<bool> boolean(const der::tlv& t, std::string_view type, std::string_view field);
/// UTF8String with a maximum size in bytes.
result<std::string> utf8(const der::tlv& t, std::string_view type, std::string_view field, std::size_t max);
/// BIT STRING contents: at least the unused-bits byte, which is 0..7 (0 when there are no data bytes).
result<bytes> bit_string(const der::tlv& t, std::string_view type, std::string_view field);
/// A constructed component whose tag must be `tag` (e.g. a Certificate `30`).
result<bytes> constructed_raw(const der::tlv& t, std::string_view type, std::string_view field);

} // namespace openrsp::rsp::codec
