#include "openrsp/crypto/x509.h"

#include "ossl_util.h"

#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace openrsp::crypto {

namespace {

template <class T, void (*F)(T*)>
using owned = std::unique_ptr<T, detail::ossl_deleter<T, F>>;

std::string oid_text(const ASN1_OBJECT* obj)
{
    char buf[128];
    const int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
    return n > 0 ? std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof(buf) - 1)) : std::string();
}

std::string asn1_string_text(const ASN1_STRING* s)
{
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

/// Every serialNumber attribute of a name, in order.
std::vector<std::string> serial_numbers(const X509_NAME* name)
{
    std::vector<std::string> out;
    for (int i = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_serialNumber, i))
        out.push_back(asn1_string_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))));
    return out;
}

/// Decodes an extension; distinguishes "absent" (ok, nullptr) from "present but broken" (error).
template <class T>
result<T*> get_ext(X509* x, int nid, const char* what)
{
    int crit = -1;
    void* p = X509_get_ext_d2i(x, nid, &crit, nullptr);
    if (p == nullptr && crit != -1) {
        ERR_clear_error();
        return fail(std::string("The certificate's ") + what + " extension is malformed or repeated.");
    }
    return static_cast<T*>(p);
}

} // namespace

void certificate::deleter::operator()(X509* p) const { X509_free(p); }

result<certificate> certificate::from_der(byte_view der)
{
    const unsigned char* p = der.data();
    X509* raw = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (raw == nullptr) {
        ERR_clear_error();
        return fail("The data is not a DER X.509 certificate.");
    }
    certificate c;
    c.m_x509 = std::shared_ptr<X509>(raw, deleter{});
    if (p != der.data() + der.size()) return fail("The certificate is followed by unexpected bytes.");
    c.m_der.assign(der.begin(), der.end());
    X509* x = c.m_x509.get();

    if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(x))
        c.m_ski.assign(ASN1_STRING_get0_data(ski), ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski));
    if (const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(x))
        c.m_aki.assign(ASN1_STRING_get0_data(aki), ASN1_STRING_get0_data(aki) + ASN1_STRING_length(aki));
    if ((X509_get_extension_flags(x) & EXFLAG_INVALID) != 0) {
        ERR_clear_error();
        return fail("The certificate has invalid extensions.");
    }

    auto policies = get_ext<CERTIFICATEPOLICIES>(x, NID_certificate_policies, "certificatePolicies");
    if (!policies) return policies.take_error();
    const owned<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free> pol(*policies);
    for (int i = 0; pol && i < sk_POLICYINFO_num(pol.get()); ++i)
        c.m_policies.push_back(oid_text(sk_POLICYINFO_value(pol.get(), i)->policyid));

    auto san = get_ext<GENERAL_NAMES>(x, NID_subject_alt_name, "subjectAltName");
    if (!san) return san.take_error();
    const owned<GENERAL_NAMES, GENERAL_NAMES_free> names(*san);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        if (gn->type == GEN_RID && c.m_san_rid.empty()) c.m_san_rid = oid_text(gn->d.registeredID);
        if (gn->type == GEN_DNS) c.m_san_dns.push_back(asn1_string_text(gn->d.dNSName));
    }

    const auto subject_serials = serial_numbers(X509_get_subject_name(x));
    if (!subject_serials.empty()) c.m_subject_serial = subject_serials.front();

    // SGP.22 EUM certificates carry the permitted EID prefix (IIN) as a directoryName subtree's serialNumber.
    auto nc = get_ext<NAME_CONSTRAINTS>(x, NID_name_constraints, "nameConstraints");
    if (!nc) return nc.take_error();
    const owned<NAME_CONSTRAINTS, NAME_CONSTRAINTS_free> constraints(*nc);
    if (constraints && constraints->permittedSubtrees) {
        for (int i = 0; i < sk_GENERAL_SUBTREE_num(constraints->permittedSubtrees); ++i) {
            const GENERAL_SUBTREE* st = sk_GENERAL_SUBTREE_value(constraints->permittedSubtrees, i);
            if (st->base == nullptr || st->base->type != GEN_DIRNAME) continue;
            for (auto& s : serial_numbers(st->base->d.directoryName)) c.m_permitted_eid_prefixes.push_back(std::move(s));
        }
    }

    auto key = ec_key::adopt(X509_get_pubkey(x));
    if (!key) return fail("The certificate's public key is not usable: " + key.error().message);
    c.m_public_key = std::make_shared<ec_key>(std::move(*key));
    return c;
}

result<certificate> certificate::from_pem(std::string_view pem)
{
    auto bio = detail::mem_bio(pem);
    detail::x509_ptr x(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!x) {
        ERR_clear_error();
        return fail("The PEM text holds no X.509 certificate.");
    }
    unsigned char* der = nullptr;
    const int len = i2d_X509(x.get(), &der);
    if (len <= 0) return fail("The certificate could not be re-encoded.");
    const bytes buf(der, der + len);
    OPENSSL_free(der);
    return from_der(buf);
}

result<certificate> certificate::load_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("Cannot open the certificate file " + path + ".");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto r = data.find("-----BEGIN") != std::string::npos ? from_pem(data) : from_der(as_bytes(data));
    if (!r) return fail("Cannot load the certificate file " + path + ": " + r.error().message);
    return r;
}

std::string certificate::pem() const
{
    detail::bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), m_x509.get()) != 1) return {};
    return detail::bio_to_string(bio.get());
}

bool certificate::has_policy(std::string_view oid) const
{
    return std::find(m_policies.begin(), m_policies.end(), oid) != m_policies.end();
}

