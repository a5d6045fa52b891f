#include "openrsp/lpa/es10.h"

#include "openrsp/der/der.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

#include <algorithm>

namespace openrsp::lpa {

namespace {

constexpr std::uint8_t ins_store_data = 0xE2;
constexpr std::uint8_t ins_get_response = 0xC0;
constexpr std::uint8_t p1_more_blocks = 0x11;
constexpr std::uint8_t p1_last_block = 0x91;

result<der::tlv> expect(const bytes& response, der::tag_t tag, const char* function)
{
    auto t = der::parse_one(response);
    if (!t || t->tag != tag) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    return t;
}

result<es10c_code> simple_result(const bytes& response, der::tag_t tag, const char* function)
{
    auto t = expect(response, tag, function);
    if (!t) return t.take_error();
    auto code = der::reader(t->value).find(0x80);
    if (!code) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    auto v = der::decode_uint(code->value);
    if (!v) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    return es10c_code{static_cast<int>(*v)};
}

std::string pmo_name(byte_view bits)
{
    using rsp::notification_event;
    if (der::bit_is_set(bits, static_cast<unsigned>(notification_event::install))) return "install";
    if (der::bit_is_set(bits, static_cast<unsigned>(notification_event::enable))) return "enable";
    if (der::bit_is_set(bits, static_cast<unsigned>(notification_event::disable))) return "disable";
    if (der::bit_is_set(bits, static_cast<unsigned>(notification_event::del))) return "delete";
    return "unknown";
}

} // namespace

es10_client::es10_client(rsp::card_transport& transport, std::size_t block_size)
    : m_transport(transport), m_block_size(std::clamp<std::size_t>(block_size, 6, 255))
{
}

es10_client::~es10_client() { close(); }

result<void> es10_client::open()
{
    OPENRSP_TRY_VOID(m_transport.connect());
    auto ch = m_transport.open_logical_channel(rsp::isd_r_aid());
    if (!ch) return fail("cannot select the eUICC's ISD-R: " + ch.error().message);
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
    const std::uint8_t cla = static_cast<std::uint8_t>(0x80 | (m_channel & 0x03));
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
        while (sw1 == 0x61) {
            const bytes get{static_cast<std::uint8_t>(m_channel & 0x03), ins_get_response, 0, 0, sw2};
            auto more = transmit(get);
            if (!more) return more;
            response.insert(response.end(), more->begin(), more->end() - 2);
            sw1 = (*more)[more->size() - 2];
            sw2 = (*more)[more->size() - 1];
        }
        if (sw1 != 0x90 || sw2 != 0x00) {
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
    auto r = call(bytes{0xBF, 0x20, 0x00});
    if (!r) return r;
    if (auto t = expect(*r, rsp::tag::get_euicc_info1, "GetEUICCInfo1"); !t) return t.take_error();
    return r;
}

result<bytes> es10_client::get_euicc_challenge()
{
    auto r = call(bytes{0xBF, 0x2E, 0x00});
    if (!r) return r;
    auto t = expect(*r, rsp::tag::get_euicc_challenge, "GetEUICCChallenge");
    if (!t) return t.take_error();
    auto c = der::reader(t->value).find(0x80);
    if (!c || c->value.size() != 16) return fail("the eUICC sent a malformed GetEUICCChallenge response");
    return bytes(c->value.begin(), c->value.end());
}

result<std::string> es10_client::get_eid()
{
    auto r = call(bytes{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A});
    if (!r) return r.take_error();
    auto t = expect(*r, rsp::tag::get_eid, "GetEID");
    if (!t) return t.take_error();
    auto e = der::reader(t->value).find(0x5A);
    if (!e || e->value.size() != 16) return fail("the eUICC sent a malformed GetEID response");
    return to_hex(e->value, true);
}

result<bytes> es10_client::authenticate_server(byte_view server_signed1, byte_view server_signature1_tlv,
                                               byte_view euicc_ci_pkid_tlv, byte_view server_certificate,
                                               std::string_view matching_id)
{
    der::writer w;
    w.begin(rsp::tag::authenticate_server)
        .raw(server_signed1)
        .raw(server_signature1_tlv)
        .raw(euicc_ci_pkid_tlv)
        .raw(server_certificate)
        .begin(0xA0); // ctxParams1: CtxParamsForCommonAuthentication
    if (!matching_id.empty()) w.add(0x80, matching_id);
    // DeviceInfo: a TAC and empty capabilities, as lpac sends for a generic device.
    w.begin(0xA1).add(0x80, bytes{0x35, 0x29, 0x06, 0x11}).begin(0xA1).end().end();
    w.end().end();
    auto r = call(w.finish());
    if (!r) return r;
    auto t = expect(*r, rsp::tag::authenticate_server, "AuthenticateServer");
    if (!t) return t.take_error();
    return r;
}

result<bytes> es10_client::prepare_download(byte_view smdp_signed2, byte_view smdp_signature2_tlv,
                                            byte_view smdp_certificate, const std::optional<bytes>& hash_cc)
{
    der::writer w;
    w.begin(rsp::tag::prepare_download).raw(smdp_signed2).raw(smdp_signature2_tlv);
    if (hash_cc) w.add(rsp::tag::octet_string, *hash_cc);
    w.raw(smdp_certificate).end();
    auto r = call(w.finish());
    if (!r) return r;
    auto t = expect(*r, rsp::tag::prepare_download, "PrepareDownload");
    if (!t) return t.take_error();
    return r;
}

result<bytes> es10_client::load_bound_profile_package(byte_view bpp)
{
    auto outer = der::parse_one(bpp);
    if (!outer || outer->tag != rsp::tag::bound_profile_package)
        return fail("the SM-DP+ sent a Bound Profile Package that is not a BF36 TLV");
    auto elements = der::reader(outer->value).all();
    if (!elements || elements->empty() || (*elements)[0].tag != rsp::tag::initialise_secure_channel)
        return fail("the Bound Profile Package does not start with InitialiseSecureChannel");

    // SGP.22 §2.5.5: each of these is its own ES10b LoadBoundProfilePackage command.
    std::vector<bytes> series;
    bytes first;
    der::put_header(first, rsp::tag::bound_profile_package, outer->value.size());
    append(first, (*elements)[0].raw);
    series.push_back(std::move(first));
    for (std::size_t i = 1; i < elements->size(); ++i) {
        const der::tlv& e = (*elements)[i];
        if (e.tag == rsp::tag::first_sequence_of_87 || e.tag == rsp::tag::second_sequence_of_87) {
            series.emplace_back(e.raw.begin(), e.raw.end());
        } else if (e.tag == rsp::tag::sequence_of_88 || e.tag == rsp::tag::sequence_of_86) {
            bytes header;
            der::put_header(header, e.tag, e.value.size());
            series.push_back(std::move(header));
            auto segments = der::reader(e.value).all();
            if (!segments) return fail("the Bound Profile Package has a malformed segment list");
            for (const auto& s : *segments) series.emplace_back(s.raw.begin(), s.raw.end());
        } else {
            return fail("the Bound Profile Package has an unexpected element");
        }
    }
    for (std::size_t i = 0; i < series.size(); ++i) {
        auto r = call(series[i]);
        if (!r) return r;
        if (!r->empty()) {
            // A BF37 before the last segment means the eUICC stopped with an error result.
            if (auto t = expect(*r, rsp::tag::profile_installation_result, "LoadBoundProfilePackage"); !t)
                return t.take_error();
            return r;
        }
    }
    return fail("the eUICC returned no installation result after the last segment");
}

result<bytes> es10_client::cancel_session(byte_view transaction_id, int reason)
{
    der::writer w;
    w.begin(rsp::tag::cancel_session).add(0x80, transaction_id).add_uint(0x81, static_cast<std::uint64_t>(reason)).end();
    auto r = call(w.finish());
    if (!r) return r;
    if (auto t = expect(*r, rsp::tag::cancel_session, "CancelSession"); !t) return t.take_error();
    return r;
}

result<std::vector<profile_info>> es10_client::get_profiles_info()
{
    auto r = call(bytes{0xBF, 0x2D, 0x00});
    if (!r) return r.take_error();
    auto t = expect(*r, rsp::tag::get_profiles_info, "GetProfilesInfo");
    if (!t) return t.take_error();
    auto list = der::reader(t->value).find(0xA0);
    if (!list) return fail("the eUICC could not list its profiles");
    auto entries = der::reader(list->value).all();
    if (!entries) return fail("the eUICC sent a malformed profile list");
    std::vector<profile_info> out;
    for (const auto& e : *entries) {
        if (e.tag != rsp::tag::profile_info) continue;
        der::reader f(e.value);
        profile_info p;
        if (auto v = f.find(rsp::tag::iccid)) p.iccid = rsp::iccid_from_bcd(v->value);
        if (auto v = f.find(rsp::tag::isdp_aid)) p.isdp_aid.assign(v->value.begin(), v->value.end());
        if (auto v = f.find(rsp::tag::profile_state)) p.enabled = !v->value.empty() && v->value[0] == 1;
        if (auto v = f.find(rsp::tag::profile_nickname)) p.nickname = to_string(v->value);
        if (auto v = f.find(rsp::tag::service_provider_name)) p.service_provider_name = to_string(v->value);
        if (auto v = f.find(rsp::tag::profile_name)) p.profile_name = to_string(v->value);
        if (auto v = f.find(rsp::tag::profile_class))
            if (auto c = der::decode_uint(v->value)) p.profile_class = static_cast<int>(*c);
        out.push_back(std::move(p));
    }
    return out;
}

namespace {
bytes profile_op_request(der::tag_t tag, std::string_view iccid, bool refresh)
{
    der::writer w;
    w.begin(tag).begin(0xA0).add(rsp::tag::iccid, *rsp::iccid_to_bcd(iccid)).end().add_bool(0x81, refresh).end();
    return w.finish();
}
} // namespace

result<es10c_code> es10_client::enable_profile(std::string_view iccid, bool refresh)
{
    if (!rsp::iccid_to_bcd(iccid)) return fail("'" + std::string(iccid) + "' is not an ICCID");
    auto r = call(profile_op_request(rsp::tag::enable_profile, iccid, refresh));
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::enable_profile, "EnableProfile");
}

result<es10c_code> es10_client::disable_profile(std::string_view iccid, bool refresh)
{
    if (!rsp::iccid_to_bcd(iccid)) return fail("'" + std::string(iccid) + "' is not an ICCID");
    auto r = call(profile_op_request(rsp::tag::disable_profile, iccid, refresh));
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::disable_profile, "DisableProfile");
}

