/// \file
/// \brief APDU front end of the ISD-R: logical channels, SELECT, STORE DATA reassembly (SGP.22 §5.7.2),
/// GET RESPONSE chaining, dispatch of ES10 requests by outer tag, and the in-process card_transport.

#include "euicc_impl.h"

#include <algorithm>

namespace openrsp::euicc::detail {

using namespace iso7816;

namespace {

/// Largest R-APDU data part without chaining (short Le).
constexpr std::size_t max_short_response = 256;

bytes status_only(std::uint16_t s) { return bytes{static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s)}; }

void append_sw(bytes& out, std::uint16_t s)
{
    out.push_back(static_cast<std::uint8_t>(s >> 8));
    out.push_back(static_cast<std::uint8_t>(s));
}

/// A decoded short C-APDU (ISO/IEC 7816-3 cases 1-4). Extended length is not supported.
struct command {
    std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
    byte_view data;
    std::optional<std::size_t> le;
};

std::optional<command> parse_command(byte_view a)
{
    if (a.size() < 4) return std::nullopt;
    command c{a[0], a[1], a[2], a[3], {}, std::nullopt};
    if (a.size() == 4) return c;
    const std::size_t p3 = a[4];
    if (a.size() == 5) {
        c.le = p3 == 0 ? 256 : p3;
        return c;
    }
    if (p3 == 0) return std::nullopt; // would be extended length
    if (a.size() == 5 + p3) {
        c.data = a.subspan(5, p3);
        return c;
    }
    if (a.size() == 6 + p3) {
        c.data = a.subspan(5, p3);
        c.le = a[5 + p3] == 0 ? 256 : a[5 + p3];
        return c;
    }
    return std::nullopt;
}

/// Logical channel from CLA (ISO/IEC 7816-4 §5.4.1): first interindustry values carry channels 0-3 in b2b1,
/// further interindustry values channels 4-19 in b4..b1. The GP proprietary class (b8 set) uses the same bits.
std::optional<std::size_t> channel_of(std::uint8_t cla)
{
    if (cla == cla_invalid) return std::nullopt;
    if ((cla & cla_further_interindustry_bit) != 0) return 4 + (cla & 0x0F);
    if ((cla & cla_rfu_bit) != 0) return std::nullopt; // RFU
    return cla & 0x03;
}

bool proprietary(std::uint8_t cla) { return (cla & cla_proprietary_bit) != 0; }

} // namespace

bytes euicc_impl::transmit(byte_view command_apdu)
{
    std::lock_guard lock(m_mutex);
    try {
        return process_apdu(command_apdu);
    } catch (const std::exception&) {
        // A bug must not take down the process that hosts the card; the LPA sees a technical problem.
        return status_only(sw::no_precise_diagnosis);
    }
}

