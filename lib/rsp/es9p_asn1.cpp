/// \file
/// \brief ES9+ ASN.1 binding (SGP.22 v2.2.2 §6.6): RemoteProfileProvisioningRequest / RemoteProfileProvisioningResponse
/// and the ES9+ function types of RSPDefinitions, decoded and encoded here only.

#include "openrsp/rsp/es9p_asn1.h"

#include "message_codec.h"
#include "openrsp/rsp/tags.h"

#include <tuple>

namespace openrsp::rsp::es9p::asn1 {

namespace {

namespace t = tag::es9p_asn1;
using codec::fields;

constexpr std::string_view request_type = "RemoteProfileProvisioningRequest";
constexpr std::string_view response_type = "RemoteProfileProvisioningResponse";

bytes copy(byte_view v)
{
    return bytes(v.begin(), v.end());
}

/// The function's tag inside the RemoteProfileProvisioningRequest/Response CHOICE.
der::tag_t function_tag(function f)
{
    switch (f) {
    case function::initiate_authentication:
        return t::initiate_authentication;
    case function::authenticate_client:
        return t::authenticate_client;
    case function::get_bound_profile_package:
        return t::get_bound_profile_package;
    case function::cancel_session:
        return t::cancel_session;
    case function::handle_notification:
        return t::handle_notification;
    }
    return t::handle_notification;
}

/// SGP.22 names the ASN.1 type of each function's answer; the error INTEGER sits in its [1] alternative.
std::string_view response_type_name(function f)
{
    switch (f) {
    case function::initiate_authentication:
        return "InitiateAuthenticationResponse";
    case function::authenticate_client:
        return "AuthenticateClientResponseEs9";
    case function::get_bound_profile_package:
        return "GetBoundProfilePackageResponse";
    case function::cancel_session:
        return "CancelSessionResponseEs9";
    case function::handle_notification:
        return "HandleNotification";
    }
    return {};
}

// ---- error codes -------------------------------------------------------------------------------------------------

/// One error INTEGER of a function's response CHOICE and an SGP.22 §5.6 subject/reason pair stating the same
/// condition. The first row of a code is the pair it stands for when decoded; later rows only map more pairs onto
/// it. An empty reason matches every reason of the subject; an empty subject (undefinedError) matches nothing and
/// is the fallback.
struct code_row {
    function f;
    int code;
    std::string_view name, subject, reason;
};

constexpr code_row code_table[] = {
    // InitiateAuthenticationResponse initiateAuthenticationError (SGP.22 §5.6.1)
    {function::initiate_authentication, 1, "invalidDpAddress", "8.8.1", "3.8"},
    {function::initiate_authentication, 2, "euiccVersionNotSupportedByDp", "8.8.3", "3.1"},
    {function::initiate_authentication, 3, "ciPKNotSupported", "8.8.2", "3.1"},
    // No server certificate the eUICC can verify: its CI keys are not supported by this SM-DP+.
    {function::initiate_authentication, 3, "ciPKNotSupported", "8.8.4", "3.7"},
    // AuthenticateClientResponseEs9 authenticateClientError (SGP.22 §5.6.2)
    {function::authenticate_client, 1, "eumCertificateInvalid", "8.1.2", "6.1"},
    {function::authenticate_client, 2, "eumCertificateExpired", "8.1.2", "6.3"},
    {function::authenticate_client, 3, "euiccCertificateInvalid", "8.1.3", "6.1"},
    {function::authenticate_client, 4, "euiccCertificateExpired", "8.1.3", "6.3"},
    {function::authenticate_client, 5, "euiccSignatureInvalid", "8.1", "6.1"},
    {function::authenticate_client, 6, "matchingIdRefused", "8.2.6", "3.8"},
    {function::authenticate_client, 6, "matchingIdRefused", "8.2.6", ""},
    {function::authenticate_client, 7, "eidMismatch", "8.1.1", "3.8"},
    {function::authenticate_client, 7, "eidMismatch", "8.1.1", ""},
    {function::authenticate_client, 8, "noEligibleProfile", "8.2", "3.7"},
    {function::authenticate_client, 8, "noEligibleProfile", "8.2", "1.2"},
    {function::authenticate_client, 8, "noEligibleProfile", "8.2.5", ""},
    {function::authenticate_client, 9, "ciPKUnknown", "8.11.1", "3.9"},
    {function::authenticate_client, 10, "invalidTransactionId", "8.10.1", "3.9"},
    {function::authenticate_client, 11, "insufficientMemory", "8.1", "4.8"},
    {function::authenticate_client, 127, "undefinedError", "", ""},
    // GetBoundProfilePackageResponse getBoundProfilePackageError (SGP.22 §5.6.3)
    {function::get_bound_profile_package, 1, "euiccSignatureInvalid", "8.1", "6.1"},
    {function::get_bound_profile_package, 2, "confirmationCodeMissing", "8.2.7", "2.2"},
    {function::get_bound_profile_package, 3, "confirmationCodeRefused", "8.2.7", "3.8"},
    {function::get_bound_profile_package, 4, "confirmationCodeRetriesExceeded", "8.2.7", "6.4"},
    {function::get_bound_profile_package, 5, "bppRebindingRefused", "8.2", "3.7"},
    {function::get_bound_profile_package, 6, "downloadOrderExpired", "8.8.5", "4.10"},
    {function::get_bound_profile_package, 95, "invalidTransactionId", "8.10.1", "3.9"},
    {function::get_bound_profile_package, 127, "undefinedError", "", ""},
    // CancelSessionResponseEs9 cancelSessionError (SGP.22 §5.6.5)
    {function::cancel_session, 1, "invalidTransactionId", "8.10.1", "3.9"},
    {function::cancel_session, 2, "euiccSignatureInvalid", "8.1", "6.1"},
    {function::cancel_session, 127, "undefinedError", "", ""},
};

const code_row* row_of(function f, int code)
{
    for (const auto& r : code_table)
        if (r.f == f && r.code == code) return &r;
    return nullptr;
}

/// The sentence and codes an LPA gets for an error alternative.
unexpected refused(function f, int code)
{
    const code_row* r = row_of(f, code);
    const std::string asn1 = "SGP.22 ASN.1 " + std::string(response_type_name(f)) + " " + error_name(f, code) + "(" +
                             std::to_string(code) + ")";
    if (r == nullptr || r->subject.empty()) return fail("the SM-DP+ refused: undefined error (" + asn1 + ")");
    std::string meaning = specific_status(r->subject, r->reason);
    if (meaning.empty()) meaning = describe_status(r->subject, r->reason);
    return fail(std::string(r->subject), std::string(r->reason), "the SM-DP+ refused: " + meaning + " (" + asn1 + ")");
}

// ---- requests ----------------------------------------------------------------------------------------------------

/// TransactionId in a request: an unreadable one is an unknown transaction, as in the JSON binding (SGP.22 §5.6).
result<std::string> request_tid(fields& f)
{
    auto tid = f.need(t::transaction_id, "transactionId");
    if (!tid) return tid.take_error();
    auto v = codec::transaction_id(*tid, f.type());
    if (!v) return fail("8.10.1", "3.9", v.error().message);
    return to_hex(*v, true);
}

/// A mandatory element kept whole (its own TLV), as the JSON binding carries it in base64.
result<bytes> whole(fields& f, der::tag_t tag, std::string_view field)
{
    auto e = f.need(tag, field);
    if (!e) return e.take_error();
    return copy(e->raw);
}

result<request> initiate_authentication(byte_view contents)
{
    namespace ia = t::initiate_authentication_request;
    constexpr std::string_view T = "InitiateAuthenticationRequest";
    auto f = fields::read(contents, T, {ia::euicc_challenge, ia::smdp_address, tag::get_euicc_info1});
    if (!f) return f.take_error();
    initiate_authentication_request m;
    auto challenge = f->need(ia::euicc_challenge, "euiccChallenge");
    if (!challenge) return challenge.take_error();
    auto v_challenge = codec::octets(*challenge, T, "euiccChallenge", 16, 16);
    if (!v_challenge) return v_challenge.take_error();
    m.euicc_challenge = std::move(*v_challenge);
    auto address = f->need(ia::smdp_address, "smdpAddress");
    if (!address) return address.take_error();
    auto v_address = codec::utf8(*address, T, "smdpAddress", 255);
    if (!v_address) return v_address.take_error();
    m.smdp_address = std::move(*v_address);
    auto info1 = whole(*f, tag::get_euicc_info1, "euiccInfo1");
    if (!info1) return info1.take_error();
    m.euicc_info1 = std::move(*info1);
    return request{std::move(m)};
}

template <class Request, der::tag_t payload_tag>
result<request> tid_and_payload(byte_view contents, std::string_view type, std::string_view payload_field)
{
    auto f = fields::read(contents, type, {t::transaction_id, payload_tag});
    if (!f) return f.take_error();
    auto tid = request_tid(*f);
    if (!tid) return tid.take_error();
    auto payload = whole(*f, payload_tag, payload_field);
    if (!payload) return payload.take_error();
    return request{Request{std::move(*tid), std::move(*payload)}};
}

result<request> cancel_session(byte_view contents)
{
    namespace cs = t::cancel_session_request_es9;
    constexpr std::string_view T = "CancelSessionRequestEs9";
    auto f = fields::read(contents, T, {cs::transaction_id, cs::cancel_session_response});
    if (!f) return f.take_error();
    auto tid = request_tid(*f);
    if (!tid) return tid.take_error();
    auto response = f->need(cs::cancel_session_response, "cancelSessionResponse");
    if (!response) return response.take_error();
    if (!response->constructed()) return codec::invalid(T, "cancelSessionResponse is not constructed");
    // [1] is implicit over the ES10b CancelSessionResponse: its contents under the eUICC's own tag 'BF41' again.
    return request{cancel_session_request{std::move(*tid), der::encode(tag::cancel_session, response->value)}};
}

result<request> handle_notification(byte_view contents)
{
    constexpr std::string_view T = "HandleNotification";
    auto f = fields::read(contents, T, {});
    if (!f) return f.take_error();
    if (f->all().size() != 1) return codec::invalid(T, "expected exactly one pendingNotification");
    const der::tlv& only = f->all().front();
    // X.680 §31.2.7: the automatic [0] on the untagged PendingNotification CHOICE is explicit ('A0' around the
    // alternative). A bare 'BF37' or '30' is taken too: it can mean nothing else here.
    if (only.tag == tag::profile_installation_result || only.tag == tag::sequence)
        return request{handle_notification_request{copy(only.raw)}};
    if (only.tag != t::handle_notification_request::pending_notification)
        return codec::missing(T, "pendingNotification", t::handle_notification_request::pending_notification);
    auto inner = der::parse_one(only.value);
    if (!inner) return codec::invalid("PendingNotification", "not one well-formed TLV");
    if (inner->tag != tag::profile_installation_result && inner->tag != tag::sequence)
        return codec::invalid("PendingNotification", "the alternative " + codec::tag_text(inner->tag) +
                                                         " is neither profileInstallationResult nor "
                                                         "otherSignedNotification");
    return request{handle_notification_request{copy(inner->raw)}};
}

// ---- responses ---------------------------------------------------------------------------------------------------

/// A2 { <function tag> { <alternative> } }
bytes wrap(function f, byte_view alternative)
{
    der::writer w;
    w.begin(t::remote_profile_provisioning).begin(function_tag(f)).raw(alternative).end().end();
    return w.finish();
}

bytes hex_tid(std::string_view hex)
{
    auto b = transaction_id_from_hex(hex);
    return b ? std::move(*b) : bytes{};
}

/// The answer to `f`: its ok alternative's contents, or the error it carries.
result<fields> open_response(byte_view der, function f)
{
    const std::string_view type = response_type_name(f);
    auto outer = codec::open(der, t::remote_profile_provisioning, response_type);
    if (!outer) return outer.take_error();
    auto answer = codec::open(outer->value, function_tag(f), type);
    if (!answer) return answer.take_error();
    auto choice = der::parse_one(answer->value);
    if (!choice) return codec::invalid(type, "not exactly one alternative");
    if (choice->tag == t::response_choice::error) {
        auto code = codec::small_int(*choice, type, "error");
        if (!code) return code.take_error();
        return refused(f, *code);
    }
    if (choice->tag != t::response_choice::ok)
        return codec::invalid(type, "unknown alternative " + codec::tag_text(choice->tag));
    return fields::read(choice->value, type, {t::transaction_id});
}

/// Wording for a malformed answer (the LPA's side of a decoder error); an SM-DP+ refusal passes through.
unexpected malformed(function f, const error& e)
{
    if (e.message.starts_with("the SM-DP+ refused")) return fail(error(e));
    return fail("the SM-DP+ sent a malformed " + std::string(response_type_name(f)) + " (" + e.message + ")");
}

result<std::string> response_tid(fields& f)
{
    auto tid = f.need(t::transaction_id, "transactionId");
    if (!tid) return tid.take_error();
    auto v = codec::transaction_id(*tid, f.type());
    if (!v) return v.take_error();
    return to_hex(*v, true);
}

} // namespace

std::string_view function_name(function f)
{
    switch (f) {
    case function::initiate_authentication:
        return initiate_authentication_request::function;
    case function::authenticate_client:
        return authenticate_client_request::function;
    case function::get_bound_profile_package:
        return get_bound_profile_package_request::function;
    case function::cancel_session:
        return cancel_session_request::function;
    case function::handle_notification:
        return handle_notification_request::function;
    }
    return {};
}

function function_of(const request& r)
{
    return static_cast<function>(r.index()); // the variant's order is the enum's
}

std::optional<function> peek_function(byte_view der)
{
    auto outer = der::parse_prefix(der);
    if (!outer || outer->tag != t::remote_profile_provisioning) return std::nullopt;
    auto choice = der::parse_prefix(outer->value);
    if (!choice) return std::nullopt;
    for (auto f : {function::initiate_authentication, function::authenticate_client,
                   function::get_bound_profile_package, function::cancel_session, function::handle_notification})
        if (function_tag(f) == choice->tag) return f;
    return std::nullopt;
}

result<request> decode_request(byte_view der)
{
    auto outer = codec::open(der, t::remote_profile_provisioning, request_type);
    if (!outer) return outer.take_error();
    auto choice = der::parse_prefix(outer->value);
    if (!choice) return codec::invalid(request_type, "the alternative is not a well-formed TLV");
    if (choice->raw.size() != outer->value.size()) return codec::invalid(request_type, "more than one alternative");
    switch (choice->tag) {
    case t::initiate_authentication:
        return initiate_authentication(choice->value);
    case t::authenticate_client:
        return tid_and_payload<authenticate_client_request, tag::authenticate_server>(
            choice->value, "AuthenticateClientRequest", "authenticateServerResponse");
    case t::get_bound_profile_package:
        return tid_and_payload<get_bound_profile_package_request, tag::prepare_download>(
            choice->value, "GetBoundProfilePackageRequest", "prepareDownloadResponse");
    case t::cancel_session:
        return cancel_session(choice->value);
    case t::handle_notification:
        return handle_notification(choice->value);
    default:
        return codec::invalid(request_type,
                              "the alternative " + codec::tag_text(choice->tag) + " is not an ES9+ function");
    }
}

result<bytes> encode_request(const request& r)
{
    der::writer w;
    w.begin(t::remote_profile_provisioning);
    const auto tid = [](std::string_view hex) -> result<bytes> { return transaction_id_from_hex(hex); };
    if (const auto* ia = std::get_if<initiate_authentication_request>(&r)) {
        namespace f = t::initiate_authentication_request;
        w.begin(t::initiate_authentication)
            .add(f::euicc_challenge, ia->euicc_challenge)
            .add(f::smdp_address, ia->smdp_address)
            .raw(ia->euicc_info1)
            .end();
    } else if (const auto* ac = std::get_if<authenticate_client_request>(&r)) {
        auto id = tid(ac->transaction_id);
        if (!id) return id.take_error();
        w.begin(t::authenticate_client).add(t::transaction_id, *id).raw(ac->authenticate_server_response).end();
    } else if (const auto* gb = std::get_if<get_bound_profile_package_request>(&r)) {
        auto id = tid(gb->transaction_id);
        if (!id) return id.take_error();
        w.begin(t::get_bound_profile_package).add(t::transaction_id, *id).raw(gb->prepare_download_response).end();
    } else if (const auto* cs = std::get_if<cancel_session_request>(&r)) {
        namespace f = t::cancel_session_request_es9;
        auto id = tid(cs->transaction_id);
        if (!id) return id.take_error();
        auto response = codec::open(cs->cancel_session_response, tag::cancel_session, "CancelSessionResponse");
        if (!response) return response.take_error();
        w.begin(t::cancel_session).add(f::transaction_id, *id).add(f::cancel_session_response, response->value).end();
    } else {
        const auto& hn = std::get<handle_notification_request>(r);
        w.begin(t::handle_notification)
            .begin(t::handle_notification_request::pending_notification)
            .raw(hn.pending_notification)
            .end()
            .end();
    }
    w.end();
    return w.finish();
}

bytes encode_response(const initiate_authentication_response& m)
{
    der::writer w;
    w.begin(t::response_choice::ok)
        .add(t::transaction_id, hex_tid(m.transaction_id))
        .raw(m.server_signed1)
        .raw(m.server_signature1)
        .raw(m.euicc_ci_pkid_to_be_used)
        .raw(m.server_certificate)
        .end();
    return wrap(function::initiate_authentication, w.finish());
}

bytes encode_response(const authenticate_client_response& m)
{
    der::writer w;
    w.begin(t::response_choice::ok)
        .add(t::transaction_id, hex_tid(m.transaction_id))
        .raw(m.profile_metadata)
        .raw(m.smdp_signed2)
        .raw(m.smdp_signature2)
        .raw(m.smdp_certificate)
        .end();
    return wrap(function::authenticate_client, w.finish());
}

bytes encode_response(const get_bound_profile_package_response& m)
{
    der::writer w;
    w.begin(t::response_choice::ok)
        .add(t::transaction_id, hex_tid(m.transaction_id))
        .raw(m.bound_profile_package)
        .end();
    return wrap(function::get_bound_profile_package, w.finish());
}

bytes encode_cancel_session_ok()
{
    return wrap(function::cancel_session, der::encode(t::response_choice::ok, {}));
}

std::optional<int> error_code(function f, const error& e)
{
    const code_row* fallback = nullptr;
    const code_row* by_subject = nullptr;
    for (const auto& r : code_table) {
        if (r.f != f) continue;
        if (r.subject.empty())
            fallback = &r;
        else if (r.subject == e.subject && r.reason == e.reason)
            return r.code;
        else if (r.subject == e.subject && r.reason.empty() && by_subject == nullptr)
            by_subject = &r;
    }
    if (by_subject) return by_subject->code;
    if (fallback) return fallback->code;
    return std::nullopt;
}

std::optional<bytes> encode_error(function f, const error& e)
{
    const auto code = error_code(f, e);
    if (!code) return std::nullopt;
    der::writer w;
    w.add_uint(t::response_choice::error, static_cast<std::uint64_t>(*code));
    return wrap(f, w.finish());
}

int http_status(const error& e)
{
    return e.reason == "4.2" ? 500 : 400;
}

std::string error_name(function f, int code)
{
    const code_row* r = row_of(f, code);
    return r ? std::string(r->name) : "error " + std::to_string(code);
}

result<initiate_authentication_response> decode_initiate_authentication_response(byte_view der)
{
    constexpr auto F = function::initiate_authentication;
    auto f = open_response(der, F);
    if (!f) return malformed(F, f.error());
    initiate_authentication_response m;
    auto tid = response_tid(*f);
    if (!tid) return malformed(F, tid.error());
    m.transaction_id = std::move(*tid);
    for (auto [want, name, dst] : {std::tuple{tag::sequence, "serverSigned1", &m.server_signed1},
                                   {tag::signature, "serverSignature1", &m.server_signature1},
                                   {tag::octet_string, "euiccCiPKIdToBeUsed", &m.euicc_ci_pkid_to_be_used},
                                   {tag::sequence, "serverCertificate", &m.server_certificate}}) {
        auto v = whole(*f, want, name);
        if (!v) return malformed(F, v.error());
        *dst = std::move(*v);
    }
    return m;
}

result<authenticate_client_response> decode_authenticate_client_response(byte_view der)
{
    constexpr auto F = function::authenticate_client;
    auto f = open_response(der, F);
    if (!f) return malformed(F, f.error());
    authenticate_client_response m;
    auto tid = response_tid(*f);
    if (!tid) return malformed(F, tid.error());
    m.transaction_id = std::move(*tid);
    for (auto [want, name, dst] : {std::tuple{tag::store_metadata, "profileMetaData", &m.profile_metadata},
                                   {tag::sequence, "smdpSigned2", &m.smdp_signed2},
                                   {tag::signature, "smdpSignature2", &m.smdp_signature2},
                                   {tag::sequence, "smdpCertificate", &m.smdp_certificate}}) {
        auto v = whole(*f, want, name);
        if (!v) return malformed(F, v.error());
        *dst = std::move(*v);
    }
    return m;
}

result<get_bound_profile_package_response> decode_get_bound_profile_package_response(byte_view der)
{
    constexpr auto F = function::get_bound_profile_package;
    auto f = open_response(der, F);
    if (!f) return malformed(F, f.error());
    get_bound_profile_package_response m;
    auto tid = response_tid(*f);
    if (!tid) return malformed(F, tid.error());
    m.transaction_id = std::move(*tid);
    auto bpp = whole(*f, tag::bound_profile_package, "boundProfilePackage");
    if (!bpp) return malformed(F, bpp.error());
    m.bound_profile_package = std::move(*bpp);
    return m;
}

result<void> decode_cancel_session_response(byte_view der)
{
    constexpr auto F = function::cancel_session;
    auto f = open_response(der, F);
    if (!f) return malformed(F, f.error());
    return ok();
}

} // namespace openrsp::rsp::es9p::asn1
