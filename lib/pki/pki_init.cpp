/// \file
/// \brief `pki init`: a GSMA-shaped test hierarchy built with the OpenSSL 3 X509 API, following the
/// SGP.26 certificate profiles (shared/reference/sgp22-facts.md §7.3).

#include "openrsp/pki/pki.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace openrsp::pki {
namespace {

template <auto fn> struct ossl_deleter {
    template <class T> void operator()(T* p) const { fn(p); }
};
using x509_ptr = std::unique_ptr<X509, ossl_deleter<X509_free>>;
using name_ptr = std::unique_ptr<X509_NAME, ossl_deleter<X509_NAME_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, ossl_deleter<X509_EXTENSION_free>>;
using octet_ptr = std::unique_ptr<ASN1_OCTET_STRING, ossl_deleter<ASN1_OCTET_STRING_free>>;
using akid_ptr = std::unique_ptr<AUTHORITY_KEYID, ossl_deleter<AUTHORITY_KEYID_free>>;
using nc_ptr = std::unique_ptr<NAME_CONSTRAINTS, ossl_deleter<NAME_CONSTRAINTS_free>>;
using subtree_ptr = std::unique_ptr<GENERAL_SUBTREE, ossl_deleter<GENERAL_SUBTREE_free>>;
using gname_ptr = std::unique_ptr<GENERAL_NAME, ossl_deleter<GENERAL_NAME_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, ossl_deleter<BN_free>>;
using bio_ptr = std::unique_ptr<BIO, ossl_deleter<BIO_free>>;

// SGP.26 CI/EUM/eUICC certificates live for decades; DP certificates are renewed, DPtls yearly (~13 months).
constexpr int long_lived_days = 30 * 365;
constexpr int dp_days = 2 * 365 + 1;
constexpr int dptls_days = 396;

const std::string eum_organisation = "OpenRSP Test EUM";

struct name_entry {
    const char* field;
    std::string value;
};

result<name_ptr> make_name(const std::vector<name_entry>& entries)
{
    name_ptr name(X509_NAME_new());
    if (!name) return fail("out of memory building an X.509 name");
    for (const auto& e : entries) {
        if (X509_NAME_add_entry_by_txt(name.get(), e.field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(e.value.data()),
                                       static_cast<int>(e.value.size()), -1, 0) != 1)
            return fail("cannot put " + std::string(e.field) + "=" + e.value + " into a certificate name");
    }
    return name;
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 over the subjectPublicKey BIT STRING contents.
bytes key_identifier(X509* cert)
{
    const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(cert);
    bytes id(SHA_DIGEST_LENGTH);
    SHA1(ASN1_STRING_get0_data(bits), static_cast<std::size_t>(ASN1_STRING_length(bits)), id.data());
    return id;
}

result<void> add_conf_ext(X509* cert, X509* issuer, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        return fail("cannot add the " + std::string(OBJ_nid2sn(nid)) + " extension \"" + value + "\"");
    return ok();
}

result<void> add_ski(X509* cert, const bytes& ski)
{
    octet_ptr oct(ASN1_OCTET_STRING_new());
    if (!oct || ASN1_OCTET_STRING_set(oct.get(), ski.data(), static_cast<int>(ski.size())) != 1 ||
        X509_add1_ext_i2d(cert, NID_subject_key_identifier, oct.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return fail("cannot add the subjectKeyIdentifier extension");
    return ok();
}

result<void> add_aki(X509* cert, const bytes& issuer_ski)
{
    akid_ptr akid(AUTHORITY_KEYID_new());
    if (!akid) return fail("out of memory building the authorityKeyIdentifier");
    akid->keyid = ASN1_OCTET_STRING_new();
    if (!akid->keyid ||
        ASN1_OCTET_STRING_set(akid->keyid, issuer_ski.data(), static_cast<int>(issuer_ski.size())) != 1 ||
        X509_add1_ext_i2d(cert, NID_authority_key_identifier, akid.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return fail("cannot add the authorityKeyIdentifier extension");
    return ok();
}

/// A single policy OID without qualifiers (SGP.22 §4.5.2.1 id-rspRole); built by hand because the v3 config
/// syntax cannot express a bare policy OID without a config database.
result<void> add_policy(X509* cert, const std::string& oid, bool critical)
{
    using policies_ptr = std::unique_ptr<CERTIFICATEPOLICIES, ossl_deleter<CERTIFICATEPOLICIES_free>>;
    using info_ptr = std::unique_ptr<POLICYINFO, ossl_deleter<POLICYINFO_free>>;
    policies_ptr policies(sk_POLICYINFO_new_null());
    info_ptr info(POLICYINFO_new());
    if (!policies || !info) return fail("out of memory building the certificatePolicies");
    ASN1_OBJECT_free(info->policyid);
    info->policyid = OBJ_txt2obj(oid.c_str(), 1);
    if (!info->policyid || sk_POLICYINFO_push(policies.get(), info.get()) == 0)
        return fail("cannot build the certificatePolicies extension for " + oid);
    info.release(); // now owned by the stack
    if (X509_add1_ext_i2d(cert, NID_certificate_policies, policies.get(), critical ? 1 : 0, X509V3_ADD_DEFAULT) != 1)
        return fail("cannot add the certificatePolicies extension " + oid);
    return ok();
}

/// The EUM may only issue eUICCs whose subject lies under O=<eum org>, serialNumber=<EID prefix> (SGP.26 EUM).
result<void> add_eum_name_constraints(X509* cert, const std::string& eid_prefix)
{
    auto dir = make_name({{"O", eum_organisation}, {"serialNumber", eid_prefix}});
    if (!dir) return dir.take_error();
    gname_ptr gn(GENERAL_NAME_new());
    if (!gn) return fail("out of memory building the nameConstraints");
    GENERAL_NAME_set0_value(gn.get(), GEN_DIRNAME, dir->release());

    subtree_ptr subtree(GENERAL_SUBTREE_new());
    nc_ptr nc(NAME_CONSTRAINTS_new());
    if (!subtree || !nc) return fail("out of memory building the nameConstraints");
    GENERAL_NAME_free(subtree->base);
    subtree->base = gn.release();
    nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
    if (!nc->permittedSubtrees || sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, subtree.get()) == 0)
        return fail("out of memory building the nameConstraints");
    subtree.release(); // now owned by nc
    if (X509_add1_ext_i2d(cert, NID_name_constraints, nc.get(), 1, X509V3_ADD_DEFAULT) != 1)
        return fail("cannot add the nameConstraints extension");
    return ok();
}

result<void> set_random_serial(X509* cert)
{
    // 16 random bytes with the top bit cleared: positive, and far below RFC 5280's 20-octet limit.
    bytes raw = crypto::random_bytes(16);
    raw[0] &= 0x7F;
    raw[0] |= 0x01; // never zero, never a short encoding
    bn_ptr bn(BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)))
        return fail("cannot set a certificate serial number");
    return ok();
}

/// What differs between the six certificates.
struct cert_profile {
    std::vector<name_entry> subject;
    int validity_days = long_lived_days;
    std::vector<std::pair<int, std::string>> conf_extensions; // nid, openssl v3 conf value
    std::string policy;                                       // id-rspRole OID
    bool policy_critical = true;
    std::string eum_name_constraint; // EID prefix, EUM only
};

std::string rid(const std::string& oid)
{
    return "RID:" + oid;
}

/// The SGP.26 profile of a role (shared/reference/sgp22-facts.md §7.3).
cert_profile profile_for(const certificate_request& r)
{
    const std::string& sfx = r.name_suffix;
    switch (r.kind) {
    case role::ci:
        return {{{"C", "XX"}, {"O", "OpenRSP"}, {"OU", "TESTCERT"}, {"CN", "OpenRSP Test CI" + sfx}},
                long_lived_days,
                {
                    {NID_basic_constraints, "critical,CA:TRUE"},
                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                    {NID_subject_alt_name, rid("2.999.1")},
                },
                crypto::rsp_oid::ci,
                true,
                {}};
    case role::eum:
        return {{{"C", "XX"}, {"O", eum_organisation}, {"CN", "OpenRSP Test EUM" + sfx}},
                long_lived_days,
                {
                    {NID_key_usage, "critical,keyCertSign"},
                    {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                    {NID_subject_alt_name, rid("2.999.5")},
                },
                crypto::rsp_oid::eum,
                true,
                r.eum_eid_prefix};
    case role::euicc:
        return {{{"C", "XX"}, {"O", eum_organisation}, {"serialNumber", r.eid}, {"CN", "OpenRSP Test eUICC" + sfx}},
                long_lived_days,
                {{NID_key_usage, "critical,digitalSignature"}},
                crypto::rsp_oid::euicc,
                true,
                {}};
    case role::dpauth:
    case role::dppb:
        return {{{"O", "OpenRSP"}, {"CN", "OpenRSP Test SM-DP+" + sfx}},
                dp_days,
                {
                    {NID_subject_alt_name, rid(r.smdp_oid)},
                    {NID_key_usage, "critical,digitalSignature"},
                },
                r.kind == role::dpauth ? crypto::rsp_oid::dp_auth : crypto::rsp_oid::dp_pb,
                true,
                {}};
    case role::dptls:
        // Policy left non-critical as in the SGP.26 DPtls certificate, so generic TLS stacks need not understand it.
        return {{{"O", "OpenRSP"}, {"CN", r.smdp_host}},
                dptls_days,
                {
                    {NID_key_usage, "critical,digitalSignature"},
                    {NID_ext_key_usage, "critical,serverAuth,clientAuth"},
                    {NID_subject_alt_name, "DNS:" + r.smdp_host + "," + rid(r.smdp_oid)},
                },
                crypto::rsp_oid::dp_tls,
                false,
                {}};
    }
    return {};
}

result<void> set_time(ASN1_TIME* field, std::chrono::system_clock::time_point t)
{
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    if (!ASN1_TIME_set(field, static_cast<time_t>(secs))) return fail("cannot set the certificate validity");
    return ok();
}

struct issued {
    x509_ptr cert;
    bytes ski;
};

/// Builds and signs one certificate. issuer == nullptr means self-signed with subject_key.
result<issued> issue(const cert_profile& profile, const certificate_request& request, const crypto::ec_key& subject_key,
                     X509* issuer, const bytes& issuer_ski, const crypto::ec_key& issuer_key)
{
    x509_ptr cert(X509_new());
    if (!cert) return fail("out of memory creating a certificate");
    if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("cannot set the certificate version");
    OPENRSP_TRY_VOID(set_random_serial(cert.get()));

    auto subject = make_name(profile.subject);
    if (!subject) return subject.take_error();
    X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer) : subject->get();
    if (X509_set_subject_name(cert.get(), subject->get()) != 1 || X509_set_issuer_name(cert.get(), issuer_name) != 1)
        return fail("cannot set the certificate names");

    // An hour of slack so a freshly made PKI also verifies on a peer whose clock is slightly behind.
    if (request.not_before)
        OPENRSP_TRY_VOID(set_time(X509_getm_notBefore(cert.get()), *request.not_before));
    else if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600))
        return fail("cannot set the certificate validity");
    if (request.not_after)
        OPENRSP_TRY_VOID(set_time(X509_getm_notAfter(cert.get()), *request.not_after));
    else if (!X509_time_adj_ex(X509_getm_notAfter(cert.get()), profile.validity_days, 0, nullptr))
        return fail("cannot set the certificate validity");

    if (X509_set_pubkey(cert.get(), subject_key.native()) != 1) return fail("cannot set the certificate public key");

    issued out;
    out.ski = key_identifier(cert.get());
    OPENRSP_TRY_VOID(add_ski(cert.get(), out.ski));
    if (issuer) OPENRSP_TRY_VOID(add_aki(cert.get(), issuer_ski));
    X509* issuer_cert = issuer ? issuer : cert.get();
    for (const auto& [nid, value] : profile.conf_extensions)
        OPENRSP_TRY_VOID(add_conf_ext(cert.get(), issuer_cert, nid, value));
    OPENRSP_TRY_VOID(add_policy(cert.get(), profile.policy, profile.policy_critical));
    if (!profile.eum_name_constraint.empty())
        OPENRSP_TRY_VOID(add_eum_name_constraints(cert.get(), profile.eum_name_constraint));

    // ECDSA with SHA-256 on both curves, as SGP.22 §2.6.5 requires.
    if (X509_sign(cert.get(), issuer_key.native(), EVP_sha256()) <= 0) return fail("cannot sign the certificate");
    out.cert = std::move(cert);
    return out;
}

result<bytes> to_der(X509* cert)
{
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    if (len <= 0) return fail("cannot encode a certificate");
    bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

result<std::string> to_pem(X509* cert)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return fail("cannot encode a certificate as PEM");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

result<void> write_file(const std::filesystem::path& path, const std::string& content, mode_t mode)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return fail("cannot write " + path.string() + ": " + std::strerror(errno));
    // open() leaves the mode of an existing file alone; a replaced private key must still end up 0600.
    bool good = ::fchmod(fd, mode) == 0;
    std::size_t done = 0;
    while (good && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        good = n > 0;
        if (good) done += static_cast<std::size_t>(n);
    }
    const int saved = errno;
    if (::close(fd) != 0 && good) return fail("cannot write " + path.string() + ": " + std::strerror(errno));
    if (!good) return fail("cannot write " + path.string() + ": " + std::strerror(saved));
    return ok();
}

bool all_digits(std::string_view s)
{
    if (s.empty()) return false;
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

result<void> check_options(const init_options& o)
{
    if (o.directory.empty()) return fail("no PKI directory was given");
    if (o.smdp_host.empty()) return fail("no SM-DP+ host name was given for the DPtls certificate");
    using obj_ptr = std::unique_ptr<ASN1_OBJECT, ossl_deleter<ASN1_OBJECT_free>>;
    if (!obj_ptr(OBJ_txt2obj(o.smdp_oid.c_str(), 1)))
        return fail("SM-DP+ OID \"" + o.smdp_oid + "\" is not a dotted object identifier");
    if (!all_digits(o.eum_eid_prefix) || o.eum_eid_prefix.size() > 32)
        return fail("EUM EID prefix \"" + o.eum_eid_prefix + "\" must be 1 to 32 digits");
    if (o.eid.size() != 32 || !all_digits(o.eid)) return fail("EID " + o.eid + " must be exactly 32 digits");
    if (!eid_checksum_ok(o.eid))
        return fail("EID " + o.eid + " has wrong check digits (SGP.29: the EID modulo 97 must be 1; " +
                    eid_with_check_digits(o.eid) + " would be valid)");
    if (o.eid.compare(0, o.eum_eid_prefix.size(), o.eum_eid_prefix) != 0)
        return fail("EID " + o.eid + " does not start with the EUM prefix " + o.eum_eid_prefix +
                    ", so the EUM could not have issued it");
    return ok();
}

/// One single-curve hierarchy into `dir`.
result<void> init_one(const init_options& options, const std::filesystem::path& dir, crypto::curve curve,
                      const std::string& name_suffix)
{
    const char* names[] = {files::ci_cert,    files::ci_key,    files::eum_cert,    files::eum_key,
                           files::euicc_cert, files::euicc_key, files::dpauth_cert, files::dpauth_key,
                           files::dppb_cert,  files::dppb_key,  files::dptls_cert,  files::dptls_key};
    if (!options.overwrite) {
        for (const char* n : names) {
            std::error_code ec;
            if (std::filesystem::exists(dir / n, ec))
                return fail((dir / n).string() + " already exists; refusing to replace a PKI without overwrite");
        }
    }

    certificate_request base;
    base.eid = options.eid;
    base.eum_eid_prefix = options.eum_eid_prefix;
    base.smdp_host = options.smdp_host;
    base.smdp_oid = options.smdp_oid;
    base.name_suffix = name_suffix;
    auto request = [&base](role r) {
        certificate_request out = base;
        out.kind = r;
        return out;
    };

    struct made {
        const char* cert_file;
        const char* key_file;
        std::string cert_pem;
        std::string key_pem;
    };
    std::vector<made> out;
    auto record = [&](const char* cf, const char* kf, const issued& c, const crypto::ec_key& k) -> result<void> {
        auto pem = to_pem(c.cert.get());
        if (!pem) return pem.take_error();
        out.push_back({cf, kf, std::move(*pem), k.private_pem()});
        return ok();
    };

    auto ci_key = crypto::ec_key::generate(curve);
    if (!ci_key) return ci_key.take_error();
    auto ci_cert = issue(profile_for(request(role::ci)), request(role::ci), *ci_key, nullptr, {}, *ci_key);
    if (!ci_cert) return ci_cert.take_error();
    auto eum_key = crypto::ec_key::generate(curve);
    if (!eum_key) return eum_key.take_error();
    auto eum_cert = issue(profile_for(request(role::eum)), request(role::eum), *eum_key, ci_cert->cert.get(),
                          ci_cert->ski, *ci_key);
    if (!eum_cert) return eum_cert.take_error();
    OPENRSP_TRY_VOID(record(files::ci_cert, files::ci_key, *ci_cert, *ci_key));
    OPENRSP_TRY_VOID(record(files::eum_cert, files::eum_key, *eum_cert, *eum_key));

    struct leaf {
        role kind;
        const issued* issuer;
        const crypto::ec_key* issuer_key;
        const char* cert_file;
        const char* key_file;
    };
    const leaf leaves[] = {
        {role::euicc, &*eum_cert, &*eum_key, files::euicc_cert, files::euicc_key},
        {role::dpauth, &*ci_cert, &*ci_key, files::dpauth_cert, files::dpauth_key},
        {role::dppb, &*ci_cert, &*ci_key, files::dppb_cert, files::dppb_key},
        {role::dptls, &*ci_cert, &*ci_key, files::dptls_cert, files::dptls_key},
    };
    for (const auto& l : leaves) {
        auto key = crypto::ec_key::generate(curve);
        if (!key) return key.take_error();
        const auto req = request(l.kind);
        auto cert = issue(profile_for(req), req, *key, l.issuer->cert.get(), l.issuer->ski, *l.issuer_key);
        if (!cert) return cert.take_error();
        OPENRSP_TRY_VOID(record(l.cert_file, l.key_file, *cert, *key));
    }

    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail("cannot create the PKI directory " + dir.string() + ": " + ec.message());
    for (const auto& m : out) {
        OPENRSP_TRY_VOID(write_file(dir / m.key_file, m.key_pem, 0600));
        OPENRSP_TRY_VOID(write_file(dir / m.cert_file, m.cert_pem, 0644));
    }
    return ok();
}

} // namespace

result<void> init(const init_options& options)
{
    OPENRSP_TRY_VOID(check_options(options));
    const std::filesystem::path dir(options.directory);
    if (!options.both_curves) return init_one(options, dir, options.curve, {});
    // Both hierarchies are checked for existing files before either is written.
    if (!options.overwrite) {
        for (const char* sub : {layout::nist, layout::brainpool}) {
            std::error_code ec;
            if (std::filesystem::exists(dir / sub / files::ci_cert, ec))
                return fail((dir / sub / files::ci_cert).string() +
                            " already exists; refusing to replace a PKI without overwrite");
        }
    }
    OPENRSP_TRY_VOID(init_one(options, dir / layout::nist, crypto::curve::nist_p256, " (NIST P-256)"));
    return init_one(options, dir / layout::brainpool, crypto::curve::brainpool_p256r1, " (brainpoolP256r1)");
}

std::vector<std::string> set_directories(const std::string& dir)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(fs::path(dir) / files::ci_cert, ec)) return {dir};
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code e2;
        if (entry.is_directory(e2) && fs::exists(entry.path() / files::ci_cert, e2))
            found.push_back(entry.path().filename().string());
    }
    // nist/ first: it is what a single-curve peer (and the TLS certificate) uses by default.
    auto rank = [](const std::string& n) { return n == layout::nist ? 0 : n == layout::brainpool ? 1 : 2; };
    std::sort(found.begin(), found.end(), [&rank](const std::string& a, const std::string& b) {
        return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
    });
    for (auto& n : found)
        n = (fs::path(dir) / n).string();
    return found;
}

