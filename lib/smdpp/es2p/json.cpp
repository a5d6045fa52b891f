// ES2+ JSON binding (SGP.22 §6.5): request bodies with a `header`, responses with functionExecutionStatus.
#include "openrsp/rsp/es9p.h"
#include "openrsp/smdpp/es2p.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>

namespace openrsp::smdpp::es2p {

namespace {

using json = nlohmann::json;

constexpr const char* subject_protocol_format = "1.3.1";
constexpr const char* reason_invalid = "2.1";
constexpr const char* reason_missing = "2.2";

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

result<json> parse_object(std::string_view text)
{
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return fail(subject_protocol_format, reason_invalid, "the request body is not a JSON object");
    return j;
}

result<std::optional<std::string>> optional_string(const json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string())
        return fail(subject_protocol_format, reason_invalid, std::string("'") + key + "' is not a string");
    return std::optional<std::string>{it->get<std::string>()};
}

result<std::string> mandatory_string(const json& j, const char* key)
{
    auto v = optional_string(j, key);
    if (!v) return v.take_error();
    if (!*v) return fail(subject_protocol_format, reason_missing, std::string("'") + key + "' is missing");
    return std::move(**v);
}

// SGP.22 §6.5.1.3: every ES2+ request names its caller and the call; both are mandatory.
result<request_header> parse_header(const json& j)
{
    const auto h = j.find("header");
    if (h == j.end() || !h->is_object())
        return fail(subject_protocol_format, reason_missing, "the request has no 'header' object");
    request_header out;
    auto requester = mandatory_string(*h, "functionRequesterIdentifier");
    if (!requester) return requester.take_error();
    auto call = mandatory_string(*h, "functionCallIdentifier");
    if (!call) return call.take_error();
    out.function_requester_identifier = std::move(*requester);
    out.function_call_identifier = std::move(*call);
    return out;
}

// ICCIDs are 18 to 20 digits; operators may pad a 19-digit one with a trailing 'F' (pySim es2p.py does).
result<std::string> checked_iccid(std::string v)
{
    if (v.size() == 20 && (v.back() == 'F' || v.back() == 'f')) v.pop_back();
    if (v.size() < 18 || v.size() > 20 || !all_digits(v))
        return fail("8.2.1", reason_invalid, "the ICCID must be 18 to 20 digits");
    return v;
}

result<std::optional<std::string>> checked_eid(std::optional<std::string> v)
{
    if (v && (v->size() != 32 || !all_digits(*v))) return fail("8.1.1", reason_invalid, "the EID must be 32 digits");
    return v;
}

result<std::string> mandatory_iccid(const json& j)
{
    auto v = mandatory_string(j, "iccid");
    if (!v) return v.take_error();
    return checked_iccid(std::move(*v));
}

result<std::optional<std::string>> optional_eid(const json& j)
{
    auto v = optional_string(j, "eid");
    if (!v) return v.take_error();
    return checked_eid(std::move(*v));
}

json header_json(const request_header& h)
{
    return json{{"functionRequesterIdentifier", h.function_requester_identifier},
                {"functionCallIdentifier", h.function_call_identifier}};
}

json success()
{
    return json{{"header", {{"functionExecutionStatus", {{"status", "Executed-Success"}}}}}};
}

void put_optional(json& j, const char* key, const std::optional<std::string>& v)
{
    if (v) j[key] = *v;
}

// Checks the response header the way rsp::es9p does (a failure becomes an error with its codes).
result<json> parse_response(std::string_view text)
{
    OPENRSP_TRY_VOID(rsp::es9p::parse_header_only_response(text));
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("the SM-DP+ answered with something that is not JSON");
    return j;
}

} // namespace

namespace {

// An optional boolean member (OpenRSP extensions); 2.1 if present but not a boolean.
result<std::optional<bool>> optional_bool(const json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end()) return std::optional<bool>{};
    if (!it->is_boolean())
        return fail(subject_protocol_format, reason_invalid, std::string("'") + key + "' is not a boolean");
    return std::optional<bool>{it->get<bool>()};
}

