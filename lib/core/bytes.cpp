#include "openrsp/core/bytes.h"

#include <openssl/crypto.h>

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

std::string base64_encode(byte_view b)
{
    std::string out;
    out.reserve((b.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= b.size(); i += 3) {
        const std::uint32_t v = std::uint32_t{b[i]} << 16 | std::uint32_t{b[i + 1]} << 8 | b[i + 2];
        out += b64_alphabet[v >> 18 & 63];
        out += b64_alphabet[v >> 12 & 63];
        out += b64_alphabet[v >> 6 & 63];
        out += b64_alphabet[v & 63];
    }
    const std::size_t rest = b.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{b[i]} << 16;
        if (rest == 2) v |= std::uint32_t{b[i + 1]} << 8;
        out += b64_alphabet[v >> 18 & 63];
        out += b64_alphabet[v >> 12 & 63];
        out += rest == 2 ? b64_alphabet[v >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<bytes> base64_decode(std::string_view text)
{
    bytes out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t padding = 0;
    std::size_t symbols = 0;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            ++padding;
            ++symbols;
            continue;
        }
        if (padding > 0) return std::nullopt; // data after padding
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else return std::nullopt;
        ++symbols;
        acc = acc << 6 | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits & 0xFF));
        }
    }
    if (symbols % 4 != 0 || padding > 2) return std::nullopt;
    return out;
}

void secure_wipe(bytes& b)
{
    if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

} // namespace openrsp
