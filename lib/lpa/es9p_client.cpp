// The LPA's ES9+ client, one class per binding: JSON (SGP.22 §6.5) and ASN.1 (§6.6).
#include "es9p_client.h"

#include "openrsp/rsp/es9p_asn1.h"

namespace openrsp::lpa {

std::optional<es9p_binding> parse_es9p_binding(std::string_view name)
{
    if (name == "json") return es9p_binding::json;
    if (name == "asn1") return es9p_binding::asn1;
    return std::nullopt;
}

namespace detail {

namespace es9p = rsp::es9p;
namespace asn1 = rsp::es9p::asn1;

namespace {

/// An SM-DP+ that refuses a call on the ASN.1 path without a response type for it answers an HTTP error status with
/// "SGP.22 <subject>/<reason>: <sentence>" (lib/smdpp); the codes are kept for the CLI's advice.
error http_refusal(std::string text, std::string_view body)
{
    constexpr std::string_view prefix = "SGP.22 ";
    std::string line(body.substr(0, body.find('\n')));
    if (line.empty()) return error::plain(std::move(text));
    text += ": " + line;
    if (!line.starts_with(prefix)) return error::plain(std::move(text));
    const std::string_view rest = std::string_view(line).substr(prefix.size());
    const auto slash = rest.find('/');
    const auto colon = rest.find(':');
    if (slash == std::string_view::npos || colon == std::string_view::npos || slash > colon)
        return error::plain(std::move(text));
    return error::rsp(std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1, colon - slash - 1)),
                      std::move(text));
}

class json_client final : public es9p_client {
public:
    using es9p_client::es9p_client;

    result<es9p::initiate_authentication_response>
    initiate_authentication(const es9p::initiate_authentication_request& req, bool* transient) override
    {
        auto body = call(req, transient);
        if (!body) return body.take_error();
        return es9p::parse_initiate_authentication_response(*body);
    }
    result<es9p::authenticate_client_response>
    authenticate_client(const es9p::authenticate_client_request& req) override
    {
        auto body = call(req);
        if (!body) return body.take_error();
        return es9p::parse_authenticate_client_response(*body);
    }
    result<es9p::get_bound_profile_package_response>
    get_bound_profile_package(const es9p::get_bound_profile_package_request& req, bool* transient) override
    {
        auto body = call(req, transient);
        if (!body) return body.take_error();
        return es9p::parse_get_bound_profile_package_response(*body);
    }
    result<void> cancel_session(const es9p::cancel_session_request& req) override
    {
        auto body = call(req);
        if (!body) return body.take_error();
        return es9p::parse_header_only_response(*body);
    }
    result<void> handle_notification(const es9p::handle_notification_request& req) override
    {
        auto body = call(req);
        if (!body) return body.take_error();
        // Answered with 204 and no body (osmo-smdpp, SGP.22 §6.5.2.4); a body must be a header.
        return es9p::parse_header_only_response(*body);
    }

private:
    template <class Request> result<std::string> call(const Request& req, bool* transient = nullptr)
    {
        static const std::vector<http::header_field> headers{{"Content-Type", "application/json"},
                                                             {"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
        const std::string path = std::string(es9p::path_prefix) + std::string(Request::function);
        return post(Request::function, path, es9p::to_json(req), headers, transient);
    }
};

class asn1_client final : public es9p_client {
public:
    using es9p_client::es9p_client;

    result<es9p::initiate_authentication_response>
    initiate_authentication(const es9p::initiate_authentication_request& req, bool* transient) override
    {
        auto body = call(req, transient);
        if (!body) return body.take_error();
        return asn1::decode_initiate_authentication_response(as_bytes(*body));
    }
    result<es9p::authenticate_client_response>
    authenticate_client(const es9p::authenticate_client_request& req) override
    {
        auto body = call(req);
        if (!body) return body.take_error();
        return asn1::decode_authenticate_client_response(as_bytes(*body));
    }
    result<es9p::get_bound_profile_package_response>
    get_bound_profile_package(const es9p::get_bound_profile_package_request& req, bool* transient) override
    {
        auto body = call(req, transient);
        if (!body) return body.take_error();
        return asn1::decode_get_bound_profile_package_response(as_bytes(*body));
    }
    result<void> cancel_session(const es9p::cancel_session_request& req) override
    {
        auto body = call(req);
        if (!body) return body.take_error();
        return asn1::decode_cancel_session_response(as_bytes(*body));
    }
    result<void> handle_notification(const es9p::handle_notification_request& req) override
    {
        // SGP.22 §6.6: no RemoteProfileProvisioningResponse alternative; HTTP 204 acknowledges it.
        auto body = call(req);
        if (!body) return body.take_error();
        return ok();
    }

private:
    template <class Request> result<std::string> call(const Request& req, bool* transient = nullptr)
    {
        static const std::vector<http::header_field> headers{{"Content-Type", std::string(asn1::content_type)},
                                                             {"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
        auto der = asn1::encode_request(asn1::request{req});
        if (!der) return fail("cannot encode " + std::string(Request::function) + ": " + der.error().message);
        const std::string_view body(reinterpret_cast<const char*>(der->data()), der->size());
        return post(Request::function, asn1::path, body, headers, transient);
    }
};

} // namespace

result<std::string> es9p_client::post(std::string_view function, std::string_view path, std::string_view body,
                                      const std::vector<http::header_field>& headers, bool* transient)
{
    auto r = m_http.post("https://" + m_address + std::string(path), body, headers);
    if (transient) *transient = !r || r->status == 502 || r->status == 503 || r->status == 504;
    if (!r) {
        // The http client words a curl timeout as "... timed out: ..."; say which step and what to do.
        if (r.error().message.find("timed out") != std::string::npos)
            return fail("the SM-DP+ at " + m_address + " " + std::string(timeout_marker) + " (" +
                        std::string(function) + "; " + r.error().message +
                        "). Check the network connection, or allow more time with --timeout");
        return r.take_error();
    }
    if (r->status < 200 || r->status > 299) {
        std::string text = "the SM-DP+ at " + m_address + " answered " + std::string(function) + " with HTTP " +
                           std::to_string(r->status);
        // Only the ASN.1 path words a refusal in the body of an HTTP error (text/plain).
        if (path == asn1::path && http::find_header(r->headers, "Content-Type").starts_with("text/plain"))
            return fail(http_refusal(std::move(text), r->body));
        return fail(std::move(text));
    }
    return std::move(r->body);
}

std::unique_ptr<es9p_client> make_es9p_client(es9p_binding binding, http::client& http, std::string address)
{
    if (binding == es9p_binding::asn1) return std::make_unique<asn1_client>(http, std::move(address));
    return std::make_unique<json_client>(http, std::move(address));
}

} // namespace detail
} // namespace openrsp::lpa
