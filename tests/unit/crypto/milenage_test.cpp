#include "openrsp/crypto/milenage.h"

#include "vec_file.h"

#include <gtest/gtest.h>

namespace openrsp::crypto {
namespace {

template <std::size_t N>
std::string h(const std::array<std::uint8_t, N>& a)
{
    return to_hex(byte_view(a.data(), a.size()));
}

TEST(milenage, when_ts35208_test_sets_then_every_output_matches)
{
    const auto sets = test::read_vectors("milenage_ts35208.vec");
    ASSERT_EQ(sets.size(), 6u);
    for (const auto& s : sets) {
        SCOPED_TRACE("test set " + s.at("set"));
        auto opc = milenage_opc(hex(s.at("k")), hex(s.at("op")));
        ASSERT_TRUE(opc) << opc.error().message;
        EXPECT_EQ(to_hex(*opc), s.at("opc"));

        auto out = milenage(hex(s.at("k")), *opc, hex(s.at("rand")), hex(s.at("sqn")), hex(s.at("amf")));
        ASSERT_TRUE(out) << out.error().message;
        EXPECT_EQ(h(out->mac_a), s.at("f1"));
        EXPECT_EQ(h(out->mac_s), s.at("f1star"));
        EXPECT_EQ(h(out->res), s.at("f2"));
        EXPECT_EQ(h(out->ck), s.at("f3"));
        EXPECT_EQ(h(out->ik), s.at("f4"));
        EXPECT_EQ(h(out->ak), s.at("f5"));
        EXPECT_EQ(h(out->ak_s), s.at("f5star"));
    }
}

TEST(milenage, when_test_set_1_then_autn_matches_facts_sheet)
{
    auto out = milenage(hex("465b5ce8b199b49faa5f0a2ee238a6bc"), hex("cd63cb71954a9f4e48a5994e37a02baf"),
                        hex("23553cbe9637a89d218ae64dae47bf35"), hex("ff9bb4d0b607"), hex("b9b9"));
    ASSERT_TRUE(out);
    const bytes sqn = hex("ff9bb4d0b607");
    bytes autn;
    for (std::size_t i = 0; i < 6; ++i) autn.push_back(static_cast<std::uint8_t>(sqn[i] ^ out->ak[i]));
    append(autn, hex("b9b9"));
    append(autn, byte_view(out->mac_a.data(), out->mac_a.size()));
    EXPECT_EQ(to_hex(autn), "55f328b43577b9b94a9ffac354dfafb3");
}

TEST(milenage, when_input_sizes_are_wrong_then_fails)
{
    const bytes k(16, 1), opc(16, 2), rand(16, 3);
    EXPECT_FALSE(milenage(k, opc, rand, bytes(5, 0), bytes(2, 0)));
    EXPECT_FALSE(milenage(k, opc, rand, bytes(6, 0), bytes(3, 0)));
    EXPECT_FALSE(milenage(bytes(15, 0), opc, rand, bytes(6, 0), bytes(2, 0)));
    EXPECT_FALSE(milenage_opc(k, bytes(8, 0)));
}

} // namespace
} // namespace openrsp::crypto
