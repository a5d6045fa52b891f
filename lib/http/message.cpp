#include "openrsp/http/message.h"

#include <algorithm>
#include <cctype>

namespace openrsp::http {

std::string_view find_header(const std::vector<header_field>& headers, std::string_view name)
{
    auto same = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
               });
    };
    for (const auto& field : headers)
        if (same(field.name, name)) return field.value;
    return {};
}

} // namespace openrsp::http
