/// \file
/// \brief ES10b Common Mutual Authentication and download preparation on the eUICC side:
/// GetEUICCInfo1/2, GetEUICCChallenge, AuthenticateServer, PrepareDownload, CancelSession (SGP.22 §5.7).

#include "euicc_impl.h"

#include "openrsp/rsp/activation_code.h"

#include <algorithm>

namespace openrsp::euicc::detail {

namespace {

/// AuthenticateServer error codes (SGP.22 §5.7.13, facts §2.1 step 4).
enum class auth_error : unsigned {
    invalid_certificate = 1,
    invalid_signature = 2,
    unsupported_curve = 3,
    no_session_context = 4,
    invalid_oid = 5,
    euicc_challenge_mismatch = 6,
    ci_pk_unknown = 7,
    undefined = 127,
};

/// PrepareDownload error codes (SGP.22 §5.7.5).
enum class download_error : unsigned {
    invalid_certificate = 1,
    invalid_signature = 2,
    unsupported_curve = 3,
    no_session_context = 4,
    invalid_transaction_id = 5,
    undefined = 127,
};

const bytes svn{0x02, 0x02, 0x02};

/// `OUTER{A1{80 tid, 02 code}}`, the error shape shared by AuthenticateServer and PrepareDownload.
bytes error_response(der::tag_t outer, byte_view tid, unsigned code)
{
    der::writer w;
    w.begin(outer).begin(0xA1);
    if (!tid.empty()) w.add(0x80, tid);
    w.add_uint(rsp::tag::integer, code).end().end();
    return w.finish();
}

void add_pkid_list(der::writer& w, der::tag_t list_tag, const std::vector<const crypto::certificate*>& cis)
{
    w.begin(list_tag);
    for (const auto* ci : cis) w.add(rsp::tag::octet_string, ci->subject_key_id());
    w.end();
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
    der::writer w;
    w.begin(rsp::tag::get_euicc_info1).add(0x82, svn);
    add_pkid_list(w, 0xA9, verification_cis(m_creds));
    add_pkid_list(w, 0xAA, signing_cis(m_creds));
    w.end();
    return w.finish();
}

/// SGP.22 §5.7.8 GetEUICCInfo2 -> EUICCInfo2 `BF22` (field order of rsp.asn v2.2.2, facts §5.1).
bytes euicc_impl::euicc_info2_tlv() const
{
    const std::size_t free_nvm = std::min<std::size_t>(free_memory(m_state), 0xFFFFFFFF);

    // extCardResource: TS 102 226 §8.2.1.3.2 TLVs: installed applications, free NVM, free RAM.
    der::writer ext;
    ext.add_uint(0x81, m_state.profiles.size());
    const bytes nvm{static_cast<std::uint8_t>(free_nvm >> 24), static_cast<std::uint8_t>(free_nvm >> 16),
                    static_cast<std::uint8_t>(free_nvm >> 8), static_cast<std::uint8_t>(free_nvm)};
    ext.add(0x82, nvm);
    ext.add(0x83, bytes{0x00, 0x00, 0x40, 0x00});

    der::writer w;
    w.begin(rsp::tag::euicc_info2);
    w.add(0x81, bytes{0x02, 0x03, 0x00});           // profileVersion: SAIP v2.3
    w.add(0x82, svn);                               // svn
    w.add(0x83, bytes{0x01, 0x00, 0x00});           // euiccFirmwareVer
    w.add(0x84, ext.finish());                      // extCardResource
    w.add_named_bits(0x85, {1, 4});                 // uiccCapability: usimSupport, akaMilenage
    w.add(0x86, bytes{0x09, 0x02, 0x00});           // ts102241Version
    w.add(0x87, bytes{0x02, 0x03, 0x00});           // globalplatformVersion
    if (m_state.limits.test_profiles_supported)
        w.add_named_bits(0x88, {0, 3}); // rspCapability: additionalProfile, testProfileSupport
    else
        w.add_named_bits(0x88, {0});
    add_pkid_list(w, 0xA9, verification_cis(m_creds));
    add_pkid_list(w, 0xAA, signing_cis(m_creds));
    w.add_uint(0x8B, 2);                            // euiccCategory: mediumEuicc
    w.add(rsp::tag::octet_string, bytes{0x00, 0x00, 0x01}); // ppVersion
    w.add(rsp::tag::utf8_string, std::string_view{"OPENRSP-VIRTUAL-EUICC"}); // sasAcreditationNumber
    w.end();
    return w.finish();
}

/// SGP.22 §5.7.7 GetEUICCChallenge: a fresh 16-byte challenge, remembered for one AuthenticateServer.
bytes euicc_impl::get_euicc_challenge()
{
    m_challenge = crypto::random_bytes(16);
    der::writer w;
    w.begin(rsp::tag::get_euicc_challenge).add(0x80, m_challenge).end();
    return w.finish();
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
bytes euicc_impl::authenticate_server(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::authenticate_server;
    // A new authentication always ends whatever session was running.
    m_session.reset();
    const bytes challenge = std::exchange(m_challenge, {});

    auto items = der::reader(request.value).all();
    if (!items) return error_response(outer, {}, static_cast<unsigned>(auth_error::undefined));
    std::optional<der::tlv> signed1, sig1, ci_id, cert_tlv, ctx1;
    for (const auto& t : *items) {
        if (t.tag == rsp::tag::sequence && !signed1) signed1 = t;
        else if (t.tag == rsp::tag::sequence && !cert_tlv) cert_tlv = t;
        else if (t.tag == rsp::tag::signature) sig1 = t;
        else if (t.tag == rsp::tag::octet_string) ci_id = t;
        else if (t.tag == 0xA0) ctx1 = t;
    }
    if (!signed1 || !sig1 || !ci_id || !cert_tlv || !ctx1)
        return error_response(outer, {}, static_cast<unsigned>(auth_error::undefined));

    const der::reader s1(signed1->value);
    const auto tid = s1.find(0x80);
    const auto echoed_challenge = s1.find(0x81);
    const auto address = s1.find(0x83);
    const auto server_challenge = s1.find(0x84);
    const byte_view tid_value = tid ? tid->value : byte_view{};
    const auto error = [&](auth_error e) { return error_response(outer, tid_value, static_cast<unsigned>(e)); };
    if (!tid || tid->value.empty() || tid->value.size() > 16 || !echoed_challenge || !address || !server_challenge)
        return error(auth_error::undefined);
    // No GetEUICCChallenge since the last AuthenticateServer: nothing this request can belong to.
    if (challenge.empty()) return error(auth_error::no_session_context);
    if (!rsp::is_valid_smdp_address(to_string(address->value))) return error(auth_error::undefined);

    // euiccCiPKIdToBeUsed names the CI whose identity signs this session; it must be one we hold.
    const auto held = [&](byte_view ski) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < m_creds.cis.size(); ++i)
            if (std::ranges::equal(m_creds.cis[i].subject_key_id(), ski)) return i;
        return std::nullopt;
    };
    const auto named_ci = held(ci_id->value);
    const auto identity = identity_under(m_creds, ci_id->value);
    if (!named_ci || !identity) return error(auth_error::ci_pk_unknown);

