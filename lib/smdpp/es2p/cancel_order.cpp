// ES2+ CancelOrder (SGP.22 §5.3.3): an undelivered order back to Available or Unavailable.
#include "es2p/orders.h"

namespace openrsp::smdpp::es2p {

namespace {

using store::profile_state;

} // namespace

result<void> cancel_order(store::inventory& inv, const order_context& ctx, const cancel_order_request& req)
{
    auto p = own_profile(inv, ctx, req.iccid);
    if (!p) return p.take_error();
    if (!one_of(req.final_profile_status, {profile_state::available, profile_state::unavailable}))
        return fail("1.3.1", "2.1", "the final profile status must be Available or Unavailable");
    // A delivered profile may sit on an eUICC: its order cannot be undone, only the eUICC can delete it.
    if (!one_of(p->state, {profile_state::allocated, profile_state::linked, profile_state::confirmed,
                           profile_state::released, profile_state::error}))
        return invalid_transition(*p, "cancelled");
    if (req.eid && !p->eid.empty() && *req.eid != p->eid)
        return fail("8.1.1", "3.10", "the order for " + p->iccid + " is for another EID");
    if (req.matching_id && *req.matching_id != p->matching_id)
        return fail("8.2.6", "3.10", "the order for " + p->iccid + " has another matching ID");
    // SGP.22 §5.3.3: the EID is conditional, present when the order is linked to one; an operator cancelling a
    // linked order without it is refused, and nothing changes.
    if (!req.eid && !p->eid.empty())
        return fail("8.1.1", "2.2", "the order for " + p->iccid + " is linked to an EID: give that EID to cancel it");
    store::order_change c;
    c.to = req.final_profile_status;
    c.reset = req.final_profile_status == profile_state::available;
    auto r = inv.update_order(p->iccid, ctx.operator_id, p->state, c);
    if (!r) return store_error(r.error());
    if (*r != store::order_outcome::done) return lost_race(inv, ctx, p->iccid, "cancelled");
    return ok();
}

} // namespace openrsp::smdpp::es2p
