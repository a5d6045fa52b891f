/// \file
/// \brief ES10b Common Mutual Authentication and download preparation on the eUICC side:
/// GetEUICCInfo1/2, GetEUICCChallenge, AuthenticateServer, PrepareDownload, CancelSession (SGP.22 §5.7).

#include "euicc_impl.h"

#include "openrsp/rsp/activation_code.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/cancel_session.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/euicc_info.h"

#include <algorithm>

namespace openrsp::euicc::detail {

namespace {

using rsp::authenticate_error_code;
using rsp::download_error_code;

const rsp::version_type svn{0x02, 0x02, 0x02};

/// AuthenticateResponseError: the transactionId is echoed when the request let us read one.
bytes auth_error(byte_view tid, authenticate_error_code code)
{
    return rsp::authenticate_server_response{
        rsp::authenticate_response_error{bytes(tid.begin(), tid.end()), code}}
        .encode();
}

/// PrepareDownloadResponseError, same rule.
bytes download_error(byte_view tid, download_error_code code)
{
    return rsp::prepare_download_response{
        rsp::prepare_download_response_error{bytes(tid.begin(), tid.end()), static_cast<unsigned>(code)}}
        .encode();
}

std::vector<bytes> pkids(const std::vector<const crypto::certificate*>& cis)
{
    std::vector<bytes> out;
    out.reserve(cis.size());
    for (const auto* ci : cis) out.push_back(ci->subject_key_id());
    return out;
}

/// The CIs whose keys verify server certificates (all of them) and those that certify our own chain.
std::vector<const crypto::certificate*> verification_cis(const card_credentials& c)
{
    std::vector<const crypto::certificate*> out;
    for (const auto& ci : c.cis) out.push_back(&ci);
    return out;
}

/// The identity whose EUM the CI `ci_pkid` certified, if any.
std::optional<std::size_t> identity_under(const card_credentials& c, byte_view ci_pkid)
{
    for (std::size_t i = 0; i < c.identity_count(); ++i)
        if (std::ranges::equal(c.eum_cert_at(i).authority_key_id(), ci_pkid)) return i;
    return std::nullopt;
}

std::vector<const crypto::certificate*> signing_cis(const card_credentials& c)
{
    std::vector<const crypto::certificate*> out;
    for (const auto& ci : c.cis)
        if (identity_under(c, ci.subject_key_id())) out.push_back(&ci);
    if (out.empty()) return verification_cis(c); // unusual chain: do not advertise nothing
    return out;
}

/// The eUICC's notion of "now" for certificate validity: the host clock of the virtual card.
bool currently_valid(const crypto::certificate& c)
{
    return c.valid_at();
}

} // namespace

/// SGP.22 §5.7.8 GetEUICCInfo1 -> EUICCInfo1 `BF20`.
bytes euicc_impl::get_euicc_info1() const
{
    return rsp::euicc_info1{svn, pkids(verification_cis(m_creds)), pkids(signing_cis(m_creds))}.encode();
}

/// SGP.22 §5.7.8 GetEUICCInfo2 -> EUICCInfo2 `BF22` (field order of rsp.asn v2.2.2, facts §5.1).
bytes euicc_impl::euicc_info2_tlv() const
{
    const std::size_t free_nvm = std::min<std::size_t>(free_memory(m_state), 0xFFFFFFFF);

    // extCardResource: TS 102 226 §8.2.1.3.2 TLVs: installed applications, free NVM, free RAM.
    namespace ecr = rsp::tag::ext_card_resource;
    der::writer ext;
    ext.add_uint(ecr::installed_applications, m_state.profiles.size());
    const bytes nvm{static_cast<std::uint8_t>(free_nvm >> 24), static_cast<std::uint8_t>(free_nvm >> 16),
                    static_cast<std::uint8_t>(free_nvm >> 8), static_cast<std::uint8_t>(free_nvm)};
    ext.add(ecr::free_non_volatile_memory, nvm);
    ext.add(ecr::free_volatile_memory, bytes{0x00, 0x00, 0x40, 0x00});

    rsp::euicc_info2 info;
    info.profile_version = {0x02, 0x03, 0x00}; // SAIP v2.3
    info.svn = svn;
    info.euicc_firmware_version = {0x01, 0x00, 0x00};
    info.ext_card_resource = ext.finish();
    info.uicc_capability = named_bits({1, 4}); // usimSupport, akaMilenage
    info.ts102241_version = rsp::version_type{0x09, 0x02, 0x00};
    info.globalplatform_version = rsp::version_type{0x02, 0x03, 0x00};
    // rspCapability: additionalProfile, and testProfileSupport when the card takes test profiles.
    info.rsp_capability = m_state.limits.test_profiles_supported ? named_bits({0, 3}) : named_bits({0});
    info.ci_pkids_for_verification = pkids(verification_cis(m_creds));
    info.ci_pkids_for_signing = pkids(signing_cis(m_creds));
    info.euicc_category = 2; // mediumEuicc
    // A card whose RAT allows a PPR for no one says so up front, so the SM-DP+ can refuse such a profile at
    // authenticateClient instead of sending a package the card would reject (SGP.22 §3.1.3 eligibility).
    info.forbidden_profile_policy_rules = forbidden_pprs(m_state.rat);
    info.pp_version = {0x00, 0x00, 0x01};
    info.sas_accreditation_number = "OPENRSP-VIRTUAL-EUICC";
    return info.encode();
}

/// SGP.22 §5.7.7 GetEUICCChallenge: a fresh 16-byte challenge, remembered for one AuthenticateServer.
bytes euicc_impl::get_euicc_challenge()
{
    m_challenge = crypto::random_bytes(16);
    return rsp::get_euicc_challenge_response{m_challenge}.encode();
}

/// SGP.22 §5.7.22 GetRAT: the Rules Authorisation Table the LPA shows before a PPR profile is installed.
bytes euicc_impl::get_rat() const { return encode_rat_response(m_state.rat); }

/// SGP.22 §5.7.13 AuthenticateServer.
///
/// What is checked on CERT.DPauth: euiccCiPKIdToBeUsed names a CI that certified one of our identities (else
/// ciPKUnknown), which then signs; CERT.DPauth chains to a CI we hold (usually the same one; else
/// invalidCertificate), lies within its validity period (invalidCertificate: v2.2.2 has no "expired" code),
/// carries the dp-auth policy and an SM-DP+ OID (invalidOid), uses its CI's curve (unsupportedCurve) and verifies
/// serverSignature1 (invalidSignature). Validity is judged by the host clock: card eUICCs often lack a trusted
/// clock (facts §7.4), but the virtual one has the host's, and an expired SM-DP+ certificate must not be trusted.
/// serverAddress is not compared with anything: v2.2.2 gives the eUICC no reference
/// address and no error code for it (the LPA checks it against the address it used, facts §7.4); it must only be
/// a well-formed FQDN, because it is kept in the PIR's notificationAddress.
///
/// A request that does not decode as an AuthenticateServerRequest gets undefinedError without a transactionId.
bytes euicc_impl::authenticate_server(const der::tlv& request)
{
    // A new authentication always ends whatever session was running.
    m_session.reset();
    const bytes challenge = std::exchange(m_challenge, {});

    auto req = rsp::authenticate_server_request::decode(request.raw);
    if (!req) return auth_error({}, authenticate_error_code::undefined_error);
    const rsp::server_signed1& s1 = req->server_signed1;
    const auto error = [&](authenticate_error_code e) { return auth_error(s1.transaction_id, e); };
    // No GetEUICCChallenge since the last AuthenticateServer: nothing this request can belong to.
    if (challenge.empty()) return error(authenticate_error_code::no_session_context);
    if (!rsp::is_valid_smdp_address(s1.server_address)) return error(authenticate_error_code::undefined_error);

    // euiccCiPKIdToBeUsed names the CI whose identity signs this session; it must be one we hold.
    const byte_view ci_id = req->euicc_ci_pkid_to_be_used;
    const auto held = [&](byte_view ski) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < m_creds.cis.size(); ++i)
            if (std::ranges::equal(m_creds.cis[i].subject_key_id(), ski)) return i;
        return std::nullopt;
    };
    const auto named_ci = held(ci_id);
    const auto identity = identity_under(m_creds, ci_id);
    if (!named_ci || !identity) return error(authenticate_error_code::ci_pk_unknown);

    auto dpauth = crypto::certificate::from_der(req->server_certificate);
    if (!dpauth) return error(authenticate_error_code::invalid_certificate);
    // CERT.DPauth normally chains to the named CI; a server may also use another CI we can verify with.
    std::size_t ci_index = *named_ci;
    if (!std::ranges::equal(dpauth->authority_key_id(), ci_id))
        if (const auto other = held(dpauth->authority_key_id())) ci_index = *other;
    const auto chain =
        crypto::verify_rsp_chain(*dpauth, nullptr, m_creds.cis[ci_index], crypto::rsp_oid::dp_auth, false);
    if (!chain) {
        if (chain.error == crypto::chain_error::wrong_policy) return error(authenticate_error_code::invalid_oid);
        return error(authenticate_error_code::invalid_certificate);
    }
    if (!currently_valid(*dpauth)) return error(authenticate_error_code::invalid_certificate);
    if (dpauth->public_key().key_curve() != m_creds.cis[ci_index].public_key().key_curve())
        return error(authenticate_error_code::unsupported_curve);
    if (dpauth->san_registered_id().empty()) return error(authenticate_error_code::invalid_oid);
    // SGP.22 signs the raw ServerSigned1 TLV as received, never a re-encoding.
    if (!crypto::ecdsa_verify(dpauth->public_key(), req->server_signed1_raw, req->server_signature1,
                              crypto::sig_format::raw_rs))
        return error(authenticate_error_code::invalid_signature);
    if (!std::ranges::equal(challenge, s1.euicc_challenge))
        return error(authenticate_error_code::euicc_challenge_mismatch);

    // ctxParams1 goes into euiccSigned1 exactly as the LPA sent it.
    rsp::authenticate_response_ok ok;
    ok.euicc_signed1.transaction_id = s1.transaction_id;
    ok.euicc_signed1.server_address = s1.server_address;
    ok.euicc_signed1.server_challenge = s1.server_challenge;
    ok.euicc_signed1.euicc_info2 = euicc_info2_tlv();
    ok.euicc_signed1.ctx_params1_raw = std::move(req->ctx_params1_raw);
    ok.euicc_signed1_raw = ok.euicc_signed1.encode();
    auto sig = sign(ok.euicc_signed1_raw, *identity);
    if (!sig) return error(authenticate_error_code::undefined_error);

    download_session s;
    s.transaction_id = s1.transaction_id;
    s.server_address = s1.server_address;
    s.server_challenge = s1.server_challenge;
    s.euicc_signature1 = *sig;
    s.ci_index = ci_index;
    s.identity = *identity;
    s.dpauth_oid = dpauth->san_registered_id();
    m_session = std::move(s);

    ok.euicc_signature1 = std::move(*sig);
    ok.euicc_certificate = m_creds.euicc_cert_at(*identity).der();
    ok.eum_certificate = m_creds.eum_cert_at(*identity).der();
    return rsp::authenticate_server_response{std::move(ok)}.encode();
}