    auto dpauth = crypto::certificate::from_der(cert_tlv->raw);
    if (!dpauth) return error(auth_error::invalid_certificate);
    // CERT.DPauth normally chains to the named CI; a server may also use another CI we can verify with.
    std::size_t ci_index = *named_ci;
    if (!std::ranges::equal(dpauth->authority_key_id(), ci_id->value))
        if (const auto other = held(dpauth->authority_key_id())) ci_index = *other;
    const auto chain =
        crypto::verify_rsp_chain(*dpauth, nullptr, m_creds.cis[ci_index], crypto::rsp_oid::dp_auth, false);
    if (!chain) {
        if (chain.error == crypto::chain_error::wrong_policy) return error(auth_error::invalid_oid);
        return error(auth_error::invalid_certificate);
    }
    if (!currently_valid(*dpauth)) return error(auth_error::invalid_certificate);
    if (dpauth->public_key().key_curve() != m_creds.cis[ci_index].public_key().key_curve())
        return error(auth_error::unsupported_curve);
    if (dpauth->san_registered_id().empty()) return error(auth_error::invalid_oid);
    // SGP.22 signs the raw ServerSigned1 TLV as received, never a re-encoding.
    if (!crypto::ecdsa_verify(dpauth->public_key(), signed1->raw, sig1->value, crypto::sig_format::raw_rs))
        return error(auth_error::invalid_signature);
    if (!std::ranges::equal(challenge, echoed_challenge->value))
        return error(auth_error::euicc_challenge_mismatch);

    der::writer e1;
    e1.begin(rsp::tag::sequence)
        .raw(tid->raw)
        .raw(address->raw)
        .raw(server_challenge->raw)
        .raw(euicc_info2_tlv())
        .raw(ctx1->raw)
        .end();
    const bytes euicc_signed1 = e1.finish();
    auto sig = crypto::ecdsa_sign(m_creds.key_at(*identity), euicc_signed1, crypto::sig_format::raw_rs);
    if (!sig) return error(auth_error::undefined);

    download_session s;
    s.transaction_id.assign(tid->value.begin(), tid->value.end());
    s.server_address = to_string(address->value);
    s.server_challenge.assign(server_challenge->value.begin(), server_challenge->value.end());
    s.euicc_signature1 = *sig;
    s.ci_index = ci_index;
    s.identity = *identity;
    s.dpauth_oid = dpauth->san_registered_id();
    m_session = std::move(s);

