#include "openrsp/rsp/es9p.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace es9p = openrsp::rsp::es9p;
using openrsp::bytes;

TEST(es9p, initiate_authentication_request_round_trip)
{
    es9p::initiate_authentication_request m{"smdp.example.com", bytes(16, 0xAB), bytes{0xBF, 0x20, 0x00}};
    auto parsed = es9p::parse_initiate_authentication_request(es9p::to_json(m));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->smdp_address, m.smdp_address);
    EXPECT_EQ(parsed->euicc_challenge, m.euicc_challenge);
    EXPECT_EQ(parsed->euicc_info1, m.euicc_info1);
}

TEST(es9p, when_mandatory_key_missing_then_1_3_1_reason_2_2)
{
    auto parsed = es9p::parse_initiate_authentication_request(R"({"smdpAddress":"x","euiccChallenge":"AAAAAAAAAAAAAAAAAAAAAA=="})");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().subject, "1.3.1");
    EXPECT_EQ(parsed.error().reason, "2.2");
}

TEST(es9p, when_base64_is_invalid_then_reason_2_1)
{
    auto parsed = es9p::parse_authenticate_client_request(
        R"({"transactionId":"0A0B","authenticateServerResponse":"***"})");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().reason, "2.1");
}

TEST(es9p, when_transaction_id_is_not_hex_then_8_10_1)
{
    auto parsed = es9p::parse_get_bound_profile_package_request(
        R"({"transactionId":"XYZ","prepareDownloadResponse":"vyEA"})");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().subject, "8.10.1");
}

TEST(es9p, when_body_is_not_json_then_rejected)
{
    EXPECT_FALSE(es9p::parse_handle_notification_request("not json"));
    EXPECT_FALSE(es9p::parse_cancel_session_request("[1,2]"));
}

TEST(es9p, failure_response_carries_status_code_data_that_the_client_reads_back)
{
    const std::string body = es9p::failure_json(openrsp::error::rsp("8.2.6", "3.8", "unknown matching ID"));
    auto j = nlohmann::json::parse(body);
    EXPECT_EQ(j["header"]["functionExecutionStatus"]["status"], "Failed");
    EXPECT_EQ(j["header"]["functionExecutionStatus"]["statusCodeData"]["subjectCode"], "8.2.6");
    EXPECT_EQ(j["header"]["functionExecutionStatus"]["statusCodeData"]["reasonCode"], "3.8");
    auto client_side = es9p::parse_authenticate_client_response(body);
    ASSERT_FALSE(client_side);
    EXPECT_EQ(client_side.error().subject, "8.2.6");
    EXPECT_EQ(client_side.error().reason, "3.8");
    EXPECT_NE(client_side.error().message.find("matching ID"), std::string::npos);
}

TEST(es9p, success_response_round_trip)
{
    es9p::get_bound_profile_package_response m{"0123456789ABCDEF0123456789ABCDEF", bytes{0xBF, 0x36, 0x00}};
    auto parsed = es9p::parse_get_bound_profile_package_response(es9p::to_json(m));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->transaction_id, m.transaction_id);
    EXPECT_EQ(parsed->bound_profile_package, m.bound_profile_package);
}

TEST(es9p, when_response_lacks_a_key_then_client_fails)
{
    auto parsed = es9p::parse_authenticate_client_response(
        R"({"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01"})");
    ASSERT_FALSE(parsed);
    EXPECT_NE(parsed.error().message.find("profileMetadata"), std::string::npos);
}

TEST(es9p, empty_body_is_a_successful_header_only_response)
{
    EXPECT_TRUE(es9p::parse_header_only_response(""));
    EXPECT_TRUE(es9p::parse_header_only_response(es9p::success_header_only("01")));
}

