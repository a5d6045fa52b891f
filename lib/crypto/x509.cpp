#include "openrsp/crypto/x509.h"

#include "ossl_util.h"

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "openrsp/der/der.h"
#include "openrsp/der/tags.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>

namespace openrsp::crypto {

namespace {

// X.509 is decoded with our strict DER reader rather than d2i_X509: OpenSSL 3.0 runs its provider decoder
// machinery for every public key, which made one certificate parse cost more than two ECDSA verifications,
// and the SM-DP+ parses an eUICC and an EUM certificate per download. Signatures are still checked by OpenSSL.
constexpr std::string_view oid_serial_number = "2.5.4.5";
constexpr std::string_view oid_ski = "2.5.29.14";
constexpr std::string_view oid_aki = "2.5.29.35";
constexpr std::string_view oid_policies = "2.5.29.32";
constexpr std::string_view oid_san = "2.5.29.17";
constexpr std::string_view oid_name_constraints = "2.5.29.30";
constexpr std::string_view oid_basic_constraints = "2.5.29.19";
constexpr std::string_view oid_ec_public_key = "1.2.840.10045.2.1";
constexpr std::string_view oid_p256 = "1.2.840.10045.3.1.7";
constexpr std::string_view oid_brainpool_p256r1 = "1.3.36.3.3.2.8.1.1.7";
constexpr std::string_view oid_ecdsa_sha256 = "1.2.840.10045.4.3.2";

/// Serial numbers are compared by magnitude: DER puts a 00 octet before a high bit, BN_bn2bin does not.
bytes strip_leading_zeros(byte_view v)
{
    std::size_t k = 0;
    while (k + 1 < v.size() && v[k] == 0)
        ++k;
    return bytes(v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
}

unexpected malformed(const char* what)
{
    return fail(std::string("The certificate's ") + what + " is malformed.");
}

/// All serialNumber attribute values of a Name (SEQUENCE OF SET OF AttributeTypeAndValue).
result<std::vector<std::string>> name_serial_numbers(byte_view name_value)
{
    std::vector<std::string> out;
    auto rdns = der::reader(name_value).all();
    if (!rdns) return malformed("name");
    for (const auto& rdn : *rdns) {
        if (rdn.tag != der::tag::set) return malformed("name");
        auto atvs = der::reader(rdn.value).all();
        if (!atvs) return malformed("name");
        for (const auto& atv : *atvs) {
            auto parts = der::reader(atv.value).all();
            if (atv.tag != der::tag::sequence || !parts || parts->size() != 2 || (*parts)[0].tag != der::tag::oid)
                return malformed("name");
            auto oid = der::decode_oid((*parts)[0].value);
            if (oid && *oid == oid_serial_number) out.push_back(to_string((*parts)[1].value));
        }
    }
    return out;
}

/// UTCTime / GeneralizedTime "...Z" to seconds since the epoch.
result<std::int64_t> decode_time(const der::tlv& t)
{
    const std::string s = to_string(t.value);
    std::size_t year_digits = t.tag == der::tag::utc_time ? 2 : t.tag == der::tag::generalized_time ? 4 : 0;
    if (year_digits == 0 || s.size() != year_digits + 11 || s.back() != 'Z') return malformed("validity");
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') return malformed("validity");
    auto num = [&](std::size_t pos, std::size_t len) { return std::stoi(s.substr(pos, len)); };
    int year = num(0, year_digits);
    if (year_digits == 2) year += year < 50 ? 2000 : 1900; // RFC 5280 §4.1.2.5.1
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = num(year_digits, 2) - 1;
    tm.tm_mday = num(year_digits + 2, 2);
    tm.tm_hour = num(year_digits + 4, 2);
    tm.tm_min = num(year_digits + 6, 2);
    tm.tm_sec = num(year_digits + 8, 2);
    return static_cast<std::int64_t>(timegm(&tm));
}

/// The value inside an extension's OCTET STRING must be exactly one TLV of the expected tag.
result<der::tlv> ext_body(byte_view extn_value, der::tag_t tag, const char* what)
{
    auto t = der::parse_one(extn_value);
    if (!t || t->tag != tag) return malformed(what);
    return t;
}

} // namespace

struct certificate::lazy_x509 {
    std::once_flag once;
    detail::x509_ptr x509;
};

result<certificate> certificate::from_der(byte_view input)
{
    auto outer = der::parse_one(input);
    if (!outer || outer->tag != der::tag::sequence) return fail("The data is not a DER X.509 certificate.");
    auto top = der::reader(outer->value).all();
    if (!top || top->size() != 3 || (*top)[0].tag != der::tag::sequence || (*top)[1].tag != der::tag::sequence ||
        (*top)[2].tag != der::tag::bit_string)
        return fail("The data is not a DER X.509 certificate.");

    certificate c;
    c.m_der.assign(input.begin(), input.end());
    const der::tlv& tbs = (*top)[0];
    c.m_tbs_offset = static_cast<std::size_t>(tbs.raw.data() - input.data());
    c.m_tbs_length = tbs.raw.size();
    if (auto alg = der::reader((*top)[1].value).find(der::tag::oid))
        if (auto oid = der::decode_oid(alg->value)) c.m_ecdsa_sha256 = *oid == oid_ecdsa_sha256;
    const byte_view sig_bits = (*top)[2].value;
    if (sig_bits.empty() || sig_bits[0] != 0) return malformed("signature");
    c.m_signature.assign(sig_bits.begin() + 1, sig_bits.end());

    auto fields = der::reader(tbs.value).all();
    if (!fields || fields->size() < 6) return malformed("TBSCertificate");
    std::size_t i = (*fields)[0].tag == der::tag::tbs_certificate::version ? 1 : 0;
    if (fields->size() < i + 6 || (*fields)[i].tag != der::tag::integer) return malformed("TBSCertificate");
    c.m_serial = strip_leading_zeros((*fields)[i].value);
    const der::tlv& validity = (*fields)[i + 3];
    const der::tlv& subject = (*fields)[i + 4];
    const der::tlv& spki = (*fields)[i + 5];

    auto times = der::reader(validity.value).all();
    if (validity.tag != der::tag::sequence || !times || times->size() != 2) return malformed("validity");
    auto nb = decode_time((*times)[0]);
    auto na = decode_time((*times)[1]);
    if (!nb) return nb.take_error();
    if (!na) return na.take_error();
    c.m_not_before = *nb;
    c.m_not_after = *na;

    if (subject.tag != der::tag::sequence) return malformed("subject");
    auto serials = name_serial_numbers(subject.value);
    if (!serials) return serials.take_error();
    if (!serials->empty()) c.m_subject_serial = serials->front();

    // SubjectPublicKeyInfo: id-ecPublicKey with a named curve, uncompressed point.
    auto spki_parts = der::reader(spki.value).all();
    if (spki.tag != der::tag::sequence || !spki_parts || spki_parts->size() != 2 ||
        (*spki_parts)[1].tag != der::tag::bit_string)
        return malformed("public key");
    auto alg_parts = der::reader((*spki_parts)[0].value).all();
    if (!alg_parts || alg_parts->size() != 2) return malformed("public key");
    auto alg_oid = der::decode_oid((*alg_parts)[0].value);
    auto curve_oid = der::decode_oid((*alg_parts)[1].value);
    if (!alg_oid || *alg_oid != oid_ec_public_key || !curve_oid)
        return fail("The certificate's public key is not usable: it is not an EC key on a named curve.");
    curve key_curve;
    if (*curve_oid == oid_p256)
        key_curve = curve::nist_p256;
    else if (*curve_oid == oid_brainpool_p256r1)
        key_curve = curve::brainpool_p256r1;
    else
        return fail("The certificate's public key is not usable: curve " + *curve_oid + " is not supported.");
    const byte_view point_bits = (*spki_parts)[1].value;
    if (point_bits.empty() || point_bits[0] != 0) return malformed("public key");
    auto key = ec_key::from_public_point(key_curve, point_bits.subspan(1));
    if (!key) return fail("The certificate's public key is not usable: " + key.error().message);
    c.m_public_key = std::make_shared<ec_key>(std::move(*key));

    // Extensions: [3] EXPLICIT SEQUENCE OF Extension.
    std::vector<std::string> seen;
    for (std::size_t k = i + 6; k < fields->size(); ++k) {
        if ((*fields)[k].tag != der::tag::tbs_certificate::extensions) continue;
        auto list = der::parse_one((*fields)[k].value);
        if (!list || list->tag != der::tag::sequence) return malformed("extensions");
        auto exts = der::reader(list->value).all();
        if (!exts) return malformed("extensions");
        for (const auto& ext : *exts) {
            auto parts = der::reader(ext.value).all();
            if (ext.tag != der::tag::sequence || !parts || parts->size() < 2 || (*parts)[0].tag != der::tag::oid ||
                parts->back().tag != der::tag::octet_string ||
                (parts->size() == 3 && (*parts)[1].tag != der::tag::boolean))
                return malformed("extensions");
            auto oid = der::decode_oid((*parts)[0].value);
            if (!oid) return malformed("extensions");
            if (std::find(seen.begin(), seen.end(), *oid) != seen.end())
                return fail("The certificate has invalid extensions.");
            seen.push_back(*oid);
            const byte_view body = parts->back().value;
            if (*oid == oid_ski) {
                auto v = ext_body(body, der::tag::octet_string, "subjectKeyIdentifier");
                if (!v) return v.take_error();
                c.m_ski.assign(v->value.begin(), v->value.end());
            } else if (*oid == oid_aki) {
                auto v = ext_body(body, der::tag::sequence, "authorityKeyIdentifier");
                if (!v) return v.take_error();
                if (auto id = der::reader(v->value).find(der::tag::authority_key_identifier::key_identifier))
                    c.m_aki.assign(id->value.begin(), id->value.end());
            } else if (*oid == oid_policies) {
                auto v = ext_body(body, der::tag::sequence, "certificatePolicies");
                auto infos = v ? der::reader(v->value).all() : result<std::vector<der::tlv>>(fail(""));
                if (!infos) return malformed("certificatePolicies");
                for (const auto& info : *infos) {
                    auto pid = der::reader(info.value).find(der::tag::oid);
                    auto text = pid ? der::decode_oid(pid->value) : result<std::string>(fail(""));
                    if (info.tag != der::tag::sequence || !text) return malformed("certificatePolicies");
                    c.m_policies.push_back(std::move(*text));
                }
            } else if (*oid == oid_san) {
                auto v = ext_body(body, der::tag::sequence, "subjectAltName");
                auto names = v ? der::reader(v->value).all() : result<std::vector<der::tlv>>(fail(""));
                if (!names) return malformed("subjectAltName");
                for (const auto& gn : *names) {
                    if (gn.tag == der::tag::general_name::registered_id && c.m_san_rid.empty()) {
                        auto rid = der::decode_oid(gn.value);
                        if (!rid) return malformed("subjectAltName");
                        c.m_san_rid = std::move(*rid);
                    } else if (gn.tag == der::tag::general_name::dns_name) {
                        c.m_san_dns.push_back(to_string(gn.value));
                    }
                }
            } else if (*oid == oid_name_constraints) {
                // SGP.22 EUM certificates carry the permitted EID prefix (IIN) as a directoryName's serialNumber.
                auto v = ext_body(body, der::tag::sequence, "nameConstraints");
                if (!v) return v.take_error();
                if (auto permitted = der::reader(v->value).find(der::tag::name_constraints::permitted_subtrees)) {
                    auto subtrees = der::reader(permitted->value).all();
                    if (!subtrees) return malformed("nameConstraints");
                    for (const auto& st : *subtrees) {
                        auto base = der::reader(st.value).peek();
                        if (!base) return malformed("nameConstraints");
                        if (base->tag != der::tag::general_name::directory_name) continue; // EXPLICIT Name
                        auto name = der::parse_one(base->value);
                        if (!name || name->tag != der::tag::sequence) return malformed("nameConstraints");
                        auto prefixes = name_serial_numbers(name->value);
                        if (!prefixes) return prefixes.take_error();
                        for (auto& p : *prefixes)
                            c.m_permitted_eid_prefixes.push_back(std::move(p));
                    }
                }
            } else if (*oid == oid_basic_constraints) {
                auto v = ext_body(body, der::tag::sequence, "basicConstraints");
                if (!v) return v.take_error();
                if (auto ca = der::reader(v->value).find(der::tag::boolean))
                    c.m_is_ca = !ca->value.empty() && ca->value[0] != 0;
            }
        }
    }
    c.m_x509 = std::make_shared<lazy_x509>();
    return c;
}

X509* certificate::native() const
{
    std::call_once(m_x509->once, [this] {
        const unsigned char* p = m_der.data();
        m_x509->x509.reset(d2i_X509(nullptr, &p, static_cast<long>(m_der.size())));
        ERR_clear_error();
    });
    return m_x509->x509.get();
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
    const std::string b64 = base64_encode(m_der);
    std::string out = "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64)
        out += b64.substr(i, 64) + "\n";
    return out + "-----END CERTIFICATE-----\n";
}

bool certificate::has_policy(std::string_view oid) const
{
    return std::find(m_policies.begin(), m_policies.end(), oid) != m_policies.end();
}

std::string certificate::subject_text() const
{
    detail::bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(native()), 0,
                                   XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return {};
    return detail::bio_to_string(bio.get());
}

bool certificate::signed_by(const certificate& issuer) const
{
    if (m_ecdsa_sha256) {
        const byte_view tbs(m_der.data() + m_tbs_offset, m_tbs_length);
        return ecdsa_verify(issuer.public_key(), tbs, m_signature, sig_format::der);
    }
    // Anything but ecdsa-with-SHA256 is outside the RSP profile; OpenSSL still judges it.
    X509* x = native();
    const bool ok = x != nullptr && X509_verify(x, issuer.public_key().native()) == 1;
    ERR_clear_error();
    return ok;
}

bool certificate::valid_at(std::chrono::system_clock::time_point t) const
{
    const std::int64_t when = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    return m_not_before <= when && when < m_not_after;
}

namespace {
using crl_ptr = std::unique_ptr<X509_CRL, detail::ossl_deleter<X509_CRL, X509_CRL_free>>;
using akid_ptr = std::unique_ptr<AUTHORITY_KEYID, detail::ossl_deleter<AUTHORITY_KEYID, AUTHORITY_KEYID_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, detail::ossl_deleter<BIGNUM, BN_free>>;

crl_ptr decode_crl(const bytes& der)
{
    const unsigned char* p = der.data();
    crl_ptr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if (crl && p != der.data() + der.size()) crl.reset(); // trailing bytes: not one CRL
    return crl;
}

} // namespace

result<revocation_list> revocation_list::from_der(byte_view der)
{
    revocation_list out;
    out.m_der.assign(der.begin(), der.end());
    const crl_ptr crl = decode_crl(out.m_der);
    if (!crl) return fail("The data is not a DER X.509 CRL.");
    if (akid_ptr akid(static_cast<AUTHORITY_KEYID*>(
            X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr)));
        akid && akid->keyid != nullptr)
        out.m_aki.assign(ASN1_STRING_get0_data(akid->keyid),
                         ASN1_STRING_get0_data(akid->keyid) + ASN1_STRING_length(akid->keyid));
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    for (int k = 0; k < sk_X509_REVOKED_num(revoked); ++k) {
        const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, k));
        bn_ptr bn(ASN1_INTEGER_to_BN(serial, nullptr));
        if (!bn) return fail("The CRL holds an unreadable serial number.");
        // Serial 0 has no magnitude bytes; it is kept as one zero byte.
        bytes mag(std::max<std::size_t>(1, static_cast<std::size_t>(BN_num_bytes(bn.get()))));
        if (BN_bn2binpad(bn.get(), mag.data(), static_cast<int>(mag.size())) < 0)
            return fail("The CRL holds an unreadable serial number.");
        out.m_serials.push_back(std::move(mag));
    }
    ERR_clear_error();
    // Shorter magnitude first, then byte by byte: numeric order, since serials are kept without leading zeros.
    std::sort(out.m_serials.begin(), out.m_serials.end(), bytes_order{});
    return out;
}