    der::writer w;
    w.begin(outer)
        .begin(0xA0)
        .raw(euicc_signed1)
        .add(rsp::tag::signature, *sig)
        .raw(m_creds.euicc_cert_at(*identity).der())
        .raw(m_creds.eum_cert_at(*identity).der())
        .end()
        .end();
    return w.finish();
}

/// SGP.22 §5.7.5 PrepareDownload. CERT.DPpb must chain to the CI that verified CERT.DPauth and be within its validity
/// period (invalidCertificate otherwise).
bytes euicc_impl::prepare_download(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::prepare_download;
    auto items = der::reader(request.value).all();
    if (!items) return error_response(outer, {}, static_cast<unsigned>(download_error::undefined));
    std::optional<der::tlv> signed2, sig2, hash_cc, cert_tlv;
    for (const auto& t : *items) {
        if (t.tag == rsp::tag::sequence && !signed2) signed2 = t;
        else if (t.tag == rsp::tag::sequence && !cert_tlv) cert_tlv = t;
        else if (t.tag == rsp::tag::signature) sig2 = t;
        else if (t.tag == rsp::tag::octet_string) hash_cc = t;
    }
    if (!signed2 || !sig2 || !cert_tlv)
        return error_response(outer, {}, static_cast<unsigned>(download_error::undefined));
    const der::reader s2(signed2->value);
    const auto tid = s2.find(0x80);
    const auto cc_required = s2.find(rsp::tag::boolean);
    const byte_view tid_value = tid ? tid->value : byte_view{};
    const auto error = [&](download_error e) { return error_response(outer, tid_value, static_cast<unsigned>(e)); };
    if (!tid || !cc_required || cc_required->value.size() != 1) return error(download_error::undefined);

    if (!m_session || m_session->prepared) return error(download_error::no_session_context);
    download_session& s = *m_session;

    auto dppb = crypto::certificate::from_der(cert_tlv->raw);
    if (!dppb) return error(download_error::invalid_certificate);
    const auto chain =
        crypto::verify_rsp_chain(*dppb, nullptr, m_creds.cis[s.ci_index], crypto::rsp_oid::dp_pb, false);
    if (!chain || dppb->san_registered_id().empty() || !currently_valid(*dppb))
        return error(download_error::invalid_certificate);
    if (dppb->public_key().key_curve() != m_creds.cis[s.ci_index].public_key().key_curve())
        return error(download_error::unsupported_curve);

    // smdpSignature2 covers smdpSigned2 || the euiccSignature1 TLV (facts §6.2).
    const bytes sig1_tlv = der::encode(rsp::tag::signature, s.euicc_signature1);
    const bytes signed_data = concat({signed2->raw, sig1_tlv});
    if (!crypto::ecdsa_verify(dppb->public_key(), signed_data, sig2->value, crypto::sig_format::raw_rs))
        return error(download_error::invalid_signature);
    if (!std::ranges::equal(tid->value, s.transaction_id)) return error(download_error::invalid_transaction_id);
    const bool cc = cc_required->value[0] != 0;
    if (cc && (!hash_cc || hash_cc->value.size() != 32)) return error(download_error::undefined);

    // The one-time key must be on the curve of CERT.DPpb (facts §6.1).
    auto otk = crypto::ec_key::generate(dppb->public_key().key_curve());
    if (!otk) return error(download_error::undefined);
    const bytes otpk = otk->public_point();

    der::writer e2;
    e2.begin(rsp::tag::sequence).raw(tid->raw).add(rsp::tag::public_key, otpk);
    if (cc) e2.raw(hash_cc->raw);
    e2.end();
    const bytes euicc_signed2 = e2.finish();
    auto sig =
        crypto::ecdsa_sign(m_creds.key_at(s.identity), concat({euicc_signed2, sig2->raw}), crypto::sig_format::raw_rs);
    if (!sig) return error(download_error::undefined);

    s.prepared = true;
    s.dppb_oid = dppb->san_registered_id();
    s.dppb = std::move(*dppb);
    s.otk = std::move(*otk);
    s.euicc_otpk = otpk;

    der::writer w;
    w.begin(outer).begin(0xA0).raw(euicc_signed2).add(rsp::tag::signature, *sig).end().end();
    return w.finish();
}

/// SGP.22 §5.7.14 CancelSession.
bytes euicc_impl::cancel_session(const der::tlv& request)
{
    constexpr der::tag_t outer = rsp::tag::cancel_session;
    const der::reader r(request.value);
    const auto tid = r.find(0x80);
    const auto reason = r.find(0x81);
    const auto refuse = [&](unsigned code) {
        der::writer w;
        w.begin(outer).add_uint(0x81, code).end();
        return w.finish();
    };
    if (!tid || !reason) return refuse(127);
    if (!m_session || !std::ranges::equal(tid->value, m_session->transaction_id)) return refuse(5);

    auto oid = der::encode_oid(m_session->dpauth_oid);
    if (!oid) return refuse(127);
    der::writer tbs;
    tbs.begin(rsp::tag::sequence).add(0x80, tid->value).add(0x81, *oid).add(0x82, reason->value).end();
    const bytes signed_part = tbs.finish();
    auto sig = sign_tlv(signed_part, m_session->identity);
    if (!sig) return refuse(127);
    m_session.reset();

    der::writer w;
    w.begin(outer).begin(0xA0).raw(signed_part).raw(*sig).end().end();
    return w.finish();
}

} // namespace openrsp::euicc::detail
