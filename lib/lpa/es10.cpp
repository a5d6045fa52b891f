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
                                               std::string_view matching_id, const device_info& device)
{
    auto device_tlv = encode_device_info(device);
    if (!device_tlv) return device_tlv.take_error();
    der::writer w;
    w.begin(rsp::tag::authenticate_server)
        .raw(server_signed1)
        .raw(server_signature1_tlv)
        .raw(euicc_ci_pkid_tlv)
        .raw(server_certificate)
        .begin(0xA0); // ctxParams1: CtxParamsForCommonAuthentication
    if (!matching_id.empty()) w.add(0x80, matching_id);
    w.raw(*device_tlv);
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

result<bytes>
es10_client::load_bound_profile_package(byte_view bpp,
                                        const std::function<void(std::size_t loaded, std::size_t total)>& progress)
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
            for (const auto& s : *segments)
                series.emplace_back(s.raw.begin(), s.raw.end());
        } else {
            return fail("the Bound Profile Package has an unexpected element");
        }
    }
    std::size_t total = 0, loaded = 0;
    for (const auto& s : series)
        total += s.size();
    for (std::size_t i = 0; i < series.size(); ++i) {
        auto r = call(series[i]);
        if (!r) return r;
        loaded += series[i].size();
        if (progress) progress(loaded, total);
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
    w.begin(rsp::tag::cancel_session)
        .add(0x80, transaction_id)
        .add_uint(0x81, static_cast<std::uint64_t>(reason))
        .end();
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

result<bytes> profile_identifier_tlv(std::string_view id)
{
    const bool all_digits = !id.empty() && std::ranges::all_of(id, [](char c) { return c >= '0' && c <= '9'; });
    if (id.size() == 32) {
        // An ISD-P AID (SGP.22 §2.2.3: 16 bytes); a 32-digit string cannot be an ICCID (at most 20 digits).
        auto aid = from_hex(id);
        if (!aid) return fail("'" + std::string(id) + "' is neither an ICCID nor an ISD-P AID (32 hex digits)");
        return der::encode(rsp::tag::isdp_aid, *aid);
    }
    if (!all_digits || id.size() < 18 || id.size() > 20)
        return fail("'" + std::string(id) + "' is neither an ICCID (18 to 20 digits) nor an ISD-P AID (32 hex digits)");
    auto bcd = rsp::iccid_to_bcd(id);
    if (!bcd) return fail("'" + std::string(id) + "' is not an ICCID: " + bcd.error().message);
    return der::encode(rsp::tag::iccid, *bcd);
}

namespace {
bytes profile_op_request(der::tag_t tag, byte_view identifier, bool refresh)
{
    der::writer w;
    w.begin(tag).begin(0xA0).raw(identifier).end().add_bool(0x81, refresh).end();
    return w.finish();
}
} // namespace

result<es10c_code> es10_client::enable_profile(std::string_view iccid_or_aid, bool refresh)
{
    auto id = profile_identifier_tlv(iccid_or_aid);
    if (!id) return id.take_error();
    auto r = call(profile_op_request(rsp::tag::enable_profile, *id, refresh));
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::enable_profile, "EnableProfile");
}

result<es10c_code> es10_client::disable_profile(std::string_view iccid_or_aid, bool refresh)
{
    auto id = profile_identifier_tlv(iccid_or_aid);
    if (!id) return id.take_error();
    auto r = call(profile_op_request(rsp::tag::disable_profile, *id, refresh));
    if (!r) return r.take_error();
    return simple_result(*r, rsp::tag::disable_profile, "DisableProfile");
}

result<es10c_code> es10_client::delete_profile(std::string_view iccid_or_aid)
{
    auto id = profile_identifier_tlv(iccid_or_aid);
    if (!id) return id.take_error();
    // DeleteProfileRequest carries the identifier directly, without the A0 wrapper of Enable/Disable.
    der::writer w;
    w.begin(rsp::tag::delete_profile).raw(*id).end();
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
    case 0:
        return "ok";
    case 1:
        return "no profile with that ICCID or AID on the eUICC";
    case 2:
        return "the profile is already enabled";
    case 3:
        return "the profile policy rules forbid it";
    case 4:
        return "the profile cannot be re-enabled";
    case 5:
        return "the card is busy (CAT)";
    default:
        return "undefined error " + std::to_string(code);
    }
}
std::string describe_disable_result(int code)
{
    switch (code) {
    case 0:
        return "ok";
    case 1:
        return "no profile with that ICCID or AID on the eUICC";
    case 2:
        return "the profile is not enabled";
    case 3:
        return "the profile policy rules forbid it";
    case 5:
        return "the card is busy (CAT)";
    default:
        return "undefined error " + std::to_string(code);
    }
}
std::string describe_delete_result(int code)
{
    switch (code) {
    case 0:
        return "ok";
    case 1:
        return "no profile with that ICCID or AID on the eUICC";
    case 2:
        return "the profile is enabled; disable it first";
    case 3:
        return "the profile policy rules forbid it";
    default:
        return "undefined error " + std::to_string(code);
    }
}

std::string describe_memory_reset_result(int code)
{
    switch (code) {
    case 0:
        return "ok";
    case 1:
        return "there was nothing to delete";
    case 5:
        return "the card is busy (CAT); try again in a moment";
    default:
        return "undefined error " + std::to_string(code);
    }
}

} // namespace openrsp::lpa
