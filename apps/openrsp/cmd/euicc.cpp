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
    struct identity_args {
        std::vector<std::string> certs, keys, eums, cis;
    };
    auto identity = std::make_shared<identity_args>();
    auto limits = std::make_shared<euicc::card_limits>();
    auto no_test_profiles = std::make_shared<bool>(false);
    auto* pki_opt = init->add_option("--pki", *pki_dir, "PKI directory (openrsp pki init)");
    auto* cert_opt = init->add_option("--cert", identity->certs,
                                      "eUICC certificate, PEM or DER (e.g. SGP.26); repeat with --key and --eum for "
                                      "further identities under other CIs");
    auto* key_opt = init->add_option("--key", identity->keys, "eUICC private key, PEM (one per --cert)");
    auto* eum_opt = init->add_option("--eum", identity->eums, "EUM certificate, PEM or DER (one per --cert)");
    auto* ci_opt = init->add_option("--ci", identity->cis, "Trusted CI certificate, PEM or DER (repeatable)");
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
            // One identity, or one per curve for a `pki init --curve both` directory.
            p = must(euicc::load_pki_identities(*pki_dir));
        } else if (!identity->certs.empty()) {
            const auto& a = *identity;
            if (a.keys.size() != a.certs.size() || a.eums.size() != a.certs.size())
                die("Give one --key and one --eum for each --cert (" + std::to_string(a.certs.size()) +
                    " certificates, " + std::to_string(a.keys.size()) + " keys, " + std::to_string(a.eums.size()) +
                    " EUM certificates).");
            std::vector<euicc::identity_files> files;
            for (std::size_t i = 0; i < a.certs.size(); ++i)
                files.push_back({a.certs[i], a.keys[i], a.eums[i], i == 0 ? a.cis : std::vector<std::string>{}});
            p = must(euicc::load_identities(files));
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
