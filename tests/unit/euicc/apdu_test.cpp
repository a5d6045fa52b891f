/// APDU front end: logical channels, SELECT, STORE DATA framing (SGP.22 §5.7.2), GET RESPONSE chaining.

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

unsigned sw(const bytes& r) { return r.size() < 2 ? 0 : (r[r.size() - 2] << 8 | r[r.size() - 1]); }

bytes select_isdr(std::uint8_t cla)
{
    bytes a{cla, 0xA4, 0x04, 0x00, 0x10};
    append(a, rsp::isd_r_aid());
    return a;
}

class apdu_test : public ::testing::Test {
protected:
    void SetUp() override { card = make_card(dir.file("card.json")); ASSERT_TRUE(card); }
    temp_dir dir;
    std::unique_ptr<virtual_euicc> card;
};

} // namespace

TEST_F(apdu_test, when_manage_channel_open_then_channel_1_and_select_isdr_gives_fci)
{
    EXPECT_EQ(card->transmit(hex("0070000001")), hex("019000"));
    const bytes sel = card->transmit(select_isdr(0x01));
    ASSERT_EQ(sel.size(), 2u);
    EXPECT_EQ(sel[0], 0x61);
    const bytes fci = card->transmit(bytes{0x01, 0xC0, 0x00, 0x00, sel[1]});
    EXPECT_EQ(sw(fci), 0x9000u);
    EXPECT_EQ(fci[0], 0x6F);
    // Case 4 SELECT answers the FCI directly.
    bytes case4 = select_isdr(0x01);
    case4.push_back(0x00);
    EXPECT_EQ(sw(card->transmit(case4)), 0x9000u);
    EXPECT_EQ(card->transmit(hex("0070800100")), hex("9000"));
    EXPECT_EQ(sw(card->transmit(hex("81E2910003BF2000"))), 0x6881u) << "closed channel";
}

TEST_F(apdu_test, when_select_unknown_aid_then_6A82)
{
    EXPECT_EQ(card->transmit(hex("0070000001")), hex("019000"));
    EXPECT_EQ(card->transmit(hex("01A4040008A000000559101099")), hex("6A82"));
    EXPECT_EQ(card->transmit(hex("81E2910003BF2000")), hex("6985")) << "nothing selected";
}

TEST_F(apdu_test, when_isdr_selected_on_basic_channel_then_store_data_works)
{
    EXPECT_EQ(card->transmit(hex("80E2910003BF2000")), hex("6985"));
    EXPECT_EQ(sw(card->transmit(select_isdr(0x00))) >> 8, 0x61u);
    const bytes r = card->transmit(hex("80E2910003BF2000"));
    EXPECT_EQ(sw(r), 0x9000u);
    EXPECT_EQ(r[0], 0xBF);
    EXPECT_EQ(r[1], 0x20);
}

TEST_F(apdu_test, when_bad_ins_cla_p1_p2_or_length_then_iso_status_words)
{
    ASSERT_EQ(card->transmit(hex("0070000001")), hex("019000"));
    ASSERT_EQ(sw(card->transmit(select_isdr(0x01))) >> 8, 0x61u);
    EXPECT_EQ(card->transmit(hex("81B0000000")), hex("6D00"));
    EXPECT_EQ(card->transmit(hex("01E2910003BF2000")), hex("6E00")) << "STORE DATA needs the GP class";
    EXPECT_EQ(card->transmit(hex("81E2920003BF2000")), hex("6A86")) << "P1";
    EXPECT_EQ(card->transmit(hex("81E2910503BF2000")), hex("6A86")) << "P2 out of sequence";
    EXPECT_EQ(card->transmit(hex("81E2")), hex("6700"));
    EXPECT_EQ(card->transmit(hex("81E2910009BF20")), hex("6700")) << "Lc longer than data";
    EXPECT_EQ(card->transmit(hex("FFE29100")), hex("6E00"));
    EXPECT_EQ(card->transmit(hex("81C0000000")), hex("6985")) << "GET RESPONSE with nothing pending";
    EXPECT_EQ(card->transmit(hex("0070000101")), hex("6A86")) << "P2 must be 0 on open";
}

TEST_F(apdu_test, when_store_data_in_single_byte_blocks_then_intermediate_9000_and_reassembled)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    const bytes req = hex("BF2200");
    for (std::size_t i = 0; i + 1 < req.size(); ++i) {
        auto r = t->transmit(bytes{static_cast<std::uint8_t>(0x80 | ch), 0xE2, 0x11, static_cast<std::uint8_t>(i), 1, req[i]});
        EXPECT_EQ(*r, hex("9000"));
    }
    auto last = t->transmit(bytes{static_cast<std::uint8_t>(0x80 | ch), 0xE2, 0x91, 2, 1, req[2]});
    ASSERT_GE(last->size(), 4u);
    EXPECT_EQ((*last)[0], 0xBF);
    EXPECT_EQ((*last)[1], 0x22);
}

TEST_F(apdu_test, when_response_exceeds_256_bytes_then_61xx_and_get_response_with_both_cla_forms)
{
    for (const bool proprietary : {true, false}) {
        auto t = card->make_transport();
        const int ch = open_isdr(*t);
        const bytes challenge_rsp = es10(*t, ch, hex("BF2E00"));
        auto c = der::reader(der::parse_one(challenge_rsp)->value).find(0x80);
        test_smdp dp(main_pki());
        const bytes req = dp.authenticate_server_request(c->value);
        // First look at the raw R-APDU of the last block: 256 bytes then 61xx.
        unsigned status = 0;
        const bytes full = es10(*t, ch, req, status, 255, proprietary);
        EXPECT_EQ(status, 0x9000u);
        ASSERT_GT(full.size(), 256u);
        EXPECT_TRUE(dp.accept_authenticate_server(full)) << "reassembled BF38 verifies";
        t->close_logical_channel(ch);
    }
}

