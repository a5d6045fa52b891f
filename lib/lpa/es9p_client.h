#pragma once
// Private to lib/lpa: the LPA's ES9+ calls behind one interface, with an implementation per binding (SGP.22 §6.5
// JSON, §6.6 ASN.1) over lib/http's client. The download and notification code does not know which one it talks.

#include "openrsp/http/client.h"
#include "openrsp/lpa/download.h"
#include "openrsp/rsp/es9p.h"

#include <memory>
#include <string>
#include <string_view>

namespace openrsp::lpa::detail {

/// The words of a timed-out call's message (is_timeout() looks for them).
inline constexpr std::string_view timeout_marker = "did not answer in time";

/// \brief One SM-DP+ (or notification address), reached over one binding. Transport failures and non-2xx answers
/// become sentences naming the SM-DP+ and the function; an SM-DP+ refusal keeps its SGP.22 codes.
class es9p_client {
public:
    es9p_client(http::client& http, std::string address) : m_http(http), m_address(std::move(address)) {}
    virtual ~es9p_client() = default;
    es9p_client(const es9p_client&) = delete;
    es9p_client& operator=(const es9p_client&) = delete;

    /// `transient` (optional) is set when trying again could help: no answer, a timeout, HTTP 502/503/504 (only
    /// initiateAuthentication and, after a new PrepareDownload, getBoundProfilePackage are tried again).
    virtual result<rsp::es9p::initiate_authentication_response>
    initiate_authentication(const rsp::es9p::initiate_authentication_request& req, bool* transient = nullptr) = 0;
    virtual result<rsp::es9p::authenticate_client_response>
    authenticate_client(const rsp::es9p::authenticate_client_request& req) = 0;
    virtual result<rsp::es9p::get_bound_profile_package_response>
    get_bound_profile_package(const rsp::es9p::get_bound_profile_package_request& req, bool* transient = nullptr) = 0;
    virtual result<void> cancel_session(const rsp::es9p::cancel_session_request& req) = 0;
    virtual result<void> handle_notification(const rsp::es9p::handle_notification_request& req) = 0;

protected:
    /// POSTs `body` to `path` on the address; returns the 2xx answer's body.
    result<std::string> post(std::string_view function, std::string_view path, std::string_view body,
                             const std::vector<http::header_field>& headers, bool* transient);

private:
    http::client& m_http;
    std::string m_address;
};

std::unique_ptr<es9p_client> make_es9p_client(es9p_binding binding, http::client& http, std::string address);

} // namespace openrsp::lpa::detail
