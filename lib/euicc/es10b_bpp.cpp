/// \file
/// \brief ES10b LoadBoundProfilePackage (SGP.22 §5.7.6, ES8+ §5.5): incremental processing of the BPP as
/// lpac splits it into STORE DATA series (facts §4.3), or of a whole BF36 in one series; atomic install.

#include "euicc_impl.h"

#include "openrsp/rsp/download.h"
#include "openrsp/rsp/installation_result.h"
#include "openrsp/rsp/saip.h"

#include <algorithm>
#include <variant>

namespace openrsp::euicc::detail {

namespace {

using rsp::bpp_command_id;
using rsp::install_error_reason;
namespace bpp = rsp::tag::bound_profile_package_fields;

/// Tag and definite length of a TLV whose value may not have arrived (the A1/A3 "header only" series).
struct tl_header {
    der::tag_t tag = 0;
    std::size_t length = 0;
    std::size_t header_size = 0;
};

std::optional<tl_header> parse_header(byte_view b)
{
    std::size_t i = 0;
    if (b.empty()) return std::nullopt;
    der::tag_t tag = b[i++];
    if ((tag & 0x1F) == 0x1F) {
        do {
            if (i >= b.size() || i >= 3) return std::nullopt;
            tag = tag << 8 | b[i];
        } while ((b[i++] & 0x80) != 0);
    }
    if (i >= b.size()) return std::nullopt;
    const std::uint8_t first = b[i++];
    std::size_t len = first;
    if (first & 0x80) {
        const std::size_t n = first & 0x7F;
        if (n == 0 || n > 3 || i + n > b.size()) return std::nullopt;
        len = 0;
        for (std::size_t k = 0; k < n; ++k) len = len << 8 | b[i++];
    }
    return tl_header{tag, len, i};
}

struct bpp_failure {
    bpp_command_id command;
    install_error_reason reason;
};

bytes isdp_aid_for(std::uint8_t index)
{
    // SGP.22 leaves ISD-P AIDs to the eUICC; real cards use A0000005591010FFFFFFFF89 00001X 00 (facts §4.1).
    return bytes{0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, index, 0x00};
}

/// SAIP EUICCResponse (TS.48 / SIMalliance PEDefinitions) with peStatus holding one PEStatus{status ok}:
/// `30 07 { A0 05 { 30 03 { 80 01 00 } } }`, the same for every successful installation.
const bytes& sima_ok()
{
    static const bytes response{0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
    return response;
}

} // namespace

/// \brief Walks the BPP through its stages; owned logic of the card, kept out of the class header.
class bpp_loader {
public:
    explicit bpp_loader(euicc_impl& card) : m_card(card), m_s(*card.m_session) {}

    std::optional<bpp_failure> initialise(const der::tlv& bf23);
    std::optional<bpp_failure> full_element(const der::tlv& t);
    std::optional<bpp_failure> header_only(const tl_header& h);
    [[nodiscard]] bool complete() const { return m_s.stage == bpp_stage::none && m_done; }
    /// Installs the profile and stores the notification in one write; returns the signed PIR.
    bytes install(std::optional<bpp_failure>& failure);
    /// Builds, stores and returns the error PIR; the session ends.
    bytes reject(const bpp_failure& f);

private:
    std::optional<bpp_failure> first_sequence_of_87(const der::tlv& a0);
    /// Decrypts every 87 segment of an A0/A2 sequence into `plain`; the failure reason otherwise.
    std::optional<install_error_reason> unwrap_87_sequence(const der::tlv& sequence, bytes& plain);
    std::optional<bpp_failure> segment_88(const der::tlv& t);
    std::optional<bpp_failure> finish_metadata();
    std::optional<bpp_failure> second_sequence_of_87(const der::tlv& a2);
    std::optional<bpp_failure> segment_86(const der::tlv& t);
    bpp_command_id current_command() const;
    result<bytes> pir(std::uint64_t seq, std::variant<rsp::success_result, rsp::error_result> final_result);

