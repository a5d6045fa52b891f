/// \file
/// \brief card_transport over pcsclite: SCardConnect (T=0 or T=1), MANAGE CHANNEL + SELECT for the ISD-R session.

#include "openrsp/lpa/pcsc_transport.h"

#include <winscard.h>

#include <algorithm>
#include <utility>

namespace openrsp::lpa {

namespace {

// ISO 7816-4 commands and status words the ISD-R session needs (SGP.22 §2.2.3: the LPA selects the ISD-R on a
// logical channel).
constexpr std::uint8_t cla_interindustry = 0x00;
constexpr std::uint8_t ins_manage_channel = 0x70;
constexpr std::uint8_t p1_open_channel = 0x00;
constexpr std::uint8_t p1_close_channel = 0x80;
constexpr std::uint8_t p2_card_assigns_channel = 0x00;
constexpr std::uint8_t le_none = 0x00;           ///< sent after MANAGE CHANNEL close, as the LPA always has
constexpr std::uint8_t le_channel_number = 0x01; ///< MANAGE CHANNEL open answers one byte, the channel number
constexpr std::uint8_t ins_select = 0xA4;
constexpr std::uint8_t p1_select_by_df_name = 0x04;
constexpr std::uint8_t p2_first_occurrence = 0x00;
constexpr std::uint8_t sw1_ok = 0x90;
constexpr std::uint8_t sw2_ok = 0x00;
constexpr std::uint8_t sw1_more_data = 0x61;
constexpr std::uint8_t sw1_wrong_le = 0x6C;
constexpr std::uint8_t cla_further_channels = 0x40; ///< ISO 7816-4 §5.4.1: CLA of channels 4..19

std::string describe(LONG rv)
{
    return ::pcsc_stringify_error(rv);
}

std::string sw_of(const bytes& r)
{
    return r.size() >= 2 ? to_hex(byte_view(r).last(2), true) : "no status word";
}

bool sw_ok(const bytes& r)
{
    if (r.size() < 2) return false;
    const std::uint8_t sw1 = r[r.size() - 2];
    // 61xx: the answer waits for GET RESPONSE, which the ES10 client does when it needs the data.
    return (sw1 == sw1_ok && r.back() == sw2_ok) || sw1 == sw1_more_data;
}

/// ISO 7816-4 §5.4.1: channels 0..3 in CLA bits 1-2, channels 4..19 as 0x40 | (channel - 4).
std::uint8_t cla_for(int channel)
{
    return static_cast<std::uint8_t>(channel < 4 ? channel : cla_further_channels | (channel - 4));
}

/// \brief An established PC/SC context, released on every path.
class pcsc_context {
public:
    pcsc_context() = default;
    ~pcsc_context() { reset(); }
    pcsc_context(const pcsc_context&) = delete;
    pcsc_context& operator=(const pcsc_context&) = delete;

    result<void> establish()
    {
        reset();
        const LONG rv = ::SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &m_ctx);
        if (rv != SCARD_S_SUCCESS) return fail("cannot reach the PC/SC daemon (is pcscd running?): " + describe(rv));
        m_valid = true;
        return ok();
    }
    void reset()
    {
        if (m_valid) ::SCardReleaseContext(m_ctx);
        m_valid = false;
    }
    [[nodiscard]] SCARDCONTEXT get() const { return m_ctx; }

private:
    SCARDCONTEXT m_ctx = 0;
    bool m_valid = false;
};

/// \brief A connected card handle; the card is left as it is (not reset) on release, since resetting a modem's
/// eUICC can drop the phone off the network.
class pcsc_card {
public:
    pcsc_card() = default;
    ~pcsc_card() { reset(); }
    pcsc_card(const pcsc_card&) = delete;
    pcsc_card& operator=(const pcsc_card&) = delete;

    LONG connect(SCARDCONTEXT ctx, const std::string& reader)
    {
        reset();
        DWORD protocol = 0;
        const LONG rv = ::SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                       &m_handle, &protocol);
        if (rv == SCARD_S_SUCCESS) {
            m_valid = true;
            m_protocol = protocol;
        }
        return rv;
    }
    void reset()
    {
        if (m_valid) ::SCardDisconnect(m_handle, SCARD_LEAVE_CARD);
        m_valid = false;
    }
    [[nodiscard]] bool valid() const { return m_valid; }
    [[nodiscard]] SCARDHANDLE get() const { return m_handle; }
    [[nodiscard]] const SCARD_IO_REQUEST* pci() const
    {
        return m_protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
    }

private:
    SCARDHANDLE m_handle = 0;
    DWORD m_protocol = 0;
    bool m_valid = false;
};