std::string certificate::subject_text() const
{
    detail::bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(m_x509.get()), 0,
                                   XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return {};
    return detail::bio_to_string(bio.get());
}

bool certificate::signed_by(const certificate& issuer) const
{
    const bool ok = X509_verify(m_x509.get(), issuer.public_key().native()) == 1;
    ERR_clear_error();
    return ok;
}

bool certificate::valid_at(std::chrono::system_clock::time_point t) const
{
    time_t when = std::chrono::system_clock::to_time_t(t);
    // X509_cmp_time: -1 if the certificate time is at or before `when`, 1 if after, 0 on error.
    return X509_cmp_time(X509_get0_notBefore(m_x509.get()), &when) == -1 &&
           X509_cmp_time(X509_get0_notAfter(m_x509.get()), &when) == 1;
}

namespace {

/// "the eUICC certificate", "the DPauth certificate"... from the role OID the certificate plays.
std::string role_name(std::string_view policy)
{
    if (policy == rsp_oid::ci) return "the CI certificate";
    if (policy == rsp_oid::euicc) return "the eUICC certificate";
    if (policy == rsp_oid::eum) return "the EUM certificate";
    if (policy == rsp_oid::dp_tls) return "the DP TLS certificate";
    if (policy == rsp_oid::dp_auth) return "the DPauth certificate";
    if (policy == rsp_oid::dp_pb) return "the DPpb certificate";
    if (policy == "2.23.146.1.2.1.6") return "the DS TLS certificate";
    if (policy == "2.23.146.1.2.1.7") return "the DSauth certificate";
    return {};
}

std::string describe(const certificate& c, std::string_view expected_role)
{
    std::string n = role_name(expected_role);
    if (!n.empty()) return n;
    for (const auto& p : c.policies())
        if (n = role_name(p); !n.empty()) return n;
    return "the certificate \"" + c.subject_text() + "\"";
}

chain_check bad(chain_error e, std::string msg) { return chain_check{e, std::move(msg)}; }

/// One link child <- issuer: key identifiers, CA flag, signature.
chain_check check_link(const certificate& child, const std::string& child_name, const certificate& issuer,
                       const std::string& issuer_name)
{
    if (child.authority_key_id().empty() || child.authority_key_id() != issuer.subject_key_id())
        return bad(chain_error::unknown_issuer, child_name + " was not issued by " + issuer_name + ".");
    if ((X509_get_extension_flags(issuer.native()) & EXFLAG_CA) == 0)
        return bad(chain_error::not_a_ca, issuer_name + " is not a CA certificate.");
    if (!child.signed_by(issuer))
        return bad(chain_error::bad_signature, child_name + " is not signed by " + issuer_name + ".");
    return {};
}

std::string capitalised(std::string s)
{
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

} // namespace

chain_check verify_rsp_chain(const certificate& leaf, const certificate* intermediate, const certificate& root,
                             std::string_view leaf_policy_oid, bool check_time)
{
    const bool euicc_leaf = leaf_policy_oid == rsp_oid::euicc;
    const std::string leaf_name = describe(leaf, leaf_policy_oid);
    const std::string root_name = describe(root, rsp_oid::ci);
    const std::string mid_name = intermediate ? describe(*intermediate, euicc_leaf ? rsp_oid::eum : "") : "";

    if (!leaf.has_policy(leaf_policy_oid))
        return bad(chain_error::wrong_policy,
                   capitalised(leaf_name) + " does not carry the required policy " + std::string(leaf_policy_oid) + ".");
    if (euicc_leaf && intermediate != nullptr && !intermediate->has_policy(rsp_oid::eum))
        return bad(chain_error::wrong_policy, capitalised(mid_name) + " does not carry the EUM policy " +
                                                  std::string(rsp_oid::eum) + ".");

    const certificate& leaf_issuer = intermediate ? *intermediate : root;
    if (auto r = check_link(leaf, leaf_name, leaf_issuer, intermediate ? mid_name : root_name); !r) {
        r.message = capitalised(r.message);
        return r;
    }
    if (intermediate != nullptr) {
        if (auto r = check_link(*intermediate, mid_name, root, root_name); !r) {
            r.message = capitalised(r.message);
            return r;
        }
    }

    if (check_time) {
        const auto now = std::chrono::system_clock::now();
        for (const auto& [cert, name] : {std::pair{&leaf, &leaf_name}, std::pair{intermediate, &mid_name},
                                         std::pair{&root, &root_name}}) {
            if (cert != nullptr && !cert->valid_at(now))
                return bad(chain_error::expired, capitalised(*name) + " is expired or not yet valid.");
        }
    }

    // SGP.22: the EID must lie in the EUM's permitted range; this replaces RFC 5280 name constraints.
    // With no intermediate the caller passed the EUM itself as the trusted issuer (its CI link already checked).
    if (euicc_leaf && !leaf_issuer.permitted_eid_prefixes().empty()) {
        const std::string& eid = leaf.subject_serial_number();
        const auto& prefixes = leaf_issuer.permitted_eid_prefixes();
        const bool in_range = std::any_of(prefixes.begin(), prefixes.end(), [&eid](const std::string& p) {
            return !p.empty() && eid.size() >= p.size() && eid.compare(0, p.size(), p) == 0;
        });
        if (!in_range)
            return bad(chain_error::eid_out_of_range, "The EID " + (eid.empty() ? std::string("(none)") : eid) +
                                                          " in the eUICC certificate is outside the range the EUM "
                                                          "certificate permits.");
    }
    return {};
}

} // namespace openrsp::crypto
