#include "openrsp/core/bytes.h"

#include <gtest/gtest.h>

using namespace openrsp;

// RFC 4648 §10 test vectors.
TEST(base64, rfc4648_vectors)
{
    const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (auto [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
        auto d = base64_decode(encoded);
        ASSERT_TRUE(d);
        EXPECT_EQ(to_string(*d), plain);
    }
}

TEST(base64, whitespace_is_ignored_and_garbage_rejected)
{
    auto d = base64_decode("Zm9v\r\nYmFy");
    ASSERT_TRUE(d);
    EXPECT_EQ(to_string(*d), "foobar");
    EXPECT_FALSE(base64_decode("Zm9"));
    EXPECT_FALSE(base64_decode("Zm9v!"));
    EXPECT_FALSE(base64_decode("Zg==Zg=="));
}

TEST(hex, round_trip_and_rejects)
{
    EXPECT_EQ(to_hex(hex("00ff10"), true), "00FF10");
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_FALSE(from_hex("zz"));
    EXPECT_EQ(*from_hex("AbCd"), (bytes{0xAB, 0xCD}));
}

TEST(base64, every_length_and_byte_value_round_trips_and_append_extends)
{
    bytes all(256);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
    for (std::size_t n = 0; n <= all.size(); ++n) {
        const byte_view part(all.data(), n);
        const std::string text = base64_encode(part);
        EXPECT_EQ(text.size(), (n + 2) / 3 * 4);
        auto back = base64_decode(text);
        ASSERT_TRUE(back) << n;
        EXPECT_EQ(*back, bytes(part.begin(), part.end())) << n;
    }
    std::string out = "prefix:";
    base64_append(out, as_bytes(std::string_view("foob")));
    EXPECT_EQ(out, "prefix:Zm9vYg==");
}
