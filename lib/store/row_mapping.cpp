#include "row_mapping.h"

namespace openrsp::store {

inventory_profile read_profile(const row& r)
{
    inventory_profile p;
    p.iccid = r.text(0);
    p.matching_id = r.text(1);
    p.state = parse_profile_state(r.text(2)).value_or(profile_state::error);
    p.eid = r.text(3);
    p.description_json = r.text(4);
    p.upp = r.blob(5);
    p.metadata = r.blob(6);
    p.confirmation_code_hash = r.blob(7);
    p.session_tid = r.text(8);
    p.session_expires_at = r.int64(9);
    p.euicc_certificate = r.blob(10);
    p.updated_at = r.int64(11);
    p.operator_id = r.text(12);
    p.profile_type = r.text(13);
    p.cc_attempts = r.int64(14);
    p.download_attempts = r.int64(15);
    p.last_error = r.text(16);
    p.kek_id = r.text(17);
    p.allow_redownload = r.int64(18) != 0;
    p.order_expires_at = r.int64(19);
    return p;
}

void bind_profile(args& a, const inventory_profile& p)
{
    // A profile waiting in the inventory has no matching ID yet; NULL keeps the UNIQUE constraint for real ones.
    a.text(p.iccid).text_or_null(p.matching_id).text(to_string(p.state)).text(p.eid).text(p.description_json);
    a.blob(p.upp).blob(p.metadata).blob_or_null(p.confirmation_code_hash).text(p.operator_id).text(p.profile_type);
    a.text(p.kek_id).flag(p.allow_redownload);
}

progress_callback read_callback(const row& r)
{
    progress_callback c;
    c.event.id = r.text(0);
    c.operator_id = r.text(1);
    c.iccid = r.text(2);
    c.eid = r.text(3);
    c.profile_type = r.text(4);
    c.event.notification_point_id = r.int64(5);
    c.event.success = r.int64(6) != 0;
    c.event.subject_code = r.text(7);
    c.event.reason_code = r.text(8);
    c.event.message = r.text(9);
    c.event.result_data = r.text(10);
    c.event.time = r.int64(11);
    c.state = r.text(12);
    c.attempts = r.int64(13);
    c.next_attempt_at = r.int64(14);
    c.last_error = r.text(15);
    c.seq = r.int64(16);
    return c;
}

void bind_event(args& a, const progress_event& e)
{
    a.text(e.id).int64(e.notification_point_id).flag(e.success).text(e.subject_code).text(e.reason_code);
    a.text(e.message).text(e.result_data).int64(e.time);
}

rsp_session_row read_session(const row& r)
{
    rsp_session_row s;
    s.transaction_id = r.text(0);
    s.iccid = r.text(1);
    s.stage = r.text(2);
    s.data = r.blob(3);
    s.expires_at = r.int64(4);
    return s;
}

void bind_session(args& a, const rsp_session_row& s)
{
    a.text(s.transaction_id).text(s.iccid).text(s.stage).blob(s.data).int64(s.expires_at);
}

} // namespace openrsp::store
