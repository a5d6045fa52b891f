#pragma once
/// \file
/// \brief Private helpers for the crypto component: unique_ptr aliases for OpenSSL objects and
/// algorithm handles fetched once per process.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

namespace openrsp::crypto::detail {

template <class T, void (*F)(T*)>
struct ossl_deleter {
    void operator()(T* p) const { F(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, ossl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, ossl_deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, ossl_deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, ossl_deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, ossl_deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using bio_ptr = std::unique_ptr<BIO, ossl_deleter<BIO, BIO_free_all>>;
using x509_ptr = std::unique_ptr<X509, ossl_deleter<X509, X509_free>>;

/// SHA-256, fetched once: implicit fetching by name on every call costs a provider lookup.
const EVP_MD* sha256_md();
/// AES-128-ECB and AES-128-CBC, fetched once.
const EVP_CIPHER* aes128_ecb();
const EVP_CIPHER* aes128_cbc();

/// Read-only memory BIO over a string.
inline bio_ptr mem_bio(std::string_view s)
{
    return bio_ptr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

/// Drains a memory BIO into a string.
inline std::string bio_to_string(BIO* bio)
{
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

} // namespace openrsp::crypto::detail
