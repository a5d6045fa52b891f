#include "openrsp/rsp/es9p.h"

#include <nlohmann/json.hpp>

namespace openrsp::rsp::es9p {

namespace {

using json = nlohmann::json;

// SGP.22 §5.2.6 generic codes for a request the JSON binding cannot accept.
constexpr const char* subject_protocol_format = "1.3.1";
constexpr const char* reason_missing = "2.2";
constexpr const char* reason_invalid = "2.1";

result<json> parse_object(std::string_view text)
{
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return fail(subject_protocol_format, reason_invalid, "the request body is not a JSON object");
    return j;
}

result<std::string> get_string(const json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end()) return fail(subject_protocol_format, reason_missing, std::string("'") + key + "' is missing");
    if (!it->is_string())
        return fail(subject_protocol_format, reason_invalid, std::string("'") + key + "' is not a string");
    return it->get<std::string>();
}

result<bytes> get_b64(const json& j, const char* key)
{
    auto s = get_string(j, key);
    if (!s) return s.take_error();
    auto b = base64_decode(*s);
    if (!b) return fail(subject_protocol_format, reason_invalid, std::string("'") + key + "' is not valid base64");
    if (b->empty()) return fail(subject_protocol_format, reason_invalid, std::string("'") + key + "' is empty");
    return std::move(*b);
}

result<std::string> get_tid(const json& j)
{
    auto s = get_string(j, "transactionId");
    if (!s) return s;
    if (!transaction_id_from_hex(*s)) return fail("8.10.1", "3.9", "the transactionId is not 1 to 16 bytes of hex");
    return s;
}

/// Builds one flat JSON object in a single buffer. nlohmann's dump() escapes a 17 KB base64 BPP byte by byte
/// (~30 us, more than an ECDSA signature); base64 and hex never need escaping, so they are appended as they are.
class object_writer {
public:
    explicit object_writer(std::size_t expected) { m_out.reserve(expected + 64); m_out += '{'; }
    object_writer& success_header()
    {
        key("header");
        m_out += R"({"functionExecutionStatus":{"status":"Executed-Success"}})";
        return *this;
    }
    object_writer& text(const char* name, std::string_view value)
    {
        key(name);
        append_string(value);
        return *this;
    }
    object_writer& b64(const char* name, byte_view value)
    {
        key(name);
        m_out += '"';
        base64_append(m_out, value);
        m_out += '"';
        return *this;
    }
    object_writer& raw(const char* name, std::string_view json_value)
    {
        key(name);
        m_out += json_value;
        return *this;
    }
    std::string finish()
    {
        m_out += '}';
        return std::move(m_out);
    }

private:
    void key(const char* name)
    {
        if (m_out.size() > 1) m_out += ',';
        m_out += '"';
        m_out += name; // our own ASCII field names
        m_out += "\":";
    }
    void append_string(std::string_view v)
    {
        // Anything beyond ASCII goes through nlohmann, which replaces invalid UTF-8 instead of emitting it.
        for (const char c : v) {
            if (static_cast<unsigned char>(c) >= 0x80) {
                m_out += json(std::string(v)).dump(-1, ' ', false, json::error_handler_t::replace);
                return;
            }
        }
        m_out += '"';
        for (const char c : v) {
            switch (c) {
            case '"': m_out += "\\\""; break;
            case '\\': m_out += "\\\\"; break;
            case '\n': m_out += "\\n"; break;
            case '\r': m_out += "\\r"; break;
            case '\t': m_out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    static constexpr char digits[] = "0123456789abcdef";
                    m_out += "\\u00";
                    m_out += digits[(c >> 4) & 0x0F];
                    m_out += digits[c & 0x0F];
                } else {
                    m_out += c;
                }
            }
        }
        m_out += '"';
    }
    std::string m_out;
};

std::size_t b64_size(byte_view b) { return (b.size() + 2) / 3 * 4 + 32; }