TEST(es9p, when_server_text_is_terse_then_the_known_meaning_leads_and_the_server_text_is_kept)
{
    // osmo-smdpp answers an unknown matching ID with the bare word "Refused".
    auto r = es9p::parse_authenticate_client_response(
        es9p::failure_json(openrsp::error::rsp("8.2.6", "3.8", "Refused")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "the SM-DP+ refused: the matching ID is unknown or already used (server: \"Refused\"; SGP.22 8.2.6/3.8)");
}

TEST(es9p, when_pair_is_not_a_specific_one_then_the_server_text_is_the_sentence)
{
    auto r = es9p::parse_header_only_response(es9p::failure_json(openrsp::error::rsp("1.6", "3.1", "unknown function")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "the SM-DP+ refused: unknown function (SGP.22 1.6/3.1)");
}

TEST(es9p, every_message_is_valid_json_with_the_fields_of_sgp22)
{
    // The writers build JSON by hand for speed; a standard parser must read back exactly what went in.
    const bytes blob = {0x00, 0xFF, 0x10, 0x7F, 0x80, 0x3E, 0x3F};
    const std::string b64 = openrsp::base64_encode(blob);
    auto j = nlohmann::json::parse(es9p::to_json(es9p::initiate_authentication_request{"smdp.example:8443", blob, blob}));
    EXPECT_EQ(j.at("smdpAddress"), "smdp.example:8443");
    EXPECT_EQ(j.at("euiccChallenge"), b64);
    EXPECT_EQ(j.at("euiccInfo1"), b64);

    es9p::initiate_authentication_response ia;
    ia.transaction_id = "0A0B0C";
    ia.server_signed1 = ia.server_signature1 = ia.euicc_ci_pkid_to_be_used = ia.server_certificate = blob;
    j = nlohmann::json::parse(es9p::to_json(ia));
    EXPECT_EQ(j.at("header").at("functionExecutionStatus").at("status"), "Executed-Success");
    EXPECT_EQ(j.at("transactionId"), "0A0B0C");
    for (const char* k : {"serverSigned1", "serverSignature1", "euiccCiPKIdToBeUsed", "serverCertificate"})
        EXPECT_EQ(j.at(k), b64) << k;

    es9p::authenticate_client_response ac;
    ac.transaction_id = "0A0B0C";
    ac.profile_metadata = ac.smdp_signed2 = ac.smdp_signature2 = ac.smdp_certificate = blob;
    j = nlohmann::json::parse(es9p::to_json(ac));
    for (const char* k : {"profileMetadata", "smdpSigned2", "smdpSignature2", "smdpCertificate"})
        EXPECT_EQ(j.at(k), b64) << k;

    j = nlohmann::json::parse(es9p::to_json(es9p::handle_notification_request{blob}));
    EXPECT_EQ(j.at("pendingNotification"), b64);
    j = nlohmann::json::parse(es9p::success_header_only("0A0B"));
    EXPECT_EQ(j.at("transactionId"), "0A0B");
    EXPECT_EQ(j.at("header").at("functionExecutionStatus").at("status"), "Executed-Success");
    EXPECT_FALSE(nlohmann::json::parse(es9p::success_header_only("")).contains("transactionId"));
}

TEST(es9p, when_failure_text_has_quotes_controls_and_non_ascii_then_json_stays_valid)
{
    const std::string message = "bad \"id\" \\ tab\tnew\nline \x01 caf\xC3\xA9 and broken \xFF byte";
    const auto body = es9p::failure_json(openrsp::error{"8.2.6", "3.8", message});
    auto j = nlohmann::json::parse(body); // throws on invalid JSON or invalid UTF-8
    const auto& scd = j.at("header").at("functionExecutionStatus").at("statusCodeData");
    EXPECT_EQ(j.at("header").at("functionExecutionStatus").at("status"), "Failed");
    EXPECT_EQ(scd.at("subjectCode"), "8.2.6");
    EXPECT_EQ(scd.at("reasonCode"), "3.8");
    const std::string read_back = scd.at("message");
    EXPECT_NE(read_back.find("bad \"id\" \\ tab\tnew\nline \x01 caf\xC3\xA9"), std::string::npos);
    EXPECT_EQ(read_back.find('\xFF'), std::string::npos); // replaced, never passed through
}

TEST(es9p, when_smdp_address_is_not_utf8_then_request_json_stays_valid)
{
    const auto body = es9p::to_json(es9p::initiate_authentication_request{"smdp\xFE.example", bytes(16, 1), bytes{1}});
    const auto parsed = nlohmann::json::parse(body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded());
    EXPECT_EQ(parsed.at("euiccInfo1"), "AQ==");
}
