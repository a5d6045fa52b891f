#pragma once
/// \file
/// \brief A tiny home network for end-to-end checks: an HSS/AuC that makes EPS-AKA vectors with Milenage,
/// the USIM side of AUTHENTICATE, and an attach that compares RES with XRES (3GPP TS 33.102 §6.3, TS 35.206).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace openrsp::netsim {

/// SQN is 48 bits (TS 33.102 §6.3.2); kept in an integer, sent big-endian.
using sqn_t = std::uint64_t;

/// \brief One authentication vector (TS 33.102 §6.3.2): RAND, AUTN = SQN^AK || AMF || MAC-A, XRES, CK, IK.
struct auth_vector {
    bytes rand;
    bytes autn;
    bytes xres;
    bytes ck;
    bytes ik;
    sqn_t sqn = 0; ///< the SQN this vector carries (for logs and tests)
};

/// \brief The HSS/AuC: subscribers by IMSI with Ki, OPc and the next SQN to hand out.
class hss {
public:
    /// Supplies the 16-byte RAND of each vector; tests fix it to reproduce known answers.
    using rand_source = std::function<bytes()>;

    /// RAND from the OpenSSL DRBG, AMF 8000 (the "separation bit" set, as TS 33.401 requires for E-UTRAN).
    hss();
    /// Test hook: fixed or scripted RAND, and a chosen AMF (e.g. b9b9 for TS 35.208 test set 1).
    hss(rand_source rand, bytes amf);

    /// Adds or replaces a subscriber; sqn is the SQN the next vector will carry. Fails on bad lengths.
    result<void> add_subscriber(const std::string& imsi, bytes ki, bytes opc, sqn_t sqn = 1);
    /// Makes a vector for the IMSI and advances its SQN by one.
    result<auth_vector> generate(const std::string& imsi);
    /// Test hook: the SQN the next vector will carry; fails for an unknown IMSI.
    result<void> set_next_sqn(const std::string& imsi, sqn_t sqn);

private:
    struct subscriber {
        bytes ki;
        bytes opc;
        sqn_t next_sqn = 1;
    };
    std::map<std::string, subscriber> m_subscribers;
    rand_source m_rand;
    bytes m_amf;
};

/// \brief The USIM's AUTHENTICATE (TS 33.102 §6.3.3): recovers SQN with AK, checks MAC-A, then that SQN is newer
/// than sqn_last (which it updates), and returns RES. A stale SQN is reported as a synchronisation failure.
result<bytes> usim_authenticate(byte_view ki, byte_view opc, byte_view rand, byte_view autn, sqn_t& sqn_last);

/// \brief The card as the network sees it: RAND and AUTN in, RES out (or the card's refusal).
using card_fn = std::function<result<bytes>(byte_view rand, byte_view autn)>;

/// \brief Runs one AKA for the IMSI: vector from the HSS, challenge to the card, RES compared with XRES.
result<void> attach(hss& network, const std::string& imsi, const card_fn& card);

} // namespace openrsp::netsim