// Checks header.functionExecutionStatus of a response and returns the parsed object.
result<json> parse_response(std::string_view text)
{
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("the SM-DP+ answered with something that is not JSON");
    const auto h = j.find("header");
    if (h == j.end() || !h->is_object()) return fail("the SM-DP+ answer has no header");
    const auto st = h->find("functionExecutionStatus");
    if (st == h->end() || !st->is_object()) return fail("the SM-DP+ answer has no functionExecutionStatus");
    const std::string status = st->value("status", "");
    if (status == "Executed-Success" || status == "Executed-WithWarning") return j;
    std::string subject, reason, message;
    if (const auto scd = st->find("statusCodeData"); scd != st->end() && scd->is_object()) {
        subject = scd->value("subjectCode", "");
        reason = scd->value("reasonCode", "");
        message = scd->value("message", "");
    }
    // One sentence: our meaning of the code when we know the pair (servers' texts range from a full sentence
    // to a bare "Refused"), the server's words as detail, the code last.
    const std::string known = specific_status(subject, reason);
    std::string text_out = "the SM-DP+ refused: ";
    if (!known.empty()) text_out += known;
    else text_out += !message.empty() ? message : describe_status(subject, reason);
    std::string detail;
    if (!known.empty() && !message.empty() && message != known) detail = "server: \"" + message + "\"";
    if (!subject.empty()) detail += (detail.empty() ? "" : "; ") + std::string("SGP.22 ") + subject + "/" + reason;
    if (!detail.empty()) text_out += " (" + detail + ")";
    return fail(std::move(subject), std::move(reason), std::move(text_out));
}

result<bytes> response_b64(const json& j, const char* key)
{
    auto r = get_b64(j, key);
    if (!r) return fail(std::string("the SM-DP+ answer lacks a valid '") + key + "'");
    return r;
}

} // namespace

result<bytes> transaction_id_from_hex(std::string_view hex_text)
{
    auto b = from_hex(hex_text);
    if (!b || b->empty() || b->size() > 16) return fail("8.10.1", "3.9", "the transactionId is not 1 to 16 bytes of hex");
    return std::move(*b);
}

result<initiate_authentication_request> parse_initiate_authentication_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    initiate_authentication_request m;
    auto addr = get_string(*j, "smdpAddress");
    if (!addr) return addr.take_error();
    m.smdp_address = std::move(*addr);
    auto ch = get_b64(*j, "euiccChallenge");
    if (!ch) return ch.take_error();
    if (ch->size() != 16) return fail(subject_protocol_format, reason_invalid, "'euiccChallenge' is not 16 bytes");
    m.euicc_challenge = std::move(*ch);
    auto info = get_b64(*j, "euiccInfo1");
    if (!info) return info.take_error();
    m.euicc_info1 = std::move(*info);
    return m;
}

result<authenticate_client_request> parse_authenticate_client_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    authenticate_client_request m;
    auto tid = get_tid(*j);
    if (!tid) return tid.take_error();
    m.transaction_id = std::move(*tid);
    auto r = get_b64(*j, "authenticateServerResponse");
    if (!r) return r.take_error();
    m.authenticate_server_response = std::move(*r);
    return m;
}

result<get_bound_profile_package_request> parse_get_bound_profile_package_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    get_bound_profile_package_request m;
    auto tid = get_tid(*j);
    if (!tid) return tid.take_error();
    m.transaction_id = std::move(*tid);
    auto r = get_b64(*j, "prepareDownloadResponse");
    if (!r) return r.take_error();
    m.prepare_download_response = std::move(*r);
    return m;
}

result<handle_notification_request> parse_handle_notification_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    handle_notification_request m;
    auto r = get_b64(*j, "pendingNotification");
    if (!r) return r.take_error();
    m.pending_notification = std::move(*r);
    return m;
}

result<cancel_session_request> parse_cancel_session_request(std::string_view text)
{
    auto j = parse_object(text);
    if (!j) return j.take_error();
    cancel_session_request m;
    auto tid = get_tid(*j);
    if (!tid) return tid.take_error();
    m.transaction_id = std::move(*tid);
    auto r = get_b64(*j, "cancelSessionResponse");
    if (!r) return r.take_error();
    m.cancel_session_response = std::move(*r);
    return m;
}

