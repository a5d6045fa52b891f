#pragma once
/// \file
/// \brief Private to lib/rsp: the pieces every typed SGP.22 message decoder shares. Element lookup that leaves
/// unknown (extension) elements alone (every RSP SEQUENCE is extensible), and the checks every decoder makes, each
/// failing with a sentence that names the ASN.1 type and field: subject 1.3.1, reason 2.2 for a missing mandatory
/// element and 2.1 for an invalid one, as SGP.22 §5.2.6 words them for ES9+ (callers may remap).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/der/der.h"
#include "openrsp/rsp/codes.h"
#include "openrsp/rsp/euicc_info.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::rsp::codec {

using der::tag_t;

/// "BF27", "5F37", "30": a tag as written on the wire.
std::string tag_text(tag_t tag);

/// 1.3.1 / 2.2: `type` lacks a mandatory `field`.
unexpected missing(std::string_view type, std::string_view field, tag_t tag);
/// 1.3.1 / 2.1: `type` carries something invalid; `what` is the rest of the sentence ("<type>: <what>").
unexpected invalid(std::string_view type, std::string_view what);

/// Decodes exactly one TLV with the expected outer tag; trailing bytes, other tags and bad DER are invalid.
result<der::tlv> open(byte_view der, tag_t expected, std::string_view type);

/// \brief The elements of one constructed value, looked up by tag; unknown tags are left alone.
///
/// find() and all() look at every element. need() and take() hand out the first element with a tag that was not
/// handed out yet, in wire order (so two universal SEQUENCEs come out in the order sent); rest() returns the
/// elements never handed out (the extensions, to carry along verbatim).
class fields {
public:
    /// Fails when the contents are not DER, or when one of `unique_tags` appears more than once.
    static result<fields> read(byte_view contents, std::string_view type, std::initializer_list<tag_t> unique_tags = {});

    [[nodiscard]] std::optional<der::tlv> find(tag_t tag) const;
    std::optional<der::tlv> take(tag_t tag);
    /// take(), or 1.3.1/2.2 naming the field.
    result<der::tlv> need(tag_t tag, std::string_view field);
    [[nodiscard]] const std::vector<der::tlv>& all() const { return m_items; }
    /// The raw bytes of every element not handed out by need()/take(), in wire order.
    [[nodiscard]] bytes rest() const;
    [[nodiscard]] std::string_view type() const { return m_type; }

private:
    std::vector<der::tlv> m_items;
    std::vector<bool> m_taken;
    std::string m_type;
};

/// OCTET STRING (or any primitive) contents with a size between min and max bytes.
result<bytes> octets(const der::tlv& t, std::string_view type, std::string_view field, std::size_t min, std::size_t max);
/// TransactionId ::= OCTET STRING (SIZE(1..16)).
result<bytes> transaction_id(const der::tlv& t, std::string_view type);
/// Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10)).
result<bytes> iccid(const der::tlv& t, std::string_view type);
/// VersionType ::= OCTET STRING (SIZE(3)).
result<version_type> version(const der::tlv& t, std::string_view type, std::string_view field);
/// Non-negative INTEGER (counters, sequence numbers).
result<std::uint64_t> uinteger(const der::tlv& t, std::string_view type, std::string_view field);
/// A non-negative INTEGER that fits an int.
result<int> small_int(const der::tlv& t, std::string_view type, std::string_view field);
/// An INTEGER code that fits an `unsigned` enum.
result<unsigned> code(const der::tlv& t, std::string_view type, std::string_view field);
/// A code of an extensible INTEGER code set (rsp/codes.h); unnamed values are kept.
template <code_enum E>
result<E> code(const der::tlv& t, std::string_view type, std::string_view field)
{
    auto v = small_int(t, type, field);
    if (!v) return v.take_error();
    return code_from_int<E>(*v);
}
/// BOOLEAN: one byte, any non-zero value is TRUE (BER; DER writers send FF).
result<bool> boolean(const der::tlv& t, std::string_view type, std::string_view field);
/// UTF8String of at most max bytes.
result<std::string> utf8(const der::tlv& t, std::string_view type, std::string_view field, std::size_t max);
/// BIT STRING contents: an unused-bits count 0..7 (0 when there are no data bytes), then the bits.
result<bytes> bit_string(const der::tlv& t, std::string_view type, std::string_view field);
/// SEQUENCE OF SubjectKeyIdentifier (04 elements).
result<std::vector<bytes>> pkid_list(const der::tlv& t, std::string_view type, std::string_view field);
/// A Certificate: a constructed universal SEQUENCE, kept whole as DER.
result<bytes> certificate(const der::tlv& t, std::string_view type, std::string_view field);

/// Writes a SEQUENCE OF SubjectKeyIdentifier under `tag`.
void put_pkid_list(der::writer& w, tag_t tag, const std::vector<bytes>& pkids);
/// Writes a VersionType.
inline void put_version(der::writer& w, tag_t tag, const version_type& v)
{
    w.add(tag, byte_view(v.data(), v.size()));
}

} // namespace openrsp::rsp::codec
