#include "common.h"

#include "openrsp/pki/pki.h"

#include <cstdio>

namespace openrsp::cli {

void register_pki(CLI::App& app)
{
    auto* pki = app.add_subcommand("pki", "Test PKI (CI, EUM, eUICC, SM-DP+ certificates)");
    pki->require_subcommand(1);
    auto* init = pki->add_subcommand("init", "Create a GSMA-shaped test PKI in DIR");
    auto opts = std::make_shared<pki::init_options>();
    auto curve = std::make_shared<std::string>("nist");
    init->add_option("dir", opts->directory, "Directory to create")->required();
    init->add_option("--smdp-host", opts->smdp_host, "SM-DP+ host name for the TLS certificate")
        ->capture_default_str();
    init->add_option("--smdp-oid", opts->smdp_oid, "SM-DP+ OID (SAN registeredID)")->capture_default_str();
    init->add_option("--eid", opts->eid, "EID of the eUICC certificate")->capture_default_str();
    init->add_option("--curve", *curve,
                     "nist (P-256), brainpool (brainpoolP256r1) or both (DIR/nist and DIR/brainpool, one CI each)")
        ->check(CLI::IsMember({"nist", "brainpool", "both"}))
        ->capture_default_str();
    init->add_flag("--force", opts->overwrite, "Overwrite existing files");
    init->callback([opts, curve] {
        opts->curve = *curve == "brainpool" ? crypto::curve::brainpool_p256r1 : crypto::curve::nist_p256;
        opts->both_curves = *curve == "both";
        must(pki::init(*opts));
        std::printf("PKI created in %s (CI, EUM, eUICC %s, DPauth, DPpb, DPtls for %s%s)\n", opts->directory.c_str(),
                    opts->eid.c_str(), opts->smdp_host.c_str(),
                    opts->both_curves ? "; NIST P-256 in nist/, brainpoolP256r1 in brainpool/" : "");
    });
}

} // namespace openrsp::cli
