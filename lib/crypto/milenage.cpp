#include "openrsp/crypto/milenage.h"

#include "openrsp/crypto/symmetric.h"

#include <openssl/crypto.h>

#include <algorithm>

namespace openrsp::crypto {

namespace {

/// Cyclic left rotation of a 128-bit block by a whole number of bytes (all TS 35.206 r values are).
block16 rotate_bytes(const block16& in, unsigned bits)
{
    const std::size_t shift = (bits / 8) % 16;
    block16 out{};
    for (std::size_t i = 0; i < 16; ++i) out[i] = in[(i + shift) % 16];
    return out;
}

block16 xor16(const block16& a, const block16& b)
{
    block16 out{};
    for (std::size_t i = 0; i < 16; ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
    return out;
}

block16 to_block(byte_view v)
{
    block16 out{};
    std::copy(v.begin(), v.end(), out.begin());
    return out;
}

/// OUTi = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc, for i = 2..5.
result<block16> out_n(byte_view k, const block16& temp, const block16& opc, unsigned r, std::uint8_t c)
{
    block16 in = rotate_bytes(xor16(temp, opc), r);
    in[15] ^= c;
    auto e = aes128_encrypt_block(k, in);
    if (!e) return e;
    return xor16(*e, opc);
}

} // namespace

result<bytes> milenage_opc(byte_view k, byte_view op)
{
    if (k.size() != 16 || op.size() != 16) return fail("Milenage needs a 16-byte K and a 16-byte OP.");
    auto e = aes128_encrypt_block(k, op);
    if (!e) return e.take_error();
    const block16 opc = xor16(*e, to_block(op));
    return bytes(opc.begin(), opc.end());
}

result<milenage_output> milenage(byte_view k, byte_view opc_in, byte_view rand, byte_view sqn, byte_view amf)
{
    if (k.size() != 16 || opc_in.size() != 16 || rand.size() != 16 || sqn.size() != 6 || amf.size() != 2)
        return fail("Milenage needs K, OPc and RAND of 16 bytes, SQN of 6 bytes and AMF of 2 bytes.");

    const block16 opc = to_block(opc_in);
    auto temp = aes128_encrypt_block(k, xor16(to_block(rand), opc));
    if (!temp) return temp.take_error();

    // f1/f1*: OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, with r1 = 64 and c1 = 0.
    block16 in1{};
    for (std::size_t i = 0; i < 2; ++i) {
        std::copy(sqn.begin(), sqn.end(), in1.begin() + static_cast<std::ptrdiff_t>(8 * i));
        std::copy(amf.begin(), amf.end(), in1.begin() + static_cast<std::ptrdiff_t>(8 * i + 6));
    }
    auto e1 = aes128_encrypt_block(k, xor16(*temp, rotate_bytes(xor16(in1, opc), 64)));
    if (!e1) return e1.take_error();
    const block16 out1 = xor16(*e1, opc);

    auto out2 = out_n(k, *temp, opc, 0, 1);
    auto out3 = out_n(k, *temp, opc, 32, 2);
    auto out4 = out_n(k, *temp, opc, 64, 4);
    auto out5 = out_n(k, *temp, opc, 96, 8);
    if (!out2 || !out3 || !out4 || !out5) return fail("Milenage: AES failed.");

    milenage_output r{};
    std::copy_n(out1.begin(), 8, r.mac_a.begin());
    std::copy_n(out1.begin() + 8, 8, r.mac_s.begin());
    std::copy_n(out2->begin() + 8, 8, r.res.begin());
    std::copy_n(out2->begin(), 6, r.ak.begin());
    r.ck = *out3;
    r.ik = *out4;
    std::copy_n(out5->begin(), 6, r.ak_s.begin());
    OPENSSL_cleanse(temp->data(), temp->size());
    return r;
}

} // namespace openrsp::crypto
