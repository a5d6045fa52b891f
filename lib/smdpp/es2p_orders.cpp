// ES2+ order functions over the inventory (SGP.22 §5.3.1-5.3.4; profile states as in the facts sheet §9.2).
#include "openrsp/crypto/ec.h"
#include "openrsp/http/server.h"
#include "openrsp/smdpp/es2p.h"
#include "openrsp/smdpp/smdpp.h"

#include <initializer_list>

namespace openrsp::smdpp::es2p {

namespace {

using store::profile_state;

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

} // namespace

result<download_order_response> download_order(store::inventory& inv, const order_context& ctx,
                                               const download_order_request& req)
{
    const profile_state to = req.eid ? profile_state::linked : profile_state::allocated;
    if (!req.iccid) {
        if (!req.profile_type || req.profile_type->empty())
            return fail("1.3.1", "2.3", "a download order needs an ICCID or a profile type");
        auto taken = inv.allocate_by_type(ctx.operator_id, *req.profile_type, to, req.eid.value_or(""));
        if (!taken) return store_error(taken.error());
        if (!*taken) return fail("8.2.5", "3.7", "no Available profile of type '" + *req.profile_type + "' is left");
        // The profile is this order's now, so setting its policy right after cannot race another order.
        if (req.allow_redownload) {
            auto set = inv.set_redownload_policy(**taken, ctx.operator_id, *req.allow_redownload);
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
    auto r = inv.update_order(p->iccid, ctx.operator_id, profile_state::available, c);
    if (!r) return store_error(r.error());
    if (*r != store::order_outcome::done)
        return fail("8.2.1", "3.3", "the profile " + p->iccid + " was ordered by another call meanwhile");
    return download_order_response{p->iccid};
}

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

    std::string mid = req.matching_id.value_or(generate_matching_id());
    // The matching ID ends up in an activation code; it must obey the same rules a scanned one does.
    rsp::activation_code ac;
    ac.smdp_address = ctx.smdp_address;
    ac.matching_id = mid;
    if (auto check = rsp::parse_activation_code(ac.to_string()); !check)
        return fail("8.2.6", "2.1", "the matching ID cannot be used in an activation code: " + check.error().message);

    store::order_change c;
    c.to = req.release_flag ? profile_state::released : profile_state::confirmed;
    c.matching_id = mid;
    c.allow_redownload = req.allow_redownload;
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
    store::order_change c;
    c.to = req.final_profile_status;
    c.reset = req.final_profile_status == profile_state::available;
    auto r = inv.update_order(p->iccid, ctx.operator_id, p->state, c);
    if (!r) return store_error(r.error());
    if (*r != store::order_outcome::done) return lost_race(inv, ctx, p->iccid, "cancelled");
    return ok();
}

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

result<void> set_redownload_policy(store::inventory& inv, const order_context& ctx, std::string_view iccid,
                                   bool allow)
{
    auto done = inv.set_redownload_policy(iccid, ctx.operator_id, allow);
    if (!done) return store_error(done.error());
    if (!*done) return unknown_iccid(iccid);
    return ok();
}

result<std::string> add_operator(store::inventory& inv, std::string_view name)
{
    if (name.empty()) return fail("the operator name is empty");
    const bytes token = crypto::random_bytes(32);
    std::string text = to_hex(token);
    OPENRSP_TRY_VOID(inv.add_operator(name, crypto::sha256(as_bytes(text))));
    return text;
}

result<std::string> authenticate_operator(store::inventory& inv, std::string_view authorization)
{
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme)
        return fail("1.1", "1.1", "the request carries no 'Authorization: Bearer' operator token");
    const std::string_view token = authorization.substr(scheme.size());
    auto who = inv.find_operator(crypto::sha256(as_bytes(token)));
    if (!who) return store_error(who.error());
    if (!*who) return fail("1.1", "1.1", "the operator token is unknown");
    return std::move(**who);
}

result<std::string> set_operator_client_certificate(store::inventory& inv, std::string_view name,
                                                    std::string_view certificate)
{
    auto fingerprint = http::certificate_sha256(certificate);
    if (!fingerprint) return fail("cannot use the client certificate: " + fingerprint.error().message);
    const auto raw = from_hex(*fingerprint);
    if (!raw) return fail("cannot use the client certificate: bad fingerprint");
    OPENRSP_TRY_VOID(inv.set_operator_client_cert(name, *raw));
    return std::move(*fingerprint);
}

result<std::string> authenticate_operator(store::inventory& inv, std::string_view authorization,
                                          std::string_view client_cert_sha256)
{
    auto by_token = authenticate_operator(inv, authorization);
    if (!by_token && by_token.error().subject != "1.1") return by_token; // the store failed
    std::optional<std::string> by_cert;
    if (!client_cert_sha256.empty()) {
        const auto raw = from_hex(client_cert_sha256);
        if (raw) {
            auto who = inv.find_operator_by_client_cert(*raw);
            if (!who) return store_error(who.error());
            by_cert = std::move(*who);
        }
    }
    if (by_token && by_cert && *by_token != *by_cert)
        return fail("1.1", "1.2", "the bearer token and the client certificate belong to different operators");
    if (by_token) return by_token;
    if (by_cert) return std::move(*by_cert);
    // A certificate nobody registered (or none at all) gets the same answer as a missing or unknown token.
    return by_token;
}

} // namespace openrsp::smdpp::es2p
