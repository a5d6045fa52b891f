/// \file
/// \brief Shared checks of the typed SGP.22 message decoders (see message_codec.h).

#include "field_codec.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace openrsp::rsp::codec {

std::string tag_hex(tag_t tag)
{
    char buf[12];
    if (tag > 0xFFFFFF)
        std::snprintf(buf, sizeof buf, "%08X", static_cast<unsigned>(tag));
    else if (tag > 0xFFFF)
        std::snprintf(buf, sizeof buf, "%06X", static_cast<unsigned>(tag));
    else if (tag > 0xFF)
        std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(tag));
    else
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(tag));
    return buf;
}

unexpected missing(std::string_view type, std::string_view field, tag_t tag)
{
    return fail("1.3.1", "2.2",
                std::string(type) + " has no " + std::string(field) + " (tag " + tag_hex(tag) +
                    "), which is mandatory");
}

unexpected invalid(std::string_view type, std::string_view what)
{
    return fail("1.3.1", "2.1", std::string(type) + ": " + std::string(what));
}

result<der::tlv> open(byte_view der, tag_t expected, std::string_view type)
{
    auto t = der::parse_prefix(der);
    if (!t) return invalid(type, "not valid DER (" + t.error().message + ")");
    if (t->tag != expected)
        return invalid(type, "the outer tag is " + tag_hex(t->tag) + " where " + tag_hex(expected) + " belongs");
    if (t->raw.size() != der.size())
        return invalid(type, std::to_string(der.size() - t->raw.size()) + " unexpected bytes follow the TLV");
    return t;
}

result<fields> fields::read(byte_view contents, std::string_view type, std::initializer_list<tag_t> unique_tags)
{
    auto all = der::reader(contents).all();
    if (!all) return invalid(type, "the contents are not valid DER (" + all.error().message + ")");
    for (const tag_t u : unique_tags)
        if (std::ranges::count_if(*all, [u](const der::tlv& t) { return t.tag == u; }) > 1)
            return invalid(type, "tag " + tag_hex(u) + " appears more than once");
    fields f;
    f.m_items = std::move(*all);
    f.m_type = std::string(type);
    return f;
}

std::optional<der::tlv> fields::find(tag_t tag) const
{
    for (const auto& t : m_items)
        if (t.tag == tag) return t;
    return std::nullopt;
}

result<der::tlv> fields::need(tag_t tag, std::string_view field) const
{
    if (auto t = find(tag)) return *t;
    return missing(m_type, field, tag);
}

result<bytes> octets(const der::tlv& t, std::string_view type, std::string_view field, std::size_t min, std::size_t max)
{
    if (t.constructed()) return invalid(type, std::string(field) + " is constructed where a primitive belongs");
    if (t.value.size() < min || t.value.size() > max) {
        const std::string range = min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
        return invalid(type,
                       std::string(field) + " is " + std::to_string(t.value.size()) + " bytes; SGP.22 allows " + range);
    }
    return bytes(t.value.begin(), t.value.end());
}

result<bytes> transaction_id(const der::tlv& t, std::string_view type)
{
    return octets(t, type, "transactionId", 1, 16);
}

result<bytes> iccid(const der::tlv& t, std::string_view type)
{
    return octets(t, type, "iccid", 10, 10);
}

result<std::uint64_t> uinteger(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed()) return invalid(type, std::string(field) + " is constructed where an INTEGER belongs");
    auto v = der::decode_uint(t.value);
    if (!v) return invalid(type, std::string(field) + " is not a usable INTEGER (" + v.error().message + ")");
    return *v;
}

result<unsigned> code(const der::tlv& t, std::string_view type, std::string_view field)
{
    auto v = uinteger(t, type, field);
    if (!v) return v.take_error();
    if (*v > std::numeric_limits<unsigned>::max()) return invalid(type, std::string(field) + " is out of range");
    return static_cast<unsigned>(*v);
}

result<bool> boolean(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed() || t.value.size() != 1)
        return invalid(type, std::string(field) + " is not a BOOLEAN (one byte)");
    return t.value[0] != 0;
}

result<std::string> utf8(const der::tlv& t, std::string_view type, std::string_view field, std::size_t max)
{
    auto b = octets(t, type, field, 0, max);
    if (!b) return b.take_error();
    return to_string(*b);
}

result<bytes> bit_string(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed() || t.value.empty() || t.value[0] > 7 || (t.value.size() == 1 && t.value[0] != 0))
        return invalid(type, std::string(field) + " is not a valid BIT STRING");
    return bytes(t.value.begin(), t.value.end());
}

result<bytes> constructed_raw(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (!t.constructed()) return invalid(type, std::string(field) + " is primitive where a constructed value belongs");
    return bytes(t.raw.begin(), t.raw.end());
}

} // namespace openrsp::rsp::codec
