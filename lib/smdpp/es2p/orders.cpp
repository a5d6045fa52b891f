// Rules shared by the ES2+ order functions (SGP.22 §5.3; profile states as in the facts sheet §9.2), and the
// re-download policy of an order.
#include "es2p/orders.h"

namespace openrsp::smdpp::es2p {

namespace {

using store::profile_state;

} // namespace

// One sentence per refusal; the codes follow SGP.22 §5.3 (ICCID 8.2.1, transition 8.2 / 3.5).
unexpected unknown_iccid(std::string_view iccid)
{
    return fail("8.2.1", "3.9", "no profile with ICCID " + std::string(iccid) + " belongs to this operator");
}

unexpected invalid_transition(const store::inventory_profile& p, std::string_view what)
{
    return fail("8.2", "3.5",
                "the profile " + p.iccid + " is " + std::string(store::to_string(p.state)) + ", so it cannot be " +
                    std::string(what));
}

unexpected store_error(const error& e)
{
    return fail("8.8", "4.2", e.message);
}

// The operator's own profile, or 8.2.1 / 3.9 whether it does not exist or belongs to someone else: an operator
// must not learn which ICCIDs other operators hold.
result<store::inventory_profile> own_profile(store::inventory& inv, const order_context& ctx, std::string_view iccid)
{
    auto p = inv.find_by_iccid(iccid);
    if (!p) return store_error(p.error());
    if (!*p || (*p)->operator_id != ctx.operator_id) return unknown_iccid(iccid);
    return std::move(**p);
}

bool one_of(profile_state s, std::initializer_list<profile_state> states)
{
    for (auto x : states)
        if (x == s) return true;
    return false;
}

// The compare-and-set lost against a concurrent change (another node, another call): re-read to say what it is now.
unexpected lost_race(store::inventory& inv, const order_context& ctx, std::string_view iccid, std::string_view what)
{
    auto now = own_profile(inv, ctx, iccid);
    if (!now) return now.take_error();
    return invalid_transition(*now, what);
}

result<void> set_redownload_policy(store::inventory& inv, const order_context& ctx, std::string_view iccid, bool allow)
{
    auto done = inv.set_redownload_policy(iccid, ctx.operator_id, allow);
    if (!done) return store_error(done.error());
    if (!*done) return unknown_iccid(iccid);
    return ok();
}

} // namespace openrsp::smdpp::es2p
