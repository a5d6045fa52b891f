#include "openrsp/crypto/ec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace openrsp::crypto {
namespace {

std::string read_text(const std::string& rel)
{
    std::ifstream in(std::string(OPENRSP_SOURCE_DIR) + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bytes msg(std::string_view s) { return bytes(s.begin(), s.end()); }

class ecdsa_on_curve : public ::testing::TestWithParam<curve> {};

TEST_P(ecdsa_on_curve, when_signed_then_verifies_in_both_formats)
{
    auto key = ec_key::generate(GetParam());
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->key_curve(), GetParam());
    EXPECT_TRUE(key->has_private());
    const bytes m = msg("serverSigned1");

    auto raw = ecdsa_sign(*key, m);
    ASSERT_TRUE(raw) << raw.error().message;
    EXPECT_EQ(raw->size(), 64u);
    EXPECT_TRUE(ecdsa_verify(*key, m, *raw));

    auto der = ecdsa_sign(*key, m, sig_format::der);
    ASSERT_TRUE(der);
    EXPECT_EQ((*der)[0], 0x30);
    EXPECT_TRUE(ecdsa_verify(*key, m, *der, sig_format::der));

    // The raw form converts to DER and back without change.
    auto as_der = ecdsa_raw_to_der(*raw);
    ASSERT_TRUE(as_der);
    EXPECT_TRUE(ecdsa_verify(*key, m, *as_der, sig_format::der));
    auto back = ecdsa_der_to_raw(*as_der);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *raw);
}

TEST_P(ecdsa_on_curve, when_message_or_signature_is_wrong_then_verify_is_false)
{
    auto key = ec_key::generate(GetParam());
    ASSERT_TRUE(key);
    auto sig = ecdsa_sign(*key, msg("euiccSigned1"));
    ASSERT_TRUE(sig);
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned2"), *sig));
    bytes flipped = *sig;
    flipped[10] ^= 0x01;
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned1"), flipped));
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned1"), byte_view(*sig).first(63)));
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned1"), bytes{}));
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned1"), bytes(64, 0)));
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned1"), *sig, sig_format::der));
    EXPECT_FALSE(ecdsa_verify(*key, msg("euiccSigned1"), hex("3006020100020100"), sig_format::der));

    auto other = ec_key::generate(GetParam());
    ASSERT_TRUE(other);
    EXPECT_FALSE(ecdsa_verify(*other, msg("euiccSigned1"), *sig));
}

TEST_P(ecdsa_on_curve, when_both_parties_run_ecka_then_they_share_32_bytes)
{
    auto a = ec_key::generate(GetParam());
    auto b = ec_key::generate(GetParam());
    ASSERT_TRUE(a && b);
    // The peer key travels as 5F49 04||X||Y and is rebuilt from the point.
    auto b_pub = ec_key::from_public_point(GetParam(), b->public_point());
    auto a_pub = ec_key::from_public_point(GetParam(), a->public_point());
    ASSERT_TRUE(a_pub && b_pub);
    EXPECT_FALSE(b_pub->has_private());
    auto s1 = ecka(*a, *b_pub);
    auto s2 = ecka(*b, *a_pub);
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(s1->size(), 32u);
    EXPECT_EQ(*s1, *s2);
    EXPECT_FALSE(ecka(*a_pub, *b_pub)); // no private key
}

TEST_P(ecdsa_on_curve, when_point_is_not_on_the_curve_then_from_public_point_fails)
{
    auto key = ec_key::generate(GetParam());
    ASSERT_TRUE(key);
    bytes p = key->public_point();
    ASSERT_EQ(p.size(), 65u);
    EXPECT_EQ(p[0], 0x04);
    p[64] ^= 0x01; // y changed: x^3+ax+b no longer matches y^2
    EXPECT_FALSE(ec_key::from_public_point(GetParam(), p));
    EXPECT_FALSE(ec_key::from_public_point(GetParam(), byte_view(key->public_point()).first(33)));
    bytes compressed_marker = key->public_point();
    compressed_marker[0] = 0x02;
    EXPECT_FALSE(ec_key::from_public_point(GetParam(), compressed_marker));
}

TEST_P(ecdsa_on_curve, when_points_are_imported_then_each_key_holds_its_own_point_and_verifies_its_signer)
{
    // Imports share precomputed curve data; each key must still carry exactly the point it was given.
    auto a = ec_key::generate(GetParam());
    auto b = ec_key::generate(GetParam());
    ASSERT_TRUE(a && b);
    auto a_pub = ec_key::from_public_point(GetParam(), a->public_point());
    auto b_pub = ec_key::from_public_point(GetParam(), b->public_point());
    ASSERT_TRUE(a_pub && b_pub);
    EXPECT_EQ(a_pub->public_point(), a->public_point());
    EXPECT_EQ(b_pub->public_point(), b->public_point());
    EXPECT_EQ(a_pub->key_curve(), GetParam());
    EXPECT_FALSE(a_pub->has_private());
    EXPECT_TRUE(a_pub->private_pem().empty());
    const bytes msg = {1, 2, 3};
    auto sig = ecdsa_sign(*a, msg);
    ASSERT_TRUE(sig);
    EXPECT_TRUE(ecdsa_verify(*a_pub, msg, *sig));
    EXPECT_FALSE(ecdsa_verify(*b_pub, msg, *sig));
    EXPECT_FALSE(ecdsa_sign(*a_pub, msg)); // a public key cannot sign
}

TEST_P(ecdsa_on_curve, when_key_is_exported_to_pem_then_it_loads_back)
{
    auto key = ec_key::generate(GetParam());
    ASSERT_TRUE(key);
    auto priv = ec_key::from_pem(key->private_pem());
    ASSERT_TRUE(priv) << priv.error().message;
    EXPECT_TRUE(priv->has_private());
    EXPECT_EQ(priv->key_curve(), GetParam());
    EXPECT_EQ(priv->public_point(), key->public_point());
    auto pub = ec_key::from_pem(key->public_pem());
    ASSERT_TRUE(pub);
    EXPECT_FALSE(pub->has_private());
    auto sig = ecdsa_sign(*priv, msg("x"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(ecdsa_verify(*pub, msg("x"), *sig));
    EXPECT_FALSE(ecdsa_sign(*pub, msg("x")));
}

INSTANTIATE_TEST_SUITE_P(curves, ecdsa_on_curve, ::testing::Values(curve::nist_p256, curve::brainpool_p256r1),
                         [](const auto& info) { return info.param == curve::nist_p256 ? "nist" : "brainpool"; });

TEST(ecdsa_format, when_r_and_s_have_leading_zeros_then_raw_der_round_trip_keeps_them)
{
    // r = 00 00 01.. (two leading zero bytes), s with top bit set (needs a 00 pad in DER).
    bytes raw(64, 0);
    raw[2] = 0x01;
    for (std::size_t i = 3; i < 32; ++i) raw[i] = static_cast<std::uint8_t>(i);
    raw[32] = 0x80;
    for (std::size_t i = 33; i < 64; ++i) raw[i] = static_cast<std::uint8_t>(0xA0 + i);
    auto der = ecdsa_raw_to_der(raw);
    ASSERT_TRUE(der);
    // SEQUENCE { INTEGER (30 bytes), INTEGER (33 bytes with 00 pad) }
    EXPECT_EQ(to_hex(byte_view(*der).first(4)), "3043021e");
    EXPECT_EQ((*der)[2 + 2 + 30], 0x02);
    EXPECT_EQ((*der)[2 + 2 + 30 + 1], 0x21);
    EXPECT_EQ((*der)[2 + 2 + 30 + 2], 0x00);
    auto back = ecdsa_der_to_raw(*der);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, raw);
}

TEST(ecdsa_format, when_der_is_malformed_then_conversion_fails)
{
    EXPECT_FALSE(ecdsa_raw_to_der(bytes(63, 1)));
    EXPECT_FALSE(ecdsa_der_to_raw(hex("3006020101020101ff")));  // trailing byte
    EXPECT_FALSE(ecdsa_der_to_raw(hex("300702020001020101"))); // non-minimal INTEGER
    EXPECT_FALSE(ecdsa_der_to_raw(hex("3080020101020101")));   // indefinite length
    // r with 33 significant bytes cannot be a P-256/brainpool scalar.
    bytes big = hex("3026022101");
    big.resize(big.size() + 32, 0x11);
    append(big, hex("020101"));
    ASSERT_EQ(big.size(), 0x28u);
    EXPECT_FALSE(ecdsa_der_to_raw(big));
}

TEST(ec_key_pem, when_sgp26_sec1_private_key_with_ec_parameters_then_it_loads)
{
    auto sk = ec_key::from_pem(read_text("tests/data/certs/sgp26/SK_S_SM_DPauth_ECDSA_NIST.pem"));
    ASSERT_TRUE(sk) << sk.error().message;
    EXPECT_TRUE(sk->has_private());
    EXPECT_EQ(sk->key_curve(), curve::nist_p256);
    auto pk = ec_key::from_pem(read_text("tests/data/certs/sgp26/PK_S_SM_DPauth_ECDSA_NIST.pem"));
    ASSERT_TRUE(pk) << pk.error().message;
    EXPECT_FALSE(pk->has_private());
    EXPECT_EQ(sk->public_point(), pk->public_point());
    EXPECT_FALSE(ec_key::from_pem("-----BEGIN NOTHING-----\n-----END NOTHING-----\n"));
}

TEST(sha256, when_abc_then_fips180_digest)
{
    EXPECT_EQ(to_hex(sha256(msg("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(random_bytes(16).size(), 16u);
}

} // namespace
} // namespace openrsp::crypto
