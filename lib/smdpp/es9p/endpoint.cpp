// The ES9+ HTTP edge (SGP.22 §6.5): method, Content-Type and X-Admin-Protocol, then the function's route.
#include "routes.h"

#include "openrsp/rsp/es9p.h"

#include <cctype>
#include <optional>

namespace openrsp::smdpp {

namespace {

/// RFC 9110 §8.3.1: media types compare case-insensitively, and parameters (charset=UTF-8, as lpac and pySim send)
/// follow a ';'. "application/jsonx" is not JSON.
bool is_json_content_type(std::string_view v)
{
    constexpr std::string_view json = "application/json";
    if (v.size() < json.size()) return false;
    for (std::size_t i = 0; i < json.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(v[i])) != json[i]) return false;
    const std::string_view rest = v.substr(json.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

} // namespace

/// SGP.22 §6.5.1: requests carry `X-Admin-Protocol: gsma/rsp/v<x.y.z>`. Any 2.x is served (lpac sends v2.2.2, pySim
/// v2.5.0; the JSON binding is the same); a missing header (1.3.2 / 2.2), a malformed one (2.1) or another major
/// version (3.1) is refused before the body is looked at.
std::optional<error> check_admin_protocol(std::string_view v)
{
    if (v.empty()) return error::rsp("1.3.2", "2.2", "the X-Admin-Protocol header is missing");
    constexpr std::string_view prefix = "gsma/rsp/v";
    if (!v.starts_with(prefix)) return error::rsp("1.3.2", "2.1", "X-Admin-Protocol must be gsma/rsp/v<x.y.z>");
    const std::string_view version = v.substr(prefix.size());
    const auto dot = version.find('.');
    const std::string_view major = version.substr(0, dot);
    if (dot == std::string_view::npos || major.empty() ||
        major.find_first_not_of("0123456789") != std::string_view::npos)
        return error::rsp("1.3.2", "2.1", "X-Admin-Protocol must be gsma/rsp/v<x.y.z>");
    if (major != "2")
        return error::rsp("1.3.2", "3.1",
                          "protocol version " + std::string(version) + " is not supported; this SM-DP+ speaks 2.x");
    return std::nullopt;
}

http::response service::impl::handle_es9p(route_call& c)
{
    const http::request& req = c.req;
    call_outcome& out = c.out;
    if (req.method != "POST") {
        http::response r = text_response(405, "ES9+ functions take POST\n");
        r.headers.push_back({"Allow", "POST"});
        out.failed(error::rsp("1.3.1", "2.1", "not a POST"));
        return r;
    }
    if (!is_json_content_type(req.header("Content-Type")))
        return failure(out, error::rsp("1.2.1", "2.1", "Content-Type must be application/json"));
    if (auto bad = check_admin_protocol(req.header("X-Admin-Protocol"))) return failure(out, *bad);

    if (out.function == nullptr) return failure(out, error::rsp("1.6", "3.1", "unknown ES9+ function"));
    return out.function->handle(c);
}

} // namespace openrsp::smdpp
