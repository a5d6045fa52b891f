// The SM-DP+'s certificate sets (one DPauth/DPpb pair per CI, SGP.22 §4.5.2), its TLS certificate, the trusted CIs
// and what it refuses as revoked (SGP.22 §4.6), loaded once at start.
#include "service_impl.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace openrsp::smdpp {

namespace {

namespace fs = std::filesystem;

std::string date_text(std::int64_t secs)
{
    const std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

/// A server must not start with a certificate its peers will refuse; this says which one and since when.
result<void> check_current(const pki::credential& c, const std::string& what, const std::string& where)
{
    if (!c.cert.valid_at())
        return fail("the " + what + " certificate in " + where + " is expired or not yet valid (notAfter " +
                    date_text(c.cert.not_after()) + ")");
    return ok();
}

result<certificate_set> make_set(pki::credential auth, pki::credential pb, const std::string& where)
{
    if (auth.cert.san_registered_id().empty())
        return fail("the DPauth certificate in " + where + " has no SM-DP+ OID (SAN registeredID)");
    if (!auth.cert.has_policy(crypto::rsp_oid::dp_auth))
        return fail("the DPauth certificate in " + where + " lacks the id-rspRole-dp-auth policy");
    if (!pb.cert.has_policy(crypto::rsp_oid::dp_pb))
        return fail("the DPpb certificate in " + where + " lacks the id-rspRole-dp-pb policy");
    if (auth.cert.authority_key_id().empty() || auth.cert.authority_key_id() != pb.cert.authority_key_id())
        return fail("the DPauth and DPpb certificates in " + where + " are not issued by the same CI");
    OPENRSP_TRY_VOID(check_current(auth, "DPauth", where));
    OPENRSP_TRY_VOID(check_current(pb, "DPpb", where));
    return certificate_set{std::move(auth), std::move(pb)};
}

/// What one directory contributes.
struct loaded_dir {
    std::vector<certificate_set> sets;
    std::vector<crypto::certificate> cis;
    std::optional<pki::credential> dptls;
};

result<void> load_pki_layout(const std::string& dir, loaded_dir& out)
{
    for (const auto& sub : pki::set_directories(dir)) {
        auto auth = pki::load_credential(sub, pki::files::dpauth_cert, pki::files::dpauth_key);
        if (!auth) return auth.take_error();
        auto pb = pki::load_credential(sub, pki::files::dppb_cert, pki::files::dppb_key);
        if (!pb) return pb.take_error();
        auto set = make_set(std::move(*auth), std::move(*pb), sub);
        if (!set) return set.take_error();
        out.sets.push_back(std::move(*set));
        auto ci = crypto::certificate::load_file((fs::path(sub) / pki::files::ci_cert).string());
        if (!ci) return ci.take_error();
        out.cis.push_back(std::move(*ci));
        if (!out.dptls) {
            auto tls = pki::load_credential(sub, pki::files::dptls_cert, pki::files::dptls_key);
            if (!tls) return tls.take_error();
            OPENRSP_TRY_VOID(check_current(*tls, "DPtls", sub));
            out.dptls = std::move(*tls);
        }
    }
    return ok();
}

/// The SGP.26 file names (as shipped with pySim's smdpp-data/certs), NIST before brainpool.
result<void> load_sgp26_layout(const std::string& dir, loaded_dir& out)
{
    const fs::path root(dir);
    for (const char* curve : {"NIST", "BRP"}) {
        const std::string c(curve);
        const fs::path ci_file = root / "CertificateIssuer" / ("CERT_CI_ECDSA_" + c + ".der");
        const fs::path auth_cert = root / "DPauth" / ("CERT_S_SM_DPauth_ECDSA_" + c + ".der");
        std::error_code ec;
        if (!fs::exists(ci_file, ec) || !fs::exists(auth_cert, ec)) continue;
        auto ci = crypto::certificate::load_file(ci_file.string());
        if (!ci) return ci.take_error();
        auto auth = pki::load_credential((root / "DPauth").string(), "CERT_S_SM_DPauth_ECDSA_" + c + ".der",
                                         "SK_S_SM_DPauth_ECDSA_" + c + ".pem");
        if (!auth) return auth.take_error();
        auto pb = pki::load_credential((root / "DPpb").string(), "CERT_S_SM_DPpb_ECDSA_" + c + ".der",
                                       "SK_S_SM_DPpb_ECDSA_" + c + ".pem");
        if (!pb) return pb.take_error();
        auto set = make_set(std::move(*auth), std::move(*pb), dir + " (" + c + ")");
        if (!set) return set.take_error();
        out.sets.push_back(std::move(*set));
        out.cis.push_back(std::move(*ci));
        if (!out.dptls) {
            // SGP.26 renews DPtls (the VARO variant outlives the original); take the first one still valid.
            std::string last_error;
            for (const std::string& name : {"CERT_S_SM_DP_VARO_TLS_" + c + ".der", "CERT_S_SM_DP_TLS_" + c + ".der"}) {
                if (!fs::exists(root / "DPtls" / name, ec)) continue;
                auto tls = pki::load_credential((root / "DPtls").string(), name, "SK_S_SM_DP_TLS_" + c + ".pem");
                if (!tls) return tls.take_error();
                if (auto cur = check_current(*tls, "DPtls", (root / "DPtls" / name).string()); !cur) {
                    last_error = cur.error().message;
                    continue;
                }
                out.dptls = std::move(*tls);
                break;
            }
            if (!out.dptls && !last_error.empty()) return fail(last_error);
        }
    }
    if (out.sets.empty())
        return fail(dir + " holds no SGP.26 DPauth certificate (DPauth/CERT_S_SM_DPauth_ECDSA_*.der)");
    return ok();
}

bytes normalized_serial(const bytes& b)
{
    std::size_t k = 0;
    while (k + 1 < b.size() && b[k] == 0)
        ++k;
    return bytes(b.begin() + static_cast<std::ptrdiff_t>(k), b.end());
}

} // namespace

result<server_credentials> load_credentials(const std::vector<std::string>& dirs)
{
    if (dirs.empty()) return fail("no PKI directory was given");
    std::vector<certificate_set> sets;
    std::vector<crypto::certificate> cis;
    std::optional<pki::credential> tls;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) return fail("the PKI directory " + dir + " does not exist");
        loaded_dir d;
        if (!pki::set_directories(dir).empty())
            OPENRSP_TRY_VOID(load_pki_layout(dir, d));
        else if (fs::is_directory(fs::path(dir) / "CertificateIssuer", ec))
            OPENRSP_TRY_VOID(load_sgp26_layout(dir, d));
        else
            return fail("the PKI directory " + dir +
                        " holds neither an `openrsp pki init` set (ci.pem, dpauth.pem...) nor SGP.26 certificates");
        for (auto& s : d.sets) {
            const bool dup = std::any_of(sets.begin(), sets.end(),
                                         [&s](const certificate_set& o) { return o.ci_pkid() == s.ci_pkid(); });
            if (dup) return fail("two certificate sets chain to the same CI (" + to_hex(s.ci_pkid(), true) + ")");
            sets.push_back(std::move(s));
        }
        for (auto& ci : d.cis) {
            const bool known = std::any_of(cis.begin(), cis.end(), [&ci](const crypto::certificate& o) {
                return o.subject_key_id() == ci.subject_key_id();
            });
            if (!known) cis.push_back(std::move(ci));
        }
        if (!tls && d.dptls) tls = std::move(d.dptls);
    }
    for (const auto& s : sets) {
        const bool trusted = std::any_of(
            cis.begin(), cis.end(), [&s](const crypto::certificate& ci) { return ci.subject_key_id() == s.ci_pkid(); });
        if (!trusted) return fail("the CI of DPauth " + s.dpauth.cert.subject_text() + " is not among the CIs loaded");
    }
    if (sets.empty()) return fail("no DPauth/DPpb certificate set was found in " + dirs.front());
    if (!tls) return fail("no DPtls certificate was found in " + dirs.front());
    std::string oid = sets.front().dpauth.cert.san_registered_id();
    return server_credentials{std::move(sets), std::move(*tls), std::move(cis), std::move(oid), {}};
}

