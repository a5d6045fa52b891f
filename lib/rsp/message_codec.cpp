/// \file
/// \brief Shared checks of the typed SGP.22 message decoders (see message_codec.h).

#include "message_codec.h"

#include "openrsp/rsp/tags.h"

#include <cstdio>

namespace openrsp::rsp::detail {

namespace {
// SGP.22 §5.2.6 subject and reasons for a message that cannot be read.
constexpr const char* subject_protocol_format = "1.3.1";
constexpr const char* reason_invalid = "2.1";
constexpr const char* reason_missing = "2.2";
} // namespace

std::string tag_text(der::tag_t tag)
{
    char buf[12];
    if (tag > 0xFFFF)
        std::snprintf(buf, sizeof buf, "%06X", static_cast<unsigned>(tag));
    else if (tag > 0xFF)
        std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(tag));
    else
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(tag));
    return buf;
}

unexpected missing(std::string_view type, std::string_view field, der::tag_t tag)
{
    return fail(subject_protocol_format, reason_missing,
                std::string(type) + " lacks its mandatory " + std::string(field) + " (tag " + tag_text(tag) + ")");
}

unexpected invalid(std::string_view type, std::string_view text)
{
    return fail(subject_protocol_format, reason_invalid, std::string(type) + ": " + std::string(text));
}

result<der::tlv> open_outer(byte_view der, der::tag_t tag, std::string_view type)
{
    auto t = der::parse_one(der);
    if (!t) return invalid(type, "not one well-formed TLV (" + t.error().message + ")");
    if (t->tag != tag) return invalid(type, "the outer tag is " + tag_text(t->tag) + ", expected " + tag_text(tag));
    return t;
}

result<element_set> element_set::of(byte_view contents, std::string_view type)
{
    auto items = der::reader(contents).all();
    if (!items) return invalid(type, "malformed contents (" + items.error().message + ")");
    element_set s;
    s.m_type = type;
    s.m_items = std::move(*items);
    s.m_taken.assign(s.m_items.size(), false);
    return s;
}

std::optional<der::tlv> element_set::take(der::tag_t tag)
{
    for (std::size_t i = 0; i < m_items.size(); ++i) {
        if (m_taken[i] || m_items[i].tag != tag) continue;
        m_taken[i] = true;
        return m_items[i];
    }
    return std::nullopt;
}

result<der::tlv> element_set::need(der::tag_t tag, std::string_view field)
{
    if (auto t = take(tag)) return *t;
    return missing(m_type, field, tag);
}

bytes element_set::rest() const
{
    bytes out;
    for (std::size_t i = 0; i < m_items.size(); ++i)
        if (!m_taken[i]) append(out, m_items[i].raw);
    return out;
}

result<bytes> sized(const der::tlv& t, std::size_t min, std::size_t max, std::string_view type, std::string_view field)
{
    if (t.constructed()) return invalid(type, std::string(field) + " must be primitive");
    const std::size_t n = t.value.size();
    if (n < min || n > max) {
        const std::string want = min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
        return invalid(type, std::string(field) + " must be " + want + " bytes, not " + std::to_string(n));
    }
    return bytes(t.value.begin(), t.value.end());
}

result<version_type> version(const der::tlv& t, std::string_view type, std::string_view field)
{
    auto b = sized(t, 3, 3, type, field);
    if (!b) return b.take_error();
    return version_type{(*b)[0], (*b)[1], (*b)[2]};
}

result<int> small_int(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed()) return invalid(type, std::string(field) + " must be a primitive INTEGER");
    auto v = der::decode_uint(t.value);
    if (!v) return invalid(type, std::string(field) + " is not a valid non-negative INTEGER");
    if (*v > static_cast<std::uint64_t>(INT_MAX)) return invalid(type, std::string(field) + " is out of range");
    return static_cast<int>(*v);
}

result<bytes> bit_string(const der::tlv& t, std::string_view type, std::string_view field)
{
    if (t.constructed() || t.value.empty() || t.value[0] > 7 || (t.value.size() == 1 && t.value[0] != 0))
        return invalid(type, std::string(field) + " is not a valid BIT STRING");
    return bytes(t.value.begin(), t.value.end());
}

result<std::string> utf8(const der::tlv& t, std::size_t max, std::string_view type, std::string_view field)
{
    if (t.constructed()) return invalid(type, std::string(field) + " must be a primitive UTF8String");
    if (t.value.size() > max)
        return invalid(type, std::string(field) + " has " + std::to_string(t.value.size()) + " bytes, at most " +
                                 std::to_string(max) + " are allowed");
    return to_string(t.value);
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

void put_pkid_list(der::writer& w, der::tag_t tag, const std::vector<bytes>& pkids)
{
    w.begin(tag);
    for (const auto& p : pkids)
        w.add(tag::octet_string, p);
    w.end();
}

} // namespace openrsp::rsp::detail