TEST_F(apdu_test, when_last_block_answered_then_first_256_bytes_and_61_remaining)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    const bytes challenge_rsp = es10(*t, ch, hex("BF2E00"));
    auto c = der::reader(der::parse_one(challenge_rsp)->value).find(0x80);
    test_smdp dp(main_pki());
    const bytes req = dp.authenticate_server_request(c->value);
    // Send in one STORE DATA series of <= 255-byte blocks by hand to see the raw answer.
    std::size_t off = 0;
    unsigned block = 0;
    bytes r;
    while (off < req.size()) {
        const std::size_t n = std::min<std::size_t>(255, req.size() - off);
        bytes a{static_cast<std::uint8_t>(0x80 | ch), 0xE2, static_cast<std::uint8_t>(off + n == req.size() ? 0x91 : 0x11),
                static_cast<std::uint8_t>(block++), static_cast<std::uint8_t>(n)};
        a.insert(a.end(), req.begin() + static_cast<std::ptrdiff_t>(off), req.begin() + static_cast<std::ptrdiff_t>(off + n));
        r = *t->transmit(a);
        off += n;
    }
    ASSERT_EQ(r.size(), 258u);
    EXPECT_EQ(r[256], 0x61);
}

TEST_F(apdu_test, when_unknown_tag_or_malformed_der_then_error_status_not_crash)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    unsigned status = 0;
    (void)es10(*t, ch, hex("BF7F00"), status);
    EXPECT_EQ(status, 0x6A88u);
    (void)es10(*t, ch, hex("BF2E05"), status);
    EXPECT_EQ(status, 0x6A80u);
    (void)es10(*t, ch, hex("BF3805300380"), status);
    EXPECT_EQ(status, 0x6A80u);
    // AuthenticateServer with empty body: functional error inside the response.
    const bytes r = es10(*t, ch, hex("BF3800"));
    EXPECT_EQ(r[0], 0xBF);
    EXPECT_TRUE(der::reader(der::parse_one(r)->value).find(0xA1).has_value());
}

TEST_F(apdu_test, GetEUICCInfo1_lists_ci_pkid_and_svn)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    const bytes r = es10(*t, ch, hex("BF2000"));
    auto top = der::parse_one(r);
    ASSERT_TRUE(top);
    EXPECT_EQ(top->tag, rsp::tag::get_euicc_info1);
    const der::reader rd(top->value);
    EXPECT_EQ(bytes(rd.find(0x82)->value.begin(), rd.find(0x82)->value.end()), hex("020202"));
    const bytes expected = der::encode(0x04, main_pki().ci.subject_key_id());
    const auto a9 = rd.find(0xA9);
    const auto aa = rd.find(0xAA);
    ASSERT_TRUE(a9 && aa);
    EXPECT_EQ(bytes(a9->value.begin(), a9->value.end()), expected);
    EXPECT_EQ(bytes(aa->value.begin(), aa->value.end()), expected);
}

TEST_F(apdu_test, GetEUICCInfo2_carries_the_v2_2_2_fields)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    const bytes info2 = es10(*t, ch, hex("BF2200"));
    auto top = der::parse_one(info2);
    ASSERT_TRUE(top);
    const der::reader rd(top->value);
    for (der::tag_t tag : {0x81u, 0x82u, 0x83u, 0x84u, 0x85u, 0x86u, 0x87u, 0x88u, 0xA9u, 0xAAu, 0x8Bu, 0x04u, 0x0Cu})
        EXPECT_TRUE(rd.find(tag).has_value()) << std::hex << tag;
    EXPECT_EQ(bytes(rd.find(0x81)->value.begin(), rd.find(0x81)->value.end()), hex("020300"));
    EXPECT_EQ(bytes(rd.find(0x04)->value.begin(), rd.find(0x04)->value.end()), hex("000001"));
}

TEST_F(apdu_test, GetEID_returns_the_certificate_eid)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    EXPECT_EQ(es10(*t, ch, hex("BF3E035C015A")), hex("BF3E125A1089049032123451234512345678901235"));
    EXPECT_EQ(card->eid(), "89049032123451234512345678901235");
}

TEST_F(apdu_test, when_random_es10_bodies_then_card_always_answers)
{
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    const der::tag_t tags[] = {0xBF20, 0xBF22, 0xBF2E, 0xBF38, 0xBF21, 0xBF41, 0xBF28, 0xBF2B, 0xBF30, 0xBF2D,
                               0xBF31, 0xBF32, 0xBF33, 0xBF29, 0xBF3E, 0xBF3C, 0xBF3F, 0xBF34, 0xBF36};
    for (int round = 0; round < 40; ++round) {
        for (const auto tag : tags) {
            const bytes body = crypto::random_bytes(static_cast<std::size_t>(round * 3 % 50));
            unsigned status = 0;
            (void)es10(*t, ch, der::encode(tag, body), status);
            EXPECT_TRUE(status == 0x9000 || (status >> 8) == 0x6A || status == 0x6985)
                << std::hex << status << " for " << to_hex(der::encode(tag, body));
        }
    }
    EXPECT_TRUE(card->profiles().empty());
}
