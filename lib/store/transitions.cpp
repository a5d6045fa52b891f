#include "transitions.h"

#include <array>

namespace openrsp::store {

namespace {

// Indexed by profile_state; the text stored in the state column of both dialects.
constexpr std::array state_names{"available", "allocated", "linked",   "confirmed", "released", "downloaded",
                                 "installed", "enabled",   "disabled", "deleted",   "error",    "unavailable"};

} // namespace

std::string_view to_string(profile_state s)
{
    return state_names[static_cast<std::size_t>(s)];
}

std::optional<profile_state> parse_profile_state(std::string_view s)
{
    for (std::size_t i = 0; i < state_names.size(); ++i)
        if (s == state_names[i]) return static_cast<profile_state>(i);
    return std::nullopt;
}

} // namespace openrsp::store
