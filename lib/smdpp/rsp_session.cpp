// The RSP session kept between ES9+ calls (SGP.22 §3.1.3): its serialized form in the store, and the certificate set
// it was started with.
#include "service_impl.h"

#include <algorithm>
#include <cctype>

namespace openrsp::smdpp {

namespace {
// Private context tags of the serialized session (not an SGP.22 structure).
constexpr der::tag_t t_stage = 0x80, t_tid = 0x81, t_server_challenge = 0x82, t_ci = 0x83, t_euicc_cert = 0x84,
                     t_eid = 0x85, t_iccid = 0x86, t_sig2 = 0x87, t_cc = 0x88, t_set = 0x89;
} // namespace

bytes rsp_session::serialize() const
{
    der::writer w;
    w.begin(0x30)
        .add_uint(t_stage, static_cast<std::uint8_t>(at))
        .add(t_tid, transaction_id)
        .add(t_server_challenge, server_challenge)
        .add(t_ci, ci_pkid)
        .add(t_euicc_cert, euicc_certificate)
        .add(t_eid, eid)
        .add(t_iccid, iccid)
        .add(t_sig2, smdp_signature2)
        .add_bool(t_cc, cc_required)
        .add(t_set, set_ci_pkid)
        .end();
    return w.finish();
}

result<rsp_session> rsp_session::deserialize(byte_view data)
{
    auto outer = der::parse_one(data);
    if (!outer) return fail("stored session is corrupt");
    der::reader r(outer->value);
    rsp_session s;
    auto get = [&](der::tag_t t) -> byte_view {
        auto f = r.find(t);
        return f ? f->value : byte_view{};
    };
    auto stage_v = der::decode_uint(get(t_stage));
    if (!stage_v || *stage_v < 1 || *stage_v > 3) return fail("stored session is corrupt");
    s.at = static_cast<stage>(*stage_v);
    auto to_bytes = [](byte_view v) { return bytes(v.begin(), v.end()); };
    s.transaction_id = to_bytes(get(t_tid));
    s.server_challenge = to_bytes(get(t_server_challenge));
    s.ci_pkid = to_bytes(get(t_ci));
    s.set_ci_pkid = to_bytes(get(t_set));
    s.euicc_certificate = to_bytes(get(t_euicc_cert));
    s.eid = to_string(get(t_eid));
    s.iccid = to_string(get(t_iccid));
    s.smdp_signature2 = to_bytes(get(t_sig2));
    const auto cc = get(t_cc);
    s.cc_required = !cc.empty() && cc[0] != 0;
    return s;
}

std::string normalize_tid(std::string_view tid_hex)
{
    std::string out(tid_hex);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

const certificate_set* service::impl::find_set(byte_view ci_pkid) const
{
    for (const auto& set : creds.sets)
        if (std::ranges::equal(set.ci_pkid(), ci_pkid)) return &set;
    return nullptr;
}

result<const certificate_set*> service::impl::session_set(const rsp_session& s) const
{
    // Sessions written before certificate sets existed name none: they were made with the only (first) set.
    if (s.set_ci_pkid.empty()) return &creds.sets.front();
    const certificate_set* set = find_set(s.set_ci_pkid);
    if (set == nullptr)
        return fail("8.8", "4.2", "this node does not hold the certificate set the session started with");
    return set;
}

result<rsp_session> service::impl::load_session(std::string_view tid_hex)
{
    auto rec = inventory.get_session(normalize_tid(tid_hex), now());
    if (!rec) return fail("8.8", "4.2", rec.error().message);
    if (!*rec) return fail("8.10.1", "3.9", "the transactionId is unknown or its session has expired");
    auto s = rsp_session::deserialize((*rec)->data);
    if (!s) return fail("8.8", "4.2", s.error().message);
    return s;
}

result<void> service::impl::save_session(const std::string& tid_hex, const rsp_session& s)
{
    store::rsp_session_row rec;
    rec.transaction_id = tid_hex;
    rec.iccid = s.iccid;
    rec.stage = std::to_string(static_cast<int>(s.at));
    rec.data = s.serialize();
    rec.expires_at = now() + cfg.session_ttl.count();
    auto r = inventory.put_session(rec);
    if (!r) return fail("8.8", "4.2", r.error().message);
    return ok();
}

} // namespace openrsp::smdpp