// OpenRSP extension "expiryTimestamp": a W3C date-time as HandleDownloadProgressInfo's timestamp (SGP.22 §6.5.2.6),
// "YYYY-MM-DDThh:mm:ss" then 'Z' or an offset "+hh:mm" / "-hh:mm"; returned in seconds since the epoch.
std::optional<std::int64_t> parse_w3c_timestamp(std::string_view t)
{
    auto num = [&](std::size_t at, std::size_t n) -> int {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (i >= t.size() || t[i] < '0' || t[i] > '9') return -1;
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':')
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
        tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
        return std::nullopt;
    std::int64_t offset = 0;
    const std::string_view zone = t.substr(19);
    if (zone == "Z" || zone == "z") {
        offset = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        const int h = num(20, 2);
        const int m = num(23, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
        offset = (zone[0] == '+' ? 1 : -1) * (h * 3600 + m * 60);
    } else {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(::timegm(&tm)) - offset;
}

std::string w3c_timestamp(std::int64_t seconds)
{
    const auto secs = static_cast<std::time_t>(seconds);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

result<std::optional<std::int64_t>> optional_expiry(const json& j)
{
    auto v = optional_string(j, "expiryTimestamp");
    if (!v) return v.take_error();
    if (!*v) return std::optional<std::int64_t>{};
    auto t = parse_w3c_timestamp(**v);
    if (!t)
        return fail(subject_protocol_format, reason_invalid,
                    "'expiryTimestamp' is not a date-time like 2030-01-31T12:00:00Z");
    return std::optional<std::int64_t>{*t};
}

/// The fields ConfirmOrder, CancelOrder and ReleaseProfile open with: the header, the mandatory ICCID and, where the
/// request has one, the optional EID (checked in that order).
template <class Request> result<void> read_order_target(const json& j, Request& r)
{
    auto h = parse_header(j);
    if (!h) return h.take_error();
    r.header = std::move(*h);
    auto iccid = mandatory_iccid(j);
    if (!iccid) return iccid.take_error();
    r.iccid = std::move(*iccid);
    if constexpr (requires { r.eid; }) {
        auto eid = optional_eid(j);
        if (!eid) return eid.take_error();
        r.eid = std::move(*eid);
    }
    return ok();
}

} // namespace

result<download_order_request> parse_download_order_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    download_order_request r;
    auto h = parse_header(*j);
    if (!h) return h.take_error();
    r.header = std::move(*h);
    auto eid = optional_eid(*j);
    if (!eid) return eid.take_error();
    r.eid = std::move(*eid);
    auto iccid = optional_string(*j, "iccid");
    if (!iccid) return iccid.take_error();
    if (*iccid) {
        auto c = checked_iccid(std::move(**iccid));
        if (!c) return c.take_error();
        r.iccid = std::move(*c);
    }
    auto type = optional_string(*j, "profileType");
    if (!type) return type.take_error();
    r.profile_type = std::move(*type);
    if (!r.iccid && !r.profile_type)
        return fail(subject_protocol_format, "2.3", "a download order needs an 'iccid' or a 'profileType'");
    auto again = optional_bool(*j, "allowRedownload");
    if (!again) return again.take_error();
    r.allow_redownload = *again;
    auto expiry = optional_expiry(*j);
    if (!expiry) return expiry.take_error();
    r.expiry = *expiry;
    return r;
}

result<confirm_order_request> parse_confirm_order_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    confirm_order_request r;
    OPENRSP_TRY_VOID(read_order_target(*j, r));
    for (auto [key, dst] : {std::pair{"matchingId", &r.matching_id},
                            {"confirmationCode", &r.confirmation_code},
                            {"smdsAddress", &r.smds_address}}) {
        auto v = optional_string(*j, key);
        if (!v) return v.take_error();
        *dst = std::move(*v);
    }
    const auto flag = j->find("releaseFlag");
    if (flag == j->end()) return fail(subject_protocol_format, reason_missing, "'releaseFlag' is missing");
    if (!flag->is_boolean()) return fail(subject_protocol_format, reason_invalid, "'releaseFlag' is not a boolean");
    r.release_flag = flag->get<bool>();
    auto again = optional_bool(*j, "allowRedownload");
    if (!again) return again.take_error();
    r.allow_redownload = *again;
    auto expiry = optional_expiry(*j);
    if (!expiry) return expiry.take_error();
    r.expiry = *expiry;
    return r;
}

