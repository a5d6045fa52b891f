// ES9+ InitiateAuthentication and AuthenticateClient (SGP.22 §5.6.1, §5.6.3; common mutual authentication §3.1.2).
#include "service_impl.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>
#include <cctype>
#include <chrono>

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

bytes signature_tlv(byte_view raw) { return der::encode(rsp::tag::signature, raw); }

unexpected chain_failure(const crypto::chain_check& c, const char* subject)
{
    const char* reason = c.error == crypto::chain_error::expired ? "6.3" : "6.1";
    return fail(subject, reason, c.message);
}

} // namespace

service::service(config cfg, server_credentials creds, store::inventory& inventory)
{
    if (!cfg.now) {
        cfg.now = [] {
            return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
    }
    m_impl = std::make_unique<impl>(std::move(cfg), std::move(creds), inventory);
}
service::~service() = default;

stats service::counters() const
{
    return stats{m_impl->downloads.load(), m_impl->installs.load(), m_impl->failures.load()};
}
const server_credentials& service::creds() const { return m_impl->creds; }

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

result<crypto::certificate> service::impl::verify_euicc_chain(byte_view euicc_der, byte_view eum_der,
                                                              byte_view ci_pkid)
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
    const crypto::certificate* ci = find_ci(eum->authority_key_id());
    if (ci == nullptr || (!ci_pkid.empty() && !std::equal(ci_pkid.begin(), ci_pkid.end(), ci->subject_key_id().begin(),
                                                          ci->subject_key_id().end())))
        return fail("8.11.1", "3.9", "the EUM certificate is not issued by the certificate issuer agreed for this session");
    bool verified;
    {
        std::lock_guard lock(cert_cache_mutex);
        verified = verified_eums.count(eum->der()) != 0;
    }
    if (!verified) {
        // Verified outside the lock: other downloads keep going while a new EUM is checked.
        auto c = crypto::verify_rsp_chain(*eum, nullptr, *ci, crypto::rsp_oid::eum);
        if (!c) return chain_failure(c, "8.1.2");
        std::lock_guard lock(cert_cache_mutex);
        if (verified_eums.size() >= 1024) verified_eums.clear();
        verified_eums.emplace(eum->der(), *eum);
    }
    auto euicc = parse_certificate(euicc_der);
    if (!euicc) return fail("8.1.3", "6.1", "the eUICC certificate cannot be parsed");
    // The eUICC link, its policy and its EID against the EUM's permitted range; the EUM is already trusted.
    auto c = crypto::verify_rsp_chain(*euicc, nullptr, *eum, crypto::rsp_oid::euicc);
    if (!c) return chain_failure(c, "8.1.3");
    // Revocation is looked up on every call, not cached with the EUM: a list may name an EUM verified before.
    OPENRSP_TRY_VOID(check_revocation(*euicc, *eum));
    return std::move(*euicc);
}

