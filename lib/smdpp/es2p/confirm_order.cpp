// ES2+ ConfirmOrder (SGP.22 §5.3.2): Allocated or Linked -> Confirmed or Released, with a matching ID.
#include "es2p/orders.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/activation_code.h"

namespace openrsp::smdpp::es2p {

namespace {

using store::profile_state;

} // namespace

result<confirm_order_response> confirm_order(store::inventory& inv, const order_context& ctx,
                                             const confirm_order_request& req)
{
    auto p = own_profile(inv, ctx, req.iccid);
    if (!p) return p.take_error();
    if (!one_of(p->state, {profile_state::allocated, profile_state::linked}))
        return invalid_transition(*p, "confirmed");
    // SGP.22 §5.3.2: a Linked order keeps its EID; an Allocated one may get its EID now.
    if (p->state == profile_state::linked && req.eid && *req.eid != p->eid)
        return fail("8.1.1", "3.10", "the order for " + p->iccid + " is linked to another EID");
    if (req.matching_id && req.matching_id->empty()) return fail("8.2.6", "2.1", "the matching ID is empty");
    if (req.confirmation_code && req.confirmation_code->empty())
        return fail("8.2.7", "2.1", "the confirmation code is empty");
    // SGP.22 §5.3.2 reading: without a matching ID the SM-DP+ generates one (the Activation Code use case), so an
    // order never lacks both. The SM-DS use case is the one that needs the EID: the event (whose EventID is the
    // matching ID) is registered for an EID, so an smdsAddress with no EID known, neither given now nor linked by
    // DownloadOrder, cannot be served (8.1.1 / 2.2, conditional EID missing).
    if (req.smds_address) {
        if (!rsp::is_valid_smdp_address(*req.smds_address))
            return fail("8.9", "5.1", "the SM-DS address '" + *req.smds_address + "' is not a host name");
        if (!req.eid && p->eid.empty())
            return fail("8.1.1", "2.2", "an order announced on an SM-DS needs the EID it is for");
    }
    if (req.expiry && *req.expiry <= ctx.now) return fail("1.3.1", "2.1", "the order expiry is not in the future");

    std::string mid = req.matching_id.value_or(generate_matching_id());
    // The matching ID ends up in an activation code and in ctxParams1: it must obey the rules a scanned one does
    // (operators' IDs with letters of either case, digits, '-' and '_' pass; '$', whitespace, too long do not).
    rsp::activation_code ac;
    ac.smdp_address = ctx.smdp_address;
    ac.matching_id = mid;
    if (auto check = rsp::parse_activation_code(ac.to_string()); !check)
        return fail("8.2.6", "2.1", "the matching ID cannot be used in an activation code: " + check.error().message);

    store::order_change c;
    c.to = req.release_flag ? profile_state::released : profile_state::confirmed;
    c.matching_id = mid;
    c.allow_redownload = req.allow_redownload;
    c.expires_at = req.expiry;
    if (req.eid) c.eid = *req.eid;
    // Stored is SHA-256(CC); the eUICC later proves it with SHA-256(SHA-256(CC) || transactionId).
    c.confirmation_code_hash = req.confirmation_code ? crypto::sha256(as_bytes(*req.confirmation_code)) : bytes{};
    auto r = inv.update_order(p->iccid, ctx.operator_id, p->state, c);
    if (!r) return store_error(r.error());
    if (*r == store::order_outcome::matching_id_taken)
        return fail("8.2.6", "3.3", "the matching ID '" + mid + "' is already used by another order");
    if (*r != store::order_outcome::done) return lost_race(inv, ctx, p->iccid, "confirmed");

    confirm_order_response out;
    out.matching_id = std::move(mid);
    out.smdp_address = ctx.smdp_address;
    if (req.eid)
        out.eid = *req.eid;
    else if (!p->eid.empty())
        out.eid = p->eid;
    return out;
}

} // namespace openrsp::smdpp::es2p
