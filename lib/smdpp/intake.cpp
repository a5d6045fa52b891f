// Operator intake: a profile description becomes a Released profile with an activation code.
#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/notification_metadata.h"
#include "openrsp/smdpp/import.h"
#include "openrsp/smdpp/smdpp.h"

#include <nlohmann/json.hpp>

namespace openrsp::smdpp {

namespace {

/// StoreMetadataRequest (BF25, SGP.22 §5.5.3): the eUICC is asked to notify us of enable/disable/delete too.
bytes build_metadata(const rsp::profile_description& d, const std::string& smdp_address)
{
    rsp::store_metadata_request m;
    m.iccid = *rsp::iccid_to_bcd(d.iccid); // validated by the caller (rsp::validate)
    m.service_provider_name = d.service_provider_name;
    m.profile_name = d.profile_name;
    m.notification_configuration_info = {
        {rsp::notification_events({rsp::notification_event::install, rsp::notification_event::enable,
                                   rsp::notification_event::disable, rsp::notification_event::del}),
         smdp_address}};
    return m.encode();
}

} // namespace

std::string generate_matching_id()
{
    // Crockford-style alphabet without look-alikes; 16 symbols = 80 bits.
    static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const bytes r = crypto::random_bytes(16);
    std::string out;
    for (std::size_t i = 0; i < r.size(); ++i) {
        if (i > 0 && i % 4 == 0) out += '-';
        out += alphabet[r[i] & 31];
    }
    return out;
}

result<rsp::profile_description> parse_profile_description(std::string_view text)
{
    using json = nlohmann::json;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("the profile description is not a JSON object");
    auto str = [&](const char* key, bool required) -> result<std::string> {
        auto it = j.find(key);
        if (it == j.end()) {
            if (required) return fail(std::string("the profile description lacks \"") + key + "\"");
            return std::string();
        }
        if (!it->is_string()) return fail(std::string("\"") + key + "\" in the profile description must be a string");
        return it->get<std::string>();
    };
    rsp::profile_description d;
    for (auto [key, dst, required] : {std::tuple{"iccid", &d.iccid, true},
                                      {"imsi", &d.imsi, true},
                                      {"spn", &d.service_provider_name, true},
                                      {"profileName", &d.profile_name, true},
                                      {"apn", &d.apn, false}}) {
        auto v = str(key, required);
        if (!v) return v.take_error();
        *dst = std::move(*v);
    }
    for (auto [key, dst] : {std::pair{"ki", &d.ki}, {"opc", &d.opc}}) {
        auto v = str(key, true);
        if (!v) return v.take_error();
        auto b = from_hex(*v);
        if (!b || b->size() != 16)
            return fail(std::string("\"") + key + "\" in the profile description must be 32 hex digits");
        *dst = std::move(*b);
    }
    if (auto it = j.find("mncLength"); it != j.end()) {
        if (!it->is_number_unsigned() || (it->get<unsigned>() != 2 && it->get<unsigned>() != 3))
            return fail("\"mncLength\" in the profile description must be 2 or 3");
        d.mnc_length = it->get<unsigned>();
    }
    auto valid = rsp::validate(d);
    if (!valid) return valid.take_error();
    return d;
}

namespace {

// The package and metadata are built once here, so a download only encrypts them.
result<store::inventory_profile> make_record(const rsp::profile_description& d, const std::string& smdp_address)
{
    OPENRSP_TRY_VOID(rsp::validate(d));
    if (!rsp::is_valid_smdp_address(smdp_address))
        return fail("the SM-DP+ address '" + smdp_address + "' is not a valid host name");
    auto upp = rsp::build_upp(d);
    if (!upp) return upp.take_error();
    store::inventory_profile p;
    p.iccid = d.iccid;
    p.upp = std::move(*upp);
    p.metadata = build_metadata(d, smdp_address);
    nlohmann::json desc{{"iccid", d.iccid},
                        {"imsi", d.imsi},
                        {"ki", to_hex(d.ki)},
                        {"opc", to_hex(d.opc)},
                        {"spn", d.service_provider_name},
                        {"profileName", d.profile_name},
                        {"apn", d.apn},
                        {"mncLength", d.mnc_length}};
    p.description_json = desc.dump();
    return p;
}

} // namespace

result<rsp::activation_code> add_profile(store::inventory& inventory, const rsp::profile_description& d,
                                         const add_profile_options& options)
{
    rsp::activation_code ac;
    ac.smdp_address = options.smdp_address;
    ac.matching_id = options.matching_id.value_or(generate_matching_id());
    // Round-trip through the parser so a given matching ID obeys the same rules as scanned ones.
    if (auto check = rsp::parse_activation_code(ac.to_string()); !check) return check.take_error();

    auto p = make_record(d, options.smdp_address);
    if (!p) return p.take_error();
    p->matching_id = ac.matching_id;
    p->state = store::profile_state::released;
    p->operator_id = options.operator_id;
    if (options.confirmation_code) {
        if (options.confirmation_code->empty()) return fail("the confirmation code is empty");
        p->confirmation_code_hash = crypto::sha256(as_bytes(*options.confirmation_code));
        ac.confirmation_code_required = true;
    }
    OPENRSP_TRY_VOID(inventory.add_profile(*p));
    return ac;
}

result<store::inventory_profile> make_inventory_record(const rsp::profile_description& d,
                                                       const inventory_profile_options& options)
{
    if (options.operator_id.empty()) return fail("a profile for ES2+ orders needs an operator");
    auto p = make_record(d, options.smdp_address);
    if (!p) return p.take_error();
    p->state = store::profile_state::available;
    p->operator_id = options.operator_id;
    p->profile_type = options.profile_type;
    return p;
}

result<void> add_inventory_profile(store::inventory& inventory, const rsp::profile_description& d,
                                   const inventory_profile_options& options)
{
    auto p = make_inventory_record(d, options);
    if (!p) return p.take_error();
    return inventory.add_profile(*p);
}

} // namespace openrsp::smdpp