/// SGP.22 §5.7.5 PrepareDownload. CERT.DPpb must chain to the CI that verified CERT.DPauth and be within its validity
/// period (invalidCertificate otherwise). A request that does not decode gets undefinedError without a transactionId.
bytes euicc_impl::prepare_download(const der::tlv& request)
{
    // A second PrepareDownload in the same session is the LPA retrying after the Bound Profile Package did not
    // arrive (SGP.22 §3.1.3): allowed while no BPP loading began, so otSK.eUICC.ECKA is still held.
    const bool retry = m_session && m_session->prepared && m_session->stage == bpp_stage::none && !m_session->channel &&
                       m_session->otk.has_value();
    const bool no_session = !m_session || (m_session->prepared && !retry);
    auto req = rsp::prepare_download_request::decode(request.raw);
    // A request outside a session (our test SM-DP+ then sends an empty transactionId, which the decoder refuses)
    // is answered noSessionContext, as before the typed decoder.
    if (!req)
        return download_error(
            {}, no_session ? download_error_code::no_session_context : download_error_code::undefined_error);
    const rsp::smdp_signed2& s2 = req->smdp_signed2;
    const auto error = [&](download_error_code e) { return download_error(s2.transaction_id, e); };

    if (no_session) return error(download_error_code::no_session_context);
    download_session& s = *m_session;

    auto dppb = crypto::certificate::from_der(req->smdp_certificate);
    if (!dppb) return error(download_error_code::invalid_certificate);
    const auto chain =
        crypto::verify_rsp_chain(*dppb, nullptr, m_creds.cis[s.ci_index], crypto::rsp_oid::dp_pb, false);
    if (!chain || dppb->san_registered_id().empty() || !currently_valid(*dppb))
        return error(download_error_code::invalid_certificate);
    if (dppb->public_key().key_curve() != m_creds.cis[s.ci_index].public_key().key_curve())
        return error(download_error_code::unsupported_curve);

    // smdpSignature2 covers smdpSigned2 as received || the euiccSignature1 TLV (facts §6.2).
    const bytes signed_data = concat({s2.raw, der::encode(rsp::tag::signature, s.euicc_signature1)});
    if (!crypto::ecdsa_verify(dppb->public_key(), signed_data, req->smdp_signature2, crypto::sig_format::raw_rs))
        return error(download_error_code::invalid_signature);
    if (!std::ranges::equal(s2.transaction_id, s.transaction_id))
        return error(download_error_code::invalid_transaction_id);
    if (s2.cc_required && !req->hash_cc) return error(download_error_code::undefined_error);

    // The one-time key must be on the curve of CERT.DPpb (facts §6.1). On a retry the eUICC keeps the key pair it
    // made for this session (SGP.22 §5.7.5, §3.1.3: the same otPK.EUICC.ECKA tells the SM-DP+ to rebuild the same
    // session keys), unless the DPpb is now on another curve.
    const crypto::curve dppb_curve = dppb->public_key().key_curve();
    std::optional<crypto::ec_key> fresh;
    if (!retry || s.otk->key_curve() != dppb_curve) {
        auto made = crypto::ec_key::generate(dppb_curve);
        if (!made) return error(download_error_code::undefined_error);
        fresh = std::move(*made);
    }
    const crypto::ec_key& otk = fresh ? *fresh : *s.otk;

    rsp::prepare_download_response_ok ok;
    ok.euicc_signed2.transaction_id = s2.transaction_id;
    ok.euicc_signed2.euicc_otpk = otk.public_point();
    if (s2.cc_required) ok.euicc_signed2.hash_cc = req->hash_cc;
    ok.euicc_signed2.raw = ok.euicc_signed2.encode();
    // euiccSignature2 covers euiccSigned2 || the smdpSignature2 TLV.
    auto sig = sign(concat({ok.euicc_signed2.raw, der::encode(rsp::tag::signature, req->smdp_signature2)}), s.identity);
    if (!sig) return error(download_error_code::undefined_error);
    ok.euicc_signature2 = std::move(*sig);

    s.prepared = true;
    s.dppb_oid = dppb->san_registered_id();
    s.dppb = std::move(*dppb);
    if (fresh) s.otk = std::move(*fresh);
    s.euicc_otpk = ok.euicc_signed2.euicc_otpk;
    return rsp::prepare_download_response{std::move(ok)}.encode();
}

