#include "common.h"

#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/pki/pki.h"

#include <cstdio>

namespace openrsp::cli {

void register_euicc(CLI::App& app)
{
    auto* euicc = app.add_subcommand("euicc", "Virtual eUICC kept in a file");
    euicc->require_subcommand(1);

    auto* init = euicc->add_subcommand("init", "Create a virtual eUICC from a PKI directory");
    auto pki_dir = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto default_dp = std::make_shared<std::string>();
    init->add_option("--pki", *pki_dir, "PKI directory (openrsp pki init)")->required();
    init->add_option("--out", *out, "eUICC file to create")->required();
    init->add_option("--default-smdp", *default_dp, "Default SM-DP+ address");
    init->callback([pki_dir, out, default_dp] {
        euicc::provisioning p;
        p.euicc_cert_pem = must(read_text_file(*pki_dir + "/" + pki::files::euicc_cert));
        p.euicc_key_pem = must(read_text_file(*pki_dir + "/" + pki::files::euicc_key));
        p.eum_cert_pem = must(read_text_file(*pki_dir + "/" + pki::files::eum_cert));
        p.ci_cert_pems.push_back(must(read_text_file(*pki_dir + "/" + pki::files::ci_cert)));
        p.default_smdp_address = *default_dp;
        must(euicc::virtual_euicc::create(*out, p));
        auto e = must(euicc::virtual_euicc::open(*out));
        std::printf("virtual eUICC %s created in %s\n", e->eid().c_str(), out->c_str());
    });

    auto* info = euicc->add_subcommand("info", "Show the EID and the profiles of a virtual eUICC");
    auto path = std::make_shared<std::string>();
    info->add_option("--euicc", *path, "eUICC file")->required();
    info->callback([path] {
        auto e = must(euicc::virtual_euicc::open(*path));
        std::printf("EID %s\n", e->eid().c_str());
        for (const auto& p : e->profiles())
            std::printf("  %s  %-8s  %s / %s  IMSI %s\n", p.iccid.c_str(), p.enabled ? "enabled" : "disabled",
                        p.service_provider_name.c_str(), p.profile_name.c_str(), p.imsi.c_str());
    });

    register_euicc_lpac(*euicc);
}

} // namespace openrsp::cli
