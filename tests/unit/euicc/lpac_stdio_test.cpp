/// lpac stdio APDU driver protocol: the exact lines lpac 2.3 writes with LPAC_APDU=stdio (lpac
/// driver/apdu/stdio.c json_request) and the replies it parses (json_response), against a real virtual eUICC.

#include "support/euicc_doubles.h"

#include "openrsp/euicc/lpac_stdio.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

const std::string isdr_hex = "A0000005591010FFFFFFFF8900000100";

std::string request(const std::string& func, const std::string& param)
{
    return R"({"type":"apdu","payload":{"func":")" + func + R"(","param":")" + param + R"("}})";
}

std::string request_null(const std::string& func)
{
    return R"({"type":"apdu","payload":{"func":")" + func + R"(","param":null}})";
}

nlohmann::json payload_of(const std::optional<std::string>& line)
{
    EXPECT_TRUE(line.has_value());
    if (!line) return {};
    const auto j = nlohmann::json::parse(*line);
    EXPECT_EQ(j.at("type"), "apdu");
    return j.at("payload");
}

int ecode_of(const std::optional<std::string>& line)
{
    return payload_of(line).at("ecode").get<int>();
}

class lpac_stdio_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        card = make_card(dir.file("card.json"));
        ASSERT_TRUE(card);
        transport = card->make_transport();
        responder.emplace(*transport);
    }

    /// connect + logic_channel_open as lpac's euicc_init does; returns the channel.
    int open_session()
    {
        EXPECT_EQ(ecode_of(responder->handle_line(request_null("connect"))), 0);
        return ecode_of(responder->handle_line(request("logic_channel_open", isdr_hex)));
    }

    /// One lpac `transmit`; returns the R-APDU hex (with SW).
    std::string transmit(const std::string& capdu_hex)
    {
        const auto p = payload_of(responder->handle_line(request("transmit", capdu_hex)));
        EXPECT_EQ(p.at("ecode"), 0);
        return p.value("data", "");
    }

    temp_dir dir;
    std::unique_ptr<virtual_euicc> card;
    std::unique_ptr<rsp::card_transport> transport;
    std::optional<lpac_stdio_responder> responder;
};

} // namespace

TEST_F(lpac_stdio_test, when_connect_then_ecode_0_in_lpac_shape)
{
    EXPECT_EQ(responder->handle_line(request_null("connect")), R"({"type":"apdu","payload":{"ecode":0}})");
}

TEST_F(lpac_stdio_test, when_logic_channel_open_isdr_then_channel_number)
{
    EXPECT_EQ(open_session(), 1);
    EXPECT_EQ(responder->open_channels(), 1);
}

TEST_F(lpac_stdio_test, when_logic_channel_open_unknown_aid_then_negative_ecode)
{
    EXPECT_LT(ecode_of(responder->handle_line(request("logic_channel_open", "A0000005591010FFFFFFFF8900000200"))), 0);
    EXPECT_EQ(responder->open_channels(), 0);
    // The failed SELECT must not leak the channel: the next open still gets channel 1.
    EXPECT_EQ(open_session(), 1);
}

TEST_F(lpac_stdio_test, when_transmit_get_eid_then_data_carries_bf3e_and_9000)
{
    const int ch = open_session();
    ASSERT_EQ(ch, 1);
    // lpac es10c_get_eid: BF3E 03 5C 01 5A as one final STORE DATA block on channel 1 (CLA 81).
    const std::string r = transmit("81E2910006BF3E035C015A");
    EXPECT_EQ(r, "BF3E125A10" + card->eid() + "9000");
}

TEST_F(lpac_stdio_test, when_response_is_long_then_61xx_and_get_response_with_cla_8x_work)
{
    ASSERT_EQ(open_session(), 1);
    // GetEUICCInfo2 with lpac's 81 C0 GET RESPONSE for anything announced by 61xx.
    std::string r = transmit("81E2910003BF2200");
    std::string all;
    while (r.size() >= 4 && r.substr(r.size() - 4, 2) == "61") {
        all += r.substr(0, r.size() - 4);
        r = transmit("81C00000" + r.substr(r.size() - 2));
    }
    ASSERT_GE(r.size(), 4u);
    EXPECT_EQ(r.substr(r.size() - 4), "9000");
    all += r.substr(0, r.size() - 4);
    EXPECT_EQ(all.substr(0, 4), "BF22");
}

TEST_F(lpac_stdio_test, when_logic_channel_close_then_channel_is_closed_on_the_card)
{
    ASSERT_EQ(open_session(), 1);
    EXPECT_EQ(ecode_of(responder->handle_line(request("logic_channel_close", "01"))), 0);
    EXPECT_EQ(responder->open_channels(), 0);
    EXPECT_EQ(transmit("81E2910003BF2000"), "6881") << "closed channel answers 6881";
    EXPECT_EQ(ecode_of(responder->handle_line(request_null("disconnect"))), 0);
}

