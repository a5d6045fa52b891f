#pragma once
/// \file
/// \brief Strict DER / BER-TLV reader and writer for the SGP.22 ASN.1 (tags up to 3 bytes, definite lengths).
///
/// Decoders skip unknown tags: every RSP SEQUENCE is extensible (rsp.asn uses EXTENSIBILITY IMPLIED).
///
/// **Example**
/// \code
///   der::writer w;
///   w.begin(0xBF2E).add(0x80, challenge).end();
///   bytes out = w.finish();
///   auto t = der::parse_one(out);            // result<der::tlv>
///   auto c = der::reader(t->value).find(0x80); // optional<der::tlv>
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::der {

/// Tag as written on the wire, big-endian in an integer: 0x30, 0x5F37, 0xBF20, 0x9F70, 0xBF76.
using tag_t = std::uint32_t;

/// \brief One decoded TLV; the views point into the input buffer.
struct tlv {
    tag_t tag = 0;
    byte_view value; ///< contents octets
    byte_view raw;   ///< the whole encoding: tag, length and value (what SGP.22 signs)

    [[nodiscard]] bool constructed() const;
};

/// \brief Bounds-checked cursor over a sequence of TLVs.
class reader {
public:
    explicit reader(byte_view data) : m_data(data) {}

    [[nodiscard]] bool empty() const { return m_pos >= m_data.size(); }
    /// Reads the next TLV and advances.
    result<tlv> next();
    /// Reads the next TLV without advancing.
    result<tlv> peek() const;
    /// Searches the remaining TLVs (same level, from the start of the buffer) for a tag. Malformed input: nullopt.
    [[nodiscard]] std::optional<tlv> find(tag_t tag) const;
    /// Decodes all TLVs at this level; fails on any malformed element.
    result<std::vector<tlv>> all() const;

private:
    byte_view m_data;
    std::size_t m_pos = 0;
};

/// \brief Decodes exactly one TLV spanning the whole input (trailing bytes are an error).
result<tlv> parse_one(byte_view data);
/// \brief Decodes the first TLV of the input and ignores what follows (used to measure a TLV's length).
result<tlv> parse_prefix(byte_view data);

/// \brief Encodes a tag (1 to 4 bytes as written) and a definite length header.
void put_header(bytes& out, tag_t tag, std::size_t length);
/// \brief Encodes a length only (BER definite form, minimal).
void put_length(bytes& out, std::size_t length);
/// \brief Full TLV.
bytes encode(tag_t tag, byte_view value);

/// \brief Fluent DER writer with nesting. Lengths are patched when a constructed element ends.
class writer {
public:
    writer& add(tag_t tag, byte_view value);
    writer& add(tag_t tag, std::string_view utf8) { return add(tag, as_bytes(utf8)); }
    /// Appends an already encoded TLV (or several) verbatim.
    writer& raw(byte_view encoded);
    /// INTEGER (two's complement, minimal) for non-negative values.
    writer& add_uint(tag_t tag, std::uint64_t value);
    writer& add_bool(tag_t tag, bool value);
    writer& add_null(tag_t tag);
    /// BIT STRING from a list of named bit numbers (bit 0 = MSB of first byte), DER-minimal.
    writer& add_named_bits(tag_t tag, std::initializer_list<unsigned> bits);
    /// Opens a constructed element.
    writer& begin(tag_t tag);
    /// Closes the innermost open element.
    writer& end();
    /// Returns the encoding; all begin() calls must have been closed.
    bytes finish();

private:
    bytes m_out;
    std::vector<std::pair<std::size_t, tag_t>> m_open; // offset of content start, tag
};

/// INTEGER contents -> unsigned value; fails on negative or > 64 bits.
result<std::uint64_t> decode_uint(byte_view value);
/// Minimal two's complement contents for a non-negative integer.
bytes encode_uint(std::uint64_t v);
/// OBJECT IDENTIFIER contents <-> dotted string.
result<std::string> decode_oid(byte_view value);
result<bytes> encode_oid(std::string_view dotted);
/// BIT STRING contents -> is bit n set (bit 0 = MSB of first data byte).
bool bit_is_set(byte_view bitstring_value, unsigned n);

} // namespace openrsp::der
