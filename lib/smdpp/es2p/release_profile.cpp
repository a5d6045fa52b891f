// ES2+ ReleaseProfile (SGP.22 §5.3.4): Confirmed -> Released.
#include "es2p/orders.h"

namespace openrsp::smdpp::es2p {

namespace {

using store::profile_state;

} // namespace

result<void> release_profile(store::inventory& inv, const order_context& ctx, const release_profile_request& req)
{
    auto p = own_profile(inv, ctx, req.iccid);
    if (!p) return p.take_error();
    if (p->state != profile_state::confirmed) return invalid_transition(*p, "released");
    store::order_change c;
    c.to = profile_state::released;
    auto r = inv.update_order(p->iccid, ctx.operator_id, profile_state::confirmed, c);
    if (!r) return store_error(r.error());
    if (*r != store::order_outcome::done) return lost_race(inv, ctx, p->iccid, "released");
    return ok();
}

} // namespace openrsp::smdpp::es2p