result<rsp::es9p::authenticate_client_response>
service::authenticate_client(const rsp::es9p::authenticate_client_request& req)
{
    auto& m = *m_impl;
    const std::string tid_hex = normalize_tid(req.transaction_id);
    auto session = m.load_session(tid_hex);
    if (!session) return session.take_error();
    if (session->at != rsp_session::stage::authenticating)
        return fail("8.10.1", "3.9", "this session has already authenticated the eUICC");

    auto outer = der::parse_one(req.authenticate_server_response);
    if (!outer || outer->tag != rsp::tag::authenticate_server)
        return fail("1.3.1", "2.1", "'authenticateServerResponse' is not an AuthenticateServerResponse (BF38)");
    der::reader top(outer->value);
    if (auto err = top.find(0xA1)) {
        auto code = der::reader(err->value).find(rsp::tag::integer);
        const auto v = code ? der::decode_uint(code->value) : result<std::uint64_t>(fail(""));
        return fail("8.1", "6.1",
                    "the eUICC rejected the SM-DP+ authentication (error " + (v ? std::to_string(*v) : "?") + ")");
    }
    auto ok_branch = top.find(0xA0);
    if (!ok_branch) return fail("1.3.1", "2.1", "AuthenticateServerResponse has neither a result nor an error");
    auto parts = der::reader(ok_branch->value).all();
    if (!parts || parts->size() < 4) return fail("1.3.1", "2.2", "AuthenticateResponseOk is incomplete");
    const der::tlv& euicc_signed1 = (*parts)[0];
    const der::tlv& euicc_signature1 = (*parts)[1];
    const der::tlv& euicc_cert_tlv = (*parts)[2];
    const der::tlv& eum_cert_tlv = (*parts)[3];
    if (euicc_signed1.tag != rsp::tag::sequence || euicc_signature1.tag != rsp::tag::signature ||
        euicc_cert_tlv.tag != rsp::tag::sequence || eum_cert_tlv.tag != rsp::tag::sequence)
        return fail("1.3.1", "2.1", "AuthenticateResponseOk has unexpected elements");

    auto set = m.session_set(*session);
    if (!set) return set.take_error();
    auto euicc_cert = m.verify_euicc_chain(euicc_cert_tlv.raw, eum_cert_tlv.raw, session->ci_pkid);
    if (!euicc_cert) return euicc_cert.take_error();
    // Signatures cover the bytes as received, never a re-encoding (unknown extensions must survive).
    if (!crypto::ecdsa_verify(euicc_cert->public_key(), euicc_signed1.raw, euicc_signature1.value))
        return fail("8.1", "6.1", "the eUICC's signature (euiccSignature1) does not verify");

    der::reader signed1(euicc_signed1.value);
    const auto tid = signed1.find(0x80);
    const auto challenge = signed1.find(0x84);
    if (!tid || !std::equal(tid->value.begin(), tid->value.end(), session->transaction_id.begin(),
                            session->transaction_id.end()))
        return fail("8.10.1", "3.9", "euiccSigned1 names another transaction");
    if (!challenge || !std::equal(challenge->value.begin(), challenge->value.end(), session->server_challenge.begin(),
                                  session->server_challenge.end()))
        return fail("8.1", "6.1", "the eUICC signed a different server challenge");

    std::string matching_id;
    if (auto ctx = signed1.find(0xA0))
        if (auto mid = der::reader(ctx->value).find(0x80)) matching_id = to_string(mid->value);
    const std::string eid = euicc_cert->subject_serial_number();
    if (eid.size() != 32) return fail("8.1.3", "6.1", "the eUICC certificate carries no 32-digit EID");

    if (matching_id.empty()) return fail("8.2.6", "3.8", "no matching ID was given (default SM-DP+ orders are not kept)");
    auto found = m.inventory.find_by_matching_id(matching_id);
    if (!found) return fail("8.8", "4.2", found.error().message);
    if (!*found) return fail("8.2.6", "3.8", "the matching ID is unknown to this SM-DP+");
    const store::inventory_profile& profile = **found;
    // EID binding comes first: once an order is linked to or delivered to an eUICC, its activation code is
    // worthless anywhere else, whatever state the profile is in (a stolen code must not even learn that).
    if (!profile.eid.empty() && profile.eid != eid) return fail("8.1.1", "3.8", "the order is bound to another EID");
    if (profile.cc_attempts >= m.cfg.max_confirmation_code_attempts)
        return fail("8.2.7", "6.4", "too many wrong confirmation codes were given for this order");
    switch (profile.state) {
    case store::profile_state::released: break;
    case store::profile_state::error: {
        // A failed download may be tried again by the same eUICC, a bounded number of times.
        if (profile.download_attempts >= m.cfg.max_download_attempts)
            return fail("8.8.5", "6.4", "this order has reached its limit of download attempts");
        auto again = m.inventory.retry_after_failure(profile.iccid, eid, m.cfg.max_download_attempts,
                                                     m.cfg.max_confirmation_code_attempts);
        if (!again) return fail("8.8", "4.2", again.error().message);
        if (!*again) return fail("8.2.6", "3.3", "the matching ID is in use by another download in progress");
        break;
    }
    case store::profile_state::available:
    case store::profile_state::allocated:
    case store::profile_state::linked:
    case store::profile_state::confirmed:
        return fail("8.2", "1.2", "the profile for this matching ID is not released for download yet");
    case store::profile_state::unavailable:
        return fail("8.2", "3.7", "the profile for this matching ID is no longer available");
    default: return fail("8.2.6", "3.8", "the matching ID has already been used");
    }

    auto reserved = m.inventory.reserve_for_session(profile.iccid, tid_hex, eid, m.now(),
                                                    m.now() + m.cfg.session_ttl.count());
    if (!reserved) return fail("8.8", "4.2", reserved.error().message);
    if (!*reserved) return fail("8.2.6", "3.3", "the matching ID is in use by another download in progress");

    session->cc_required = !profile.confirmation_code_hash.empty();
    der::writer w;
    w.begin(rsp::tag::sequence).add(0x80, session->transaction_id).add_bool(rsp::tag::boolean, session->cc_required).end();
    rsp::es9p::authenticate_client_response resp;
    resp.smdp_signed2 = w.finish();
    // smdpSignature2 covers smdpSigned2 followed by the eUICC's signature TLV (SGP.22 §5.6.3).
    auto sig = crypto::ecdsa_sign((*set)->dppb.key, concat({resp.smdp_signed2, euicc_signature1.raw}));
    if (!sig) return fail("8.8", "4.2", sig.error().message);
    resp.smdp_signature2 = signature_tlv(*sig);
    resp.smdp_certificate = (*set)->dppb.cert.der();
    resp.profile_metadata = profile.metadata;
    resp.transaction_id = tid_hex;

    session->at = rsp_session::stage::authenticated;
    session->euicc_certificate = euicc_cert->der();
    session->eid = eid;
    session->iccid = profile.iccid;
    session->smdp_signature2 = resp.smdp_signature2;
    OPENRSP_TRY_VOID(m.save_session(tid_hex, *session));
    return resp;
}

} // namespace openrsp::smdpp