result<es10c_code> es10_client::delete_profile(std::string_view iccid)
{
    auto bcd = rsp::iccid_to_bcd(iccid);
    if (!bcd) return fail("'" + std::string(iccid) + "' is not an ICCID");
    der::writer w;
    w.begin(rsp::tag::delete_profile).add(rsp::tag::iccid, *bcd).end();
    auto r = call(w.finish());
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::delete_profile, "DeleteProfile");
}

result<es10c_code> es10_client::set_nickname(std::string_view iccid, std::string_view nickname)
{
    auto bcd = rsp::iccid_to_bcd(iccid);
    if (!bcd) return fail("'" + std::string(iccid) + "' is not an ICCID");
    if (nickname.size() > 64) return fail("a nickname has at most 64 bytes");
    der::writer w;
    w.begin(rsp::tag::set_nickname).add(rsp::tag::iccid, *bcd).add(rsp::tag::profile_nickname, nickname).end();
    auto r = call(w.finish());
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::set_nickname, "SetNickname");
}

result<std::vector<notification_info>> es10_client::list_notifications()
{
    auto r = call(bytes{0xBF, 0x28, 0x00});
    if (!r) return r.take_error();
    auto t = expect(*r, rsp::tag::list_notification, "ListNotification");
    if (!t) return t.take_error();
    auto list = der::reader(t->value).find(0xA0);
    if (!list) return fail("the eUICC could not list its notifications");
    auto entries = der::reader(list->value).all();
    if (!entries) return fail("the eUICC sent a malformed notification list");
    std::vector<notification_info> out;
    for (const auto& e : *entries) {
        if (e.tag != rsp::tag::notification_metadata) continue;
        der::reader f(e.value);
        notification_info n;
        if (auto v = f.find(0x80))
            if (auto s = der::decode_uint(v->value)) n.seq_number = *s;
        if (auto v = f.find(0x81)) n.operation = pmo_name(v->value);
        if (auto v = f.find(rsp::tag::utf8_string)) n.address = to_string(v->value);
        if (auto v = f.find(rsp::tag::iccid)) n.iccid = rsp::iccid_from_bcd(v->value);
        out.push_back(std::move(n));
    }
    return out;
}

