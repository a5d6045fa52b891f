#pragma once
// Private to lib/smdpp: the rules the ES2+ order functions share (SGP.22 §5.3.1-5.3.4; profile states as in the
// facts sheet §9.2): whose profile a call may touch, and the refusals they answer with.

#include "openrsp/smdpp/es2p.h"
#include "openrsp/smdpp/smdpp.h"

#include <initializer_list>
#include <string_view>

namespace openrsp::smdpp::es2p {

/// 8.2.1 / 3.9: no profile with this ICCID belongs to the operator.
unexpected unknown_iccid(std::string_view iccid);
/// 8.2 / 3.5: the profile's state does not allow `what` ("confirmed", "cancelled"...).
unexpected invalid_transition(const store::inventory_profile& p, std::string_view what);
/// 8.8 / 4.2: the store failed.
unexpected store_error(const error& e);
/// The operator's own profile, or 8.2.1 / 3.9 whether it does not exist or belongs to someone else.
result<store::inventory_profile> own_profile(store::inventory& inv, const order_context& ctx, std::string_view iccid);
bool one_of(store::profile_state s, std::initializer_list<store::profile_state> states);
/// The refusal after a compare-and-set lost against a concurrent change: the profile's state now.
unexpected lost_race(store::inventory& inv, const order_context& ctx, std::string_view iccid, std::string_view what);

} // namespace openrsp::smdpp::es2p