/// SGP.22 §5.7.14 CancelSession.
bytes euicc_impl::cancel_session(const der::tlv& request)
{
    const auto refuse = [](rsp::cancel_session_error e) { return rsp::cancel_session_response{e}.encode(); };
    auto req = rsp::cancel_session_request::decode(request.raw);
    if (!req) return refuse(rsp::cancel_session_error::undefined_error);
    if (!m_session || !std::ranges::equal(req->transaction_id, m_session->transaction_id))
        return refuse(rsp::cancel_session_error::invalid_transaction_id);

    auto oid = der::encode_oid(m_session->dpauth_oid);
    if (!oid) return refuse(rsp::cancel_session_error::undefined_error);
    rsp::cancel_session_response_ok ok;
    ok.euicc_cancel_session_signed = {req->transaction_id, std::move(*oid), req->reason};
    ok.euicc_cancel_session_signed_raw = ok.euicc_cancel_session_signed.encode();
    auto sig = sign(ok.euicc_cancel_session_signed_raw, m_session->identity);
    if (!sig) return refuse(rsp::cancel_session_error::undefined_error);
    ok.euicc_cancel_session_signature = std::move(*sig);
    m_session.reset();
    return rsp::cancel_session_response{std::move(ok)}.encode();
}

} // namespace openrsp::euicc::detail
