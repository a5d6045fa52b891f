/// \file
/// \brief lpac stdio APDU driver protocol (facts §4.5): one JSON request line in, one JSON reply line out.

#include "openrsp/euicc/lpac_stdio.h"

#include <nlohmann/json.hpp>

#include <bit>

namespace openrsp::euicc {

namespace {

/// lpac only checks for a negative ecode; -1 is what its own drivers return.
constexpr int ecode_failure = -1;

/// Written in the key order lpac's schema and its examples use, so traces read the same both ways.
std::string reply(int ecode)
{
    const nlohmann::ordered_json j{{"type", "apdu"}, {"payload", {{"ecode", ecode}}}};
    return j.dump();
}

std::string reply(int ecode, std::string data_hex)
{
    const nlohmann::ordered_json j{{"type", "apdu"}, {"payload", {{"ecode", ecode}, {"data", std::move(data_hex)}}}};
    return j.dump();
}

/// `param` is a hex string, or null / absent for calls without one (connect, disconnect).
std::optional<bytes> param_bytes(const nlohmann::json& payload)
{
    const auto it = payload.find("param");
    if (it == payload.end() || it->is_null()) return bytes{};
    if (!it->is_string()) return std::nullopt;
    return from_hex(it->get_ref<const std::string&>());
}

/// obj[key] is a string equal to want (json::value() would throw on a non-string).
bool string_equals(const nlohmann::json& obj, const char* key, std::string_view want)
{
    const auto it = obj.find(key);
    return it != obj.end() && it->is_string() && it->get_ref<const std::string&>() == want;
}

} // namespace

std::optional<std::string> lpac_stdio_responder::handle_line(std::string_view line)
{
    // lpac's own output is JSON too ({"type":"lpa"|"progress",...}), and a user may mix in anything; only a
    // well-formed APDU request is ours, everything else goes back to the caller untouched.
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    if (!string_equals(j, "type", "apdu")) return std::nullopt;
    const auto payload = j.find("payload");
    if (payload == j.end() || !payload->is_object()) return std::nullopt;
    const auto func_it = payload->find("func");
    if (func_it == payload->end() || !func_it->is_string()) return std::nullopt;
    const std::string& func = func_it->get_ref<const std::string&>();

    // From here on lpac is blocked reading our reply, so every path must answer, even for nonsense.
    const auto param = param_bytes(*payload);
    if (!param) return reply(ecode_failure);

    if (func == "connect") return reply(m_card.connect() ? 0 : ecode_failure);
    if (func == "disconnect") {
        close_all();
        m_card.disconnect();
        return reply(0);
    }
    if (func == "logic_channel_open") {
        if (param->empty()) return reply(ecode_failure);
        const auto ch = m_card.open_logical_channel(*param);
        if (!ch || *ch < 0 || *ch >= 32) return reply(ecode_failure);
        m_channel_mask |= std::uint32_t{1} << *ch;
        return reply(*ch);
    }
    if (func == "logic_channel_close") {
        // lpac sends the channel as one byte.
        if (param->size() != 1) return reply(ecode_failure);
        const int ch = (*param)[0];
        m_card.close_logical_channel(ch);
        if (ch < 32) m_channel_mask &= ~(std::uint32_t{1} << ch);
        return reply(0);
    }
    if (func == "transmit") {
        if (param->size() < 4) return reply(ecode_failure);
        const auto r = m_card.transmit(*param);
        if (!r) return reply(ecode_failure);
        return reply(0, to_hex(*r, true));
    }
    return reply(ecode_failure);
}

bool lpac_stdio_responder::is_user_prompt(std::string_view line)
{
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !string_equals(j, "type", "progress")) return false;
    const auto payload = j.find("payload");
    return payload != j.end() && payload->is_object() && string_equals(*payload, "message", "preview");
}

int lpac_stdio_responder::open_channels() const
{
    return std::popcount(m_channel_mask);
}

void lpac_stdio_responder::close_all()
{
    for (int ch = 0; ch < 32; ++ch)
        if ((m_channel_mask & (std::uint32_t{1} << ch)) != 0) m_card.close_logical_channel(ch);
    m_channel_mask = 0;
}

} // namespace openrsp::euicc