TEST_F(lpac_stdio_test, when_lpac_dies_mid_session_then_close_all_frees_the_channel)
{
    ASSERT_EQ(open_session(), 1);
    responder->close_all();
    EXPECT_EQ(responder->open_channels(), 0);
    EXPECT_EQ(card->transmit(hex("0070000001")), hex("019000"));
}

TEST_F(lpac_stdio_test, when_line_is_lpac_output_or_not_json_then_passed_through)
{
    EXPECT_FALSE(responder->handle_line(R"({"type":"lpa","payload":{"code":0,"message":"success","data":null}})"));
    EXPECT_FALSE(responder->handle_line(
        R"({"type":"progress","payload":{"code":0,"message":"es10b_get_euicc_challenge_and_info1","data":null}})"));
    EXPECT_FALSE(responder->handle_line(R"({"type":"http","payload":{"url":"https://x/","tx":"","headers":[]}})"));
    EXPECT_FALSE(responder->handle_line(R"({"type":"apdu","payload":{"ecode":0}})")) << "a reply is not a request";
    EXPECT_FALSE(responder->handle_line("hello"));
    EXPECT_FALSE(responder->handle_line(""));
    EXPECT_FALSE(responder->handle_line("[1,2]"));
    EXPECT_FALSE(responder->handle_line(R"({"type":1,"payload":{"func":"connect"}})"));
    EXPECT_FALSE(responder->handle_line(R"({"type":"apdu","payload":{"func":1}})"));
}

TEST_F(lpac_stdio_test, when_request_is_malformed_then_negative_ecode_so_lpac_does_not_hang)
{
    EXPECT_LT(ecode_of(responder->handle_line(request("transmit", "XYZ"))), 0);
    EXPECT_LT(ecode_of(responder->handle_line(request("transmit", "80E2"))), 0);
    EXPECT_LT(ecode_of(responder->handle_line(request("logic_channel_open", ""))), 0);
    EXPECT_LT(ecode_of(responder->handle_line(request("logic_channel_close", "0102"))), 0);
    EXPECT_LT(ecode_of(responder->handle_line(request_null("reset"))), 0);
    EXPECT_LT(ecode_of(responder->handle_line(R"({"type":"apdu","payload":{"func":"transmit","param":42}})")), 0);
}

// lpac 2.3 (8f68d5c) sends an 18-digit ICCID unpadded, as 9 bytes, in Enable/Disable/Delete but padded in
// SetNickname (facts §11.4). These are its exact APDUs, captured with LPAC_APDU_DEBUG=1.
TEST_F(lpac_stdio_test, when_lpac_sends_9_byte_iccid_then_profile_is_found)
{
    ASSERT_EQ(open_session(), 1);
    const int ch = 1;
    const bytes pir = download(*transport, ch, card->eid(), sample_profile("894900000000000035"));
    const auto outcome = decode_pir(pir);
    ASSERT_TRUE(outcome && outcome->success);

    EXPECT_EQ(transmit("81E2910013BF3110A00B5A09989400000000000053810100"), "BF31038001009000") << "enable";
    EXPECT_EQ(transmit("81E2910014BF29115A0A989400000000000053FF9003616263"), "BF29038001009000") << "nickname";
    EXPECT_EQ(transmit("81E2910013BF3210A00B5A09989400000000000053810100"), "BF32038001009000") << "disable";
    EXPECT_EQ(transmit("81E291000EBF330B5A09989400000000000053"), "BF33038001009000") << "delete";
    EXPECT_TRUE(card->profiles().empty());
}

TEST(lpac_stdio_prompt, when_line_is_the_download_preview_prompt_then_it_asks_the_user)
{
    EXPECT_TRUE(lpac_stdio_responder::is_user_prompt(
        R"({"type":"progress","payload":{"code":0,"message":"preview","data":"y/n"}})"));
    EXPECT_FALSE(lpac_stdio_responder::is_user_prompt(
        R"({"type":"progress","payload":{"code":0,"message":"es10b_prepare_download","data":"smdp"}})"));
    EXPECT_FALSE(lpac_stdio_responder::is_user_prompt(R"({"type":"lpa","payload":{"message":"preview"}})"));
    EXPECT_FALSE(lpac_stdio_responder::is_user_prompt("preview"));
    EXPECT_FALSE(lpac_stdio_responder::is_user_prompt(R"({"type":5,"payload":{"message":["preview"]}})"));
    EXPECT_FALSE(lpac_stdio_responder::is_user_prompt(R"({"type":"progress","payload":{"message":7}})"));
}
