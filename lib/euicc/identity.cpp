/// \file
/// \brief Loading an existing eUICC identity (certificate, key, EUM, CIs) from files, e.g. the SGP.26 test eUICC,
/// so the virtual eUICC can talk to SM-DP+ servers that trust the GSMA test CI (SGP.26 §2, facts §7.3).

#include "euicc_impl.h"

#include "openrsp/pki/pki.h"

#include <algorithm>
#include <filesystem>

#include <fstream>
#include <sstream>

namespace openrsp::euicc {

namespace {

result<std::string> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("Cannot read " + path + ".");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The file's certificate as PEM; SGP.26 ships DER (.der) and PEM alike, the eUICC file keeps PEM.
result<std::string> certificate_pem(const std::string& path, const char* what)
{
    auto cert = crypto::certificate::load_file(path);
    if (!cert)
        return fail(std::string("The ") + what + " certificate " + path + " cannot be read: " + cert.error().message);
    return cert->pem();
}

} // namespace

result<provisioning> load_identity(const identity_files& files)
{
    provisioning p;
    auto euicc = certificate_pem(files.euicc_cert, "eUICC");
    if (!euicc) return euicc.take_error();
    p.euicc_cert_pem = std::move(*euicc);
    auto eum = certificate_pem(files.eum_cert, "EUM");
    if (!eum) return eum.take_error();
    p.eum_cert_pem = std::move(*eum);
    if (files.ci_certs.empty()) return fail("At least one CI certificate is needed.");
    for (const auto& path : files.ci_certs) {
        auto ci = certificate_pem(path, "CI");
        if (!ci) return ci.take_error();
        p.ci_cert_pems.push_back(std::move(*ci));
    }
    auto key_text = read_file(files.euicc_key);
    if (!key_text) return key_text.take_error();
    // Re-encode so that every key form OpenSSL reads (SEC1 "EC PRIVATE KEY", PKCS#8) lands as one PEM form.
    auto key = crypto::ec_key::from_pem(*key_text);
    if (!key || !key->has_private()) return fail("The eUICC private key " + files.euicc_key + " cannot be read.");
    p.euicc_key_pem = key->private_pem();
    return p;
}

result<provisioning> load_identities(const std::vector<identity_files>& files)
{
    if (files.empty()) return fail("At least one eUICC identity is needed.");
    auto p = load_identity(files.front());
    if (!p) return p.take_error();
    for (std::size_t i = 1; i < files.size(); ++i) {
        identity_files f = files[i];
        if (f.ci_certs.empty()) f.ci_certs = files.front().ci_certs; // the CIs are the card's, not per identity
        auto more = load_identity(f);
        if (!more) return more.take_error();
        p->more_identities.push_back(
            {std::move(more->euicc_cert_pem), std::move(more->euicc_key_pem), std::move(more->eum_cert_pem)});
        for (auto& ci : more->ci_cert_pems)
            if (std::find(p->ci_cert_pems.begin(), p->ci_cert_pems.end(), ci) == p->ci_cert_pems.end())
                p->ci_cert_pems.push_back(std::move(ci));
    }
    return p;
}

result<provisioning> load_pki_identities(const std::string& pki_dir)
{
    const auto dirs = pki::set_directories(pki_dir);
    if (dirs.empty()) return fail("The directory " + pki_dir + " holds no PKI made by `openrsp pki init`.");
    std::vector<identity_files> files;
    for (const auto& d : dirs) {
        const auto at = [&d](const char* name) { return (std::filesystem::path(d) / name).string(); };
        files.push_back({at(pki::files::euicc_cert),
                         at(pki::files::euicc_key),
                         at(pki::files::eum_cert),
                         {at(pki::files::ci_cert)}});
    }
    return load_identities(files);
}

} // namespace openrsp::euicc
