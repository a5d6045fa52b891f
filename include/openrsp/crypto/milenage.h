#pragma once
/// \file
/// \brief Milenage (3GPP TS 35.206) built on AES-128 from OpenSSL.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <array>

namespace openrsp::crypto {

struct milenage_output {
    std::array<std::uint8_t, 8> mac_a;  ///< f1
    std::array<std::uint8_t, 8> mac_s;  ///< f1*
    std::array<std::uint8_t, 8> res;    ///< f2
    std::array<std::uint8_t, 16> ck;    ///< f3
    std::array<std::uint8_t, 16> ik;    ///< f4
    std::array<std::uint8_t, 6> ak;     ///< f5
    std::array<std::uint8_t, 6> ak_s;   ///< f5*
};

/// OPc = OP xor E_K(OP).
result<bytes> milenage_opc(byte_view k, byte_view op);
/// All Milenage functions with the standard constants (r1..r5 = 64,0,32,64,96; c1..c5 = 0,1,2,4,8).
result<milenage_output> milenage(byte_view k, byte_view opc, byte_view rand, byte_view sqn, byte_view amf);

} // namespace openrsp::crypto
