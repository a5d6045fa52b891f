// ES2+ callers: operator accounts, their bearer tokens and TLS client certificates, and who a request comes from.
#include "es2p/orders.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/http/server.h"

#include <optional>

namespace openrsp::smdpp::es2p {

result<std::string> add_operator(store::inventory& inv, std::string_view name)
{
    if (name.empty()) return fail("the operator name is empty");
    const bytes token = crypto::random_bytes(32);
    std::string text = to_hex(token);
    OPENRSP_TRY_VOID(inv.add_operator(name, crypto::sha256(as_bytes(text))));
    return text;
}

result<std::string> authenticate_operator(store::inventory& inv, std::string_view authorization)
{
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme)
        return fail("1.1", "1.1", "the request carries no 'Authorization: Bearer' operator token");
    const std::string_view token = authorization.substr(scheme.size());
    auto who = inv.find_operator(crypto::sha256(as_bytes(token)));
    if (!who) return store_error(who.error());
    if (!*who) return fail("1.1", "1.1", "the operator token is unknown");
    return std::move(**who);
}

result<std::string> set_operator_client_certificate(store::inventory& inv, std::string_view name,
                                                    std::string_view certificate)
{
    auto fingerprint = http::certificate_sha256(certificate);
    if (!fingerprint) return fail("cannot use the client certificate: " + fingerprint.error().message);
    const auto raw = from_hex(*fingerprint);
    if (!raw) return fail("cannot use the client certificate: bad fingerprint");
    OPENRSP_TRY_VOID(inv.set_operator_client_cert(name, *raw));
    return std::move(*fingerprint);
}

result<std::string> authenticate_operator(store::inventory& inv, std::string_view authorization,
                                          std::string_view client_cert_sha256)
{
    auto by_token = authenticate_operator(inv, authorization);
    if (!by_token && by_token.error().subject != "1.1") return by_token; // the store failed
    std::optional<std::string> by_cert;
    if (!client_cert_sha256.empty()) {
        const auto raw = from_hex(client_cert_sha256);
        if (raw) {
            auto who = inv.find_operator_by_client_cert(*raw);
            if (!who) return store_error(who.error());
            by_cert = std::move(*who);
        }
    }
    if (by_token && by_cert && *by_token != *by_cert)
        return fail("1.1", "1.2", "the bearer token and the client certificate belong to different operators");
    if (by_token) return by_token;
    if (by_cert) return std::move(*by_cert);
    // A certificate nobody registered (or none at all) gets the same answer as a missing or unknown token.
    return by_token;
}

} // namespace openrsp::smdpp::es2p