result<server_credentials> load_credentials(const std::string& dir)
{
    return load_credentials(std::vector<std::string>{dir});
}

result<void> load_crl(server_credentials& creds, const std::string& path)
{
    auto crl = crypto::revocation_list::load_file(path);
    if (!crl) return crl.take_error();
    const crypto::certificate* issuer = nullptr;
    for (const auto& ci : creds.cis)
        if (ci.subject_key_id() == crl->authority_key_id()) issuer = &ci;
    if (crl->authority_key_id().empty())
        for (const auto& ci : creds.cis)
            if (crl->signed_by(ci)) issuer = &ci;
    if (issuer != nullptr && !crl->signed_by(*issuer))
        return fail("the CRL " + path + " names a trusted CI as issuer but its signature does not verify");
    // Otherwise an EUM's CRL: its signature is checked against that EUM whenever one of its eUICCs authenticates.
    if (issuer == nullptr && crl->authority_key_id().empty())
        return fail("the CRL " + path + " is not signed by a trusted CI and names no issuer key");
    creds.revoked.crls.push_back(std::move(*crl));
    return ok();
}

result<void> load_revoked_list(server_credentials& creds, const std::string& path)
{
    std::ifstream in(path);
    if (!in) return fail("cannot read the revocation list " + path);
    std::string line;
    revocation add;
    for (int n = 1; std::getline(in, line); ++n) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string kind, value, extra;
        if (!(words >> kind)) continue;
        const std::string where = path + " line " + std::to_string(n);
        if (!(words >> value) || (words >> extra)) return fail(where + " must read `eid DIGITS` or `serial HEX`");
        if (kind == "eid") {
            if (value.size() != 32 ||
                !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
                return fail(where + ": the EID " + value + " is not 32 digits");
            add.eids.push_back(value);
        } else if (kind == "serial") {
            value.erase(std::remove(value.begin(), value.end(), ':'), value.end());
            if (value.size() % 2 != 0) value.insert(value.begin(), '0');
            auto b = from_hex(value);
            if (!b || b->empty()) return fail(where + ": the serial number " + value + " is not hexadecimal");
            add.serials.push_back(normalized_serial(*b));
        } else {
            return fail(where + " starts with '" + kind + "'; expected `eid` or `serial`");
        }
    }
    // All or nothing: a list with one bad line changes nothing.
    for (auto& e : add.eids)
        creds.revoked.eids.push_back(std::move(e));
    for (auto& s : add.serials)
        creds.revoked.serials.push_back(std::move(s));
    return ok();
}

} // namespace openrsp::smdpp
