/// \file
/// \brief HSS/AuC vector generation, USIM AUTHENTICATE and attach over Milenage (TS 33.102 §6.3, TS 35.206).

#include "openrsp/netsim/netsim.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/milenage.h"

#include <algorithm>
#include <utility>

namespace openrsp::netsim {
namespace {

constexpr sqn_t sqn_max = (sqn_t{1} << 48) - 1;

bytes sqn_bytes(sqn_t sqn)
{
    bytes out(6);
    for (int i = 5; i >= 0; --i, sqn >>= 8) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sqn);
    return out;
}

sqn_t sqn_value(byte_view b)
{
    sqn_t v = 0;
    for (const auto x : b) v = (v << 8) | x;
    return v;
}

/// Compares without an early exit, so the time taken does not reveal how many MAC bytes matched.
bool same_bytes(byte_view a, byte_view b)
{
    if (a.size() != b.size()) return false;
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
    return diff == 0;
}

} // namespace

hss::hss() : hss([] { return crypto::random_bytes(16); }, bytes{0x80, 0x00}) {}

hss::hss(rand_source rand, bytes amf) : m_rand(std::move(rand)), m_amf(std::move(amf)) {}

result<void> hss::add_subscriber(const std::string& imsi, bytes ki, bytes opc, sqn_t sqn)
{
    if (imsi.empty()) return fail("a subscriber needs an IMSI");
    if (ki.size() != 16 || opc.size() != 16) return fail("subscriber " + imsi + " needs a 16-byte Ki and OPc");
    if (sqn > sqn_max) return fail("subscriber " + imsi + " has an SQN above 48 bits");
    m_subscribers[imsi] = subscriber{std::move(ki), std::move(opc), sqn};
    return ok();
}

result<void> hss::set_next_sqn(const std::string& imsi, sqn_t sqn)
{
    const auto it = m_subscribers.find(imsi);
    if (it == m_subscribers.end()) return fail("IMSI " + imsi + " is not known to the HSS");
    if (sqn > sqn_max) return fail("SQN above 48 bits for IMSI " + imsi);
    it->second.next_sqn = sqn;
    return ok();
}

result<auth_vector> hss::generate(const std::string& imsi)
{
    const auto it = m_subscribers.find(imsi);
    if (it == m_subscribers.end()) return fail("IMSI " + imsi + " is not known to the HSS");
    auto& sub = it->second;
    if (m_amf.size() != 2) return fail("the HSS AMF must be 2 bytes");

    auth_vector av;
    av.rand = m_rand();
    if (av.rand.size() != 16) return fail("the HSS RAND source did not give 16 bytes");
    av.sqn = sub.next_sqn;
    const bytes sqn = sqn_bytes(av.sqn);
    auto m = crypto::milenage(sub.ki, sub.opc, av.rand, sqn, m_amf);
    if (!m) return fail("Milenage failed for IMSI " + imsi + ": " + m.error().message);

    // AUTN = SQN xor AK || AMF || MAC-A (TS 33.102 §6.3.2).
    av.autn.resize(16);
    for (std::size_t i = 0; i < 6; ++i) av.autn[i] = static_cast<std::uint8_t>(sqn[i] ^ m->ak[i]);
    std::copy(m_amf.begin(), m_amf.end(), av.autn.begin() + 6);
    std::copy(m->mac_a.begin(), m->mac_a.end(), av.autn.begin() + 8);
    av.xres.assign(m->res.begin(), m->res.end());
    av.ck.assign(m->ck.begin(), m->ck.end());
    av.ik.assign(m->ik.begin(), m->ik.end());
    sub.next_sqn = (sub.next_sqn + 1) & sqn_max;
    return av;
}

result<bytes> usim_authenticate(byte_view ki, byte_view opc, byte_view rand, byte_view autn, sqn_t& sqn_last)
{
    if (ki.size() != 16 || opc.size() != 16) return fail("the card needs a 16-byte Ki and OPc");
    if (rand.size() != 16 || autn.size() != 16) return fail("AUTHENTICATE needs a 16-byte RAND and a 16-byte AUTN");

    // AK depends on RAND only (f5), so a first pass with any SQN/AMF unmasks the SQN.
    const bytes zeros(6, 0), amf(autn.begin() + 6, autn.begin() + 8);
    auto first = crypto::milenage(ki, opc, rand, zeros, amf);
    if (!first) return fail("Milenage failed on the card: " + first.error().message);
    bytes sqn(6);
    for (std::size_t i = 0; i < 6; ++i) sqn[i] = static_cast<std::uint8_t>(autn[i] ^ first->ak[i]);

    auto m = crypto::milenage(ki, opc, rand, sqn, amf);
    if (!m) return fail("Milenage failed on the card: " + m.error().message);
    if (!same_bytes(m->mac_a, autn.subspan(8, 8)))
        return fail("MAC failure: the network's AUTN did not verify with the profile's key");

    // TS 33.102 §6.3.3: the MAC is checked first; an SQN not newer than the last accepted one is a replay.
    const sqn_t received = sqn_value(sqn);
    if (received <= sqn_last)
        return fail("synchronisation failure: the AUTN carries SQN " + std::to_string(received) +
                    ", not newer than the last accepted SQN " + std::to_string(sqn_last) + " (replayed or stale)");
    sqn_last = received;
    return bytes(m->res.begin(), m->res.end());
}

result<void> attach(hss& network, const std::string& imsi, const card_fn& card)
{
    auto av = network.generate(imsi);
    if (!av) return fail("attach of IMSI " + imsi + " failed: " + av.error().message);
    auto res = card(av->rand, av->autn);
    if (!res) return fail("attach of IMSI " + imsi + " failed: the card refused the challenge: " + res.error().message);
    if (!same_bytes(*res, av->xres))
        return fail("attach of IMSI " + imsi + " failed: authentication failure, the card's RES " + to_hex(*res) +
                    " does not match the network's XRES");
    return ok();
}

} // namespace openrsp::netsim
