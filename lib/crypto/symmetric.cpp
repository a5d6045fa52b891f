#include "openrsp/crypto/symmetric.h"

#include "ossl_util.h"

#include <openssl/core_names.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace openrsp::crypto {

using detail::cipher_ctx_ptr;
using detail::mac_ctx_ptr;

namespace {

constexpr std::size_t aes_block = 16;
constexpr std::size_t aes128_key = 16;

/// CMAC context with the cipher already set. Duplicating it per call skips the cipher fetch
/// that EVP_MAC_CTX_set_params("cipher") would do every time.
const EVP_MAC_CTX* cmac_prototype()
{
    static EVP_MAC_CTX* const proto = [] {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
        EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
        EVP_MAC_free(mac); // the context keeps its own reference
        if (ctx) {
            char cipher[] = "AES-128-CBC";
            const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                                         OSSL_PARAM_construct_end()};
            // CMAC refuses to duplicate a context that has never been keyed, so key it once with zeros.
            const std::uint8_t zero_key[aes128_key] = {};
            if (EVP_MAC_CTX_set_params(ctx, params) != 1 || EVP_MAC_init(ctx, zero_key, sizeof(zero_key), nullptr) != 1) {
                EVP_MAC_CTX_free(ctx);
                ctx = nullptr;
            }
        }
        return ctx;
    }();
    return proto;
}

result<bytes> cbc(byte_view key, byte_view iv, byte_view data, bool encrypt)
{
    if (key.size() != aes128_key) return fail("AES-128 needs a 16-byte key.");
    if (iv.size() != aes_block) return fail("AES-CBC needs a 16-byte IV.");
    if (data.size() % aes_block != 0) return fail("AES-CBC without padding needs a multiple of 16 bytes.");
    cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    bytes out(data.size());
    int len = 0;
    int fin = 0;
    if (!ctx || EVP_CipherInit_ex2(ctx.get(), detail::aes128_cbc(), key.data(), iv.data(), encrypt ? 1 : 0, nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_CipherUpdate(ctx.get(), out.data(), &len, data.data(), static_cast<int>(data.size())) != 1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
        ERR_clear_error();
        return fail("AES-CBC failed.");
    }
    return out;
}

} // namespace

const EVP_CIPHER* detail::aes128_ecb()
{
    static EVP_CIPHER* const c = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    return c;
}

const EVP_CIPHER* detail::aes128_cbc()
{
    static EVP_CIPHER* const c = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
    return c;
}

result<block16> aes128_encrypt_block(byte_view key, byte_view block)
{
    if (key.size() != aes128_key) return fail("AES-128 needs a 16-byte key.");
    if (block.size() != aes_block) return fail("AES block encryption needs exactly 16 bytes.");
    cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
    block16 out{};
    int len = 0;
    if (!ctx || EVP_EncryptInit_ex2(ctx.get(), detail::aes128_ecb(), key.data(), nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out.data(), &len, block.data(), static_cast<int>(aes_block)) != 1 ||
        len != static_cast<int>(aes_block)) {
        ERR_clear_error();
        return fail("AES block encryption failed.");
    }
    return out;
}

result<bytes> aes128_cbc_encrypt(byte_view key, byte_view iv, byte_view data) { return cbc(key, iv, data, true); }

result<bytes> aes128_cbc_decrypt(byte_view key, byte_view iv, byte_view data) { return cbc(key, iv, data, false); }

result<block16> aes128_cmac(byte_view key, byte_view data)
{
    if (key.size() != aes128_key) return fail("AES-CMAC needs a 16-byte key.");
    const EVP_MAC_CTX* proto = cmac_prototype();
    mac_ctx_ptr ctx(proto ? EVP_MAC_CTX_dup(proto) : nullptr);
    block16 out{};
    std::size_t len = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
        ERR_clear_error();
        return fail("AES-CMAC failed.");
    }
    return out;
}

bytes x963_kdf_sha256(byte_view z, byte_view shared_info, std::size_t out_len)
{
    constexpr std::size_t hash_len = 32;
    bytes out;
    out.reserve(out_len + hash_len);
    detail::md_ctx_ptr ctx(EVP_MD_CTX_new());
    if (!ctx) throw std::runtime_error("X9.63 KDF: out of memory");
    std::uint8_t block[hash_len];
    for (std::uint32_t counter = 1; out.size() < out_len; ++counter) {
        const std::uint8_t ctr[4] = {static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
                                     static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
        unsigned int len = 0;
        if (EVP_DigestInit_ex2(ctx.get(), detail::sha256_md(), nullptr) != 1 ||
            EVP_DigestUpdate(ctx.get(), z.data(), z.size()) != 1 || EVP_DigestUpdate(ctx.get(), ctr, sizeof(ctr)) != 1 ||
            EVP_DigestUpdate(ctx.get(), shared_info.data(), shared_info.size()) != 1 ||
            EVP_DigestFinal_ex(ctx.get(), block, &len) != 1)
            throw std::runtime_error("X9.63 KDF: SHA-256 failed");
        out.insert(out.end(), block, block + std::min<std::size_t>(hash_len, out_len - out.size()));
    }
    OPENSSL_cleanse(block, sizeof(block));
    return out;
}

} // namespace openrsp::crypto
