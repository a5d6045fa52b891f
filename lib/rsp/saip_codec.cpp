/// \file
/// \brief EF content encodings for SAIP profiles: ICCID, IMSI, SPN (GSM 7-bit / UCS2), APN.

#include "saip_codec.h"

#include <array>

namespace openrsp::rsp::saip {
namespace {

bool all_digits(std::string_view s)
{
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

char nibble_digit(unsigned n)
{
    return static_cast<char>('0' + n);
}

// TS 23.038 §6.2.1 default alphabet, indexed by GSM code, as Unicode code points.
constexpr std::array<char32_t, 128> gsm7_basic = {
    U'@', U'£',  U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å', U'Δ', U'_', U'Φ',
    U'Γ', U'Λ',  U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', 0,    U'Æ', U'æ',  U'ß', U'É', U' ',  U'!', U'"', U'#', U'¤', U'%',
    U'&', U'\'', U'(', U')', U'*', U'+', U',', U'-', U'.', U'/', U'0',  U'1', U'2', U'3',  U'4', U'5', U'6', U'7', U'8',
    U'9', U':',  U';', U'<', U'=', U'>', U'?', U'¡', U'A', U'B', U'C',  U'D', U'E', U'F',  U'G', U'H', U'I', U'J', U'K',
    U'L', U'M',  U'N', U'O', U'P', U'Q', U'R', U'S', U'T', U'U', U'V',  U'W', U'X', U'Y',  U'Z', U'Ä', U'Ö', U'Ñ', U'Ü',
    U'§', U'¿',  U'a', U'b', U'c', U'd', U'e', U'f', U'g', U'h', U'i',  U'j', U'k', U'l',  U'm', U'n', U'o', U'p', U'q',
    U'r', U's',  U't', U'u', U'v', U'w', U'x', U'y', U'z', U'ä', U'ö',  U'ñ', U'ü', U'à',
};

struct gsm7_ext {
    std::uint8_t code;
    char32_t ch;
};
// TS 23.038 §6.2.1.1 extension table (reached through the 0x1B escape).
constexpr std::array<gsm7_ext, 10> gsm7_extension = {{{0x0A, U'\f'},
                                                      {0x14, U'^'},
                                                      {0x28, U'{'},
                                                      {0x29, U'}'},
                                                      {0x2F, U'\\'},
                                                      {0x3C, U'['},
                                                      {0x3D, U'~'},
                                                      {0x3E, U']'},
                                                      {0x40, U'|'},
                                                      {0x65, U'€'}}};

/// Decodes one UTF-8 sequence; nullopt on malformed input.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3F);
    }
    i += len;
    return cp;
}

void put_utf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

result<bytes> bcd10(std::string_view digits, bool swapped)
{
    if (digits.size() > 20 || !all_digits(digits))
        return fail("ICCID \"" + std::string(digits) + "\" must be 1 to 20 decimal digits");
    bytes out(10, 0xFF);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const auto d = static_cast<std::uint8_t>(digits[i] - '0');
        const bool first = i % 2 == 0;
        auto& b = out[i / 2];
        // swapped: first digit in the low nibble (EF.ICCID); plain: first digit in the high nibble (PE header).
        if (first == swapped)
            b = static_cast<std::uint8_t>((b & 0xF0) | d);
        else
            b = static_cast<std::uint8_t>((b & 0x0F) | (d << 4));
    }
    return out;
}

} // namespace

result<bytes> iccid_swapped(std::string_view digits)
{
    return bcd10(digits, true);
}
result<bytes> iccid_plain(std::string_view digits)
{
    return bcd10(digits, false);
}

std::string iccid_plain_digits(byte_view bcd)
{
    std::string out;
    for (const auto b : bcd) {
        for (const unsigned n : {static_cast<unsigned>(b >> 4), static_cast<unsigned>(b & 0x0F)}) {
            if (n > 9) return out;
            out += nibble_digit(n);
        }
    }
    return out;
}

result<bytes> encode_ef_imsi(std::string_view imsi)
{
    if (imsi.size() < 6 || imsi.size() > 15 || !all_digits(imsi))
        return fail("IMSI \"" + std::string(imsi) + "\" must be 6 to 15 digits");
    // TS 31.102 §4.2.2: length byte, then the parity nibble (1001 odd / 0001 even) followed by the digits.
    bytes out(9, 0xFF);
    out[0] = static_cast<std::uint8_t>((imsi.size() + 2) / 2);
    std::vector<std::uint8_t> nibbles{static_cast<std::uint8_t>(imsi.size() % 2 ? 0x9 : 0x1)};
    for (const char c : imsi) nibbles.push_back(static_cast<std::uint8_t>(c - '0'));
    for (std::size_t i = 0; i < nibbles.size(); ++i) {
        auto& b = out[1 + i / 2];
        b = i % 2 == 0 ? static_cast<std::uint8_t>((b & 0xF0) | nibbles[i])
                       : static_cast<std::uint8_t>((b & 0x0F) | (nibbles[i] << 4));
    }
    return out;
}

