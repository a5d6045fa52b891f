#include "common.h"

#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/netsim/netsim.h"
#include "openrsp/smdpp/smdpp.h"

#include <algorithm>
#include <cstdio>

namespace openrsp::cli {

std::string attach_enabled_profile(const euicc::virtual_euicc& chip, const rsp::profile_description& subscriber)
{
    const auto profiles = chip.profiles();
    const auto enabled = std::find_if(profiles.begin(), profiles.end(), [](const auto& p) { return p.enabled; });
    if (enabled == profiles.end()) die("the eUICC has no enabled profile");
    // The network knows the subscriber from the operator; the card answers with what it installed.
    netsim::hss network;
    must(network.add_subscriber(subscriber.imsi, subscriber.ki, subscriber.opc));
    netsim::sqn_t sqn_last = 0;
    must(netsim::attach(network, enabled->imsi, [&](byte_view rand, byte_view autn) {
        return netsim::usim_authenticate(enabled->ki, enabled->opc, rand, autn, sqn_last);
    }));
    return enabled->imsi;
}

void register_netsim(CLI::App& app)
{
    auto* netsim = app.add_subcommand("netsim", "Network simulator: HSS/AuC and attach");
    netsim->require_subcommand(1);
    auto* attach = netsim->add_subcommand("attach", "Attach the eUICC's enabled profile to a network that knows the "
                                                    "subscriber from the operator's profile description");
    auto euicc_path = std::make_shared<std::string>();
    auto profile = std::make_shared<std::string>();
    attach->add_option("--euicc", *euicc_path, "Virtual eUICC file")->required();
    attach->add_option("--profile", *profile, "Operator's profile description JSON (IMSI, Ki, OPc)")->required();
    attach->callback([euicc_path, profile] {
        auto chip = must(euicc::virtual_euicc::open(*euicc_path));
        auto desc = must(smdpp::parse_profile_description(must(read_text_file(*profile))));
        const std::string imsi = attach_enabled_profile(*chip, desc);
        std::printf("attached: IMSI %s authenticated (Milenage AKA)\n", imsi.c_str());
    });
}

} // namespace openrsp::cli
