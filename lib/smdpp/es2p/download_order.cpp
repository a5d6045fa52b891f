// ES2+ DownloadOrder (SGP.22 §5.3.1): Available -> Allocated or Linked.
#include "es2p/orders.h"

namespace openrsp::smdpp::es2p {

namespace {

using store::profile_state;

} // namespace

result<download_order_response> download_order(store::inventory& inv, const order_context& ctx,
                                               const download_order_request& req)
{
    const profile_state to = req.eid ? profile_state::linked : profile_state::allocated;
    if (req.expiry && *req.expiry <= ctx.now) return fail("1.3.1", "2.1", "the order expiry is not in the future");
    // An order names its expiry, or lives the SM-DP+'s default lifetime (SGP.22 §5.6.2: expired -> 8.8.5 / 4.10).
    const std::int64_t expires_at =
        req.expiry.value_or(ctx.default_order_ttl > 0 ? ctx.now + ctx.default_order_ttl : std::int64_t{0});
    if (!req.iccid) {
        if (!req.profile_type || req.profile_type->empty())
            return fail("1.3.1", "2.3", "a download order needs an ICCID or a profile type");
        auto taken = inv.allocate_by_type(ctx.operator_id, *req.profile_type, to, req.eid.value_or(""));
        if (!taken) return store_error(taken.error());
        if (!*taken) return fail("8.2.5", "3.7", "no Available profile of type '" + *req.profile_type + "' is left");
        // The profile is this order's now, so setting its policy and expiry right after cannot race another order.
        if (req.allow_redownload) {
            auto set = inv.set_redownload_policy(**taken, ctx.operator_id, *req.allow_redownload);
            if (!set) return store_error(set.error());
        }
        if (expires_at != 0) {
            store::order_change e;
            e.to = to;
            e.expires_at = expires_at;
            auto set = inv.update_order(**taken, ctx.operator_id, to, e);
            if (!set) return store_error(set.error());
        }
        return download_order_response{std::move(**taken)};
    }
    auto p = own_profile(inv, ctx, *req.iccid);
    if (!p) return p.take_error();
    if (req.profile_type && !req.profile_type->empty() && *req.profile_type != p->profile_type)
        return fail("8.2.5", "3.10", "the profile " + p->iccid + " is not of type '" + *req.profile_type + "'");
    if (p->state != profile_state::available)
        return fail("8.2.1", "3.3",
                    "the profile " + p->iccid + " is already ordered (" + std::string(store::to_string(p->state)) +
                        ")");
    store::order_change c;
    c.to = to;
    c.eid = req.eid.value_or("");
    c.allow_redownload = req.allow_redownload;
    c.expires_at = expires_at;
    auto r = inv.update_order(p->iccid, ctx.operator_id, profile_state::available, c);
    if (!r) return store_error(r.error());
    if (*r != store::order_outcome::done)
        return fail("8.2.1", "3.3", "the profile " + p->iccid + " was ordered by another call meanwhile");
    return download_order_response{p->iccid};
}

} // namespace openrsp::smdpp::es2p