result<std::vector<std::string>> readers_of(const pcsc_context& ctx)
{
    DWORD size = 0;
    LONG rv = ::SCardListReaders(ctx.get(), nullptr, nullptr, &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
    if (rv != SCARD_S_SUCCESS) return fail("cannot list the PC/SC readers: " + describe(rv));
    std::string multi(size, '\0');
    rv = ::SCardListReaders(ctx.get(), nullptr, multi.data(), &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
    if (rv != SCARD_S_SUCCESS) return fail("cannot list the PC/SC readers: " + describe(rv));
    // A multi-string: names separated by NUL, ended by an empty one.
    std::vector<std::string> names;
    for (std::size_t pos = 0; pos < multi.size() && multi[pos] != '\0';) {
        const std::size_t end = multi.find('\0', pos);
        names.push_back(multi.substr(pos, end - pos));
        pos = end + 1;
    }
    return names;
}

bool has_card(const pcsc_context& ctx, const std::string& reader)
{
    SCARD_READERSTATE state{};
    state.szReader = reader.c_str();
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    if (::SCardGetStatusChange(ctx.get(), 0, &state, 1) != SCARD_S_SUCCESS) return false;
    return (state.dwEventState & SCARD_STATE_PRESENT) != 0 && (state.dwEventState & SCARD_STATE_MUTE) == 0;
}

std::string join(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "\"" : ", \"") + n + "\"";
    return out;
}

class pcsc_transport final : public rsp::card_transport {
public:
    explicit pcsc_transport(std::string reader) : m_wanted(std::move(reader)) {}

    result<void> connect() override
    {
        OPENRSP_TRY_VOID(m_ctx.establish());
        auto names = readers_of(m_ctx);
        if (!names) return names.take_error();
        if (names->empty()) return fail("no PC/SC reader found");
        auto chosen = choose(*names);
        if (!chosen) return chosen.take_error();
        m_reader = *chosen;
        const LONG rv = m_card.connect(m_ctx.get(), m_reader);
        if (rv != SCARD_S_SUCCESS)
            return fail("cannot connect to the card in reader \"" + m_reader + "\": " + describe(rv));
        return ok();
    }

    void disconnect() override
    {
        m_card.reset();
        m_ctx.reset();
    }

    result<int> open_logical_channel(byte_view aid) override
    {
        auto opened = transmit(
            bytes{cla_interindustry, ins_manage_channel, p1_open_channel, p2_card_assigns_channel, le_channel_number});
        if (!opened) return opened.take_error();
        if (opened->size() != 3 || !sw_ok(*opened))
            return fail("the card in reader \"" + m_reader + "\" did not open a logical channel: " + sw_of(*opened));
        const int ch = (*opened)[0];
        bytes select{cla_for(ch), ins_select, p1_select_by_df_name, p2_first_occurrence,
                     static_cast<std::uint8_t>(aid.size())};
        append(select, aid);
        auto selected = transmit(select);
        if (!selected || !sw_ok(*selected)) {
            close_logical_channel(ch);
            if (!selected) return selected.take_error();
            return fail("the card in reader \"" + m_reader + "\" did not answer SELECT ISD-R: " + sw_of(*selected) +
                        " (not an eUICC, or its ISD-R is not reachable this way)");
        }
        return ch;
    }

    void close_logical_channel(int channel) override
    {
        if (!m_card.valid()) return;
        (void)transmit(bytes{cla_interindustry, ins_manage_channel, p1_close_channel,
                             static_cast<std::uint8_t>(channel), le_none});
    }

    result<bytes> transmit(byte_view command_apdu) override
    {
        if (!m_card.valid()) return fail("no card connected (the LPA sent an APDU before connect)");
        auto r = raw_transmit(command_apdu);
        // 6Cxx (wrong Le, the right one in SW2): T=0 cards say so instead of sending the data; resend once with it.
        // Only case 1 and 2 commands (4 or 5 bytes) can get it, so the Le position is unambiguous.
        if (r && r->size() == 2 && (*r)[0] == sw1_wrong_le && (command_apdu.size() == 4 || command_apdu.size() == 5)) {
            bytes again(command_apdu.begin(), command_apdu.begin() + 4);
            again.push_back((*r)[1]);
            return raw_transmit(again);
        }
        return r;
    }

private:
    result<std::string> choose(const std::vector<std::string>& names) const
    {
        if (!m_wanted.empty() && std::find(names.begin(), names.end(), m_wanted) != names.end()) return m_wanted;
        std::vector<std::string> candidates;
        for (const auto& n : names)
            if (m_wanted.empty() || n.find(m_wanted) != std::string::npos) candidates.push_back(n);
        if (candidates.empty())
            return fail("no PC/SC reader named \"" + m_wanted + "\" (readers: " + join(names) + ")");
        for (const auto& n : candidates)
            if (has_card(m_ctx, n)) return n;
        if (candidates.size() == 1) return fail("no card in reader \"" + candidates[0] + "\"");
        return fail("no card in any PC/SC reader (readers: " + join(candidates) + ")");
    }

    result<bytes> raw_transmit(byte_view apdu)
    {
        // Room for an extended-length answer (65536 data bytes + SW).
        bytes response(65538);
        DWORD length = static_cast<DWORD>(response.size());
        const LONG rv = ::SCardTransmit(m_card.get(), m_card.pci(), apdu.data(), static_cast<DWORD>(apdu.size()),
                                        nullptr, response.data(), &length);
        if (rv != SCARD_S_SUCCESS)
            return fail("the card in reader \"" + m_reader + "\" did not answer an APDU: " + describe(rv));
        response.resize(length);
        return response;
    }

    std::string m_wanted;
    std::string m_reader;
    pcsc_context m_ctx;
    pcsc_card m_card;
};

} // namespace

result<std::vector<std::string>> list_pcsc_readers()
{
    pcsc_context ctx;
    OPENRSP_TRY_VOID(ctx.establish());
    return readers_of(ctx);
}

std::unique_ptr<rsp::card_transport> make_pcsc_transport(std::string reader)
{
    return std::make_unique<pcsc_transport>(std::move(reader));
}

} // namespace openrsp::lpa
