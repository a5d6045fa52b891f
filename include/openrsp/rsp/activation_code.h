#pragma once
/// \file
/// \brief SGP.22 §4.1 Activation Code: `1$<SM-DP+ address>$<AC_Token>[$<SM-DP+ OID>[$<CC required flag>]]`,
/// in a QR code prefixed by `LPA:`.

#include "openrsp/core/result.h"

#include <string>
#include <string_view>

namespace openrsp::rsp {

struct activation_code {
    std::string smdp_address;  ///< FQDN, optionally with ":port" (lpac puts it after https:// as is)
    std::string matching_id;   ///< AC_Token
    std::string smdp_oid;      ///< optional, dotted
    bool confirmation_code_required = false;

    /// `LPA:1$...` form, with empty OID field when only the CC flag is set.
    [[nodiscard]] std::string to_string(bool with_lpa_prefix = true) const;
};

/// Longest activation code accepted (the value commonly quoted for SGP.22 §4.1).
inline constexpr std::size_t max_activation_code_length = 255;

/// \brief Parses and validates an activation code, with or without the `LPA:` prefix (any case).
/// Errors name the field: "the activation code's SM-DP+ address is empty".
result<activation_code> parse_activation_code(std::string_view text);

/// \brief True for a host[:port] made of DNS labels (letters, digits, hyphens) and an optional decimal port.
bool is_valid_smdp_address(std::string_view address);

/// \brief A character a matching ID may hold: what travels in an activation code (SGP.22 §4.1) and in ctxParams1's
/// UTF8String, i.e. visible ASCII but the '$' separator (operators and SGP.23 fixtures use letters of either case,
/// digits, '-' and '_'); never whitespace or control characters.
bool is_matching_id_char(char c);
/// \brief Host part of host[:port].
std::string_view address_host(std::string_view address);

} // namespace openrsp::rsp
