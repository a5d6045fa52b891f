// The vpcd client against a fake vpcd driver on a loopback socket: framing, control commands, APDUs, channels
// closed on reset, and a clean end when the driver hangs up or the caller stops it.
#include "openrsp/euicc/vpcd.h"

#include "support/euicc_doubles.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

using namespace openrsp;
using namespace openrsp::euicc;

namespace {

/// \brief Plays pcscd's vpcd driver: listens on a free loopback port, accepts the client, frames messages.
class fake_driver {
public:
    fake_driver()
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(m_listen, 1) != 0)
            throw std::runtime_error("cannot listen");
        socklen_t len = sizeof a;
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
    }
    ~fake_driver()
    {
        hang_up();
        ::close(m_listen);
    }
    fake_driver(const fake_driver&) = delete;
    fake_driver& operator=(const fake_driver&) = delete;

    [[nodiscard]] std::uint16_t port() const { return m_port; }
    void accept_client() { m_conn = ::accept(m_listen, nullptr, nullptr); }
    void hang_up()
    {
        if (m_conn >= 0) ::close(m_conn);
        m_conn = -1;
    }

    static bytes frame(byte_view payload)
    {
        // Reserved up front rather than a two-byte initializer list grown by append: that growth path draws a bogus
        // GCC 12 -O3 -Warray-bounds from libstdc++'s vector (GCC bug 107852).
        bytes out;
        out.reserve(2 + payload.size());
        out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
        out.push_back(static_cast<std::uint8_t>(payload.size()));
        append(out, payload);
        return out;
    }
    void send_raw(byte_view data)
    {
        ASSERT_EQ(::send(m_conn, data.data(), data.size(), MSG_NOSIGNAL), ssize_t(data.size()));
    }
    void send(byte_view payload) { send_raw(frame(payload)); }
    bytes receive()
    {
        std::uint8_t head[2];
        if (!read_exact(head, 2)) return {};
        bytes body((std::size_t{head[0]} << 8) | head[1]);
        if (!read_exact(body.data(), body.size())) return {};
        return body;
    }
    bytes exchange(byte_view payload)
    {
        send(payload);
        return receive();
    }

private:
    bool read_exact(std::uint8_t* p, std::size_t n)
    {
        while (n > 0) {
            const ssize_t r = ::recv(m_conn, p, n, 0);
            if (r <= 0) return false;
            p += r;
            n -= static_cast<std::size_t>(r);
        }
        return true;
    }

    int m_listen = -1;
    int m_conn = -1;
    std::uint16_t m_port = 0;
};

unsigned sw(const bytes& r)
{
    return r.size() < 2 ? 0 : (unsigned{r[r.size() - 2]} << 8) | r.back();
}

const bytes get_eid_request{0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A}; // GetEuiccDataRequest, tagList EID

/// STORE DATA is a GlobalPlatform command: CLA 0x80 plus the channel.
bytes store_data(std::uint8_t cla, byte_view data)
{
    // Header and data in one allocation (see frame() on GCC bug 107852).
    bytes apdu;
    apdu.reserve(5 + data.size());
    for (std::uint8_t b : {cla, std::uint8_t{0xE2}, std::uint8_t{0x91}, std::uint8_t{0x00}})
        apdu.push_back(b);
    apdu.push_back(static_cast<std::uint8_t>(data.size()));
    append(apdu, data);
    return apdu;
}

class vpcd : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_card = test::make_card(m_dir.file("euicc.json"));
        endpoint.port = m_driver.port();
        m_served = std::async(std::launch::async, [this] { return serve_vpcd(*m_card, endpoint, m_stop); });
        m_driver.accept_client();
    }
    void TearDown() override
    {
        m_stop = true;
        if (m_served.valid()) m_served.wait();
    }

    /// MANAGE CHANNEL open + SELECT ISD-R through the driver; returns the channel.
    int open_isd_r()
    {
        const bytes opened = m_driver.exchange(bytes{0x00, 0x70, 0x00, 0x00, 0x01});
        EXPECT_EQ(opened.size(), 3u);
        EXPECT_EQ(sw(opened), 0x9000u);
        const std::uint8_t ch = opened.empty() ? 0 : opened[0];
        bytes select{ch, 0xA4, 0x04, 0x00, static_cast<std::uint8_t>(rsp::isd_r_aid().size())};
        append(select, rsp::isd_r_aid());
        const unsigned s = sw(m_driver.exchange(select));
        EXPECT_TRUE(s == 0x9000 || (s >> 8) == 0x61) << std::hex << s;
        return ch;
    }

    test::temp_dir m_dir;
    std::unique_ptr<virtual_euicc> m_card;
    fake_driver m_driver;
    vpcd_endpoint endpoint;
    std::atomic<bool> m_stop{false};
    std::future<result<void>> m_served;
};

} // namespace