bytes euicc_impl::process_apdu(byte_view apdu)
{
    const auto cmd = parse_command(apdu);
    if (!cmd) return status_only(sw::wrong_length);
    const auto chan = channel_of(cmd->cla);
    if (!chan) return status_only(sw::cla_not_supported);
    channel_state& ch = m_channels[*chan];
    if (!ch.open) return status_only(sw::channel_not_supported);

    // GET RESPONSE: lpac sends it with the proprietary class (81 C0 …), other LPAs with 0x; accept both.
    if (cmd->ins == ins_get_response) {
        if (cmd->p1 != 0 || cmd->p2 != 0) return status_only(sw::wrong_p1p2);
        if (ch.pending_offset >= ch.pending_response.size()) return status_only(sw::conditions_not_satisfied);
        const std::size_t want = cmd->le.value_or(max_short_response);
        const std::size_t left = ch.pending_response.size() - ch.pending_offset;
        const std::size_t n = std::min(want, left);
        bytes out(ch.pending_response.begin() + static_cast<std::ptrdiff_t>(ch.pending_offset),
                  ch.pending_response.begin() + static_cast<std::ptrdiff_t>(ch.pending_offset + n));
        ch.pending_offset += n;
        const std::size_t rest = ch.pending_response.size() - ch.pending_offset;
        if (rest == 0) {
            ch.pending_response.clear();
            ch.pending_offset = 0;
            append_sw(out, sw::ok);
        } else {
            append_sw(out, static_cast<std::uint16_t>(sw::bytes_available | (rest >= 256 ? 0 : rest)));
        }
        return out;
    }
    // Any other command drops a response the LPA did not collect.
    ch.pending_response.clear();
    ch.pending_offset = 0;

    switch (cmd->ins) {
    case ins_manage_channel: {
        if (proprietary(cmd->cla)) return status_only(sw::cla_not_supported);
        if (cmd->p1 == p1_open_channel) {
            if (cmd->p2 != 0) return status_only(sw::wrong_p1p2); // only card-assigned channel numbers
            for (std::size_t i = 1; i < m_channels.size(); ++i) {
                if (!m_channels[i].open) {
                    m_channels[i] = channel_state{};
                    m_channels[i].open = true;
                    return bytes{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(sw::ok >> 8),
                                 static_cast<std::uint8_t>(sw::ok & 0xFF)};
                }
            }
            return status_only(sw::channel_not_supported);
        }
        if (cmd->p1 == p1_close_channel) {
            const std::size_t target = cmd->p2 == 0 ? *chan : cmd->p2;
            if (target == 0 || target >= m_channels.size()) return status_only(sw::wrong_p1p2);
            if (!m_channels[target].open) return status_only(sw::channel_not_supported);
            m_channels[target] = channel_state{};
            return status_only(sw::ok);
        }
        return status_only(sw::wrong_p1p2);
    }
    case ins_select: {
        if (proprietary(cmd->cla)) return status_only(sw::cla_not_supported);
        if (cmd->p1 != p1_select_by_name) return status_only(sw::wrong_p1p2);
        if ((cmd->p2 & 0xF0) != 0 && cmd->p2 != p2_select_no_data) return status_only(sw::wrong_p1p2);
        if (cmd->data.empty()) return status_only(sw::wrong_length);
        const bytes& aid = rsp::isd_r_aid();
        ch.store_data.clear();
        ch.next_block = 0;
        if (!std::equal(cmd->data.begin(), cmd->data.end(), aid.begin(), aid.end())) {
            ch.isdr_selected = false;
            return status_only(sw::file_not_found);
        }
        ch.isdr_selected = true;
        if (cmd->p2 == p2_select_no_data) return status_only(sw::ok); // no FCI requested
        // FCI: 6F{84 AID}. Without Le (case 3, as lpac sends it) it is announced with 61xx.
        der::writer w;
        w.begin(rsp::tag::select_fci::fci_template).add(rsp::tag::select_fci::df_name, aid).end();
        bytes fci = w.finish();
        if (!cmd->le) {
            const auto n = fci.size();
            ch.pending_response = std::move(fci);
            return status_only(static_cast<std::uint16_t>(sw::bytes_available | n));
        }
        append_sw(fci, sw::ok);
        return fci;
    }
    case ins_terminal_capability:
        // lpac's PC/SC driver sends TERMINAL CAPABILITY first; there is nothing to remember.
        if (!proprietary(cmd->cla)) return status_only(sw::cla_not_supported);
        return status_only(sw::ok);
    case ins_store_data: {
        if (!proprietary(cmd->cla)) return status_only(sw::cla_not_supported);
        if (!ch.isdr_selected) return status_only(sw::conditions_not_satisfied);
        if (cmd->p1 != p1_more_blocks && cmd->p1 != p1_last_block) return status_only(sw::wrong_p1p2);
        if (cmd->data.empty()) return status_only(sw::wrong_length);
        // P2 restarts at 0 for every ES10 command; anything out of sequence discards the partial request.
        if (cmd->p2 == 0) {
            ch.store_data.clear();
            ch.next_block = 0;
        }
        if (cmd->p2 != ch.next_block) {
            ch.store_data.clear();
            ch.next_block = 0;
            return status_only(sw::wrong_p1p2);
        }
        if (ch.store_data.size() + cmd->data.size() > max_request_size) {
            ch.store_data.clear();
            ch.next_block = 0;
            return status_only(sw::not_enough_memory);
        }
        append(ch.store_data, cmd->data);
        ++ch.next_block;
        if (cmd->p1 == p1_more_blocks) {
            if (ch.next_block > 0xFF) {
                ch.store_data.clear();
                ch.next_block = 0;
                return status_only(sw::wrong_p1p2);
            }
            return status_only(sw::ok);
        }
        bytes request = std::move(ch.store_data);
        ch.store_data.clear();
        ch.next_block = 0;
        return finish_command(ch, dispatch(request));
    }
    default:
        return status_only(sw::ins_not_supported);
    }
}

bytes euicc_impl::finish_command(channel_state& ch, es10_reply reply)
{
    if (reply.status != sw::ok) return status_only(reply.status);
    if (reply.data.size() <= max_short_response) {
        append_sw(reply.data, sw::ok);
        return std::move(reply.data);
    }
    bytes out(reply.data.begin(), reply.data.begin() + max_short_response);
    const std::size_t rest = reply.data.size() - max_short_response;
    ch.pending_response = std::move(reply.data);
    ch.pending_offset = max_short_response;
    append_sw(out, static_cast<std::uint16_t>(sw::bytes_available | (rest >= 256 ? 0 : rest)));
    return out;
}