    euicc_impl& m_card;
    download_session& m_s;
    bool m_done = false;
};

bpp_command_id bpp_loader::current_command() const
{
    switch (m_s.stage) {
    case bpp_stage::none: return bpp_command_id::initialise_secure_channel;
    case bpp_stage::expect_first87: return bpp_command_id::configure_isdp;
    case bpp_stage::expect_seq88:
    case bpp_stage::in_seq88: return bpp_command_id::store_metadata;
    case bpp_stage::expect_second87_or_86:
    case bpp_stage::in_seq86: return bpp_command_id::load_profile_elements;
    }
    return bpp_command_id::load_profile_elements;
}

/// SGP.22 §5.5.1 InitialiseSecureChannel: check remoteOpId, tid, CRT and smdpSign, then run ECKA.
std::optional<bpp_failure> bpp_loader::initialise(const der::tlv& bf23)
{
    const auto fail_with = [](install_error_reason r) {
        return bpp_failure{bpp_command_id::initialise_secure_channel, r};
    };
    auto req = rsp::initialise_secure_channel_request::decode(bf23.raw);
    if (!req) return fail_with(install_error_reason::incorrect_input_values);
    if (req->remote_op_id != 1) return fail_with(install_error_reason::unsupported_remote_operation_type);
    if (!std::ranges::equal(req->transaction_id, m_s.transaction_id))
        return fail_with(install_error_reason::invalid_transaction_id);
    const rsp::control_ref_template& crt = req->control_ref_template;
    if (crt.key_type != bytes{0x88} || crt.key_len != bytes{0x10} || crt.host_id.empty() || crt.host_id.size() > 16)
        return fail_with(install_error_reason::unsupported_crt_values);

    // smdpSign covers the BF23 body without the signature, then the eUICC's otPK TLV (facts §6.2).
    const bytes signed_data = concat({req->signed_part(), der::encode(rsp::tag::public_key, m_s.euicc_otpk)});
    if (!crypto::ecdsa_verify(m_s.dppb->public_key(), signed_data, req->smdp_sign, crypto::sig_format::raw_rs))
        return fail_with(install_error_reason::invalid_signature);

    auto peer = crypto::ec_key::from_public_point(m_s.otk->key_curve(), req->smdp_otpk);
    if (!peer) return fail_with(install_error_reason::incorrect_input_values);
    auto shs = crypto::ecka(*m_s.otk, *peer);
    if (!shs) return fail_with(install_error_reason::incorrect_input_values);
    m_s.channel.emplace(crypto::derive_bpp_session_keys(*shs, crt.host_id, m_card.m_creds.eid_bytes));
    secure_wipe(*shs);
    m_s.otk.reset(); // otSK.eUICC.ECKA is single use
    m_s.stage = bpp_stage::expect_first87;
    return std::nullopt;
}

std::optional<install_error_reason> bpp_loader::unwrap_87_sequence(const der::tlv& sequence, bytes& plain)
{
    auto segs = der::reader(sequence.value).all();
    if (!segs || segs->empty()) return install_error_reason::scp03t_structure_error;
    for (const auto& seg : *segs) {
        if (seg.tag != bpp::segment_87) return install_error_reason::scp03t_structure_error;
        auto p = m_s.channel->unwrap_encrypted(seg.raw);
        if (!p) return install_error_reason::scp03t_security_error;
        append(plain, *p);
    }
    return std::nullopt;
}

std::optional<bpp_failure> bpp_loader::first_sequence_of_87(const der::tlv& a0)
{
    const auto fail_with = [](install_error_reason r) { return bpp_failure{bpp_command_id::configure_isdp, r}; };
    bytes plain;
    if (auto bad = unwrap_87_sequence(a0, plain)) return fail_with(*bad);
    auto req = der::parse_one(plain);
    if (!req || req->tag != rsp::tag::configure_isdp) return fail_with(install_error_reason::incorrect_input_values);
    m_s.stage = bpp_stage::expect_seq88;
    return std::nullopt;
}

std::optional<bpp_failure> bpp_loader::segment_88(const der::tlv& t)
{
    if (t.tag != bpp::segment_88)
        return bpp_failure{bpp_command_id::store_metadata, install_error_reason::scp03t_structure_error};
    auto p = m_s.channel->unwrap_mac_only(t.raw);
    if (!p) return bpp_failure{bpp_command_id::store_metadata, install_error_reason::scp03t_security_error};
    append(m_s.metadata_plain, *p);
    return std::nullopt;
}

/// SGP.22 §5.5.3 StoreMetadata: the BF25 carried by the 88 segments.
std::optional<bpp_failure> bpp_loader::finish_metadata()
{
    const auto fail_with = [](install_error_reason r) { return bpp_failure{bpp_command_id::store_metadata, r}; };
    auto md = rsp::store_metadata_request::decode(m_s.metadata_plain);
    if (!md) return fail_with(install_error_reason::incorrect_input_values);
    installed_profile p;
    p.identity = m_s.identity;
    p.iccid_bcd = md->iccid;
    p.info.iccid = md->iccid_digits();
    p.info.service_provider_name = md->service_provider_name;
    p.info.profile_name = md->profile_name;
    if (md->profile_class) {
        if (*md->profile_class > 2) return fail_with(install_error_reason::unsupported_profile_class);
        p.info.profile_class = *md->profile_class;
    }
    // SGP.21 TPRO1: without testProfileSupport it shall not be possible to download a Test Profile.
    if (p.info.profile_class == 0 && !m_card.m_state.limits.test_profiles_supported)
        return fail_with(install_error_reason::unsupported_profile_class);
    if (md->icon_type) {
        if (*md->icon_type > 1) return fail_with(install_error_reason::incorrect_input_values);
        p.icon_type = md->icon_type;
    }
    if (md->icon) p.icon = std::move(*md->icon);
    if (!md->notification_configuration_info.empty())
        p.notification_config = rsp::encode_notification_configuration_info(md->notification_configuration_info);
    if (md->profile_owner) p.profile_owner = md->profile_owner->encode_contents();
    p.ppr = std::move(md->profile_policy_rules);
    // Refuse early: the LPA stops sending once it sees the error, so no UPP is transferred in vain.
    const card_state& card = m_card.m_state;
    for (const auto& existing : card.profiles)
        if (existing.iccid_bcd == p.iccid_bcd) return fail_with(install_error_reason::iccid_already_exists);
    // SGP.22 §2.9.2.2: PPR1/PPR2 need a RAT rule naming the Profile Owner.
    if (!ppr_allowed(card.rat, p.ppr, p.profile_owner)) return fail_with(install_error_reason::ppr_not_allowed);
    if (card.profiles.size() >= card.limits.max_profiles || free_memory(card) == 0)
        return fail_with(install_error_reason::insufficient_memory);
    m_s.pending = std::move(p);
    m_s.stage = bpp_stage::expect_second87_or_86;
    return std::nullopt;
}

/// SGP.22 §5.5.4 ReplaceSessionKeys: the profile was protected once with PPKs; switch the channel to them.
std::optional<bpp_failure> bpp_loader::second_sequence_of_87(const der::tlv& a2)
{
    const auto fail_with = [](install_error_reason r) { return bpp_failure{bpp_command_id::replace_session_keys, r}; };
    bytes plain;
    if (auto bad = unwrap_87_sequence(a2, plain)) return fail_with(*bad);
    auto req = der::parse_one(plain);
    if (!req || req->tag != rsp::tag::replace_session_keys)
        return fail_with(install_error_reason::incorrect_input_values);
    namespace rsk = rsp::tag::replace_session_keys_request;
    const der::reader r(req->value);
    const auto mcv = r.find(rsk::initial_mac_chaining_value);
    const auto enc = r.find(rsk::ppk_enc);
    const auto mac = r.find(rsk::ppk_cmac);
    if (!mcv || !enc || !mac || mcv->value.size() != 16 || enc->value.size() != 16 || mac->value.size() != 16)
        return fail_with(install_error_reason::incorrect_input_values);
    crypto::scp03t_keys keys{bytes(mcv->value.begin(), mcv->value.end()), bytes(enc->value.begin(), enc->value.end()),
                             bytes(mac->value.begin(), mac->value.end())};
    m_s.channel->replace_keys(std::move(keys));
    secure_wipe(plain);
    return std::nullopt;
}

std::optional<bpp_failure> bpp_loader::segment_86(const der::tlv& t)
{
    const auto fail_with = [](install_error_reason r) {
        return bpp_failure{bpp_command_id::load_profile_elements, r};
    };
    if (t.tag != bpp::segment_86) return fail_with(install_error_reason::scp03t_structure_error);
    auto p = m_s.channel->unwrap_encrypted(t.raw);
    if (!p) return fail_with(install_error_reason::scp03t_security_error);
    // The profile's own overhead is counted too, so a UPP that fits here also fits at install().
    if (m_s.upp.size() + p->size() + per_profile_overhead > free_memory(m_card.m_state))
        return fail_with(install_error_reason::insufficient_memory);
    append(m_s.upp, *p);
    return std::nullopt;
}

std::optional<bpp_failure> bpp_loader::full_element(const der::tlv& t)
{
    const auto structure = [this] { return bpp_failure{current_command(), install_error_reason::scp03t_structure_error}; };
    switch (m_s.stage) {
    case bpp_stage::expect_first87:
        if (t.tag != rsp::tag::first_sequence_of_87) return structure();
        return first_sequence_of_87(t);
    case bpp_stage::expect_seq88: {
        if (t.tag != rsp::tag::sequence_of_88) return structure();
        auto segs = der::reader(t.value).all();
        if (!segs || segs->empty()) return structure();
        for (const auto& seg : *segs)
            if (auto f = segment_88(seg)) return f;
        return finish_metadata();
    }
    case bpp_stage::in_seq88:
        if (t.raw.size() > m_s.seq_remaining) return structure();
        if (auto f = segment_88(t)) return f;
        m_s.seq_remaining -= t.raw.size();
        if (m_s.seq_remaining == 0) return finish_metadata();
        return std::nullopt;
    case bpp_stage::expect_second87_or_86:
        if (t.tag == rsp::tag::second_sequence_of_87) return second_sequence_of_87(t);
        if (t.tag == rsp::tag::sequence_of_86) {
            auto segs = der::reader(t.value).all();
            if (!segs || segs->empty()) return structure();
            for (const auto& seg : *segs)
                if (auto f = segment_86(seg)) return f;
            m_s.stage = bpp_stage::none;
            m_done = true;
            return std::nullopt;
        }
        return structure();
    case bpp_stage::in_seq86:
        if (t.raw.size() > m_s.seq_remaining) return structure();
        if (auto f = segment_86(t)) return f;
        m_s.seq_remaining -= t.raw.size();
        if (m_s.seq_remaining == 0) {
            m_s.stage = bpp_stage::none;
            m_done = true;
        }
        return std::nullopt;
    case bpp_stage::none: break;
    }
    return structure();
}

std::optional<bpp_failure> bpp_loader::header_only(const tl_header& h)
{
    if (h.length > 0 && m_s.stage == bpp_stage::expect_seq88 && h.tag == rsp::tag::sequence_of_88) {
        m_s.stage = bpp_stage::in_seq88;
        m_s.seq_remaining = h.length;
        return std::nullopt;
    }
    if (h.length > 0 && m_s.stage == bpp_stage::expect_second87_or_86 && h.tag == rsp::tag::sequence_of_86) {
        m_s.stage = bpp_stage::in_seq86;
        m_s.seq_remaining = h.length;
        return std::nullopt;
    }
    return bpp_failure{current_command(), install_error_reason::scp03t_structure_error};
}

/// ProfileInstallationResult `BF37` (SGP.22 §5.7.6, facts §5.5), signed over the BF27 TLV.
result<bytes> bpp_loader::pir(std::uint64_t seq, std::variant<rsp::success_result, rsp::error_result> final_result)
{
    rsp::profile_installation_result out;
    out.transaction_id = m_s.transaction_id;
    out.notification_metadata = euicc_impl::notification_metadata(
        seq, rsp::notification_event::install, m_s.server_address, m_s.pending ? m_s.pending->iccid_bcd : bytes{});
    out.smdp_oid = m_s.dppb_oid;
    OPENRSP_TRY_VOID(der::encode_oid(out.smdp_oid)); // an SM-DP+ OID we could not write gives no PIR
    out.final_result = std::move(final_result);
    out.data_raw = out.encode_data();
    auto sig = m_card.sign(out.data_raw, m_s.identity);
    if (!sig) return sig.take_error();
    out.euicc_sign_pir = std::move(*sig);
    return out.encode();
}

bytes bpp_loader::reject(const bpp_failure& f)
{
    card_state next = m_card.m_state;
    const std::uint64_t seq = next.next_seq++;
    auto out = pir(seq, rsp::error_result{f.command, f.reason, std::nullopt});
    bytes response = out ? std::move(*out) : bytes{};
    if (out) {
        // Like real cards, a failed installation is reported later as a pending notification too.
        notification_record n{seq, rsp::notification_event::install, m_s.server_address,
                              m_s.pending ? m_s.pending->iccid_bcd : bytes{}, response};
        next.notifications.push_back(std::move(n));
        (void)m_card.commit(std::move(next)); // nothing else to tell the LPA if even this cannot be written
    }
    return response;
}

bytes bpp_loader::install(std::optional<bpp_failure>& failure)
{
    const auto fail_with = [&](install_error_reason r) {
        failure = bpp_failure{bpp_command_id::load_profile_elements, r};
        return bytes{};
    };
    if (!m_s.pending) return fail_with(install_error_reason::incorrect_input_values);
    auto upp = rsp::parse_upp(m_s.upp);
    if (!upp) return fail_with(install_error_reason::pe_processing_error);
    installed_profile p = *m_s.pending;
    if (upp->iccid != p.info.iccid) return fail_with(install_error_reason::data_mismatch);

    card_state next = m_card.m_state;
    for (const auto& existing : next.profiles)
        if (existing.iccid_bcd == p.iccid_bcd) return fail_with(install_error_reason::iccid_already_exists);
    std::optional<std::uint8_t> index;
    for (unsigned i = 0x10; i <= 0xFF && !index; ++i) {
        const bytes aid = isdp_aid_for(static_cast<std::uint8_t>(i));
        if (std::none_of(next.profiles.begin(), next.profiles.end(),
                         [&](const installed_profile& e) { return e.info.isdp_aid == aid; }))
            index = static_cast<std::uint8_t>(i);
    }
    if (!index) return fail_with(install_error_reason::insufficient_memory);
    p.info.isdp_aid = isdp_aid_for(*index);
    p.info.enabled = false;
    p.info.imsi = upp->imsi;
    p.info.ki = upp->ki;
    p.info.opc = upp->opc;
    p.info.apn = upp->apn;
    p.upp = std::move(m_s.upp);

    const std::uint64_t seq = next.next_seq++;
    auto out = pir(seq, rsp::success_result{p.info.isdp_aid, sima_ok()});
    if (!out) return fail_with(install_error_reason::unknown);
    next.notifications.push_back(
        notification_record{seq, rsp::notification_event::install, m_s.server_address, p.iccid_bcd, *out});
    next.profiles.push_back(std::move(p));
    // Profile and notification reach the disk in the same write: there is no state with one and not the other.
    // A failed write is no memory shortage the SM-DP+ could act on: report it as unknown.
    if (!m_card.commit(std::move(next))) return fail_with(install_error_reason::unknown);
    return std::move(*out);
}

es10_reply euicc_impl::load_bpp_piece(byte_view piece)
{
    const auto hdr = parse_header(piece);
    if (!hdr) return es10_reply::error(sw::wrong_data);
    const bool bpp_tag = hdr->tag == rsp::tag::bound_profile_package || hdr->tag == bpp::first_sequence_of_87 ||
                         hdr->tag == bpp::sequence_of_88 || hdr->tag == bpp::second_sequence_of_87 ||
                         hdr->tag == bpp::sequence_of_86 || hdr->tag == bpp::segment_86 ||
                         hdr->tag == bpp::segment_87 || hdr->tag == bpp::segment_88;
    if (!bpp_tag) return es10_reply::error(sw::data_not_found);
    // Without a prepared session there is nothing to verify against; the store must stay untouched.
    if (!m_session || !m_session->prepared) return es10_reply::error(sw::conditions_not_satisfied);
    const bool started = m_session->stage != bpp_stage::none || m_session->channel.has_value();
    if (hdr->tag != rsp::tag::bound_profile_package && !started)
        return es10_reply::error(sw::conditions_not_satisfied);

    bpp_loader loader(*this);
    std::optional<bpp_failure> failure;
    const byte_view rest = piece.subspan(hdr->header_size);

    if (hdr->tag == rsp::tag::bound_profile_package) {
        if (started) {
            failure = bpp_failure{bpp_command_id::initialise_secure_channel, install_error_reason::interruption};
        } else if (rest.size() == hdr->length) {
            // The whole BF36 in one series.
            auto items = der::reader(rest).all();
            if (!items || items->empty()) {
                failure = bpp_failure{bpp_command_id::initialise_secure_channel,
                                      install_error_reason::incorrect_input_values};
            } else {
                failure = loader.initialise(items->front());
                for (std::size_t i = 1; i < items->size() && !failure; ++i) failure = loader.full_element((*items)[i]);
                if (!failure && !loader.complete())
                    failure = bpp_failure{bpp_command_id::load_profile_elements,
                                          install_error_reason::scp03t_structure_error};
            }
        } else {
            // lpac: BF36 header with only the BF23 TLV behind it.
            auto bf23 = der::parse_one(rest);
            failure = bf23 ? loader.initialise(*bf23)
                           : bpp_failure{bpp_command_id::initialise_secure_channel,
                                         install_error_reason::incorrect_input_values};
        }
    } else if (hdr->header_size + hdr->length == piece.size()) {
        auto t = der::parse_one(piece);
        if (t) failure = loader.full_element(*t);
        else failure = bpp_failure{bpp_command_id::load_profile_elements, install_error_reason::scp03t_structure_error};
    } else if (hdr->header_size == piece.size()) {
        failure = loader.header_only(*hdr);
    } else {
        failure = bpp_failure{bpp_command_id::load_profile_elements, install_error_reason::scp03t_structure_error};
    }

    bytes response;
    if (!failure && loader.complete()) response = loader.install(failure);
    if (failure) response = loader.reject(*failure);
    else if (!loader.complete()) return es10_reply::of({}); // intermediate series: 9000, no data
    m_session.reset();
    return es10_reply::of(std::move(response));
}

} // namespace openrsp::euicc::detail
