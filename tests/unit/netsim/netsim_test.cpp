#include "openrsp/netsim/netsim.h"

#include <gtest/gtest.h>

namespace openrsp::netsim {
namespace {

// TS 35.208 test set 1 (shared/reference/sgp22-facts.md §10.2).
const bytes k = hex("465b5ce8b199b49faa5f0a2ee238a6bc");
const bytes opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
const bytes rand1 = hex("23553cbe9637a89d218ae64dae47bf35");
constexpr sqn_t sqn1 = 0xff9bb4d0b607;
const std::string imsi = "001010000012345";

/// The card side with its own key and SQN memory, as the virtual eUICC would run it.
struct usim {
    bytes ki;
    bytes opc;
    sqn_t sqn_last = 0;
    card_fn fn()
    {
        return [this](byte_view rand, byte_view autn) { return usim_authenticate(ki, opc, rand, autn, sqn_last); };
    }
};

TEST(netsim_hss, when_rand_and_sqn_are_fixed_then_test_set_1_autn_is_reproduced)
{
    hss network([] { return rand1; }, hex("b9b9"));
    ASSERT_TRUE(network.add_subscriber(imsi, k, opc, sqn1));
    auto av = network.generate(imsi);
    ASSERT_TRUE(av) << av.error().message;
    EXPECT_EQ(to_hex(av->autn), "55f328b43577b9b94a9ffac354dfafb3");
    EXPECT_EQ(to_hex(av->xres), "a54211d5e3ba50bf");
    EXPECT_EQ(to_hex(av->ck), "b40ba9a3c58b2a05bbf0d987b21bf8cb");
    EXPECT_EQ(to_hex(av->ik), "f769bcd751044604127672711c6d3441");
    EXPECT_EQ(av->sqn, sqn1);
    EXPECT_EQ(network.generate(imsi)->sqn, sqn1 + 1);

    sqn_t last = sqn1 - 1;
    auto res = usim_authenticate(k, opc, rand1, av->autn, last);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(to_hex(*res), "a54211d5e3ba50bf");
    EXPECT_EQ(last, sqn1);
}

TEST(netsim_attach, when_keys_match_then_attach_succeeds_repeatedly)
{
    hss network;
    ASSERT_TRUE(network.add_subscriber(imsi, k, opc));
    usim card{k, opc};
    for (int i = 0; i < 3; ++i) {
        auto r = attach(network, imsi, card.fn());
        EXPECT_TRUE(r) << r.error().message;
    }
    EXPECT_EQ(card.sqn_last, 3u);
}

TEST(netsim_attach, when_the_card_has_another_ki_then_mac_failure_is_reported)
{
    hss network;
    ASSERT_TRUE(network.add_subscriber(imsi, k, opc));
    bytes wrong = k;
    wrong[0] ^= 0x01;
    usim card{wrong, opc};
    auto r = attach(network, imsi, card.fn());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("MAC failure: the network's AUTN did not verify with the profile's key"),
              std::string::npos)
        << r.error().message;
}

TEST(netsim_attach, when_an_autn_is_replayed_then_the_card_rejects_the_old_sqn)
{
    hss network;
    ASSERT_TRUE(network.add_subscriber(imsi, k, opc, 10));
    auto av = network.generate(imsi);
    ASSERT_TRUE(av);
    sqn_t last = 0;
    ASSERT_TRUE(usim_authenticate(k, opc, av->rand, av->autn, last));
    auto replay = usim_authenticate(k, opc, av->rand, av->autn, last);
    ASSERT_FALSE(replay);
    EXPECT_NE(replay.error().message.find("synchronisation failure"), std::string::npos) << replay.error().message;

    // The network going backwards is a replay too.
    ASSERT_TRUE(network.set_next_sqn(imsi, 5));
    usim card{k, opc, last};
    auto r = attach(network, imsi, card.fn());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("synchronisation failure"), std::string::npos);
}

TEST(netsim_attach, when_the_card_answers_a_wrong_res_or_the_imsi_is_unknown_then_attach_fails)
{
    hss network;
    ASSERT_TRUE(network.add_subscriber(imsi, k, opc));
    auto r = attach(network, imsi, [](byte_view, byte_view) -> result<bytes> { return bytes(8, 0); });
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("does not match"), std::string::npos);
    EXPECT_FALSE(attach(network, "999990000000000", [](byte_view, byte_view) -> result<bytes> { return bytes{}; }));
    EXPECT_FALSE(network.add_subscriber(imsi, bytes(15), opc));
}

} // namespace
} // namespace openrsp::netsim