es10_reply euicc_impl::dispatch(byte_view request)
{
    // BPP pieces after the first series are bare A0-A3 TLVs or headers and 86/88 TLVs (facts §4.3).
    // Every ES10 request tag is two bytes, BF xx; BF36 is the only BPP one.
    constexpr auto es10_first = static_cast<std::uint8_t>(rsp::tag::bound_profile_package >> 8);
    constexpr auto bpp_second = static_cast<std::uint8_t>(rsp::tag::bound_profile_package & 0xFF);
    if (!request.empty() && request[0] != es10_first) return load_bpp_piece(request);

    // BF36 may come as a header plus BF23 only, so it cannot go through parse_one.
    if (request.size() >= 2 && request[0] == es10_first && request[1] == bpp_second) return load_bpp_piece(request);

    auto parsed = der::parse_one(request);
    if (!parsed) return es10_reply::error(sw::wrong_data);
    const der::tlv& t = *parsed;
    switch (t.tag) {
    case rsp::tag::get_euicc_info1: return es10_reply::of(get_euicc_info1());
    case rsp::tag::euicc_info2: return es10_reply::of(euicc_info2_tlv());
    case rsp::tag::get_euicc_challenge: return es10_reply::of(get_euicc_challenge());
    case rsp::tag::authenticate_server: return es10_reply::of(authenticate_server(t));
    case rsp::tag::prepare_download: return es10_reply::of(prepare_download(t));
    case rsp::tag::cancel_session: return es10_reply::of(cancel_session(t));
    case rsp::tag::get_rat: return es10_reply::of(get_rat());
    case rsp::tag::list_notification: return es10_reply::of(list_notification(t));
    case rsp::tag::retrieve_notifications_list: return es10_reply::of(retrieve_notifications(t));
    case rsp::tag::notification_sent: return es10_reply::of(remove_notification(t));
    case rsp::tag::get_profiles_info: return es10_reply::of(get_profiles_info(t));
    case rsp::tag::enable_profile: return es10_reply::of(enable_profile(t));
    case rsp::tag::disable_profile: return es10_reply::of(disable_profile(t));
    case rsp::tag::delete_profile: return es10_reply::of(delete_profile(t));
    case rsp::tag::set_nickname: return es10_reply::of(set_nickname(t));
    case rsp::tag::get_eid: return es10_reply::of(get_eid(t));
    case rsp::tag::get_euicc_configured_addresses: return es10_reply::of(get_configured_addresses());
    case rsp::tag::set_default_dp_address: return es10_reply::of(set_default_dp_address(t));
    case rsp::tag::euicc_memory_reset: return es10_reply::of(memory_reset(t));
    default: return es10_reply::error(sw::data_not_found);
    }
}

installed_profile* find_profile(std::vector<installed_profile>& list, const rsp::profile_identifier& id)
{
    if (id.isdp_aid.empty()) {
        if (id.iccid.empty() || id.iccid.size() > 10) return nullptr;
        bytes want = id.iccid;
        want.resize(10, 0xFF); // older lpac sends 9 bytes for 18-digit ICCIDs
        for (auto& p : list)
            if (p.iccid_bcd == want) return &p;
        return nullptr;
    }
    for (auto& p : list)
        if (p.info.isdp_aid == id.isdp_aid) return &p;
    return nullptr;
}

const installed_profile* find_profile(const std::vector<installed_profile>& list, const rsp::profile_identifier& id)
{
    return find_profile(const_cast<std::vector<installed_profile>&>(list), id);
}

namespace {

/// \brief The in-process transport: the five lpac driver calls mapped onto APDUs to this card.
class inproc_transport final : public rsp::card_transport {
public:
    explicit inproc_transport(virtual_euicc& card) : m_card(card) {}

    result<void> connect() override { return ok(); }
    void disconnect() override {}

    result<int> open_logical_channel(byte_view aid) override
    {
        const bytes open_rsp =
            m_card.transmit(bytes{cla_interindustry, ins_manage_channel, p1_open_channel, 0x00, 0x01});
        if (open_rsp.size() != 3 || be16(open_rsp[1], open_rsp[2]) != sw::ok)
            return fail("The eUICC refused to open a logical channel.");
        const int ch = open_rsp[0];
        bytes select{static_cast<std::uint8_t>(ch < 4 ? ch : cla_further_interindustry_bit | (ch - 4)), ins_select,
                     p1_select_by_name, p2_select_fci,
                     static_cast<std::uint8_t>(aid.size())};
        append(select, aid);
        const bytes sel_rsp = m_card.transmit(select);
        const std::uint8_t sw1 = sel_rsp.size() >= 2 ? sel_rsp[sel_rsp.size() - 2] : 0;
        if (sw1 != sw1_ok && sw1 != sw1_bytes_available) {
            close_logical_channel(ch);
            return fail("The eUICC does not know the application " + to_hex(aid, true) + ".");
        }
        return ch;
    }

    void close_logical_channel(int channel) override
    {
        (void)m_card.transmit(
            bytes{cla_interindustry, ins_manage_channel, p1_close_channel, static_cast<std::uint8_t>(channel), 0x00});
    }

    result<bytes> transmit(byte_view command_apdu) override { return m_card.transmit(command_apdu); }

private:
    virtual_euicc& m_card;
};

} // namespace

std::unique_ptr<rsp::card_transport> euicc_impl::make_transport() { return std::make_unique<inproc_transport>(*this); }

void euicc_impl::set_cat_busy(bool busy)
{
    std::lock_guard lock(m_mutex);
    m_cat_busy = busy;
}

} // namespace openrsp::euicc::detail
