#include "openrsp/core/bytes.h"

#include <openssl/crypto.h>

#include <array>
#include <cstdlib>

namespace openrsp {

namespace {
int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
} // namespace

std::string to_hex(byte_view b, bool upper)
{
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    out.resize(b.size() * 2);
    for (std::size_t i = 0; i < b.size(); ++i) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0x0F];
    }
    return out;
}

std::optional<bytes> from_hex(std::string_view h)
{
    if (h.size() % 2 != 0) return std::nullopt;
    bytes out(h.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(h[2 * i]);
        const int lo = nibble(h[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

bytes hex(std::string_view h)
{
    auto r = from_hex(h);
    if (!r) std::abort();
    return *r;
}

void base64_append(std::string& out, byte_view b)
{
    const std::size_t at = out.size();
    out.resize(at + (b.size() + 2) / 3 * 4);
    char* o = out.data() + at;
    std::size_t i = 0;
    for (; i + 3 <= b.size(); i += 3) {
        const std::uint32_t v = std::uint32_t{b[i]} << 16 | std::uint32_t{b[i + 1]} << 8 | b[i + 2];
        *o++ = b64_alphabet[v >> 18 & 63];
        *o++ = b64_alphabet[v >> 12 & 63];
        *o++ = b64_alphabet[v >> 6 & 63];
        *o++ = b64_alphabet[v & 63];
    }
    const std::size_t rest = b.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{b[i]} << 16;
        if (rest == 2) v |= std::uint32_t{b[i + 1]} << 8;
        *o++ = b64_alphabet[v >> 18 & 63];
        *o++ = b64_alphabet[v >> 12 & 63];
        *o++ = rest == 2 ? b64_alphabet[v >> 6 & 63] : '=';
        *o++ = '=';
    }
}

std::string base64_encode(byte_view b)
{
    std::string out;
    base64_append(out, b);
    return out;
}

namespace {

/// Sextet of each base64 symbol; 64 marks whitespace (skipped), 65 padding, 255 anything else.
constexpr std::array<std::uint8_t, 256> b64_decode_table = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(255);
    for (std::uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(b64_alphabet[i])] = i;
    for (char ws : {' ', '\n', '\r', '\t'}) t[static_cast<unsigned char>(ws)] = 64;
    t['='] = 65;
    return t;
}();

} // namespace

std::optional<bytes> base64_decode(std::string_view text)
{
    bytes out(text.size() / 4 * 3 + 3);
    std::uint8_t* o = out.data();
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t padding = 0;
    std::size_t symbols = 0;
    for (char c : text) {
        const std::uint8_t v = b64_decode_table[static_cast<unsigned char>(c)];
        if (v < 64) {
            if (padding > 0) return std::nullopt; // data after padding
            ++symbols;
            acc = acc << 6 | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                *o++ = static_cast<std::uint8_t>(acc >> bits & 0xFF);
            }
        } else if (v == 65) {
            ++padding;
            ++symbols;
        } else if (v != 64) {
            return std::nullopt;
        }
    }
    if (symbols % 4 != 0 || padding > 2) return std::nullopt;
    out.resize(static_cast<std::size_t>(o - out.data()));
    return out;
}

void secure_wipe(bytes& b)
{
    if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

} // namespace openrsp
