// The RSP session kept between ES9+ calls (SGP.22 §3.1.3): its serialized form in the store, and the certificate set
// it was started with.
#include "service_impl.h"

#include <algorithm>
#include <cctype>

namespace openrsp::smdpp {

namespace record_tag = rsp::tag::smdp_session_record;

bytes rsp_session::serialize() const
{
    der::writer w;
    w.begin(record_tag::record)
        .add_uint(record_tag::stage, static_cast<std::uint8_t>(at))
        .add(record_tag::transaction_id, transaction_id)
        .add(record_tag::server_challenge, server_challenge)
        .add(record_tag::ci_pkid, ci_pkid)
        .add(record_tag::euicc_certificate, euicc_certificate)
        .add(record_tag::eid, eid)
        .add(record_tag::iccid, iccid)
        .add(record_tag::smdp_signature2, smdp_signature2)
        .add_bool(record_tag::cc_required, cc_required)
        .add(record_tag::set_ci_pkid, set_ci_pkid);
    if (!euicc_otpk.empty())
        w.add(record_tag::euicc_otpk, euicc_otpk)
            .add(record_tag::smdp_otsk, smdp_otsk_sealed)
            .add(record_tag::host_id, host_id);
    w.end();
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
    auto stage_v = der::decode_uint(get(record_tag::stage));
    if (!stage_v || *stage_v < 1 || *stage_v > 3) return fail("stored session is corrupt");
    s.at = static_cast<stage>(*stage_v);
    auto to_bytes = [](byte_view v) { return bytes(v.begin(), v.end()); };
    s.transaction_id = to_bytes(get(record_tag::transaction_id));
    s.server_challenge = to_bytes(get(record_tag::server_challenge));
    s.ci_pkid = to_bytes(get(record_tag::ci_pkid));
    s.set_ci_pkid = to_bytes(get(record_tag::set_ci_pkid));
    s.euicc_certificate = to_bytes(get(record_tag::euicc_certificate));
    s.eid = to_string(get(record_tag::eid));
    s.iccid = to_string(get(record_tag::iccid));
    s.smdp_signature2 = to_bytes(get(record_tag::smdp_signature2));
    const auto cc = get(record_tag::cc_required);
    s.cc_required = !cc.empty() && cc[0] != 0;
    s.euicc_otpk = to_bytes(get(record_tag::euicc_otpk));
    s.smdp_otsk_sealed = to_bytes(get(record_tag::smdp_otsk));
    s.host_id = to_bytes(get(record_tag::host_id));
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
