#include "openrsp/crypto/ec.h"

#include "ossl_util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace openrsp::crypto {

using detail::bio_ptr;
using detail::md_ctx_ptr;
using detail::ossl_deleter;
using detail::pkey_ctx_ptr;
using detail::sha256_md;

namespace {

using bn_ptr = std::unique_ptr<BIGNUM, ossl_deleter<BIGNUM, BN_free>>;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, ossl_deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, ossl_deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, ossl_deleter<OSSL_PARAM, OSSL_PARAM_free>>;

constexpr std::size_t coord_size = 32;

const char* group_name(curve c) { return c == curve::nist_p256 ? "prime256v1" : "brainpoolP256r1"; }

/// Maps an EC key's group to our curve enum; nullopt for anything SGP.22 does not use.
std::optional<curve> detect_curve(const EVP_PKEY* pkey)
{
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) return std::nullopt;
    char name[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1)
        return std::nullopt;
    const std::string_view n(name, len);
    if (n == "prime256v1" || n == "P-256" || n == "secp256r1") return curve::nist_p256;
    if (n == "brainpoolP256r1") return curve::brainpool_p256r1;
    return std::nullopt;
}

bool has_private_part(const EVP_PKEY* pkey)
{
    BIGNUM* priv = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv) != 1) {
        ERR_clear_error();
        return false;
    }
    BN_clear_free(priv);
    return true;
}

} // namespace

const EVP_MD* detail::sha256_md()
{
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

std::string_view curve_name(curve c) { return c == curve::nist_p256 ? "NIST P-256" : "brainpoolP256r1"; }

void ec_key::deleter::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

ec_key::ec_key(std::unique_ptr<EVP_PKEY, deleter> p, curve c, bool priv)
    : m_pkey(std::move(p)), m_curve(c), m_has_private(priv)
{
}

ec_key::ec_key(ec_key&&) noexcept = default;
ec_key& ec_key::operator=(ec_key&&) noexcept = default;
ec_key::~ec_key() = default;

result<ec_key> ec_key::generate(curve c)
{
    EVP_PKEY* raw = EVP_EC_gen(group_name(c));
    if (raw == nullptr) {
        ERR_clear_error();
        return fail("Could not generate a " + std::string(curve_name(c)) + " key pair.");
    }
    return ec_key(std::unique_ptr<EVP_PKEY, deleter>(raw), c, true);
}

result<ec_key> ec_key::from_pem(std::string_view pem)
{
    // PEM_read_bio_PrivateKey understands PKCS#8 and SEC1 "EC PRIVATE KEY", and skips an
    // "EC PARAMETERS" block in front of it (as in the SGP.26 key files).
    bool priv = true;
    // OpenSSL 3.0's decoder reads a leftover error (e.g. from a failed TLS verification on this thread) as its own
    // and then drops the public key of an "EC PARAMETERS" + SEC1 key file: start from a clean queue.
    ERR_clear_error();
    auto bio = detail::mem_bio(pem);
    EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (raw == nullptr) {
        ERR_clear_error();
        priv = false;
        bio = detail::mem_bio(pem);
        raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    }
    if (raw == nullptr) {
        ERR_clear_error();
        return fail("The PEM text holds no readable EC private or public key.");
    }
    auto key = adopt(raw);
    if (key && priv && !key->has_private()) return fail("The PEM private key has no private part.");
    return key;
}

namespace {

/// A public-only key on the curve, imported once: importing a point through EVP_PKEY_fromdata builds the EC group
/// from its name every time (~17 us, as much as an ECDSA signature), while duplicating a key shares that work.
EVP_PKEY* public_template(curve c)
{
    auto make = [](curve cv) -> EVP_PKEY* {
        auto gen = ec_key::generate(cv);
        if (!gen) return nullptr;
        const bytes point = gen->public_point();
        param_bld_ptr bld(OSSL_PARAM_BLD_new());
        if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group_name(cv), 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
            return nullptr;
        params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
        pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
        EVP_PKEY* raw = nullptr;
        if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
            EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
            return nullptr;
        return raw;
    };
    // Never freed: two small keys for the life of the process.
    static EVP_PKEY* const nist = make(curve::nist_p256);
    static EVP_PKEY* const brainpool = make(curve::brainpool_p256r1);
    return c == curve::nist_p256 ? nist : brainpool;
}

} // namespace

result<ec_key> ec_key::from_public_point(curve c, byte_view point)
{
    if (point.size() != 1 + 2 * coord_size || point[0] != 0x04)
        return fail("An EC public point must be 65 bytes in uncompressed form (04||X||Y).");
    const EVP_PKEY* tmpl = public_template(c);
    std::unique_ptr<EVP_PKEY, deleter> pkey(tmpl ? EVP_PKEY_dup(const_cast<EVP_PKEY*>(tmpl)) : nullptr);
    if (!pkey) {
        ERR_clear_error();
        return fail("Could not prepare an EC public key on " + std::string(curve_name(c)) + ".");
    }
    // Decoding the point rejects coordinates off the curve; the quick check makes that explicit and is cheap
    // (no scalar multiplication; both curves have cofactor 1).
    pkey_ctx_ptr check;
    if (EVP_PKEY_set1_encoded_public_key(pkey.get(), point.data(), point.size()) != 1 ||
        !(check = pkey_ctx_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr))) ||
        EVP_PKEY_public_check_quick(check.get()) != 1) {
        ERR_clear_error();
        return fail("The EC public point is not on the " + std::string(curve_name(c)) + " curve.");
    }
    return ec_key(std::move(pkey), c, false);
}