result<crypto::certificate> issue_certificate(const certificate_request& request, const crypto::ec_key& subject_key,
                                              const crypto::certificate* issuer, const crypto::ec_key& issuer_key)
{
    X509* issuer_x509 = issuer ? issuer->native() : nullptr;
    if (issuer && !issuer_x509) return fail("the issuer certificate cannot be decoded");
    auto made = issue(profile_for(request), request, subject_key, issuer_x509,
                      issuer ? issuer->subject_key_id() : bytes{}, issuer_key);
    if (!made) return made.take_error();
    auto der = to_der(made->cert.get());
    if (!der) return der.take_error();
    return crypto::certificate::from_der(*der);
}

result<std::string> make_crl(const crypto::certificate& issuer, const crypto::ec_key& issuer_key,
                             const std::vector<bytes>& revoked_serials, int days)
{
    using crl_ptr = std::unique_ptr<X509_CRL, ossl_deleter<X509_CRL_free>>;
    using revoked_ptr = std::unique_ptr<X509_REVOKED, ossl_deleter<X509_REVOKED_free>>;
    using time_ptr = std::unique_ptr<ASN1_TIME, ossl_deleter<ASN1_TIME_free>>;
    using int_ptr = std::unique_ptr<ASN1_INTEGER, ossl_deleter<ASN1_INTEGER_free>>;
    X509* issuer_x509 = issuer.native();
    crl_ptr crl(X509_CRL_new());
    time_ptr last(X509_gmtime_adj(nullptr, -3600));
    time_ptr next(X509_time_adj_ex(nullptr, days, 0, nullptr));
    if (!issuer_x509 || !crl || !last || !next || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
        X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer_x509)) != 1 ||
        X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 || X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1)
        return fail("cannot build the CRL");
    for (const auto& serial : revoked_serials) {
        revoked_ptr entry(X509_REVOKED_new());
        bn_ptr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
        int_ptr number(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
        if (!entry || !number || X509_REVOKED_set_serialNumber(entry.get(), number.get()) != 1 ||
            X509_REVOKED_set_revocationDate(entry.get(), last.get()) != 1 ||
            X509_CRL_add0_revoked(crl.get(), entry.get()) != 1)
            return fail("cannot add a serial number to the CRL");
        entry.release(); // now owned by the CRL
    }
    akid_ptr akid(AUTHORITY_KEYID_new());
    int_ptr crl_number(ASN1_INTEGER_new());
    if (!akid || !crl_number || ASN1_INTEGER_set(crl_number.get(), 1) != 1) return fail("cannot build the CRL");
    akid->keyid = ASN1_OCTET_STRING_new();
    const bytes& ski = issuer.subject_key_id();
    if (!akid->keyid || ASN1_OCTET_STRING_set(akid->keyid, ski.data(), static_cast<int>(ski.size())) != 1 ||
        X509_CRL_add1_ext_i2d(crl.get(), NID_authority_key_identifier, akid.get(), 0, X509V3_ADD_DEFAULT) != 1 ||
        X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return fail("cannot add the CRL extensions");
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), issuer_key.native(), EVP_sha256()) <= 0) return fail("cannot sign the CRL");
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) return fail("cannot encode the CRL as PEM");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

} // namespace openrsp::pki
