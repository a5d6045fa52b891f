/// \file
/// \brief vpcd client: the virtual eUICC answering pcscd's vpcd driver over TCP (see vpcd.h for the protocol).

#include "openrsp/euicc/vpcd.h"

#include "iso7816.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace openrsp::euicc {

namespace {

using namespace detail::iso7816;

/// Channels up to 19 exist (ETSI TS 102 221 §10.1.1); bit n of the mask is channel n.
constexpr int max_channel = 19;

/// \brief Owns one socket.
class socket_fd {
public:
    explicit socket_fd(int fd) : m_fd(fd) {}
    ~socket_fd()
    {
        if (m_fd >= 0) ::close(m_fd);
    }
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    [[nodiscard]] int get() const { return m_fd; }

private:
    int m_fd;
};

/// \brief getaddrinfo's list, freed on every path.
struct addrinfo_deleter {
    void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

result<int> connect_to(const vpcd_endpoint& e)
{
    const std::string where = e.host + ":" + std::to_string(e.port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    const int gai = ::getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints, &raw);
    if (gai != 0) return fail("cannot resolve the vpcd host " + e.host + ": " + ::gai_strerror(gai));
    const std::unique_ptr<addrinfo, addrinfo_deleter> list(raw);
    int last_errno = 0;
    for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
        last_errno = errno;
        ::close(fd);
    }
    return fail("cannot reach the vpcd driver at " + where + " (" + std::strerror(last_errno) +
                "); is pcscd running with vsmartcard-vpcd installed?");
}

bool send_all(int fd, byte_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace

const bytes& euicc_atr()
{
    static const bytes atr{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
                           0x21, 0x1B, 0x63, 0x3A, 0x20, 0x4F, 0x83, 0x00, 0x90, 0x00, 0x92};
    return atr;
}

vpcd_responder::vpcd_responder(virtual_euicc& card, bytes atr) : m_card(card), m_atr(std::move(atr)) {}

std::optional<bytes> vpcd_responder::handle(byte_view message)
{
    if (message.empty()) return std::nullopt;
    if (message.size() == 1) {
        switch (message[0]) {
        case ctrl_off:
            close_channels();
            m_powered = false;
            return std::nullopt;
        case ctrl_on:
            m_powered = true;
            return std::nullopt;
        case ctrl_reset:
            close_channels();
            m_powered = true;
            return std::nullopt;
        case ctrl_atr:
            return m_atr;
        default:
            return std::nullopt; // newer drivers may add commands; answering one would desynchronise the stream
        }
    }
    bytes response = m_card.transmit(message);
    // Track MANAGE CHANNEL so close_channels() knows what the client left open.
    if (message.size() >= 4 && message[1] == ins_manage_channel && response.size() >= 2 &&
        response[response.size() - 2] == sw1_ok) {
        if (message[2] == p1_open_channel && response.size() == 3 && response[0] <= max_channel)
            m_channel_mask |= std::uint32_t{1} << response[0];
        else if (message[2] == p1_close_channel && message[3] <= max_channel)
            m_channel_mask &= ~(std::uint32_t{1} << message[3]);
    }
    return response;
}

void vpcd_responder::close_channels()
{
    for (int ch = 1; ch <= max_channel; ++ch)
        if ((m_channel_mask & (std::uint32_t{1} << ch)) != 0)
            (void)m_card.transmit(
                bytes{cla_interindustry, ins_manage_channel, p1_close_channel, static_cast<std::uint8_t>(ch), 0x00});
    m_channel_mask = 0;
}

result<void> serve_vpcd(virtual_euicc& card, const vpcd_endpoint& endpoint, const std::atomic<bool>& stop)
{
    auto fd_r = connect_to(endpoint);
    if (!fd_r) return fd_r.take_error();
    const socket_fd sock(*fd_r);
    vpcd_responder responder(card);
    bytes pending;
    std::uint8_t chunk[4096];
    while (!stop.load()) {
        pollfd p{sock.get(), POLLIN, 0};
        // A short timeout so that `stop` is seen promptly; pcscd polls the card far less often.
        const int ready = ::poll(&p, 1, 200);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return fail(std::string("waiting for the vpcd driver failed: ") + std::strerror(errno));
        if (ready == 0) continue;
        const ssize_t n = ::recv(sock.get(), chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(std::string("the connection to the vpcd driver broke: ") + std::strerror(errno));
        if (n == 0) break; // pcscd stopped or unloaded the driver
        pending.insert(pending.end(), chunk, chunk + n);
        std::size_t start = 0;
        while (pending.size() - start >= 2) {
            const std::size_t length = (std::size_t{pending[start]} << 8) | pending[start + 1];
            if (pending.size() - start - 2 < length) break;
            const auto reply = responder.handle(byte_view(pending).subspan(start + 2, length));
            start += 2 + length;
            if (!reply) continue;
            if (reply->size() > 0xFFFF) return fail("an R-APDU is too long for the vpcd protocol");
            bytes framed{static_cast<std::uint8_t>(reply->size() >> 8), static_cast<std::uint8_t>(reply->size())};
            append(framed, *reply);
            if (!send_all(sock.get(), framed))
                return fail(std::string("cannot answer the vpcd driver: ") + std::strerror(errno));
        }
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(start));
    }
    return ok();
}

} // namespace openrsp::euicc
