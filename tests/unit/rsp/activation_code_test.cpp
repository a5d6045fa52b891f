#include "openrsp/rsp/activation_code.h"

#include <gtest/gtest.h>

using openrsp::rsp::parse_activation_code;

TEST(activation_code, when_minimal_code_then_address_and_matching_id_are_read)
{
    auto ac = parse_activation_code("1$testsmdpplus1.example.com$TS48V2-SAIP2-1-NOBERTLV-UNIQUE");
    ASSERT_TRUE(ac) << ac.error().message;
    EXPECT_EQ(ac->smdp_address, "testsmdpplus1.example.com");
    EXPECT_EQ(ac->matching_id, "TS48V2-SAIP2-1-NOBERTLV-UNIQUE");
    EXPECT_TRUE(ac->smdp_oid.empty());
    EXPECT_FALSE(ac->confirmation_code_required);
}

TEST(activation_code, when_lpa_prefix_in_any_case_then_it_is_stripped)
{
    for (const char* text : {"LPA:1$smdp.example.com$ABC-123", "lpa:1$smdp.example.com$ABC-123",
                             "  LpA:1$smdp.example.com$ABC-123\n"}) {
        auto ac = parse_activation_code(text);
        ASSERT_TRUE(ac) << text << ": " << ac.error().message;
        EXPECT_EQ(ac->matching_id, "ABC-123");
    }
}

TEST(activation_code, when_oid_and_cc_flag_then_both_are_read)
{
    auto ac = parse_activation_code("LPA:1$smdp.example.com$QR-G-5C-1LS-1W1Z9P7$1.3.6.1.4.1.31746$1");
    ASSERT_TRUE(ac) << ac.error().message;
    EXPECT_EQ(ac->smdp_oid, "1.3.6.1.4.1.31746");
    EXPECT_TRUE(ac->confirmation_code_required);
}

TEST(activation_code, when_cc_flag_without_oid_then_empty_oid_field_is_accepted_and_written_back)
{
    auto ac = parse_activation_code("1$smdp.example.com$TOKEN$$1");
    ASSERT_TRUE(ac) << ac.error().message;
    EXPECT_TRUE(ac->smdp_oid.empty());
    EXPECT_TRUE(ac->confirmation_code_required);
    EXPECT_EQ(ac->to_string(), "LPA:1$smdp.example.com$TOKEN$$1");
}

TEST(activation_code, when_address_has_port_then_it_is_kept)
{
    auto ac = parse_activation_code("LPA:1$localhost:8443$K2LQ-7FZP");
    ASSERT_TRUE(ac) << ac.error().message;
    EXPECT_EQ(ac->smdp_address, "localhost:8443");
    EXPECT_EQ(openrsp::rsp::address_host(ac->smdp_address), "localhost");
}

TEST(activation_code, round_trip_through_to_string)
{
    auto ac = parse_activation_code("LPA:1$smdp.example.com$ABC$2.999.10");
    ASSERT_TRUE(ac);
    auto again = parse_activation_code(ac->to_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->to_string(), ac->to_string());
}

struct bad_code {
    const char* text;
    const char* expected_words;
};

class activation_code_bad : public ::testing::TestWithParam<bad_code> {};

TEST_P(activation_code_bad, when_malformed_then_a_sentence_names_the_problem)
{
    auto ac = parse_activation_code(GetParam().text);
    ASSERT_FALSE(ac) << GetParam().text;
    EXPECT_NE(ac.error().message.find(GetParam().expected_words), std::string::npos) << ac.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    cases, activation_code_bad,
    ::testing::Values(bad_code{"", "empty"}, bad_code{"LPA:", "empty"}, bad_code{"2$smdp.example.com$ABC", "format"},
                      bad_code{"1$smdp.example.com", "no matching ID"}, bad_code{"1$$ABC", "address is empty"},
                      bad_code{"1$smdp..example.com$ABC", "not a valid host"},
                      bad_code{"1$smdp.example.com:99999$ABC", "not a valid host"},
                      bad_code{"1$smdp_example.com$ABC", "not a valid host"},
                      bad_code{"1$smdp.example.com$", "matching ID is empty"},
                      bad_code{"1$smdp.example.com$AB C", "matching ID contains"},
                      bad_code{"1$smdp.example.com$ABC$1.2.x", "OID"},
                      bad_code{"1$smdp.example.com$ABC$$2", "flag"},
                      bad_code{"1$smdp.example.com$ABC$1.2$1$extra", "five"},
                      bad_code{"https://example.com", "format"}));

TEST(activation_code, when_longer_than_255_characters_then_rejected)
{
    const std::string text = "1$smdp.example.com$" + std::string(250, 'A');
    auto ac = parse_activation_code(text);
    ASSERT_FALSE(ac);
    EXPECT_NE(ac.error().message.find("longer than 255"), std::string::npos);
}