TEST(vpcd_responder, when_asked_for_the_atr_then_answers_with_a_well_formed_euicc_atr)
{
    test::temp_dir dir;
    auto card = test::make_card(dir.file("euicc.json"));
    vpcd_responder r(*card);
    EXPECT_FALSE(r.handle(bytes{vpcd_responder::ctrl_on}));
    EXPECT_TRUE(r.powered());
    const auto atr = r.handle(bytes{vpcd_responder::ctrl_atr});
    ASSERT_TRUE(atr);
    EXPECT_EQ(*atr, euicc_atr());
    // TCK: the XOR of T0 .. the last historical byte equals the last byte (ISO 7816-3 §8.2.5).
    std::uint8_t x = 0;
    for (std::size_t i = 1; i + 1 < atr->size(); ++i)
        x ^= (*atr)[i];
    EXPECT_EQ(x, atr->back());
    EXPECT_FALSE(r.handle(bytes{0x7F})) << "unknown control bytes get no answer";
    EXPECT_FALSE(r.handle(bytes{vpcd_responder::ctrl_off}));
    EXPECT_FALSE(r.powered());
}

TEST_F(vpcd, when_the_driver_powers_on_then_atr_and_es10_apdus_are_answered)
{
    m_driver.send(bytes{vpcd_responder::ctrl_on});
    EXPECT_EQ(m_driver.exchange(bytes{vpcd_responder::ctrl_atr}), euicc_atr());
    const int ch = open_isd_r();
    ASSERT_GT(ch, 0);
    const bytes eid = m_driver.exchange(store_data(static_cast<std::uint8_t>(0x80 | ch), get_eid_request));
    ASSERT_EQ(sw(eid), 0x9000u);
    EXPECT_NE(to_hex(eid, true).find(m_card->eid()), std::string::npos);
}

TEST_F(vpcd, when_messages_arrive_split_or_batched_then_each_gets_its_own_answer)
{
    // Two framed messages in one write, then one message a byte at a time.
    bytes batch = fake_driver::frame(bytes{vpcd_responder::ctrl_on});
    append(batch, fake_driver::frame(bytes{vpcd_responder::ctrl_atr}));
    append(batch, fake_driver::frame(bytes{vpcd_responder::ctrl_atr}));
    m_driver.send_raw(batch);
    EXPECT_EQ(m_driver.receive(), euicc_atr());
    EXPECT_EQ(m_driver.receive(), euicc_atr());
    for (const std::uint8_t b : fake_driver::frame(bytes{0x00, 0x70, 0x00, 0x00, 0x01})) {
        m_driver.send_raw(bytes{b});
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(sw(m_driver.receive()), 0x9000u);
}

TEST_F(vpcd, when_the_card_is_reset_then_channels_the_client_left_open_are_closed)
{
    m_driver.send(bytes{vpcd_responder::ctrl_on});
    const int ch = open_isd_r();
    ASSERT_GT(ch, 0);
    m_driver.send(bytes{vpcd_responder::ctrl_reset});
    const bytes after = m_driver.exchange(store_data(static_cast<std::uint8_t>(0x80 | ch), get_eid_request));
    EXPECT_NE(sw(after), 0x9000u) << "channel " << ch << " survived the reset";
    // And the freed channel number can be opened again.
    EXPECT_EQ(open_isd_r(), ch);
}

TEST_F(vpcd, when_the_driver_hangs_up_then_serving_ends_without_error)
{
    m_driver.send(bytes{vpcd_responder::ctrl_on});
    m_driver.hang_up();
    ASSERT_EQ(m_served.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    const auto r = m_served.get();
    EXPECT_TRUE(r) << r.error().message;
}

TEST_F(vpcd, when_stopped_then_serving_ends_promptly)
{
    m_stop = true;
    ASSERT_EQ(m_served.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_TRUE(m_served.get());
}

TEST(vpcd_client, when_no_driver_listens_then_the_error_names_pcscd)
{
    test::temp_dir dir;
    auto card = test::make_card(dir.file("euicc.json"));
    int port = 0;
    {
        fake_driver closed; // take a free port, then free it again
        port = closed.port();
    }
    vpcd_endpoint e;
    e.port = static_cast<std::uint16_t>(port);
    const std::atomic<bool> stop{false};
    const auto r = serve_vpcd(*card, e, stop);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("pcscd"), std::string::npos) << r.error().message;
}
