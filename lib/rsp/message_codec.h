#pragma once
/// \file
/// \brief Shared pieces of the typed SGP.22 message decoders (euicc_info, authentication, cancel_session): element
/// lookup that skips unknown (extension) elements, and the size/form checks with sentences naming ASN.1 type and
/// field. Internal to lib/rsp.

#include "openrsp/der/der.h"
#include "openrsp/rsp/codes.h"
#include "openrsp/rsp/euicc_info.h"

#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::rsp::detail {

/// "BF38", "5F37", "80".
std::string tag_text(der::tag_t tag);

/// SGP.22 §5.2.6: 1.3.1 Protocol Format / 2.2 Mandatory Element Missing.
unexpected missing(std::string_view type, std::string_view field, der::tag_t tag);
/// 1.3.1 / 2.1 Invalid, with "<type>: <text>".
unexpected invalid(std::string_view type, std::string_view text);

/// Decodes exactly one TLV with the expected outer tag (no trailing bytes).
result<der::tlv> open_outer(byte_view der, der::tag_t tag, std::string_view type);

/// \brief The elements of one constructed value. take() hands out the first not yet taken element with a tag, in
/// wire order (so two universal SEQUENCEs come out in the order sent); elements never taken are the unknown ones.
class element_set {
public:
    static result<element_set> of(byte_view contents, std::string_view type);

    std::optional<der::tlv> take(der::tag_t tag);
    /// take(), or 2.2 naming the field.
    result<der::tlv> need(der::tag_t tag, std::string_view field);
    /// The raw bytes of every element not taken, in wire order (extensions to carry along verbatim).
    [[nodiscard]] bytes rest() const;

private:
    std::string_view m_type;
    std::vector<der::tlv> m_items;
    std::vector<bool> m_taken;
};

/// OCTET STRING-like value with a size between min and max bytes.
result<bytes> sized(const der::tlv& t, std::size_t min, std::size_t max, std::string_view type, std::string_view field);
/// TransactionId: OCTET STRING (SIZE(1..16)).
inline result<bytes> transaction_id(const der::tlv& t, std::string_view type)
{
    return sized(t, 1, 16, type, "transactionId");
}
/// VersionType: OCTET STRING (SIZE(3)).
result<version_type> version(const der::tlv& t, std::string_view type, std::string_view field);
/// A non-negative INTEGER that fits an int (every SGP.22 code set does).
result<int> small_int(const der::tlv& t, std::string_view type, std::string_view field);
/// A code of an extensible INTEGER code set; unnamed values are kept.
template <code_enum E> result<E> code(const der::tlv& t, std::string_view type, std::string_view field)
{
    auto v = small_int(t, type, field);
    if (!v) return v.take_error();
    return code_from_int<E>(*v);
}
/// BIT STRING contents: an unused-bits count 0..7 (0 when empty), then the bits.
result<bytes> bit_string(const der::tlv& t, std::string_view type, std::string_view field);
/// UTF8String of at most max bytes.
result<std::string> utf8(const der::tlv& t, std::size_t max, std::string_view type, std::string_view field);
/// SEQUENCE OF SubjectKeyIdentifier (04 elements).
result<std::vector<bytes>> pkid_list(const der::tlv& t, std::string_view type, std::string_view field);
/// A Certificate: a constructed universal SEQUENCE, kept whole as DER.
result<bytes> certificate(const der::tlv& t, std::string_view type, std::string_view field);

/// Writes a SEQUENCE OF SubjectKeyIdentifier under `tag`.
void put_pkid_list(der::writer& w, der::tag_t tag, const std::vector<bytes>& pkids);
/// Writes a VersionType.
inline void put_version(der::writer& w, der::tag_t tag, const version_type& v)
{
    w.add(tag, byte_view(v.data(), v.size()));
}

} // namespace openrsp::rsp::detail