result<bytes> es10_client::retrieve_notification(std::uint64_t seq_number)
{
    der::writer w;
    w.begin(rsp::tag::retrieve_notifications_list).begin(0xA0).add_uint(0x80, seq_number).end().end();
    auto r = call(w.finish());
    if (!r) return r;
    auto t = expect(*r, rsp::tag::retrieve_notifications_list, "RetrieveNotificationsList");
    if (!t) return t.take_error();
    auto list = der::reader(t->value).find(0xA0);
    if (!list) return fail("the eUICC has no notification " + std::to_string(seq_number));
    auto first = der::parse_prefix(list->value);
    if (!first) return fail("the eUICC has no notification " + std::to_string(seq_number));
    return bytes(first->raw.begin(), first->raw.end());
}

result<es10c_code> es10_client::remove_notification(std::uint64_t seq_number)
{
    der::writer w;
    w.begin(rsp::tag::notification_sent).add_uint(0x80, seq_number).end();
    auto r = call(w.finish());
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::notification_sent, "RemoveNotificationFromList");
}

std::string describe_enable_result(int code)
{
    switch (code) {
    case 0: return "ok";
    case 1: return "no profile with that ICCID on the eUICC";
    case 2: return "the profile is not disabled";
    case 3: return "the profile policy rules forbid it";
    case 4: return "the profile cannot be re-enabled";
    case 5: return "the card is busy (CAT)";
    default: return "undefined error " + std::to_string(code);
    }
}
std::string describe_disable_result(int code)
{
    switch (code) {
    case 0: return "ok";
    case 1: return "no profile with that ICCID on the eUICC";
    case 2: return "the profile is not enabled";
    case 3: return "the profile policy rules forbid it";
    case 5: return "the card is busy (CAT)";
    default: return "undefined error " + std::to_string(code);
    }
}
std::string describe_delete_result(int code)
{
    switch (code) {
    case 0: return "ok";
    case 1: return "no profile with that ICCID on the eUICC";
    case 2: return "the profile is enabled; disable it first";
    case 3: return "the profile policy rules forbid it";
    default: return "undefined error " + std::to_string(code);
    }
}

} // namespace openrsp::lpa
