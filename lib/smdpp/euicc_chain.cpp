// The eUICC's certificate chain (CI -> EUM -> eUICC) and its revocation (SGP.22 §4.6), checked for AuthenticateClient
// and signed notifications; with the node-local caches of parsed and verified certificates.
#include "service_impl.h"

#include <algorithm>
#include <chrono>

namespace openrsp::smdpp {

namespace {

unexpected chain_failure(const crypto::chain_check& c, const char* subject)
{
    const char* reason = c.error == crypto::chain_error::expired ? "6.3" : "6.1";
    return fail(subject, reason, c.message);
}

} // namespace

const crypto::certificate* service::impl::find_ci(byte_view ski) const
{
    for (const auto& ci : creds.cis)
        if (std::equal(ci.subject_key_id().begin(), ci.subject_key_id().end(), ski.begin(), ski.end())) return &ci;
    return nullptr;
}

result<void> service::impl::check_revocation(const crypto::certificate& euicc, const crypto::certificate& eum) const
{
    const revocation& r = creds.revoked;
    if (r.empty()) return ok();
    auto listed = [&r](const crypto::certificate& c) {
        return std::ranges::find(r.serials, c.serial_number()) != r.serials.end();
    };
    auto on_crl_of = [&r](const crypto::certificate& c, const crypto::certificate& issuer) {
        for (const auto& crl : r.crls)
            if (crl.authority_key_id() == issuer.subject_key_id() && crl.revokes(c.serial_number()) &&
                crl.signed_by(issuer))
                return true;
        return false;
    };
    const crypto::certificate* ci = find_ci(eum.authority_key_id());
    if (listed(eum) || (ci != nullptr && on_crl_of(eum, *ci)))
        return fail("8.1.2", "6.1", "the EUM certificate has been revoked");
    if (std::ranges::find(r.eids, euicc.subject_serial_number()) != r.eids.end() || listed(euicc) ||
        on_crl_of(euicc, eum))
        return fail("8.1.3", "6.1", "the eUICC certificate has been revoked");
    return ok();
}

result<crypto::certificate> service::impl::parse_certificate(byte_view der)
{
    const bytes key(der.begin(), der.end());
    {
        std::lock_guard lock(cert_cache_mutex);
        if (auto it = parsed_certs.find(key); it != parsed_certs.end()) return it->second;
    }
    auto cert = crypto::certificate::from_der(der);
    if (!cert) return cert;
    std::lock_guard lock(cert_cache_mutex);
    if (parsed_certs.size() >= 8192) parsed_certs.clear(); // bounded; a miss only costs a parse
    parsed_certs.emplace(key, *cert);
    return cert;
}

// The order of the checks (SGP.22 §5.6.3 ES9+.AuthenticateClient, as SGP.23 §4.3.14.2.2 tests it: sequences #1/#2
// for CERT.EUM, #3/#4 for CERT.EUICC, #7 for an unknown CI): the EUM before the eUICC, as the chain is walked.
// For each certificate every verification fault (signature, missing authority key identifier, missing
// certificate policy, EID outside the EUM's range) is "Verification failed" (6.1) and is reported before
// "Expired" (6.3): a certificate that does not verify vouches for nothing, its validity period included. Expiry
// is checked on its own, on every call, after the cached verification: an EUM verified while it was valid is
// still refused as expired (8.1.2 / 6.3) once it is not. An EUM naming no CI we know is 8.11.1 / 3.9; one naming no
// CI at all (no authority key identifier) lacks a required field: 8.1.2 / 6.1.
result<crypto::certificate> service::impl::verify_euicc_chain(byte_view euicc_der, byte_view eum_der, byte_view ci_pkid)
{
    std::optional<crypto::certificate> eum;
    {
        std::lock_guard lock(cert_cache_mutex);
        if (auto it = verified_eums.find(bytes(eum_der.begin(), eum_der.end())); it != verified_eums.end())
            eum = it->second;
    }
    if (!eum) {
        auto parsed = crypto::certificate::from_der(eum_der);
        if (!parsed) return fail("8.1.2", "6.1", "the EUM certificate cannot be parsed");
        eum = std::move(*parsed);
    }
    if (eum->authority_key_id().empty())
        return fail("8.1.2", "6.1", "the EUM certificate has no authority key identifier");
    const crypto::certificate* ci = find_ci(eum->authority_key_id());
    if (ci == nullptr || (!ci_pkid.empty() && !std::equal(ci_pkid.begin(), ci_pkid.end(), ci->subject_key_id().begin(),
                                                          ci->subject_key_id().end())))
        return fail("8.11.1", "3.9",
                    "the EUM certificate is not issued by the certificate issuer agreed for this session");
    bool verified;
    {
        std::lock_guard lock(cert_cache_mutex);
        verified = verified_eums.count(eum->der()) != 0;
    }
    if (!verified) {
        // Verified outside the lock: other downloads keep going while a new EUM is checked.
        auto c = crypto::verify_rsp_chain(*eum, nullptr, *ci, crypto::rsp_oid::eum, false);
        if (!c) return chain_failure(c, "8.1.2");
        std::lock_guard lock(cert_cache_mutex);
        if (verified_eums.size() >= 1024) verified_eums.clear();
        verified_eums.emplace(eum->der(), *eum);
    }
    const auto now = std::chrono::system_clock::now();
    if (!eum->valid_at(now)) return fail("8.1.2", "6.3", "the EUM certificate is expired or not yet valid");
    if (!ci->valid_at(now)) return fail("8.1.2", "6.3", "the CI certificate is expired or not yet valid");
    auto euicc = parse_certificate(euicc_der);
    if (!euicc) return fail("8.1.3", "6.1", "the eUICC certificate cannot be parsed");
    // The eUICC link, its policy and its EID against the EUM's permitted range; the EUM is already trusted.
    auto c = crypto::verify_rsp_chain(*euicc, nullptr, *eum, crypto::rsp_oid::euicc, false);
    if (!c) return chain_failure(c, "8.1.3");
    if (!euicc->valid_at(now)) return fail("8.1.3", "6.3", "the eUICC certificate is expired or not yet valid");
    // Revocation is looked up on every call, not cached with the EUM: a list may name an EUM verified before.
    OPENRSP_TRY_VOID(check_revocation(*euicc, *eum));
    return std::move(*euicc);
}

} // namespace openrsp::smdpp
