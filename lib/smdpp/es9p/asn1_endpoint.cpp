// The ES9+ ASN.1 binding's HTTP edge (SGP.22 §6.6): `POST /gsma/rsp2/asn1` with Content-Type
// application/x-gsma-rsp-asn1 and X-Admin-Protocol, the body one DER RemoteProfileProvisioningRequest.
#include "routes.h"

#include <cctype>

namespace openrsp::smdpp {

namespace {

namespace asn1 = rsp::es9p::asn1;

/// RFC 9110 §8.3.1: media types compare case-insensitively, and parameters may follow a ';'.
bool is_asn1_content_type(std::string_view v)
{
    const std::string_view want = asn1::content_type;
    if (v.size() < want.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(v[i])) != want[i]) return false;
    const std::string_view rest = v.substr(want.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

/// A refusal before any function is known: no RemoteProfileProvisioningResponse alternative can carry it, so the
/// HTTP status and a sentence say it (counted as "other" in /metrics).
http::response refuse(call_outcome& out, int status, const error& e)
{
    out.failed(e);
    return text_response(status, "SGP.22 " + e.subject + "/" + e.reason + ": " + e.message + "\n");
}

} // namespace

http::response handle_es9p_asn1(route_call& c)
{
    const http::request& req = c.req;
    call_outcome& out = c.out;
    if (req.method != "POST") {
        http::response r = text_response(405, "ES9+ functions take POST\n");
        r.headers.push_back({"Allow", "POST"});
        out.failed(error::rsp("1.3.1", "2.1", "not a POST"));
        return r;
    }
    if (!is_asn1_content_type(req.header("Content-Type")))
        return refuse(
            out, 415,
            error::rsp("1.2.1", "2.1",
                       "Content-Type must be " + std::string(asn1::content_type) + " on " + std::string(asn1::path)));
    if (auto bad = check_admin_protocol(req.header("X-Admin-Protocol"))) return refuse(out, 400, *bad);

    const byte_view body = as_bytes(req.body);
    // The function is known as soon as the alternative's tag is: from then on it is counted as that function and
    // a malformed request is answered with that function's error alternative, as the JSON binding answers it.
    const auto f = asn1::peek_function(body);
    if (f) out.function = find_route(interface::es9p, asn1::function_name(*f));
    auto decoded = asn1::decode_request(body);
    if (!decoded) {
        if (f) return asn1_failure(out, *f, decoded.error());
        return refuse(out, 400, decoded.error());
    }
    return serve_asn1(c, *decoded);
}

} // namespace openrsp::smdpp