result<ec_key> ec_key::adopt(EVP_PKEY* pkey)
{
    std::unique_ptr<EVP_PKEY, deleter> owned(pkey);
    if (!owned) return fail("No key was given.");
    const auto c = detect_curve(owned.get());
    if (!c) {
        ERR_clear_error();
        return fail("The key is not on NIST P-256 or brainpoolP256r1.");
    }
    const bool priv = has_private_part(owned.get());
    return ec_key(std::move(owned), *c, priv);
}

bytes ec_key::public_point() const
{
    bytes out(1 + 2 * coord_size);
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(m_pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) == 1 &&
        len == out.size() && out[0] == 0x04)
        return out;
    // The key was stored in compressed form: rebuild 04||X||Y from the affine coordinates.
    ERR_clear_error();
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(m_pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(m_pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    const bn_ptr bx(x), by(y);
    out[0] = 0x04;
    if (!bx || !by || BN_bn2binpad(bx.get(), out.data() + 1, coord_size) < 0 ||
        BN_bn2binpad(by.get(), out.data() + 1 + coord_size, coord_size) < 0)
        throw std::runtime_error("ec_key: cannot read the public point");
    return out;
}

std::string ec_key::private_pem() const
{
    if (!m_has_private) return {};
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), m_pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    return detail::bio_to_string(bio.get());
}

std::string ec_key::public_pem() const
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_pkey.get()) != 1) return {};
    return detail::bio_to_string(bio.get());
}

result<bytes> ecdsa_sign(const ec_key& key, byte_view message, sig_format format)
{
    if (!key.has_private()) return fail("ECDSA signing needs a private key.");
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    bytes sig(80);
    std::size_t len = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, sha256_md(), nullptr, key.native()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
        ERR_clear_error();
        return fail("ECDSA signing failed.");
    }
    sig.resize(len);
    if (format == sig_format::der) return sig;
    return ecdsa_der_to_raw(sig);
}

bool ecdsa_verify(const ec_key& key, byte_view message, byte_view signature, sig_format format)
{
    try {
        bytes der_sig;
        if (format == sig_format::raw_rs) {
            auto d = ecdsa_raw_to_der(signature);
            if (!d) return false;
            der_sig = std::move(*d);
        } else {
            // OpenSSL tolerates some BER leniency; insist on one canonical DER encoding.
            auto raw = ecdsa_der_to_raw(signature);
            if (!raw) return false;
            der_sig.assign(signature.begin(), signature.end());
        }
        md_ctx_ptr ctx(EVP_MD_CTX_new());
        const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, sha256_md(), nullptr, key.native()) == 1 &&
                        EVP_DigestVerify(ctx.get(), der_sig.data(), der_sig.size(), message.data(), message.size()) == 1;
        ERR_clear_error();
        return ok;
    } catch (...) {
        ERR_clear_error();
        return false;
    }
}

result<bytes> ecdsa_der_to_raw(byte_view der_sig)
{
    const unsigned char* p = der_sig.data();
    ecdsa_sig_ptr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_sig.size())));
    if (!sig) {
        ERR_clear_error();
        return fail("The ECDSA signature is not a DER ECDSA-Sig-Value.");
    }
    if (p != der_sig.data() + der_sig.size()) return fail("The ECDSA signature has trailing bytes.");
    // Re-encoding catches non-minimal integers and lengths that d2i lets through.
    unsigned char* re = nullptr;
    const int re_len = i2d_ECDSA_SIG(sig.get(), &re);
    const bool canonical =
        re_len == static_cast<int>(der_sig.size()) && std::memcmp(re, der_sig.data(), der_sig.size()) == 0;
    OPENSSL_free(re);
    if (!canonical) return fail("The ECDSA signature is not in canonical DER.");

    const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
    const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
    if (BN_is_negative(r) || BN_is_negative(s)) return fail("The ECDSA signature has a negative component.");
    bytes out(2 * coord_size);
    if (BN_bn2binpad(r, out.data(), coord_size) < 0 || BN_bn2binpad(s, out.data() + coord_size, coord_size) < 0)
        return fail("The ECDSA signature components are longer than 32 bytes.");
    return out;
}

result<bytes> ecdsa_raw_to_der(byte_view raw_sig)
{
    if (raw_sig.size() != 2 * coord_size) return fail("A raw ECDSA signature must be 64 bytes (r||s).");
    bn_ptr r(BN_bin2bn(raw_sig.data(), coord_size, nullptr));
    bn_ptr s(BN_bin2bn(raw_sig.data() + coord_size, coord_size, nullptr));
    ecdsa_sig_ptr sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        return fail("Could not build the ECDSA signature.");
    (void)r.release(); // owned by sig now
    (void)s.release();
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0) return fail("Could not encode the ECDSA signature.");
    bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

result<bytes> ecka(const ec_key& private_key, const ec_key& peer_public)
{
    if (!private_key.has_private()) return fail("ECKA needs a private key.");
    if (private_key.key_curve() != peer_public.key_curve())
        return fail("ECKA keys are on different curves (" + std::string(curve_name(private_key.key_curve())) +
                    " and " + std::string(curve_name(peer_public.key_curve())) + ").");
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, private_key.native(), nullptr));
    bytes secret(coord_size);
    std::size_t len = secret.size();
    // validate_peer=0: the peer key was checked on import, and the full check costs a scalar multiplication.
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer_ex(ctx.get(), peer_public.native(), 0) != 1 ||
        EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != coord_size) {
        ERR_clear_error();
        return fail("ECKA key agreement failed.");
    }
    return secret;
}

bytes sha256(byte_view data)
{
    bytes out(32);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return out;
}

bytes random_bytes(std::size_t n)
{
    bytes out(n);
    if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
        throw std::runtime_error("the random number generator failed");
    return out;
}

} // namespace openrsp::crypto
