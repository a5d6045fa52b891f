#include "openrsp/rsp/activation_code.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace openrsp::rsp {

namespace {

std::vector<std::string_view> split_dollar(std::string_view s)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto pos = s.find('$', start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

bool is_label_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; }

bool is_valid_oid(std::string_view s)
{
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    std::size_t arcs = 1;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i - 1] == '.') return false;
            ++arcs;
        } else if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
            return false;
        }
    }
    return arcs >= 2;
}

} // namespace

std::string_view address_host(std::string_view address)
{
    const auto colon = address.rfind(':');
    return colon == std::string_view::npos ? address : address.substr(0, colon);
}

bool is_valid_smdp_address(std::string_view address)
{
    if (address.empty() || address.size() > 253 + 6) return false;
    std::string_view host = address;
    if (const auto colon = address.rfind(':'); colon != std::string_view::npos) {
        const auto port = address.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            return false;
        if (std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) return false;
        host = address.substr(0, colon);
    }
    if (host.empty() || host.size() > 253) return false;
    std::size_t label_len = 0;
    for (std::size_t i = 0; i < host.size(); ++i) {
        const char c = host[i];
        if (c == '.') {
            if (label_len == 0 || host[i - 1] == '-') return false;
            label_len = 0;
            continue;
        }
        if (!is_label_char(c)) return false;
        if (label_len == 0 && c == '-') return false;
        if (++label_len > 63) return false;
    }
    return label_len > 0 && host.back() != '-';
}

bool is_matching_id_char(char c)
{
    return c > ' ' && c < 0x7f && c != '$';
}

result<activation_code> parse_activation_code(std::string_view text)
{
    // Scanners and copy-paste add surrounding whitespace; nothing inside a code is whitespace.
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    if (text.size() >= 4 && std::equal(text.begin(), text.begin() + 4, "LPA:", [](char a, char b) {
            return std::toupper(static_cast<unsigned char>(a)) == b;
        }))
        text.remove_prefix(4);
    if (text.empty()) return fail("the activation code is empty");
    if (text.size() > max_activation_code_length)
        return fail("the activation code is longer than " + std::to_string(max_activation_code_length) + " characters");

    const auto fields = split_dollar(text);
    if (fields[0] != "1") return fail("the activation code does not start with format '1$' (SGP.22 §4.1)");
    if (fields.size() < 3) return fail("the activation code has no matching ID (expected 1$address$matchingId)");
    if (fields.size() > 5) return fail("the activation code has more than five '$'-separated fields");

    activation_code ac;
    if (fields[1].empty()) return fail("the activation code's SM-DP+ address is empty");
    if (!is_valid_smdp_address(fields[1]))
        return fail("the activation code's SM-DP+ address '" + std::string(fields[1]) + "' is not a valid host name");
    ac.smdp_address = std::string(fields[1]);

    if (fields[2].empty()) return fail("the activation code's matching ID is empty");
    for (char c : fields[2]) {
        if (!is_matching_id_char(c))
            return fail("the activation code's matching ID contains '" + std::string(1, c) +
                        "'; only visible characters other than '$' are allowed");
    }
    ac.matching_id = std::string(fields[2]);

    if (fields.size() >= 4 && !fields[3].empty()) {
        if (!is_valid_oid(fields[3]))
            return fail("the activation code's SM-DP+ OID '" + std::string(fields[3]) + "' is not a dotted OID");
        ac.smdp_oid = std::string(fields[3]);
    }
    if (fields.size() == 5 && !fields[4].empty()) {
        if (fields[4] == "1") ac.confirmation_code_required = true;
        else if (fields[4] != "0")
            return fail("the activation code's confirmation-code flag must be 0 or 1, not '" + std::string(fields[4]) +
                        "'");
    }
    return ac;
}

std::string activation_code::to_string(bool with_lpa_prefix) const
{
    std::string s = with_lpa_prefix ? "LPA:1$" : "1$";
    s += smdp_address;
    s += '$';
    s += matching_id;
    if (!smdp_oid.empty() || confirmation_code_required) {
        s += '$';
        s += smdp_oid;
    }
    if (confirmation_code_required) s += "$1";
    return s;
}

} // namespace openrsp::rsp
