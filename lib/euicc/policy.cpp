/// \file
/// \brief Card policy: capacity (SGP.22 §5.7.6 insufficientMemory), the Rules Authorisation Table and its
/// check of Profile Policy Rules at installation (SGP.22 §2.9.2, pprNotAllowed), ES10b.GetRAT, and their place
/// in the eUICC file.

#include "euicc_impl.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace openrsp::euicc {

std::vector<rat_rule> default_rat()
{
    return {rat_rule{}};
}

namespace detail {

namespace {

using json = nlohmann::json;

/// profilePolicyRules / pprIds bits (SGP.22 §2.9.1, rsp.asn PprIds).
constexpr unsigned ppr1_bit = 1;
constexpr unsigned ppr2_bit = 2;

/// True if a RAT pattern octet string (nibble 'E' = any digit) matches a Profile Owner value.
bool nibbles_match(byte_view pattern, byte_view value)
{
    if (pattern.size() != value.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        for (const unsigned shift : {0u, 4u}) {
            const unsigned p = (pattern[i] >> shift) & 0x0F;
            if (p != 0x0E && p != ((value[i] >> shift) & 0x0FU)) return false;
        }
    }
    return true;
}

bool operator_matches(const operator_id& rule, const rsp::operator_id& owner)
{
    if (!nibbles_match(rule.mcc_mnc, owner.mcc_mnc)) return false;
    // A gid the rule names must be present and equal in the owner; a gid the rule leaves out matches anything.
    const auto gid_ok = [](const bytes& want, const std::optional<bytes>& got) {
        return want.empty() || (got && want == *got);
    };
    return gid_ok(rule.gid1, owner.gid1) && gid_ok(rule.gid2, owner.gid2);
}

bytes hex_or_throw(const json& j, const char* key)
{
    if (!j.contains(key)) return {};
    auto b = from_hex(j.at(key).get<std::string>());
    if (!b) throw std::runtime_error(std::string("field \"") + key + "\" is not hex");
    return *b;
}

} // namespace

std::size_t used_memory(const card_state& s)
{
    std::size_t used = 0;
    for (const auto& p : s.profiles)
        used += p.upp.size() + per_profile_overhead;
    return used;
}

std::size_t free_memory(const card_state& s)
{
    const std::size_t used = used_memory(s);
    return used >= s.limits.memory_bytes ? 0 : s.limits.memory_bytes - used;
}

bool ppr_allowed(const std::vector<rat_rule>& rat, byte_view ppr, byte_view owner_tlv_value)
{
    const bool wants_ppr1 = !ppr.empty() && der::bit_is_set(ppr, ppr1_bit);
    const bool wants_ppr2 = !ppr.empty() && der::bit_is_set(ppr, ppr2_bit);
    if (!wants_ppr1 && !wants_ppr2) return true; // pprUpdateControl alone needs no authorisation
    // SGP.22 §2.9.2.2: a PPR is only allowed for the Profile Owner a rule names, so no owner means no PPR.
    if (owner_tlv_value.empty()) return false;
    const auto owner_decoded = rsp::operator_id::decode_contents(owner_tlv_value);
    if (!owner_decoded) return false; // no Profile Owner a rule could name
    const rsp::operator_id& owner = *owner_decoded;
    const auto owner_listed = [&](const rat_rule& r) {
        return std::ranges::any_of(r.allowed_operators,
                                   [&](const operator_id& o) { return operator_matches(o, owner); });
    };
    // Each PPR the profile sets must be authorised by a rule naming its owner (one rule may cover both).
    const bool ppr1_ok =
        !wants_ppr1 || std::ranges::any_of(rat, [&](const rat_rule& r) { return r.ppr1 && owner_listed(r); });
    const bool ppr2_ok =
        !wants_ppr2 || std::ranges::any_of(rat, [&](const rat_rule& r) { return r.ppr2 && owner_listed(r); });
    return ppr1_ok && ppr2_ok;
}

std::optional<bytes> forbidden_pprs(const std::vector<rat_rule>& rat)
{
    const bool ppr1 = std::ranges::none_of(rat, [](const rat_rule& r) { return r.ppr1; });
    const bool ppr2 = std::ranges::none_of(rat, [](const rat_rule& r) { return r.ppr2; });
    if (ppr1 && ppr2) return named_bits({ppr1_bit, ppr2_bit});
    if (ppr1) return named_bits({ppr1_bit});
    if (ppr2) return named_bits({ppr2_bit});
    return std::nullopt;
}

bytes encode_rat_response(const std::vector<rat_rule>& rat)
{
    rsp::get_rat_response out;
    for (const auto& r : rat) {
        rsp::profile_policy_authorisation_rule rule;
        if (r.ppr1 && r.ppr2)
            rule.ppr_ids = named_bits({ppr1_bit, ppr2_bit});
        else if (r.ppr1)
            rule.ppr_ids = named_bits({ppr1_bit});
        else if (r.ppr2)
            rule.ppr_ids = named_bits({ppr2_bit});
        else
            rule.ppr_ids = named_bits({});
        for (const auto& o : r.allowed_operators) {
            rsp::operator_id op{o.mcc_mnc, std::nullopt, std::nullopt};
            if (!o.gid1.empty()) op.gid1 = o.gid1;
            if (!o.gid2.empty()) op.gid2 = o.gid2;
            rule.allowed_operators.push_back(std::move(op));
        }
        rule.ppr_flags = r.consent_required ? named_bits({0}) : named_bits({}); // consentRequired(0)
        out.rat.push_back(std::move(rule));
    }
    return out.encode();
}

bytes named_bits(std::initializer_list<unsigned> bits)
{
    // DER BIT STRING of a named-bit list: trailing zero bits dropped, the unused-bits count first.
    if (bits.size() == 0) return bytes{0x00};
    const unsigned highest = std::max(bits);
    bytes out(1 + highest / 8 + 1, 0x00);
    for (const unsigned b : bits) out[1 + b / 8] |= static_cast<std::uint8_t>(0x80U >> (b % 8));
    out[0] = static_cast<std::uint8_t>(7 - highest % 8);
    return out;
}

void policy_to_json(const card_state& s, json& j)
{
    j["max_profiles"] = s.limits.max_profiles;
    j["memory_bytes"] = s.limits.memory_bytes;
    j["test_profiles_supported"] = s.limits.test_profiles_supported;
    json rules = json::array();
    for (const auto& r : s.rat) {
        json e;
        e["ppr1"] = r.ppr1;
        e["ppr2"] = r.ppr2;
        e["consent_required"] = r.consent_required;
        json ops = json::array();
        for (const auto& o : r.allowed_operators) {
            json oj;
            oj["mcc_mnc"] = to_hex(o.mcc_mnc);
            if (!o.gid1.empty()) oj["gid1"] = to_hex(o.gid1);
            if (!o.gid2.empty()) oj["gid2"] = to_hex(o.gid2);
            ops.push_back(std::move(oj));
        }
        e["allowed_operators"] = std::move(ops);
        rules.push_back(std::move(e));
    }
    j["rules_authorisation_table"] = std::move(rules);
}

void policy_from_json(const json& j, card_state& s)
{
    const card_limits defaults;
    s.limits.max_profiles = j.value("max_profiles", defaults.max_profiles);
    s.limits.memory_bytes = j.value("memory_bytes", defaults.memory_bytes);
    s.limits.test_profiles_supported = j.value("test_profiles_supported", defaults.test_profiles_supported);
    if (!j.contains("rules_authorisation_table")) {
        s.rat = default_rat();
        return;
    }
    s.rat.clear();
    for (const auto& e : j.at("rules_authorisation_table")) {
        rat_rule r;
        r.ppr1 = e.value("ppr1", false);
        r.ppr2 = e.value("ppr2", false);
        r.consent_required = e.value("consent_required", false);
        r.allowed_operators.clear();
        for (const auto& oj : e.at("allowed_operators")) {
            operator_id o;
            o.mcc_mnc = hex_or_throw(oj, "mcc_mnc");
            if (o.mcc_mnc.size() != 3) throw std::runtime_error("a RAT mcc_mnc is not 3 octets");
            o.gid1 = hex_or_throw(oj, "gid1");
            o.gid2 = hex_or_throw(oj, "gid2");
            r.allowed_operators.push_back(std::move(o));
        }
        s.rat.push_back(std::move(r));
    }
}

} // namespace detail
} // namespace openrsp::euicc
