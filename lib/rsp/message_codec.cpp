/// \file
/// \brief Shared checks of the typed SGP.22 message decoders (see message_codec.h).

#include "message_codec.h"

#include "openrsp/rsp/tags.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <limits>

namespace openrsp::rsp::codec {

namespace {
// SGP.22 §5.2.6 subject and reasons for a message that cannot be read.
constexpr const char* subject_protocol_format = "1.3.1";
constexpr const char* reason_invalid = "2.1";
constexpr const char* reason_missing = "2.2";
} // namespace

std::string tag_text(tag_t tag)
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
    return fail(subject_protocol_format, reason_missing,
                std::string(type) + " lacks its mandatory " + std::string(field) + " (tag " + tag_text(tag) + ")");
}

unexpected invalid(std::string_view type, std::string_view what)
{
    return fail(subject_protocol_format, reason_invalid, std::string(type) + ": " + std::string(what));
}

result<der::tlv> open(byte_view der, tag_t expected, std::string_view type)
{
    auto t = der::parse_prefix(der);
    if (!t) return invalid(type, "not one well-formed TLV (" + t.error().message + ")");
    if (t->tag != expected)
        return invalid(type, "the outer tag is " + tag_text(t->tag) + ", expected " + tag_text(expected));
    if (t->raw.size() != der.size())
        return invalid(type, std::to_string(der.size() - t->raw.size()) + " unexpected bytes follow the TLV");
    return t;
}

result<fields> fields::read(byte_view contents, std::string_view type, std::initializer_list<tag_t> unique_tags)
{
    auto all = der::reader(contents).all();
    if (!all) return invalid(type, "malformed contents (" + all.error().message + ")");
    for (const tag_t u : unique_tags)
        if (std::ranges::count_if(*all, [u](const der::tlv& t) { return t.tag == u; }) > 1)
            return invalid(type, "tag " + tag_text(u) + " appears more than once");
    fields f;
    f.m_items = std::move(*all);
    f.m_taken.assign(f.m_items.size(), false);
    f.m_type = std::string(type);
    return f;
}

std::optional<der::tlv> fields::find(tag_t tag) const
{
    for (const auto& t : m_items)
        if (t.tag == tag) return t;
    return std::nullopt;
}

std::optional<der::tlv> fields::take(tag_t tag)
{
    for (std::size_t i = 0; i < m_items.size(); ++i) {
        if (m_taken[i] || m_items[i].tag != tag) continue;
        m_taken[i] = true;
        return m_items[i];
    }
    return std::nullopt;
}

result<der::tlv> fields::need(tag_t tag, std::string_view field)
{
    if (auto t = take(tag)) return *t;
    return missing(m_type, field, tag);
}

bytes fields::rest() const
{
    bytes out;
    for (std::size_t i = 0; i < m_items.size(); ++i)
        if (!m_taken[i]) append(out, m_items[i].raw);
    return out;
}

result<bytes> octets(const der::tlv& t, std::string_view type, std::string_view field, std::size_t min, std::size_t max)
{
    if (t.constructed()) return invalid(type, std::string(field) + " must be primitive");
    const std::size_t n = t.value.size();
    if (n < min || n > max) {
        const std::string range = min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
        return invalid(type, std::string(field) + " must be " + range + " bytes, not " + std::to_string(n));
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

result<version_type> version(const der::tlv& t, std::string_view type, std::string_view field)
{
    auto b = octets(t, type, field, 3, 3);
    if (!b) return b.take_error();
    return version_type{(*b)[0], (*b)[1], (*b)[2]};
}

result<std::uint64_t> uinteger(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed()) return invalid(type, std::string(field) + " must be a primitive INTEGER");
    auto v = der::decode_uint(t.value);
    if (!v) return invalid(type, std::string(field) + " is not a valid non-negative INTEGER");
    return *v;
}

result<int> small_int(const der::tlv& t, std::string_view type, std::string_view field)
{
    auto v = uinteger(t, type, field);
    if (!v) return v.take_error();
    if (*v > static_cast<std::uint64_t>(INT_MAX)) return invalid(type, std::string(field) + " is out of range");
    return static_cast<int>(*v);
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
    if (t.constructed()) return invalid(type, std::string(field) + " must be a primitive UTF8String");
    if (t.value.size() > max)
        return invalid(type, std::string(field) + " has " + std::to_string(t.value.size()) + " bytes, at most " +
                                 std::to_string(max) + " are allowed");
    return to_string(t.value);
}

result<bytes> bit_string(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed() || t.value.empty() || t.value[0] > 7 || (t.value.size() == 1 && t.value[0] != 0))
        return invalid(type, std::string(field) + " is not a valid BIT STRING");
    return bytes(t.value.begin(), t.value.end());
}

result<std::vector<bytes>> pkid_list(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (!t.constructed()) return invalid(type, std::string(field) + " must be a SEQUENCE OF SubjectKeyIdentifier");
    auto items = der::reader(t.value).all();
    if (!items) return invalid(type, std::string(field) + " is malformed (" + items.error().message + ")");
    std::vector<bytes> out;
    for (const auto& i : *items) {
        if (i.tag != tag::octet_string || i.value.empty())
            return invalid(type, std::string(field) + " holds an element that is not a SubjectKeyIdentifier");
        out.emplace_back(i.value.begin(), i.value.end());
    }
    return out;
}

result<bytes> certificate(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.tag != tag::sequence || !t.constructed() || t.value.empty())
        return invalid(type, std::string(field) + " is not a certificate");
    return bytes(t.raw.begin(), t.raw.end());
}

void put_pkid_list(der::writer& w, tag_t tag, const std::vector<bytes>& pkids)
{
    w.begin(tag);
    for (const auto& p : pkids)
        w.add(tag::octet_string, p);
    w.end();
}

} // namespace openrsp::rsp::codec