std::string to_json(const initiate_authentication_request& m)
{
    return object_writer(m.smdp_address.size() + b64_size(m.euicc_challenge) + b64_size(m.euicc_info1))
        .text("smdpAddress", m.smdp_address)
        .b64("euiccChallenge", m.euicc_challenge)
        .b64("euiccInfo1", m.euicc_info1)
        .finish();
}
std::string to_json(const authenticate_client_request& m)
{
    return object_writer(m.transaction_id.size() + b64_size(m.authenticate_server_response))
        .text("transactionId", m.transaction_id)
        .b64("authenticateServerResponse", m.authenticate_server_response)
        .finish();
}
std::string to_json(const get_bound_profile_package_request& m)
{
    return object_writer(m.transaction_id.size() + b64_size(m.prepare_download_response))
        .text("transactionId", m.transaction_id)
        .b64("prepareDownloadResponse", m.prepare_download_response)
        .finish();
}
std::string to_json(const handle_notification_request& m)
{
    return object_writer(b64_size(m.pending_notification)).b64("pendingNotification", m.pending_notification).finish();
}
std::string to_json(const cancel_session_request& m)
{
    return object_writer(m.transaction_id.size() + b64_size(m.cancel_session_response))
        .text("transactionId", m.transaction_id)
        .b64("cancelSessionResponse", m.cancel_session_response)
        .finish();
}

std::string to_json(const initiate_authentication_response& m)
{
    return object_writer(m.transaction_id.size() + b64_size(m.server_signed1) + b64_size(m.server_signature1) +
                         b64_size(m.euicc_ci_pkid_to_be_used) + b64_size(m.server_certificate))
        .success_header()
        .text("transactionId", m.transaction_id)
        .b64("serverSigned1", m.server_signed1)
        .b64("serverSignature1", m.server_signature1)
        .b64("euiccCiPKIdToBeUsed", m.euicc_ci_pkid_to_be_used)
        .b64("serverCertificate", m.server_certificate)
        .finish();
}
std::string to_json(const authenticate_client_response& m)
{
    return object_writer(m.transaction_id.size() + b64_size(m.profile_metadata) + b64_size(m.smdp_signed2) +
                         b64_size(m.smdp_signature2) + b64_size(m.smdp_certificate))
        .success_header()
        .text("transactionId", m.transaction_id)
        .b64("profileMetadata", m.profile_metadata)
        .b64("smdpSigned2", m.smdp_signed2)
        .b64("smdpSignature2", m.smdp_signature2)
        .b64("smdpCertificate", m.smdp_certificate)
        .finish();
}
std::string to_json(const get_bound_profile_package_response& m)
{
    return object_writer(m.transaction_id.size() + b64_size(m.bound_profile_package))
        .success_header()
        .text("transactionId", m.transaction_id)
        .b64("boundProfilePackage", m.bound_profile_package)
        .finish();
}

std::string success_header_only(std::string_view transaction_id)
{
    object_writer w(transaction_id.size());
    w.success_header();
    if (!transaction_id.empty()) w.text("transactionId", transaction_id);
    return w.finish();
}

std::string failure_json(const error& e)
{
    object_writer scd(e.message.size() + 16);
    scd.text("subjectCode", e.subject.empty() ? "8.8" : e.subject);
    scd.text("reasonCode", e.reason.empty() ? "4.2" : e.reason);
    if (!e.message.empty()) scd.text("message", e.message);
    const std::string status = object_writer(e.message.size() + 64)
                                   .text("status", "Failed")
                                   .raw("statusCodeData", scd.finish())
                                   .finish();
    const std::string header = object_writer(status.size()).raw("functionExecutionStatus", status).finish();
    return object_writer(header.size()).raw("header", header).finish();
}

result<initiate_authentication_response> parse_initiate_authentication_response(std::string_view text)
{
    auto j = parse_response(text);
    if (!j) return j.take_error();
    initiate_authentication_response m;
    auto tid = get_string(*j, "transactionId");
    if (!tid || !transaction_id_from_hex(*tid)) return fail("the SM-DP+ answer lacks a valid 'transactionId'");
    m.transaction_id = std::move(*tid);
    for (auto [key, dst] : {std::pair{"serverSigned1", &m.server_signed1}, {"serverSignature1", &m.server_signature1},
                            {"euiccCiPKIdToBeUsed", &m.euicc_ci_pkid_to_be_used},
                            {"serverCertificate", &m.server_certificate}}) {
        auto v = response_b64(*j, key);
        if (!v) return v.take_error();
        *dst = std::move(*v);
    }
    return m;
}

