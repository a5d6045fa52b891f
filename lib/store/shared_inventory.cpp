#include "shared_inventory.h"

#include "import_rules.h"
#include "messages.h"
#include "row_mapping.h"
#include "transitions.h"

namespace openrsp::store {

namespace {

result<void> done(const result<run_result>& r)
{
    return r ? ok() : r.take_error();
}

} // namespace

result<void> shared_inventory::init_sealing()
{
    if (m_sealer.has_key()) return set_setting(messages::sealing_setting, messages::sealing_on);
    auto mode = get_setting(messages::sealing_setting);
    if (!mode) return mode.take_error();
    m_require_key = mode->value_or("") == messages::sealing_on;
    return ok();
}

result<run_result> shared_inventory::change(stmt s, const args& a, std::string_view iccid, const progress_event* event,
                                            row_sink each, const bool* locked)
{
    // Without an event the change stays one autocommitted statement.
    if (!event) return run(s, a, each);
    return run_queueing(s, a, event_job{iccid, *event, info(s).event, locked}, each);
}

// ---- Profiles ----

result<void> shared_inventory::add_profile(const inventory_profile& clear)
{
    OPENRSP_TRY_VOID(messages::check_can_add(m_require_key, m_sealer.has_key()));
    inventory_profile p = clear;
    OPENRSP_TRY_VOID(m_sealer.seal(p));
    args a;
    bind_profile(a, p);
    auto r = run(stmt::insert_profile, a);
    if (!r) return r.take_error();
    if (r->clash) return messages::profile_exists(p.iccid, p.matching_id);
    return ok();
}

result<std::optional<inventory_profile>> shared_inventory::find_one(stmt s, std::string_view key)
{
    std::optional<inventory_profile> found;
    auto each = [&](const row& r) { found = read_profile(r); };
    OPENRSP_TRY_VOID(done(run(s, args{}.text(key), each)));
    if (found) OPENRSP_TRY_VOID(m_sealer.unseal(*found));
    return found;
}

result<std::optional<inventory_profile>> shared_inventory::find_by_matching_id(std::string_view matching_id)
{
    return find_one(stmt::find_by_matching_id, matching_id);
}

result<std::optional<inventory_profile>> shared_inventory::find_by_iccid(std::string_view iccid)
{
    return find_one(stmt::find_by_iccid, iccid);
}

result<std::optional<inventory_profile>> shared_inventory::find_pending_order_for_eid(std::string_view eid)
{
    return find_one(stmt::find_pending_order_for_eid, eid);
}

result<std::vector<inventory_profile>> shared_inventory::list_profiles()
{
    std::vector<inventory_profile> out;
    auto each = [&](const row& r) { out.push_back(read_profile(r)); };
    OPENRSP_TRY_VOID(done(run(stmt::list_profiles, args{}, each)));
    for (auto& p : out)
        OPENRSP_TRY_VOID(m_sealer.unseal(p));
    return out;
}

result<std::vector<import_outcome>> shared_inventory::import_profiles(const std::vector<inventory_profile>& batch,
                                                                      bool all_or_nothing)
{
    OPENRSP_TRY_VOID(messages::check_can_add(m_require_key, m_sealer.has_key()));
    // Sealing (AES-GCM per row) happens before the transaction is opened.
    std::vector<inventory_profile> sealed(batch);
    for (auto& p : sealed)
        OPENRSP_TRY_VOID(m_sealer.seal(p));
    std::vector<import_outcome> out;
    out.reserve(batch.size());
    auto body = [&](executor& tx) -> result<bool> {
        for (std::size_t i = 0; i < sealed.size(); ++i) {
            // DO NOTHING on any uniqueness clash: the ICCID (a re-run) or a matching ID held by another row.
            args a;
            bind_profile(a, sealed[i]);
            auto added = tx.run(stmt::import_profile, a);
            if (!added) return added.take_error();
            if (added->rows == 1) {
                out.push_back(import_outcome::added);
                continue;
            }
            std::optional<inventory_profile> existing;
            auto each = [&](const row& r) { existing = read_profile(r); };
            OPENRSP_TRY_VOID(done(tx.run(stmt::find_by_iccid, args{}.text(sealed[i].iccid), each)));
            if (existing) OPENRSP_TRY_VOID(m_sealer.unseal(*existing));
            out.push_back(existing && same_import(*existing, batch[i]) ? import_outcome::present
                                                                       : import_outcome::conflict);
        }
        return keep_batch(out, all_or_nothing);
    };
    OPENRSP_TRY_VOID(in_transaction(body));
    return out;
}

result<std::size_t> shared_inventory::reseal_profiles(std::size_t max)
{
    if (!m_sealer.has_key()) return messages::reseal_needs_key();
    std::vector<inventory_profile> batch;
    auto each = [&](const row& r) { batch.push_back(read_profile(r)); };
    OPENRSP_TRY_VOID(done(
        run(stmt::list_to_reseal, args{}.text(m_sealer.primary_id()).int64(static_cast<std::int64_t>(max)), each)));
    std::size_t resealed = 0;
    for (auto& p : batch) {
        const std::string old_id = p.kek_id;
        OPENRSP_TRY_VOID(m_sealer.unseal(p));
        if (p.secrets_sealed) return messages::sealed_under_missing_key(p.iccid, old_id);
        OPENRSP_TRY_VOID(m_sealer.seal(p));
        // Guarded by the old key id: a concurrent re-seal of the same row (another process or node) wins once.
        auto n = run(stmt::reseal_profile,
                     args{}.text(p.description_json).blob(p.upp).text(p.kek_id).text(p.iccid).text(old_id));
        if (!n) return n.take_error();
        resealed += n->rows;
    }
    if (resealed > 0) after_reseal();
    return resealed;
}

result<std::vector<std::pair<profile_state, std::int64_t>>> shared_inventory::count_by_state()
{
    std::vector<std::pair<profile_state, std::int64_t>> out;
    auto each = [&](const row& r) {
        if (auto st = parse_profile_state(r.text(0))) out.emplace_back(*st, r.int64(1));
    };
    OPENRSP_TRY_VOID(done(run(stmt::count_by_state, args{}, each)));
    return out;
}

result<inventory_gauges> shared_inventory::gauges(std::int64_t now)
{
    inventory_gauges g;
    // Rows are (kind, key, count): 'p' profiles by state, 's' live sessions by stage, 'c' callbacks by state.
    auto each = [&](const row& r) {
        const std::string kind = r.text(0);
        const std::int64_t n = r.int64(2);
        if (kind == "p") {
            if (auto st = parse_profile_state(r.text(1))) g.profiles.emplace_back(*st, n);
        } else {
            (kind == "s" ? g.sessions : g.progress_callbacks).emplace_back(r.text(1), n);
        }
    };
    OPENRSP_TRY_VOID(done(run(stmt::gauges, args{}.int64(now), each)));
    return g;
}

// ---- Download (ES9+) state changes ----

result<bool> shared_inventory::reserve_for_session(std::string_view iccid, std::string_view tid, std::string_view eid,
                                                   std::int64_t now, std::int64_t expires_at)
{
    // One UPDATE decides the race: it matches only a Released profile with no live holder.
    auto r = run(stmt::reserve_for_session, args{}.text(tid).int64(expires_at).int64(now).text(iccid).text(eid));
    if (!r) return r.take_error();
    return moved(*r);
}

result<bool> shared_inventory::transition(std::string_view iccid, profile_state from, profile_state to,
                                          std::string_view tid, const progress_event* event)
{
    auto r =
        change(stmt::transition, args{}.text(to_string(to)).text(iccid).text(to_string(from)).text(tid), iccid, event);
    if (!r) return r.take_error();
    return moved(*r);
}

result<bool> shared_inventory::deliver(std::string_view iccid, std::string_view tid, std::string_view eid,
                                       byte_view euicc_certificate, const progress_event* event)
{
    auto r = change(stmt::deliver, args{}.text(eid).blob(euicc_certificate).text(iccid).text(tid), iccid, event);
    if (!r) return r.take_error();
    return moved(*r);
}

result<void> shared_inventory::set_state(std::string_view iccid, profile_state to, const progress_event* event)
{
    return done(change(stmt::set_state, args{}.text(to_string(to)).text(iccid), iccid, event));
}

result<void> shared_inventory::release_reservation(std::string_view iccid, std::string_view tid,
                                                   const progress_event* event)
{
    return done(change(stmt::release_reservation, args{}.text(iccid).text(tid), iccid, event));
}

result<std::int64_t> shared_inventory::record_confirmation_failure(std::string_view iccid, std::string_view tid,
                                                                   std::int64_t limit, std::string_view reason,
                                                                   const progress_event* event)
{
    std::int64_t count = 0; // 0 if the session does not hold a Released profile
    bool locked = false;
    auto each = [&](const row& r) {
        count = r.int64(0);
        locked = locks_order(count, limit);
    };
    OPENRSP_TRY_VOID(done(change(stmt::record_confirmation_failure,
                                 args{}.int64(limit).text(reason).text(iccid).text(tid), iccid, event, each, &locked)));
    return count;
}

result<bool> shared_inventory::fail_download(std::string_view iccid, std::string_view tid, profile_state from,
                                             std::string_view reason, const progress_event* event)
{
    auto r = change(stmt::fail_download, args{}.text(reason).text(iccid).text(to_string(from)).text(tid), iccid, event);
    if (!r) return r.take_error();
    return moved(*r);
}

result<bool> shared_inventory::retry_after_failure(std::string_view iccid, std::string_view eid,
                                                   std::int64_t max_downloads, std::int64_t max_cc)
{
    auto r = run(stmt::retry_after_failure, args{}.text(iccid).text(eid).int64(max_downloads).int64(max_cc));
    if (!r) return r.take_error();
    return moved(*r);
}

result<std::optional<profile_state>> shared_inventory::record_deletion(std::string_view iccid,
                                                                       const progress_event* event)
{
    std::optional<profile_state> now_state;
    auto each = [&](const row& r) { now_state = parse_profile_state(r.text(0)); };
    OPENRSP_TRY_VOID(done(change(stmt::record_deletion, args{}.text(iccid), iccid, event, each)));
    return now_state;
}

// ---- Orders (ES2+) ----

result<order_outcome> shared_inventory::update_order(std::string_view iccid, std::string_view operator_id,
                                                     profile_state from, const order_change& c)
{
    // NULL parameters keep a column; ?6 / $6 (reset) returns the profile to a blank inventory entry.
    args a;
    a.text(to_string(c.to)).optional_text(c.eid).optional_text(c.matching_id).optional_blob(c.confirmation_code_hash);
    a.flag(c.confirmation_code_hash.has_value()).flag(c.reset).text(iccid).text(operator_id).text(to_string(from));
    a.optional_flag(c.allow_redownload).optional_int64(c.expires_at);
    auto r = run(stmt::update_order, a);
    if (!r) return r.take_error();
    return order_result(*r);
}

result<std::optional<std::string>> shared_inventory::allocate_by_type(std::string_view operator_id,
                                                                      std::string_view profile_type, profile_state to,
                                                                      std::string_view eid)
{
    return one_text(stmt::allocate_by_type, args{}.text(to_string(to)).text(eid).text(operator_id).text(profile_type));
}

result<bool> shared_inventory::set_redownload_policy(std::string_view iccid, std::string_view operator_id, bool allow)
{
    auto r = run(stmt::set_redownload_policy, args{}.flag(allow).text(iccid).text(operator_id));
    if (!r) return r.take_error();
    return moved(*r);
}

// ---- RSP sessions ----

result<void> shared_inventory::put_session(const rsp_session_row& s)
{
    args a;
    bind_session(a, s);
    return done(run(stmt::put_session, a));
}

result<std::optional<rsp_session_row>> shared_inventory::get_session(std::string_view tid, std::int64_t now)
{
    std::optional<rsp_session_row> found;
    auto each = [&](const row& r) { found = read_session(r); };
    OPENRSP_TRY_VOID(done(run(stmt::get_session, args{}.text(tid).int64(now), each)));
    return found;
}

result<void> shared_inventory::delete_session(std::string_view tid)
{
    return done(run(stmt::delete_session, args{}.text(tid)));
}

result<std::size_t> shared_inventory::purge_expired_sessions(std::int64_t now)
{
    auto r = run(stmt::purge_expired_sessions, args{}.int64(now));
    if (!r) return r.take_error();
    return r->rows;
}

// The column name is part of the sealed value's additional data: a session secret never opens as a profile's.
result<bytes> shared_inventory::seal_session_secret(std::string_view tid, byte_view plain)
{
    return m_sealer.seal_value(tid, "session secret", plain);
}

result<bytes> shared_inventory::open_session_secret(std::string_view tid, byte_view sealed)
{
    return m_sealer.open_value(tid, "session secret", sealed);
}

// ---- Operators ----

result<void> shared_inventory::add_operator(std::string_view name, byte_view token_hash)
{
    auto r = run(stmt::add_operator, args{}.text(name).blob(token_hash));
    if (!r) return r.take_error();
    if (r->clash) return messages::operator_exists(name);
    return ok();
}

result<std::optional<std::string>> shared_inventory::find_operator(byte_view token_hash)
{
    return one_text(stmt::find_operator, args{}.blob(token_hash));
}

result<void> shared_inventory::set_operator_callback(std::string_view name, std::string_view url)
{
    auto r = run(stmt::set_operator_callback, args{}.text(url).text(name));
    if (!r) return r.take_error();
    if (!moved(*r)) return messages::no_such_operator(name);
    return ok();
}

result<std::optional<operator_record>> shared_inventory::find_operator_by_name(std::string_view name)
{
    std::optional<operator_record> found;
    auto each = [&](const row& r) { found = operator_record{r.text(0), r.text(1)}; };
    OPENRSP_TRY_VOID(done(run(stmt::find_operator_by_name, args{}.text(name), each)));
    return found;
}

result<void> shared_inventory::set_operator_client_cert(std::string_view name, byte_view cert_sha256)
{
    auto r = run(stmt::set_operator_client_cert, args{}.blob(cert_sha256).text(name));
    if (!r) return r.take_error();
    if (r->clash) return messages::client_cert_taken();
    if (!moved(*r)) return messages::no_such_operator(name);
    return ok();
}

result<std::optional<std::string>> shared_inventory::find_operator_by_client_cert(byte_view cert_sha256)
{
    return one_text(stmt::find_operator_by_client_cert, args{}.blob(cert_sha256));
}

// ---- Progress callbacks ----

result<std::vector<progress_callback>> shared_inventory::callbacks(stmt s, const args& a)
{
    std::vector<progress_callback> out;
    auto each = [&](const row& r) { out.push_back(read_callback(r)); };
    OPENRSP_TRY_VOID(done(run(s, a, each)));
    return out;
}

result<std::vector<progress_callback>>
shared_inventory::claim_progress_callbacks(std::int64_t now, std::int64_t lease_seconds, std::size_t max)
{
    return callbacks(stmt::claim_progress_callbacks,
                     args{}.int64(now + lease_seconds).int64(now).int64(static_cast<std::int64_t>(max)));
}

result<void> shared_inventory::progress_callback_delivered(std::string_view id)
{
    return done(run(stmt::progress_callback_delivered, args{}.text(id)));
}

result<void> shared_inventory::progress_callback_failed(std::string_view id, std::int64_t next_attempt_at, bool abandon,
                                                        std::string_view why)
{
    return done(run(stmt::progress_callback_failed, args{}.int64(next_attempt_at).text(why).flag(abandon).text(id)));
}

result<std::vector<progress_callback>> shared_inventory::list_progress_callbacks()
{
    return callbacks(stmt::list_progress_callbacks, args{});
}

// ---- Settings ----

result<void> shared_inventory::set_setting(std::string_view key, std::string_view value)
{
    return done(run(stmt::set_setting, args{}.text(key).text(value)));
}

result<std::optional<std::string>> shared_inventory::get_setting(std::string_view key)
{
    return one_text(stmt::get_setting, args{}.text(key));
}

// ---- ES2+ resends ----

result<bool> shared_inventory::begin_es2p_call(std::string_view operator_id, std::string_view call_key,
                                               byte_view request_hash, std::int64_t now)
{
    auto r = run(stmt::begin_es2p_call, args{}.text(operator_id).text(call_key).blob(request_hash).int64(now));
    if (!r) return r.take_error();
    return !r->clash;
}

result<std::optional<es2p_call_record>> shared_inventory::find_es2p_call(std::string_view operator_id,
                                                                         std::string_view call_key)
{
    std::optional<es2p_call_record> found;
    auto each = [&](const row& r) { found = es2p_call_record{r.blob(0), r.int64(1), r.text(2), r.int64(3)}; };
    OPENRSP_TRY_VOID(done(run(stmt::find_es2p_call, args{}.text(operator_id).text(call_key), each)));
    return found;
}

result<void> shared_inventory::finish_es2p_call(std::string_view operator_id, std::string_view call_key,
                                                std::int64_t status, std::string_view body)
{
    return done(run(stmt::finish_es2p_call, args{}.int64(status).text(body).text(operator_id).text(call_key)));
}

result<void> shared_inventory::forget_es2p_call(std::string_view operator_id, std::string_view call_key,
                                                std::int64_t before)
{
    return done(run(stmt::forget_es2p_call, args{}.text(operator_id).text(call_key).int64(before)));
}

result<std::size_t> shared_inventory::purge_es2p_calls(std::int64_t before)
{
    auto r = run(stmt::purge_es2p_calls, args{}.int64(before));
    if (!r) return r.take_error();
    return r->rows;
}

result<std::optional<std::string>> shared_inventory::one_text(stmt s, const args& a)
{
    std::optional<std::string> found;
    auto each = [&](const row& r) { found = r.text(0); };
    OPENRSP_TRY_VOID(done(run(s, a, each)));
    return found;
}

} // namespace openrsp::store
