#pragma once
/// \file
/// \brief Byte buffers and the text encodings used at the edges (hex for tests/CLI, base64 for ES9+ JSON).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

inline byte_view as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
inline std::string to_string(byte_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline void append(bytes& out, byte_view b) { out.insert(out.end(), b.begin(), b.end()); }
inline bytes concat(std::initializer_list<byte_view> parts)
{
    bytes out;
    for (auto p : parts) append(out, p);
    return out;
}

/// \brief Upper-case hex. Not for hot paths.
std::string to_hex(byte_view b, bool upper = false);
/// \brief Decodes hex (either case, no separators); nullopt on odd length or a non-hex character.
std::optional<bytes> from_hex(std::string_view hex);
/// \brief Decodes hex known to be valid (test vectors, constants); aborts otherwise.
bytes hex(std::string_view h);

/// \brief RFC 4648 base64 with padding, no line breaks.
std::string base64_encode(byte_view b);
/// \brief Appends the base64 of `b` to `out` (JSON writers build a whole message in one buffer).
void base64_append(std::string& out, byte_view b);
/// \brief Decodes RFC 4648 base64; whitespace is ignored (as lpac does); nullopt on bad input.
std::optional<bytes> base64_decode(std::string_view text);

/// \brief Overwrites a secret buffer in a way the optimizer keeps.
void secure_wipe(bytes& b);

/// \brief Order of byte strings for ordered containers: shorter first, then byte by byte (for equal lengths the
/// same as numeric order of unsigned big-endian values, e.g. certificate serials). Used instead of std::less<bytes>,
/// whose lexicographical_compare_three_way GCC 12 at -O3 mistakes for an unbounded memcmp (-Wstringop-overread).
struct bytes_order {
    bool operator()(const bytes& a, const bytes& b) const
    {
        if (a.size() != b.size()) return a.size() < b.size();
        for (std::size_t i = 0; i < a.size(); ++i)
            if (a[i] != b[i]) return a[i] < b[i];
        return false;
    }
};

} // namespace openrsp