result<cancel_order_request> parse_cancel_order_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    cancel_order_request r;
    OPENRSP_TRY_VOID(read_order_target(*j, r));
    auto mid = optional_string(*j, "matchingId");
    if (!mid) return mid.take_error();
    r.matching_id = std::move(*mid);
    auto status = mandatory_string(*j, "finalProfileStatusIndicator");
    if (!status) return status.take_error();
    if (*status == "Available")
        r.final_profile_status = store::profile_state::available;
    else if (*status == "Unavailable")
        r.final_profile_status = store::profile_state::unavailable;
    else
        return fail(subject_protocol_format, reason_invalid,
                    "'finalProfileStatusIndicator' must be \"Available\" or \"Unavailable\"");
    return r;
}

result<release_profile_request> parse_release_profile_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    release_profile_request r;
    OPENRSP_TRY_VOID(read_order_target(*j, r));
    return r;
}

std::string to_json(const download_order_request& m)
{
    json j{{"header", header_json(m.header)}};
    put_optional(j, "eid", m.eid);
    put_optional(j, "iccid", m.iccid);
    put_optional(j, "profileType", m.profile_type);
    if (m.allow_redownload) j["allowRedownload"] = *m.allow_redownload;
    if (m.expiry) j["expiryTimestamp"] = w3c_timestamp(*m.expiry);
    return j.dump();
}

std::string to_json(const confirm_order_request& m)
{
    json j{{"header", header_json(m.header)}, {"iccid", m.iccid}, {"releaseFlag", m.release_flag}};
    put_optional(j, "eid", m.eid);
    put_optional(j, "matchingId", m.matching_id);
    put_optional(j, "confirmationCode", m.confirmation_code);
    put_optional(j, "smdsAddress", m.smds_address);
    if (m.allow_redownload) j["allowRedownload"] = *m.allow_redownload;
    if (m.expiry) j["expiryTimestamp"] = w3c_timestamp(*m.expiry);
    return j.dump();
}

std::string to_json(const cancel_order_request& m)
{
    json j{{"header", header_json(m.header)},
           {"iccid", m.iccid},
           {"finalProfileStatusIndicator",
            m.final_profile_status == store::profile_state::unavailable ? "Unavailable" : "Available"}};
    put_optional(j, "eid", m.eid);
    put_optional(j, "matchingId", m.matching_id);
    return j.dump();
}

std::string to_json(const release_profile_request& m)
{
    return json{{"header", header_json(m.header)}, {"iccid", m.iccid}}.dump();
}

std::string to_json(const download_order_response& m)
{
    json j = success();
    j["iccid"] = m.iccid;
    return j.dump();
}

std::string to_json(const confirm_order_response& m)
{
    json j = success();
    put_optional(j, "eid", m.eid);
    j["matchingId"] = m.matching_id;
    j["smdpAddress"] = m.smdp_address;
    return j.dump();
}

result<download_order_response> parse_download_order_response(std::string_view text)
{
    auto j = parse_response(text);
    if (!j) return j.take_error();
    auto iccid = optional_string(*j, "iccid");
    if (!iccid || !*iccid) return fail("the SM-DP+ answer lacks 'iccid'");
    return download_order_response{std::move(**iccid)};
}

result<confirm_order_response> parse_confirm_order_response(std::string_view text)
{
    auto j = parse_response(text);
    if (!j) return j.take_error();
    confirm_order_response r;
    auto mid = optional_string(*j, "matchingId");
    if (!mid || !*mid) return fail("the SM-DP+ answer lacks 'matchingId'");
    r.matching_id = std::move(**mid);
    auto addr = optional_string(*j, "smdpAddress");
    if (addr && *addr) r.smdp_address = std::move(**addr);
    auto eid = optional_string(*j, "eid");
    if (eid) r.eid = std::move(*eid);
    return r;
}

} // namespace openrsp::smdpp::es2p
