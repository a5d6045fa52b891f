// ES9+ InitiateAuthentication (SGP.22 §5.6.1; common mutual authentication §3.1.2).
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/tags.h"

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

bool list_contains(const der::tlv& list, byte_view ski)
{
    der::reader r(list.value);
    while (!r.empty()) {
        auto e = r.next();
        if (!e) return false;
        if (e->tag == rsp::tag::octet_string && std::equal(e->value.begin(), e->value.end(), ski.begin(), ski.end()))
            return true;
    }
    return false;
}

} // namespace

result<rsp::es9p::initiate_authentication_response>
service::initiate_authentication(const rsp::es9p::initiate_authentication_request& req)
{
    auto& m = *m_impl;
    if (!iequals(req.smdp_address, m.cfg.address))
        return fail("8.8.1", "3.8", "this SM-DP+ serves '" + m.cfg.address + "', not '" + req.smdp_address + "'");

    auto info1 = der::parse_one(req.euicc_info1);
    if (!info1 || info1->tag != rsp::tag::get_euicc_info1)
        return fail("1.3.1", "2.1", "'euiccInfo1' is not an EUICCInfo1 (BF20)");
    der::reader fields(info1->value);
    const auto svn = fields.find(0x82);
    if (!svn || svn->value.size() != 3) return fail("1.3.1", "2.1", "EUICCInfo1 carries no valid lowestSvn");
    if (svn->value[0] != 2) return fail("8.8.3", "3.1", "this SM-DP+ supports SGP.22 v2 eUICCs only");
    const auto verification = fields.find(0xA9);
    const auto signing = fields.find(0xAA);
    if (!verification || !signing) return fail("1.3.1", "2.2", "EUICCInfo1 lacks its CI PKId lists");

    // SGP.22 §5.6.1: euiccCiPKIdToBeUsed is a CI from euiccCiPKIdListForSigning that we trust for eUICC chains, and
    // the DPauth must chain to a CI in euiccCiPKIdListForVerification. One CI for both directions is preferred:
    // many eUICCs expect the DPauth under the CI they were told to sign with.
    const bytes* to_be_used = nullptr;
    for (const auto& ci : m.creds.cis)
        if (to_be_used == nullptr && list_contains(*signing, ci.subject_key_id())) to_be_used = &ci.subject_key_id();
    if (to_be_used == nullptr)
        return fail("8.8.2", "3.1", "the eUICC signs under no certificate issuer this SM-DP+ trusts");
    const certificate_set* set = nullptr;
    for (const auto& candidate : m.creds.sets) {
        if (!list_contains(*verification, candidate.ci_pkid())) continue;
        if (list_contains(*signing, candidate.ci_pkid())) {
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

    der::writer w;
    w.begin(rsp::tag::sequence)
        .add(0x80, s.transaction_id)
        .add(0x81, req.euicc_challenge)
        .add(0x83, m.cfg.address)
        .add(0x84, s.server_challenge)
        .end();
    rsp::es9p::initiate_authentication_response resp;
    resp.server_signed1 = w.finish();
    auto sig = crypto::ecdsa_sign(set->dpauth.key, resp.server_signed1);
    if (!sig) return fail("8.8", "4.2", sig.error().message);
    resp.server_signature1 = signature_tlv(*sig);
    resp.euicc_ci_pkid_to_be_used = der::encode(rsp::tag::octet_string, *to_be_used);
    resp.server_certificate = set->dpauth.cert.der();
    resp.transaction_id = tid_hex;

    OPENRSP_TRY_VOID(m.save_session(tid_hex, s));
    // Expired sessions are swept now and then rather than per call.
    if (++m.initiations % 256 == 0) (void)m.inventory.purge_expired_sessions(m.now());
    return resp;
}

} // namespace openrsp::smdpp
