#include "openrsp/crypto/scp03t.h"

#include "vec_file.h"

#include <gtest/gtest.h>

#include <optional>

namespace openrsp::crypto {
namespace {

scp03t_keys keys_from(const test::vec_block& b)
{
    return scp03t_keys{hex(b.at("mcv")), hex(b.at("s_enc")), hex(b.at("s_mac"))};
}

TEST(scp03t_kdf, when_pysim_bsp_vectors_then_session_keys_match)
{
    const auto vectors = test::read_vectors("bsp_key_derivation.vec");
    ASSERT_EQ(vectors.size(), 2u);
    for (const auto& v : vectors) {
        const auto k = derive_bpp_session_keys(hex(v.at("shared_secret")), hex(v.at("host_id")), hex(v.at("eid")));
        EXPECT_EQ(to_hex(k.initial_mcv), v.at("mcv"));
        EXPECT_EQ(to_hex(k.s_enc), v.at("s_enc"));
        EXPECT_EQ(to_hex(k.s_mac), v.at("s_mac"));
    }
}

/// Replays pySim's BSP_Test_mode51.test_ciphering: 87, 88, 87 under session keys, then two 1007-byte 86
/// segments under the profile protection keys. The sender must produce the exact bytes and a second
/// channel must accept them and return the plaintext.
TEST(scp03t_channel, when_pysim_trace_is_replayed_then_every_segment_matches_and_unwraps)
{
    const auto blocks = test::read_vectors("bsp_pysim_mode51.vec");
    std::optional<scp03t_channel> sender, receiver;
    int segments = 0;
    for (const auto& b : blocks) {
        if (b.section == "session") {
            sender.emplace(keys_from(b));
            receiver.emplace(keys_from(b));
            continue;
        }
        if (b.section == "replace") {
            sender->replace_keys(keys_from(b));
            receiver->replace_keys(keys_from(b));
            continue;
        }
        ASSERT_EQ(b.section, "segment");
        SCOPED_TRACE("segment " + std::to_string(++segments));
        const auto tag = static_cast<std::uint8_t>(std::stoul(b.at("tag"), nullptr, 16));
        const bytes pt = hex(b.at("plaintext"));
        const bool mac_only = b.at("mode") == "mac_only";

        auto seg = mac_only ? sender->wrap_mac_only(tag, pt) : sender->wrap_encrypted(tag, pt);
        ASSERT_TRUE(seg) << seg.error().message;
        EXPECT_EQ(to_hex(*seg), b.at("segment"));

        auto back = mac_only ? receiver->unwrap_mac_only(*seg) : receiver->unwrap_encrypted(*seg);
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(*back, pt);
    }
    EXPECT_EQ(segments, 5);
}

scp03t_keys test_keys()
{
    return scp03t_keys{hex("406d507b448a699e7a36a38494debbde"), hex("472f5bfadd97f21d34f3ce9b51b92751"),
                       hex("9ec07f5b36a13e12a991d66e294e6242")};
}

TEST(scp03t_channel, when_round_trip_at_block_boundaries_then_plaintext_comes_back)
{
    scp03t_channel tx(test_keys()), rx(test_keys());
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 127u, 128u, 1006u, 1007u}) {
        bytes pt(n);
        for (std::size_t i = 0; i < n; ++i) pt[i] = static_cast<std::uint8_t>(i * 7 + n);
        auto seg = tx.wrap_encrypted(0x86, pt);
        ASSERT_TRUE(seg) << n;
        EXPECT_LE(seg->size(), 1020u);
        auto back = rx.unwrap_encrypted(*seg);
        ASSERT_TRUE(back) << n << ": " << back.error().message;
        EXPECT_EQ(*back, pt);
    }
    auto m = tx.wrap_mac_only(0x88, bytes(1008, 0x5A));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->size(), 1020u);
    auto back = rx.unwrap_mac_only(*m);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, bytes(1008, 0x5A));
}

TEST(scp03t_channel, when_plaintext_exceeds_segment_limit_then_wrap_fails)
{
    scp03t_channel tx(test_keys());
    EXPECT_FALSE(tx.wrap_encrypted(0x86, bytes(1008, 0)));
    EXPECT_FALSE(tx.wrap_mac_only(0x88, bytes(1009, 0)));
    EXPECT_FALSE(tx.wrap_encrypted(0x88, bytes(4, 0)));
}

TEST(scp03t_channel, when_any_bit_is_flipped_then_unwrap_fails)
{
    scp03t_channel tx(test_keys());
    auto seg = tx.wrap_encrypted(0x87, hex("bf2400"));
    ASSERT_TRUE(seg);
    for (std::size_t i = 0; i < seg->size(); ++i) {
        bytes bad = *seg;
        bad[i] ^= 0x01;
        scp03t_channel rx(test_keys());
        EXPECT_FALSE(rx.unwrap_encrypted(bad)) << "byte " << i;
    }
}

TEST(scp03t_channel, when_mac_only_segment_is_altered_then_unwrap_fails)
{
    scp03t_channel tx(test_keys());
    auto seg = tx.wrap_mac_only(0x88, hex("bf252d5a0a98"));
    ASSERT_TRUE(seg);
    bytes bad = *seg;
    bad[3] ^= 0x80;
    scp03t_channel rx(test_keys());
    EXPECT_FALSE(rx.unwrap_mac_only(bad));
}

TEST(scp03t_channel, when_segments_arrive_out_of_order_then_unwrap_fails)
{
    scp03t_channel tx(test_keys());
    auto first = tx.wrap_encrypted(0x87, hex("01"));
    auto second = tx.wrap_encrypted(0x87, hex("02"));
    ASSERT_TRUE(first && second);
    scp03t_channel rx(test_keys());
    EXPECT_FALSE(rx.unwrap_encrypted(*second));
}

TEST(scp03t_channel, when_segment_is_truncated_or_has_wrong_tag_then_unwrap_fails)
{
    scp03t_channel tx(test_keys());
    auto seg = tx.wrap_encrypted(0x87, hex("bf2400"));
    ASSERT_TRUE(seg);
    scp03t_channel rx(test_keys());
    EXPECT_FALSE(rx.unwrap_encrypted(byte_view(*seg).first(seg->size() - 1)));
    EXPECT_FALSE(rx.unwrap_mac_only(*seg));
    EXPECT_FALSE(rx.unwrap_encrypted(hex("8708aabbccddeeff0011")));
}

} // namespace
} // namespace openrsp::crypto
