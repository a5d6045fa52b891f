#pragma once
// Private to lib/smdpp/es9p: giving a typed decoder's error (include/openrsp/rsp/*.h) the SGP.22 subject/reason the
// ES9+ function has always answered for that element. The decoders refuse a message with 1.3.1 / 2.2 (missing) or
// 1.3.1 / 2.1 (invalid) and a sentence that starts with the ASN.1 type name and names the field
// ("EuiccSigned1 lacks its mandatory transactionId (tag 80)", "EuiccCancelSessionSigned: smdpOid is not ...");
// some elements mean more to the SM-DP+ than their form, e.g. an unreadable transactionId is an unknown transaction
// (8.10.1 / 3.9, SGP.22 §5.6).

#include "openrsp/core/result.h"

#include <string_view>

namespace openrsp::smdpp {

/// Whether `e` came from the decoder of ASN.1 type `type` (nested types report their own name), and, when `field`
/// is given, names that field.
inline bool decode_error_about(const error& e, std::string_view type, std::string_view field = {})
{
    const std::string_view m = e.message;
    if (!m.starts_with(type) || m.size() == type.size()) return false;
    if (const char next = m[type.size()]; next != ' ' && next != ':') return false;
    return field.empty() || m.find(field) != std::string_view::npos;
}

/// The same sentence under other codes.
inline unexpected with_codes(const error& e, std::string subject, std::string reason)
{
    return fail(std::move(subject), std::move(reason), e.message);
}

/// The same sentence as 1.3.1 / 2.1 (Invalid).
inline unexpected as_invalid(const error& e)
{
    return with_codes(e, "1.3.1", "2.1");
}

} // namespace openrsp::smdpp
