#include "common.h"

#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/pki/pki.h"

#include <cstdio>

namespace openrsp::cli {

void register_euicc(CLI::App& app)
{
    auto* euicc = app.add_subcommand("euicc", "Virtual eUICC kept in a file");
    euicc->require_subcommand(1);

    auto* init = euicc->add_subcommand(
        "init", "Create a virtual eUICC from a PKI directory (--pki) or from existing identity files (--cert ...)");
    auto pki_dir = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto default_dp = std::make_shared<std::string>();
    auto identity = std::make_shared<euicc::identity_files>();
    auto limits = std::make_shared<euicc::card_limits>();
    auto no_test_profiles = std::make_shared<bool>(false);
    auto* pki_opt = init->add_option("--pki", *pki_dir, "PKI directory (openrsp pki init)");
    auto* cert_opt = init->add_option("--cert", identity->euicc_cert, "eUICC certificate, PEM or DER (e.g. SGP.26)");
    auto* key_opt = init->add_option("--key", identity->euicc_key, "eUICC private key, PEM");
    auto* eum_opt = init->add_option("--eum", identity->eum_cert, "EUM certificate, PEM or DER");
    auto* ci_opt = init->add_option("--ci", identity->ci_certs, "Trusted CI certificate, PEM or DER (repeatable)");
    pki_opt->excludes(cert_opt)->excludes(key_opt)->excludes(eum_opt)->excludes(ci_opt);
    cert_opt->needs(key_opt)->needs(eum_opt)->needs(ci_opt);
    init->add_option("--out", *out, "eUICC file to create")->required();
    init->add_option("--default-smdp", *default_dp, "Default SM-DP+ address");
    init->add_option("--max-profiles", limits->max_profiles, "Profiles the card can hold (default 8)");
    init->add_option("--memory", limits->memory_bytes, "Profile memory in bytes (default 4 MiB)");
    init->add_flag("--no-test-profiles", *no_test_profiles, "Refuse test profiles (unsupportedProfileClass)");
    init->callback([pki_dir, out, default_dp, identity, limits, no_test_profiles] {
        euicc::provisioning p;
        if (!pki_dir->empty()) {
            p.euicc_cert_pem = must(read_text_file(*pki_dir + "/" + pki::files::euicc_cert));
            p.euicc_key_pem = must(read_text_file(*pki_dir + "/" + pki::files::euicc_key));
            p.eum_cert_pem = must(read_text_file(*pki_dir + "/" + pki::files::eum_cert));
            p.ci_cert_pems.push_back(must(read_text_file(*pki_dir + "/" + pki::files::ci_cert)));
        } else if (!identity->euicc_cert.empty()) {
            p = must(euicc::load_identity(*identity));
        } else {
            die("Name the identity: either --pki DIR, or --cert, --key, --eum and --ci.");
        }
        p.default_smdp_address = *default_dp;
        p.limits = *limits;
        p.limits.test_profiles_supported = !*no_test_profiles;
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
    register_euicc_vpcd(*euicc);
}

} // namespace openrsp::cli
