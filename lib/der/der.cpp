#include "openrsp/der/der.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace openrsp::der {

namespace {

// SGP.22 uses at most 3-byte tags (BF76); 4 still fits tag_t, so it is the hard ceiling.
constexpr std::size_t max_tag_bytes = 4;
// Lengths above 4 bytes (4 GiB) cannot occur in RSP data and would overflow on 32-bit size_t.
constexpr std::size_t max_length_bytes = 4;

/// Number of bytes the tag occupies when written big-endian without leading zero bytes.
std::size_t tag_size(tag_t tag)
{
    std::size_t n = 1;
    while (n < 4 && (tag >> (8 * n)) != 0) ++n;
    return n;
}

/// Decodes one TLV at data[pos...]; on success advances pos past it.
result<tlv> decode_at(byte_view data, std::size_t& pos)
{
    const std::size_t start = pos;
    const std::size_t size = data.size();
    if (start >= size) return fail("DER: no data where a TLV was expected.");

    std::size_t p = start;
    tag_t tag = data[p++];
    if ((tag & 0x1F) == 0x1F) {
        // High tag number form: continuation bytes while bit 8 is set.
        bool first = true;
        for (;;) {
            if (p >= size) return fail("DER: the input ends inside a tag.");
            const std::uint8_t b = data[p++];
            if (first && b == 0x80) return fail("DER: a tag number has a redundant leading zero group.");
            first = false;
            tag = (tag << 8) | b;
            if (p - start > max_tag_bytes) return fail("DER: a tag is longer than 4 bytes.");
            if ((b & 0x80) == 0) break;
        }
    }

    if (p >= size) return fail("DER: the input ends before a length.");
    const std::uint8_t first_len = data[p++];
    std::size_t length = 0;
    if (first_len < 0x80) {
        length = first_len;
    } else if (first_len == 0x80) {
        return fail("DER: indefinite lengths are not allowed.");
    } else {
        const std::size_t n = first_len & 0x7F;
        if (n > max_length_bytes) return fail("DER: a length field is longer than 4 bytes.");
        if (size - p < n) return fail("DER: the input ends inside a length.");
        if (data[p] == 0) return fail("DER: a length has a leading zero byte (not minimal).");
        for (std::size_t i = 0; i < n; ++i) length = (length << 8) | data[p++];
        if (length < 0x80) return fail("DER: a short length is written in long form (not minimal).");
    }
    if (length > size - p) return fail("DER: a length runs past the end of the input.");

    tlv out;
    out.tag = tag;
    out.value = data.subspan(p, length);
    out.raw = data.subspan(start, p + length - start);
    pos = p + length;
    return out;
}

} // namespace

bool tlv::constructed() const
{
    const std::size_t n = tag_size(tag);
    const auto first = static_cast<std::uint8_t>(tag >> (8 * (n - 1)));
    return (first & 0x20) != 0;
}

result<tlv> reader::next()
{
    auto r = decode_at(m_data, m_pos);
    if (!r) m_pos = m_data.size(); // a broken stream cannot be resynchronised
    return r;
}

result<tlv> reader::peek() const
{
    std::size_t pos = m_pos;
    return decode_at(m_data, pos);
}

std::optional<tlv> reader::find(tag_t tag) const
{
    std::size_t pos = 0;
    while (pos < m_data.size()) {
        auto r = decode_at(m_data, pos);
        if (!r) return std::nullopt;
        if (r->tag == tag) return *r;
    }
    return std::nullopt;
}

result<std::vector<tlv>> reader::all() const
{
    std::vector<tlv> out;
    std::size_t pos = 0;
    while (pos < m_data.size()) {
        auto r = decode_at(m_data, pos);
        if (!r) return r.take_error();
        out.push_back(*r);
    }
    return out;
}

result<tlv> parse_one(byte_view data)
{
    std::size_t pos = 0;
    auto r = decode_at(data, pos);
    if (!r) return r;
    if (pos != data.size()) return fail("DER: unexpected bytes follow the TLV.");
    return r;
}

result<tlv> parse_prefix(byte_view data)
{
    std::size_t pos = 0;
    return decode_at(data, pos);
}

