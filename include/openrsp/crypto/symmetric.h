#pragma once
/// \file
/// \brief AES-128 building blocks (via OpenSSL EVP): ECB block, CBC without padding, CMAC; ANSI X9.63 KDF.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <array>

namespace openrsp::crypto {

using block16 = std::array<std::uint8_t, 16>;

/// AES-128 single block encryption (ECB).
result<block16> aes128_encrypt_block(byte_view key, byte_view block);
/// AES-128-CBC encryption without padding; input length must be a multiple of 16.
result<bytes> aes128_cbc_encrypt(byte_view key, byte_view iv, byte_view data);
/// AES-128-CBC decryption without padding; input length must be a multiple of 16.
result<bytes> aes128_cbc_decrypt(byte_view key, byte_view iv, byte_view data);
/// AES-CMAC (RFC 4493) with a 128-bit key, full 16-byte tag.
result<block16> aes128_cmac(byte_view key, byte_view data);

/// \brief ANSI X9.63 KDF with SHA-256: blocks SHA256(Z || counter32BE(from 1) || shared_info), truncated.
bytes x963_kdf_sha256(byte_view z, byte_view shared_info, std::size_t out_len);

} // namespace openrsp::crypto
