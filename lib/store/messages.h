#pragma once
/// \file
/// \brief Private to lib/store: the sentences both backends answer with, and the checks that produce them.

#include "openrsp/core/result.h"

#include <string>
#include <string_view>

namespace openrsp::store::messages {

/// The setting that records that an inventory was once opened with a key-encryption key.
inline constexpr std::string_view sealing_setting = "profile_sealing";
inline constexpr std::string_view sealing_on = "kek";

/// Once opened with a key, an inventory stays sealed: a later shell command without --kek must not add profiles in
/// clear next to sealed ones.
inline result<void> check_can_add(bool require_key, bool has_key)
{
    if (require_key && !has_key)
        return fail("this inventory keeps profile secrets sealed: give the key-encryption key (--kek)");
    return ok();
}

inline unexpected profile_exists(std::string_view iccid, std::string_view matching_id)
{
    return fail("a profile with ICCID " + std::string(iccid) + " or matching ID " + std::string(matching_id) +
                " is already in the inventory");
}
inline unexpected operator_exists(std::string_view name)
{
    return fail("an operator named " + std::string(name) + " already exists");
}
inline unexpected no_such_operator(std::string_view name)
{
    return fail("there is no operator named " + std::string(name));
}
inline unexpected client_cert_taken()
{
    return fail("that client certificate is already registered to another operator");
}
inline unexpected reseal_needs_key()
{
    return fail("re-sealing needs a key-encryption key");
}
inline unexpected sealed_under_missing_key(std::string_view iccid, std::string_view kek_id)
{
    return fail("profile " + std::string(iccid) + " is sealed under key-encryption key " + std::string(kek_id) +
                ", which was not given");
}
/// A statement failed in the database: "database error (<what>): <the database's message>".
inline unexpected database_error(std::string_view what, std::string_view detail)
{
    return fail("database error (" + std::string(what) + "): " + std::string(detail));
}

} // namespace openrsp::store::messages