std::string decode_ef_imsi(byte_view ef)
{
    if (ef.empty() || ef[0] == 0 || ef[0] > 8 || ef.size() < 1u + ef[0]) return {};
    std::string out;
    for (std::size_t i = 1; i <= ef[0]; ++i) {
        const unsigned lo = ef[i] & 0x0F, hi = ef[i] >> 4;
        if (i > 1) {
            if (lo > 9) break;
            out += nibble_digit(lo);
        }
        if (hi > 9) break;
        out += nibble_digit(hi);
    }
    return out;
}

std::optional<bytes> utf8_to_gsm7(std::string_view utf8)
{
    bytes out;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto cp = next_code_point(utf8, i);
        if (!cp) return std::nullopt;
        bool found = false;
        for (std::size_t code = 0; code < gsm7_basic.size() && !found; ++code) {
            if (code != 0x1B && gsm7_basic[code] == *cp) {
                out.push_back(static_cast<std::uint8_t>(code));
                found = true;
            }
        }
        for (std::size_t k = 0; k < gsm7_extension.size() && !found; ++k) {
            if (gsm7_extension[k].ch == *cp) {
                out.push_back(0x1B);
                out.push_back(gsm7_extension[k].code);
                found = true;
            }
        }
        if (!found) return std::nullopt;
    }
    return out;
}

bytes encode_spn_name(std::string_view utf8, std::size_t max_bytes)
{
    if (auto gsm = utf8_to_gsm7(utf8)) {
        if (gsm->size() > max_bytes) {
            gsm->resize(max_bytes);
            // Do not leave a dangling escape: find whether the last byte starts an escape pair.
            std::size_t i = 0;
            while (i < gsm->size()) i += (*gsm)[i] == 0x1B ? 2 : 1;
            if (i > gsm->size()) gsm->pop_back();
        }
        return std::move(*gsm);
    }
    bytes out{0x80};
    for (std::size_t i = 0; i < utf8.size();) {
        auto cp = next_code_point(utf8, i);
        if (!cp) break;
        if (*cp > 0xFFFF) cp = U'?'; // UCS2 has no surrogates here
        if (out.size() + 2 > max_bytes) break;
        out.push_back(static_cast<std::uint8_t>(*cp >> 8));
        out.push_back(static_cast<std::uint8_t>(*cp));
    }
    return out;
}

std::string spn_name_to_utf8(byte_view name)
{
    std::string out;
    if (!name.empty() && name[0] == 0x80) {
        // UCS2 big-endian; FFFF marks the unused tail.
        for (std::size_t i = 1; i + 1 < name.size(); i += 2) {
            const char32_t cp = static_cast<char32_t>((name[i] << 8) | name[i + 1]);
            if (cp == 0xFFFF) break;
            put_utf8(out, cp);
        }
        return out;
    }
    for (std::size_t i = 0; i < name.size() && name[i] != 0xFF; ++i) {
        const std::uint8_t c = name[i] & 0x7F;
        if (c == 0x1B && i + 1 < name.size()) {
            const std::uint8_t e = name[++i] & 0x7F;
            char32_t cp = U' ';
            for (const auto& x : gsm7_extension)
                if (x.code == e) cp = x.ch;
            put_utf8(out, cp);
            continue;
        }
        put_utf8(out, gsm7_basic[c]);
    }
    return out;
}

result<bytes> encode_apn(std::string_view apn)
{
    // TS 23.003 §9.1: each label as length + characters; labels are [A-Za-z0-9-], the whole at most 100 octets.
    bytes out;
    std::size_t start = 0;
    while (start <= apn.size()) {
        const auto dot = apn.find('.', start);
        const auto label = apn.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63)
            return fail("APN \"" + std::string(apn) + "\" has an empty or over-long label");
        for (const char c : label) {
            const bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!okc) return fail("APN \"" + std::string(apn) + "\" may only contain letters, digits, '-' and '.'");
        }
        out.push_back(static_cast<std::uint8_t>(label.size()));
        append(out, as_bytes(label));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (out.size() > 100) return fail("APN \"" + std::string(apn) + "\" is longer than 100 octets once encoded");
    return out;
}

std::string decode_apn(byte_view labels)
{
    std::string out;
    std::size_t i = 0;
    while (i < labels.size()) {
        const std::size_t n = labels[i++];
        if (n == 0 || i + n > labels.size()) break;
        if (!out.empty()) out += '.';
        out.append(reinterpret_cast<const char*>(labels.data() + i), n);
        i += n;
    }
    return out;
}

} // namespace openrsp::rsp::saip
