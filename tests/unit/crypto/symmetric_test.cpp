#include "openrsp/crypto/symmetric.h"

#include "vec_file.h"

#include <gtest/gtest.h>

namespace openrsp::crypto {
namespace {

bytes to_vec(const block16& b) { return bytes(b.begin(), b.end()); }

TEST(aes128_cmac, when_rfc4493_examples_then_all_four_macs_match)
{
    const auto vectors = test::read_vectors("aes128_cmac_rfc4493.vec");
    ASSERT_EQ(vectors.size(), 4u);
    for (const auto& v : vectors) {
        auto mac = aes128_cmac(hex(v.at("key")), hex(v.at("message")));
        ASSERT_TRUE(mac) << mac.error().message;
        EXPECT_EQ(to_hex(to_vec(*mac)), v.at("mac")) << "message " << v.at("message");
    }
}

TEST(aes128_cmac, when_key_is_not_16_bytes_then_fails)
{
    EXPECT_FALSE(aes128_cmac(hex("00112233"), hex("00")));
}

TEST(aes128_cbc, when_sp800_38a_f21_then_ciphertext_matches)
{
    const auto v = test::read_vectors("aes128_cbc_sp800_38a.vec").at(0);
    auto ct = aes128_cbc_encrypt(hex(v.at("key")), hex(v.at("iv")), hex(v.at("plaintext")));
    ASSERT_TRUE(ct) << ct.error().message;
    EXPECT_EQ(to_hex(*ct), v.at("ciphertext"));
}

TEST(aes128_cbc, when_sp800_38a_f22_then_plaintext_matches)
{
    const auto v = test::read_vectors("aes128_cbc_sp800_38a.vec").at(0);
    auto pt = aes128_cbc_decrypt(hex(v.at("key")), hex(v.at("iv")), hex(v.at("ciphertext")));
    ASSERT_TRUE(pt) << pt.error().message;
    EXPECT_EQ(to_hex(*pt), v.at("plaintext"));
}

TEST(aes128_cbc, when_input_is_not_whole_blocks_then_fails)
{
    const bytes key(16, 0), iv(16, 0), data(17, 0);
    EXPECT_FALSE(aes128_cbc_encrypt(key, iv, data));
    EXPECT_FALSE(aes128_cbc_decrypt(key, iv, data));
    EXPECT_FALSE(aes128_cbc_encrypt(key, bytes(8, 0), bytes(16, 0)));
}

TEST(aes128_encrypt_block, when_fips197_c1_then_ciphertext_matches)
{
    const auto v = test::read_vectors("aes128_fips197.vec").at(0);
    auto ct = aes128_encrypt_block(hex(v.at("key")), hex(v.at("plaintext")));
    ASSERT_TRUE(ct) << ct.error().message;
    EXPECT_EQ(to_hex(to_vec(*ct)), v.at("ciphertext"));
}

TEST(aes128_encrypt_block, when_block_is_not_16_bytes_then_fails)
{
    EXPECT_FALSE(aes128_encrypt_block(bytes(16, 0), bytes(15, 0)));
}

TEST(x963_kdf_sha256, when_nist_cavs_vector_then_output_matches)
{
    const auto v = test::read_vectors("x963_kdf_sha256.vec").at(0);
    const bytes expected = hex(v.at("output"));
    const bytes out = x963_kdf_sha256(hex(v.at("z")), hex(v.at("shared_info")), expected.size());
    EXPECT_EQ(to_hex(out), v.at("output"));
}

TEST(x963_kdf_sha256, when_output_is_shorter_than_a_block_then_it_is_a_prefix)
{
    const auto v = test::read_vectors("x963_kdf_sha256.vec").at(0);
    const bytes out = x963_kdf_sha256(hex(v.at("z")), hex(v.at("shared_info")), 5);
    EXPECT_EQ(to_hex(out), v.at("output").substr(0, 10));
}

} // namespace
} // namespace openrsp::crypto
