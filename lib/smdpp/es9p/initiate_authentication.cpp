// ES9+ InitiateAuthentication (SGP.22 §5.6.1; common mutual authentication §3.1.2).
#include "decode_errors.h"
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/euicc_info.h"

#include <algorithm>
#include <cctype>

namespace openrsp::smdpp {

namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool list_contains(const std::vector<bytes>& list, byte_view ski)
{
    return std::ranges::any_of(list, [&](const bytes& e) { return std::ranges::equal(e, ski); });
}

} // namespace

result<rsp::es9p::initiate_authentication_response>
service::initiate_authentication(const rsp::es9p::initiate_authentication_request& req)
{
    auto& m = *m_impl;
    if (!iequals(req.smdp_address, m.cfg.address))
        return fail("8.8.1", "3.8", "this SM-DP+ serves '" + m.cfg.address + "', not '" + req.smdp_address + "'");

    auto info1 = rsp::euicc_info1::decode(req.euicc_info1);
    // An unusable svn was always refused as invalid (2.1), a missing one included.
    if (!info1)
        return decode_error_about(info1.error(), "EUICCInfo1", "svn") ? as_invalid(info1.error()) : info1.take_error();
    if (info1->svn[0] != 2) return fail("8.8.3", "3.1", "this SM-DP+ supports SGP.22 v2 eUICCs only");
    const auto& verification = info1->ci_pkids_for_verification;
    const auto& signing = info1->ci_pkids_for_signing;

    // SGP.22 §5.6.1: euiccCiPKIdToBeUsed is a CI from euiccCiPKIdListForSigning that we trust for eUICC chains, and
    // the DPauth must chain to a CI in euiccCiPKIdListForVerification. One CI for both directions is preferred:
    // many eUICCs expect the DPauth under the CI they were told to sign with.
    const bytes* to_be_used = nullptr;
    for (const auto& ci : m.creds.cis)
        if (to_be_used == nullptr && list_contains(signing, ci.subject_key_id())) to_be_used = &ci.subject_key_id();
    if (to_be_used == nullptr)
        return fail("8.8.2", "3.1", "the eUICC signs under no certificate issuer this SM-DP+ trusts");
    const certificate_set* set = nullptr;
    for (const auto& candidate : m.creds.sets) {
        if (!list_contains(verification, candidate.ci_pkid())) continue;
        if (list_contains(signing, candidate.ci_pkid())) {
            set = &candidate;
            to_be_used = &candidate.ci_pkid();
            break;
        }
        if (set == nullptr) set = &candidate;
    }
    if (set == nullptr) return fail("8.8.4", "3.7", "the eUICC cannot verify any certificate of this SM-DP+");

    rsp_session s;
    s.at = rsp_session::stage::authenticating;
    s.transaction_id = crypto::random_bytes(16);
    s.server_challenge = crypto::random_bytes(16);
    s.ci_pkid = *to_be_used;
    s.set_ci_pkid = set->ci_pkid();
    const std::string tid_hex = to_hex(s.transaction_id, true);

    rsp::es9p::initiate_authentication_response resp;
    resp.server_signed1 =
        rsp::server_signed1{s.transaction_id, req.euicc_challenge, m.cfg.address, s.server_challenge}.encode();
    auto sig = crypto::ecdsa_sign(set->dpauth.key, resp.server_signed1);
    if (!sig) return fail("8.8", "4.2", sig.error().message);
    resp.server_signature1 = signature_tlv(*sig);
    resp.euicc_ci_pkid_to_be_used =
        der::encode(rsp::tag::authenticate_server_request::euicc_ci_pkid_to_be_used, *to_be_used);
    resp.server_certificate = set->dpauth.cert.der();
    resp.transaction_id = tid_hex;

    OPENRSP_TRY_VOID(m.save_session(tid_hex, s));
    // Expired sessions are swept now and then rather than per call.
    if (++m.initiations % 256 == 0) (void)m.inventory.purge_expired_sessions(m.now());
    return resp;
}

} // namespace openrsp::smdpp