result<revocation_list> revocation_list::from_pem(std::string_view pem)
{
    auto bio = detail::mem_bio(pem);
    crl_ptr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!crl) {
        ERR_clear_error();
        return fail("The PEM text holds no X.509 CRL.");
    }
    unsigned char* der = nullptr;
    const int len = i2d_X509_CRL(crl.get(), &der);
    if (len <= 0) return fail("The CRL could not be re-encoded.");
    const bytes buf(der, der + len);
    OPENSSL_free(der);
    return from_der(buf);
}

result<revocation_list> revocation_list::load_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("Cannot open the CRL file " + path + ".");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto r = data.find("-----BEGIN") != std::string::npos ? from_pem(data) : from_der(as_bytes(data));
    if (!r) return fail("Cannot load the CRL file " + path + ": " + r.error().message);
    return r;
}

bool revocation_list::signed_by(const certificate& issuer) const
{
    const crl_ptr crl = decode_crl(m_der);
    const bool ok = crl && X509_CRL_verify(crl.get(), issuer.public_key().native()) == 1;
    ERR_clear_error();
    return ok;
}

bool revocation_list::revokes(byte_view serial) const
{
    const bytes key = strip_leading_zeros(serial);
    return std::binary_search(m_serials.begin(), m_serials.end(), key, bytes_order{});
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

chain_check bad(chain_error e, std::string msg)
{
    return chain_check{e, std::move(msg)};
}

/// One link child <- issuer: key identifiers, CA flag, signature.
chain_check check_link(const certificate& child, const std::string& child_name, const certificate& issuer,
                       const std::string& issuer_name)
{
    if (child.authority_key_id().empty() || child.authority_key_id() != issuer.subject_key_id())
        return bad(chain_error::unknown_issuer, child_name + " was not issued by " + issuer_name + ".");
    if (!issuer.is_ca()) return bad(chain_error::not_a_ca, issuer_name + " is not a CA certificate.");
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
        return bad(chain_error::wrong_policy, capitalised(leaf_name) + " does not carry the required policy " +
                                                  std::string(leaf_policy_oid) + ".");
    if (euicc_leaf && intermediate != nullptr && !intermediate->has_policy(rsp_oid::eum))
        return bad(chain_error::wrong_policy,
                   capitalised(mid_name) + " does not carry the EUM policy " + std::string(rsp_oid::eum) + ".");

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
        for (const auto& [cert, name] :
             {std::pair{&leaf, &leaf_name}, std::pair{intermediate, &mid_name}, std::pair{&root, &root_name}}) {
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