void put_length(bytes& out, std::size_t length)
{
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    std::size_t n = 0;
    for (std::size_t v = length; v != 0; v >>= 8) ++n;
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
    for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

void put_header(bytes& out, tag_t tag, std::size_t length)
{
    for (std::size_t i = tag_size(tag); i-- > 0;) out.push_back(static_cast<std::uint8_t>(tag >> (8 * i)));
    put_length(out, length);
}

bytes encode(tag_t tag, byte_view value)
{
    bytes out;
    out.reserve(value.size() + 8);
    put_header(out, tag, value.size());
    append(out, value);
    return out;
}

writer& writer::add(tag_t tag, byte_view value)
{
    put_header(m_out, tag, value.size());
    append(m_out, value);
    return *this;
}

writer& writer::raw(byte_view encoded)
{
    append(m_out, encoded);
    return *this;
}

writer& writer::add_uint(tag_t tag, std::uint64_t value) { return add(tag, encode_uint(value)); }

writer& writer::add_bool(tag_t tag, bool value)
{
    const std::uint8_t v = value ? 0xFF : 0x00; // DER: TRUE is all ones
    return add(tag, byte_view(&v, 1));
}

writer& writer::add_null(tag_t tag) { return add(tag, byte_view{}); }

writer& writer::add_named_bits(tag_t tag, std::initializer_list<unsigned> bits)
{
    // DER (X.690 11.2.2): trailing zero bits of a named bit list are removed.
    bytes v{0x00};
    if (bits.size() != 0) {
        unsigned highest = 0;
        for (unsigned b : bits) highest = std::max(highest, b);
        v.resize(1 + highest / 8 + 1, 0);
        for (unsigned b : bits) v[1 + b / 8] |= static_cast<std::uint8_t>(0x80 >> (b % 8));
        v[0] = static_cast<std::uint8_t>(7 - highest % 8);
    }
    return add(tag, v);
}

writer& writer::begin(tag_t tag)
{
    for (std::size_t i = tag_size(tag); i-- > 0;) m_out.push_back(static_cast<std::uint8_t>(tag >> (8 * i)));
    m_open.emplace_back(m_out.size(), tag);
    return *this;
}

writer& writer::end()
{
    if (m_open.empty()) throw std::logic_error("der::writer::end() without a matching begin()");
    const std::size_t content_start = m_open.back().first;
    m_open.pop_back();
    bytes len;
    put_length(len, m_out.size() - content_start);
    m_out.insert(m_out.begin() + static_cast<std::ptrdiff_t>(content_start), len.begin(), len.end());
    return *this;
}

bytes writer::finish()
{
    if (!m_open.empty()) throw std::logic_error("der::writer::finish() with unclosed elements");
    return std::move(m_out);
}

result<std::uint64_t> decode_uint(byte_view value)
{
    if (value.empty()) return fail("DER: an INTEGER has no content.");
    if (value[0] & 0x80) return fail("DER: a negative INTEGER where an unsigned value was expected.");
    std::size_t i = 0;
    while (i + 1 < value.size() && value[i] == 0) ++i;
    if (value.size() - i > 8) return fail("DER: an INTEGER is too large for 64 bits.");
    std::uint64_t v = 0;
    for (; i < value.size(); ++i) v = (v << 8) | value[i];
    return v;
}

bytes encode_uint(std::uint64_t v)
{
    bytes out;
    std::size_t n = 1;
    while (n < 8 && (v >> (8 * n)) != 0) ++n;
    // A set top bit would read back as negative: prefix a zero byte.
    if ((v >> (8 * n - 1)) & 1) out.push_back(0x00);
    for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return out;
}

result<std::string> decode_oid(byte_view value)
{
    if (value.empty()) return fail("DER: an OBJECT IDENTIFIER has no content.");
    std::string out;
    std::size_t i = 0;
    bool first = true;
    while (i < value.size()) {
        if (value[i] == 0x80) return fail("DER: an OID arc has a redundant leading zero group.");
        std::uint64_t arc = 0;
        for (;;) {
            if (i >= value.size()) return fail("DER: an OBJECT IDENTIFIER ends inside an arc.");
            if (arc >> 57) return fail("DER: an OID arc is too large.");
            const std::uint8_t b = value[i++];
            arc = (arc << 7) | (b & 0x7F);
            if ((b & 0x80) == 0) break;
        }
        if (first) {
            const std::uint64_t top = arc < 40 ? 0 : (arc < 80 ? 1 : 2);
            out = std::to_string(top) + "." + std::to_string(arc - 40 * top);
            first = false;
        } else {
            // Two appends rather than `"." + std::to_string(arc)`: GCC 12 -O3 reports a bogus -Wrestrict inside
            // libstdc++'s operator+(const char*, string&&) (GCC bug 105329).
            out += '.';
            out += std::to_string(arc);
        }
    }
    return out;
}

result<bytes> encode_oid(std::string_view dotted)
{
    std::vector<std::uint64_t> arcs;
    std::size_t pos = 0;
    while (pos <= dotted.size()) {
        const std::size_t dot = std::min(dotted.find('.', pos), dotted.size());
        const std::string_view part = dotted.substr(pos, dot - pos);
        if (part.empty() || part.size() > 19) return fail("DER: \"" + std::string(dotted) + "\" is not a dotted OID.");
        std::uint64_t v = 0;
        for (char c : part) {
            if (c < '0' || c > '9') return fail("DER: \"" + std::string(dotted) + "\" is not a dotted OID.");
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        arcs.push_back(v);
        pos = dot + 1;
    }
    if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) || arcs[1] > UINT64_MAX - 80)
        return fail("DER: \"" + std::string(dotted) + "\" is not a valid OID.");

    bytes out;
    auto put_arc = [&out](std::uint64_t v) {
        std::uint8_t tmp[10];
        std::size_t n = 0;
        do {
            tmp[n++] = static_cast<std::uint8_t>(v & 0x7F);
            v >>= 7;
        } while (v != 0);
        while (n-- > 0) out.push_back(static_cast<std::uint8_t>(tmp[n] | (n != 0 ? 0x80 : 0x00)));
    };
    put_arc(arcs[0] * 40 + arcs[1]);
    for (std::size_t i = 2; i < arcs.size(); ++i) put_arc(arcs[i]);
    return out;
}

bool bit_is_set(byte_view bitstring_value, unsigned n)
{
    const std::size_t byte = 1 + n / 8;
    if (bitstring_value.size() <= byte) return false;
    return (bitstring_value[byte] & (0x80 >> (n % 8))) != 0;
}

} // namespace openrsp::der
