/// \file
/// \brief ES10 over STORE DATA (SGP.22 §5.7.2) and the ES10b/ES10c calls of the LPA, each request built and each
/// answer read through its typed rsp message where one exists.

#include "openrsp/lpa/es10.h"

#include "es10_detail.h"

#include "openrsp/der/der.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/cancel_session.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/es10_management.h"
#include "openrsp/rsp/notifications.h"
#include "openrsp/rsp/profile_info.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>

namespace openrsp::lpa {

namespace {

/// 'text' for a sentence, built by appending: `"'" + std::string(...)` trips GCC 12's -Wrestrict false positive
/// (GCC bug 105329) at -O3.
std::string quoted(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    out += '\'';
    out += text;
    out += '\'';
    return out;
}


// STORE DATA (GlobalPlatform Card Spec §11.11) as SGP.22 §5.7.2 uses it: proprietary class, P1 "more blocks" /
// "last block" with BER-TLV data structure, P2 the block number; GET RESPONSE fetches what 61xx announces.
constexpr std::uint8_t cla_proprietary = 0x80;
constexpr std::uint8_t cla_channel_mask = 0x03;
constexpr std::uint8_t ins_store_data = 0xE2;
constexpr std::uint8_t ins_get_response = 0xC0;
constexpr std::uint8_t p1_more_blocks = 0x11;
constexpr std::uint8_t p1_last_block = 0x91;
// ISO 7816-4 status words.
constexpr std::uint8_t sw1_more_data = 0x61;
constexpr std::uint8_t sw1_ok = 0x90;
constexpr std::uint8_t sw2_ok = 0x00;

// The value of a TLV the SM-DP+ hands over whole: ES9+ carries serverSignature1, euiccCiPKIdToBeUsed and
// smdpSignature2 as TLVs (SGP.22 §6.5.2), the typed ES10b requests hold their values.
result<bytes> value_of(byte_view tlv, der::tag_t tag, const char* what)
{
    auto t = der::parse_one(tlv);
    if (!t || t->tag != tag) return fail(std::string("the SM-DP+ sent a malformed ") + what);
    return bytes(t->value.begin(), t->value.end());
}

} // namespace

namespace detail {

result<der::tlv> expect(byte_view response, der::tag_t tag, const char* function)
{
    auto t = der::parse_one(response);
    if (!t || t->tag != tag) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    return t;
}

} // namespace detail

using detail::expect;

es10_client::es10_client(rsp::card_transport& transport, std::size_t block_size, bytes isd_r_aid)
    : m_transport(transport), m_block_size(std::clamp<std::size_t>(block_size, 6, 255)),
      m_isd_r_aid(isd_r_aid.empty() ? rsp::isd_r_aid() : std::move(isd_r_aid))
{
}

es10_client::~es10_client()
{
    close();
}

result<void> es10_client::open()
{
    // A missing card and a card without ISD-R (a plain SIM) both mean there is no eSIM to manage here.
    if (auto c = m_transport.connect(); !c)
        return fail("no eSIM found: " + c.error().message +
                    ". Check that the eUICC is there (a card in the reader, `openrsp euicc vpcd` running, the --card "
                    "program working), or name another reader with --card pcsc:READER");
    auto ch = m_transport.open_logical_channel(m_isd_r_aid);
    if (!ch) {
        m_transport.disconnect();
        return fail("no eSIM found: the card has no ISD-R application " + to_hex(m_isd_r_aid, true) + " (" +
                    ch.error().message + "). It is a plain SIM or the eUICC uses another ISD-R AID (--isd-r-aid)");
    }
    m_channel = *ch;
    return ok();
}

void es10_client::close()
{
    if (m_channel >= 0) {
        m_transport.close_logical_channel(m_channel);
        m_transport.disconnect();
        m_channel = -1;
    }
}

result<bytes> es10_client::transmit(byte_view apdu)
{
    auto r = m_transport.transmit(apdu);
    if (!r) return r;
    ++m_apdus;
    m_bytes += apdu.size() + r->size();
    if (r->size() < 2) return fail("the eUICC answered with less than a status word");
    return r;
}

result<bytes> es10_client::call(byte_view request)
{
    if (m_channel < 0) return fail("the eUICC session is not open");
    // Logical channels 1-3 go in the low bits of CLA (ETSI TS 102 221 §10.1.1).
    const std::uint8_t cla = static_cast<std::uint8_t>(cla_proprietary | (m_channel & cla_channel_mask));
    bytes response;
    std::size_t block = 0;
    for (std::size_t off = 0; off < request.size() || (request.empty() && block == 0); ++block) {
        const std::size_t n = std::min(m_block_size, request.size() - off);
        const bool last = off + n >= request.size();
        bytes apdu{cla, ins_store_data, last ? p1_last_block : p1_more_blocks, static_cast<std::uint8_t>(block),
                   static_cast<std::uint8_t>(n)};
        apdu.insert(apdu.end(), request.begin() + static_cast<std::ptrdiff_t>(off),
                    request.begin() + static_cast<std::ptrdiff_t>(off + n));
        off += n;
        auto r = transmit(apdu);
        if (!r) return r;
        std::uint8_t sw1 = (*r)[r->size() - 2], sw2 = (*r)[r->size() - 1];
        response.assign(r->begin(), r->end() - 2);
        while (sw1 == sw1_more_data) {
            const bytes get{static_cast<std::uint8_t>(m_channel & cla_channel_mask), ins_get_response, 0, 0, sw2};
            auto more = transmit(get);
            if (!more) return more;
            response.insert(response.end(), more->begin(), more->end() - 2);
            sw1 = (*more)[more->size() - 2];
            sw2 = (*more)[more->size() - 1];
        }
        if (sw1 != sw1_ok || sw2 != sw2_ok) {
            char sw[5];
            std::snprintf(sw, sizeof sw, "%02X%02X", sw1, sw2);
            return fail(std::string("the eUICC refused an ES10 command with status ") + sw);
        }
        if (!last && !response.empty()) return fail("the eUICC answered an intermediate STORE DATA block with data");
        if (request.empty()) break;
    }
    return response;
}

result<bytes> es10_client::get_euicc_info1()
{
    auto r = call(rsp::empty_request(rsp::tag::get_euicc_info1));
    if (!r) return r;
    if (auto t = expect(*r, rsp::tag::get_euicc_info1, "GetEUICCInfo1"); !t) return t.take_error();
    return r;
}

result<bytes> es10_client::get_euicc_challenge()
{
    auto r = call(rsp::empty_request(rsp::tag::get_euicc_challenge));
    if (!r) return r;
    auto answer = rsp::get_euicc_challenge_response::decode(*r);
    if (!answer) return fail("the eUICC sent a malformed GetEUICCChallenge response");
    return std::move(answer->euicc_challenge);
}

result<std::string> es10_client::get_eid()
{
    // GetEuiccDataRequest (§5.7.20) with tagList = the eidValue tag, the request's default.
    auto r = call(rsp::get_eid_request{}.encode());
    if (!r) return r.take_error();
    auto answer = rsp::get_eid_response::decode(*r);
    if (!answer) return fail("the eUICC sent a malformed GetEID response");
    return to_hex(answer->eid, true);
}

result<bytes> es10_client::authenticate_server(byte_view server_signed1, byte_view server_signature1_tlv,
                                               byte_view euicc_ci_pkid_tlv, byte_view server_certificate,
                                               std::string_view matching_id, const device_info& device)
{
    namespace f = rsp::tag::authenticate_server_request;
    auto typed_device = detail::typed_device_info(device);
    if (!typed_device) return typed_device.take_error();
    rsp::authenticate_server_request req;
    // serverSigned1 goes on exactly as the SM-DP+ signed it (SGP.22 §5.7.13: the eUICC verifies serverSignature1).
    req.server_signed1_raw.assign(server_signed1.begin(), server_signed1.end());
    auto signature = value_of(server_signature1_tlv, f::server_signature1, "serverSignature1");
    if (!signature) return signature.take_error();
    req.server_signature1 = std::move(*signature);
    auto ci_pkid = value_of(euicc_ci_pkid_tlv, f::euicc_ci_pkid_to_be_used, "euiccCiPKIdToBeUsed");
    if (!ci_pkid) return ci_pkid.take_error();
    req.euicc_ci_pkid_to_be_used = std::move(*ci_pkid);
    req.server_certificate.assign(server_certificate.begin(), server_certificate.end());
    if (!matching_id.empty()) req.ctx_params1.matching_id = std::string(matching_id);
    req.ctx_params1.device_info = std::move(*typed_device);
    auto r = call(req.encode());
    if (!r) return r;
    auto t = expect(*r, rsp::tag::authenticate_server, "AuthenticateServer");
    if (!t) return t.take_error();
    return r;
}

result<bytes> es10_client::prepare_download(byte_view smdp_signed2, byte_view smdp_signature2_tlv,
                                            byte_view smdp_certificate, const std::optional<bytes>& hash_cc)
{
    rsp::prepare_download_request req;
    // smdpSigned2 goes on exactly as the SM-DP+ signed it (SGP.22 §5.7.5: the eUICC verifies smdpSignature2).
    req.smdp_signed2.raw.assign(smdp_signed2.begin(), smdp_signed2.end());
    auto signature =
        value_of(smdp_signature2_tlv, rsp::tag::prepare_download_request::smdp_signature2, "smdpSignature2");
    if (!signature) return signature.take_error();
    req.smdp_signature2 = std::move(*signature);
    req.hash_cc = hash_cc;
    req.smdp_certificate.assign(smdp_certificate.begin(), smdp_certificate.end());
    auto r = call(req.encode());
    if (!r) return r;
    auto t = expect(*r, rsp::tag::prepare_download, "PrepareDownload");
    if (!t) return t.take_error();
    return r;
}

result<bytes>
es10_client::load_bound_profile_package(byte_view bpp,
                                        const std::function<void(std::size_t loaded, std::size_t total)>& progress)
{
    auto package = rsp::bound_profile_package::decode(bpp);
    if (!package) return fail("the SM-DP+ sent a malformed Bound Profile Package: " + package.error().message);
    // SGP.22 §2.5.5: each of these is its own ES10b LoadBoundProfilePackage command.
    const std::vector<bytes> series = package->store_data_series();
    std::size_t total = 0, loaded = 0;
    for (const auto& s : series)
        total += s.size();
    for (std::size_t i = 0; i < series.size(); ++i) {
        auto r = call(series[i]);
        if (!r) return r;
        loaded += series[i].size();
        if (progress) progress(loaded, total);
        if (!r->empty()) {
            // A BF37 before the last segment means the eUICC stopped with an error result. The caller reads it with
            // rsp::profile_installation_result::decode; here only its outer tag is checked, as for every answer.
            if (auto t = expect(*r, rsp::tag::profile_installation_result, "LoadBoundProfilePackage"); !t)
                return t.take_error();
            return r;
        }
    }
    return fail("the eUICC returned no installation result after the last segment");
}

result<bytes> es10_client::cancel_session(byte_view transaction_id, rsp::cancel_session_reason reason)
{
    const rsp::cancel_session_request req{bytes(transaction_id.begin(), transaction_id.end()), reason};
    auto r = call(req.encode());
    if (!r) return r;
    if (auto t = expect(*r, rsp::tag::cancel_session, "CancelSession"); !t) return t.take_error();
    return r;
}

result<std::vector<profile_info>> es10_client::get_profiles_info()
{
    auto r = call(rsp::profile_info_list_request{}.encode());
    if (!r) return r.take_error();
    if (auto t = expect(*r, rsp::tag::get_profiles_info, "GetProfilesInfo"); !t) return t.take_error();
    auto list = rsp::profile_info_list_response::decode(*r);
    if (!list) return fail("the eUICC sent a malformed profile list (" + list.error().message + ")");
    if (list->error) return fail("the eUICC could not list its profiles");
    std::vector<profile_info> out;
    out.reserve(list->profiles.size());
    for (auto& e : list->profiles) {
        profile_info p;
        p.iccid = e.iccid_digits();
        p.isdp_aid = std::move(e.isdp_aid);
        p.enabled = e.enabled();
        p.nickname = e.profile_nickname.value_or("");
        p.service_provider_name = e.service_provider_name.value_or("");
        p.profile_name = e.profile_name.value_or("");
        p.profile_class = static_cast<int>(e.profile_class.value_or(2)); // ProfileClass DEFAULT operational
        out.push_back(std::move(p));
    }
    return out;
}

namespace {

/// The profileIdentifier CHOICE (§5.7.16-§5.7.18) for an ICCID or an ISD-P AID typed by a person.
result<rsp::profile_identifier> identifier_of(std::string_view id)
{
    const bool all_digits = !id.empty() && std::ranges::all_of(id, [](char c) { return c >= '0' && c <= '9'; });
    rsp::profile_identifier out;
    if (id.size() == 32) {
        // An ISD-P AID (SGP.22 §2.2.3: 16 bytes); a 32-digit string cannot be an ICCID (at most 20 digits).
        auto aid = from_hex(id);
        if (!aid) return fail("'" + std::string(id) + "' is neither an ICCID nor an ISD-P AID (32 hex digits)");
        out.isdp_aid = std::move(*aid);
        return out;
    }
    if (!all_digits || id.size() < 18 || id.size() > 20)
        return fail(quoted(id) + " is neither an ICCID (18 to 20 digits) nor an ISD-P AID (32 hex digits)");
    auto bcd = rsp::iccid_to_bcd(id);
    if (!bcd) return fail(quoted(id) + " is not an ICCID: " + bcd.error().message);
    out.iccid = std::move(*bcd);
    return out;
}

} // namespace

result<bytes> profile_identifier_tlv(std::string_view id)
{
    auto typed = identifier_of(id);
    if (!typed) return typed.take_error();
    return typed->encode();
}

result<es10c_code<rsp::enable_profile_result>> es10_client::enable_profile(std::string_view iccid_or_aid, bool refresh)
{
    auto id = identifier_of(iccid_or_aid);
    if (!id) return id.take_error();
    auto r = call(rsp::enable_profile_request{std::move(*id), refresh}.encode());
    if (!r) return r.take_error();
    return detail::result_code<rsp::enable_profile_result>(*r, "EnableProfile");
}

result<es10c_code<rsp::disable_profile_result>> es10_client::disable_profile(std::string_view iccid_or_aid,
                                                                             bool refresh)
{
    auto id = identifier_of(iccid_or_aid);
    if (!id) return id.take_error();
    auto r = call(rsp::disable_profile_request{std::move(*id), refresh}.encode());
    if (!r) return r.take_error();
    return detail::result_code<rsp::disable_profile_result>(*r, "DisableProfile");
}

result<es10c_code<rsp::delete_profile_result>> es10_client::delete_profile(std::string_view iccid_or_aid)
{
    auto id = identifier_of(iccid_or_aid);
    if (!id) return id.take_error();
    auto r = call(rsp::delete_profile_request{std::move(*id)}.encode());
    if (!r) return r.take_error();
    return detail::result_code<rsp::delete_profile_result>(*r, "DeleteProfile");
}

result<es10c_code<rsp::set_nickname_result>> es10_client::set_nickname(std::string_view iccid,
                                                                       std::string_view nickname)
{
    auto bcd = rsp::iccid_to_bcd(iccid);
    if (!bcd) return fail(quoted(iccid) + " is not an ICCID");
    if (nickname.size() > 64) return fail("a nickname has at most 64 bytes");
    auto r = call(rsp::set_nickname_request{std::move(*bcd), std::string(nickname)}.encode());
    if (!r) return r.take_error();
    return detail::result_code<rsp::set_nickname_result>(*r, "SetNickname");
}

result<std::vector<notification_info>> es10_client::list_notifications()
{
    auto r = call(rsp::list_notification_request{}.encode());
    if (!r) return r.take_error();
    if (auto t = expect(*r, rsp::tag::list_notification, "ListNotification"); !t) return t.take_error();
    auto list = rsp::list_notification_response::decode(*r);
    if (!list) return fail("the eUICC sent a malformed notification list (" + list.error().message + ")");
    if (list->error) return fail("the eUICC could not list its notifications");
    std::vector<notification_info> out;
    out.reserve(list->notification_metadata_list.size());
    for (auto& m : list->notification_metadata_list) {
        notification_info n;
        n.seq_number = m.seq_number;
        const auto event = m.event();
        n.operation = event ? rsp::describe(*event) : "unknown";
        n.iccid = m.iccid_digits();
        n.address = std::move(m.notification_address);
        out.push_back(std::move(n));
    }
    return out;
}

result<bytes> es10_client::retrieve_notification(std::uint64_t seq_number)
{
    rsp::retrieve_notifications_list_request req;
    req.seq_number = seq_number;
    auto r = call(req.encode());
    if (!r) return r;
    if (auto t = expect(*r, rsp::tag::retrieve_notifications_list, "RetrieveNotificationsList"); !t)
        return t.take_error();
    auto list = rsp::retrieve_notifications_list_response::decode(*r);
    if (!list)
        return fail("the eUICC sent a malformed notification " + std::to_string(seq_number) + " (" +
                    list.error().message + ")");
    if (list->error || list->notification_list.empty())
        return fail("the eUICC has no notification " + std::to_string(seq_number));
    // Its signed parts are written back as received (data_raw, tbsOtherNotification raw): the SM-DP+ verifies them.
    return list->notification_list.front().encode();
}

result<es10c_code<rsp::notification_sent_result>> es10_client::remove_notification(std::uint64_t seq_number)
{
    auto r = call(rsp::notification_sent_request{seq_number}.encode());
    if (!r) return r.take_error();
    if (auto t = expect(*r, rsp::tag::notification_sent, "RemoveNotificationFromList"); !t) return t.take_error();
    auto answer = rsp::notification_sent_response::decode(*r);
    if (!answer) return fail("the eUICC sent a malformed RemoveNotificationFromList response");
    return es10c_code<rsp::notification_sent_result>{
        rsp::code_from_int<rsp::notification_sent_result>(static_cast<int>(answer->delete_notification_status))};
}

} // namespace openrsp::lpa