result<authenticate_client_response> parse_authenticate_client_response(std::string_view text)
{
    auto j = parse_response(text);
    if (!j) return j.take_error();
    authenticate_client_response m;
    m.transaction_id = j->value("transactionId", "");
    for (auto [key, dst] : {std::pair{"profileMetadata", &m.profile_metadata}, {"smdpSigned2", &m.smdp_signed2},
                            {"smdpSignature2", &m.smdp_signature2}, {"smdpCertificate", &m.smdp_certificate}}) {
        auto v = response_b64(*j, key);
        if (!v) return v.take_error();
        *dst = std::move(*v);
    }
    return m;
}

result<get_bound_profile_package_response> parse_get_bound_profile_package_response(std::string_view text)
{
    auto j = parse_response(text);
    if (!j) return j.take_error();
    get_bound_profile_package_response m;
    m.transaction_id = j->value("transactionId", "");
    auto v = response_b64(*j, "boundProfilePackage");
    if (!v) return v.take_error();
    m.bound_profile_package = std::move(*v);
    return m;
}

result<void> parse_header_only_response(std::string_view text)
{
    if (text.empty()) return ok();
    auto j = parse_response(text);
    if (!j) return j.take_error();
    return ok();
}

namespace {
struct status_entry {
    std::string_view subject, reason, text;
};
} // namespace

std::string specific_status(std::string_view subject, std::string_view reason)
{
    using entry = status_entry;
    // SGP.22 §5.2.6 / ES9+ function tables; the specific pairs first, then generic subjects.
    static constexpr entry specific[] = {
        {"8.8.1", "3.8", "the activation code is for another SM-DP+ address"},
        {"8.8.2", "3.1", "the SM-DP+ supports none of the eUICC's certificate issuers"},
        {"8.8.3", "3.1", "the SM-DP+ does not support the eUICC's specification version"},
        {"8.8.4", "3.7", "the SM-DP+ has no certificate the eUICC can verify"},
        {"8.10.1", "3.9", "the SM-DP+ does not know this session (transaction ID)"},
        {"8.11.1", "3.9", "the eUICC's certificate issuer is not trusted"},
        {"8.1.2", "6.1", "the EUM certificate is invalid"},
        {"8.1.3", "6.1", "the eUICC certificate is invalid"},
        {"8.1.2", "6.3", "the EUM certificate has expired"},
        {"8.1.3", "6.3", "the eUICC certificate has expired"},
        {"8.1", "6.1", "the eUICC's signature is invalid"},
        {"8.1.1", "3.8", "the profile is bound to another eUICC"},
        {"8.1.1", "2.2", "the order needs the EID"},
        {"8.2.6", "3.8", "the matching ID is unknown or already used"},
        {"8.2.6", "3.3", "the matching ID is being used by another download"},
        {"8.2", "1.2", "the profile is not released for download"},
        {"8.2", "3.7", "the profile is not available"},
        {"8.2.7", "2.2", "a confirmation code is required"},
        {"8.2.7", "3.8", "the confirmation code is wrong"},
        {"8.2.7", "6.4", "too many wrong confirmation codes"},
        {"8.8.5", "4.10", "the download order has expired"},
        {"8.8.5", "6.4", "the maximum number of download attempts was reached"},
        {"8.8", "3.10", "the SM-DP+ OID does not match"},
    };
    for (const auto& e : specific)
        if (e.subject == subject && e.reason == reason) return std::string(e.text);
    return {};
}

std::string describe_status(std::string_view subject, std::string_view reason)
{
    using entry = status_entry;
    if (auto known = specific_status(subject, reason); !known.empty()) return known;
    static constexpr entry generic_reason[] = {
        {"", "1.1", "unknown"}, {"", "1.2", "not allowed"}, {"", "2.1", "invalid"},
        {"", "2.2", "mandatory element missing"}, {"", "3.1", "unsupported"}, {"", "3.3", "already in use"},
        {"", "3.7", "unavailable"}, {"", "3.8", "refused"}, {"", "3.9", "unknown"}, {"", "3.10", "invalid association"},
        {"", "4.2", "execution error"}, {"", "4.10", "time to live expired"}, {"", "6.1", "verification failed"},
        {"", "6.3", "expired"}, {"", "6.4", "maximum number of attempts exceeded"},
    };
    for (const auto& e : generic_reason)
        if (e.reason == reason) return "subject " + std::string(subject) + ": " + std::string(e.text);
    return "error";
}

} // namespace openrsp::rsp::es9p
