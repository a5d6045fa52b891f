/// \file
/// \brief The ES9+ ASN.1 binding types (SGP.22 §6.6, RemoteProfileProvisioningRequest/Response): round trips, the
/// bytes on the wire, the error INTEGERs and what a malformed body is refused with.

#include "openrsp/rsp/es9p_asn1.h"

#include <gtest/gtest.h>

namespace es9p = openrsp::rsp::es9p;
namespace asn1 = openrsp::rsp::es9p::asn1;
using openrsp::bytes;
using openrsp::error;
using openrsp::from_hex;
using openrsp::to_hex;

namespace {

bytes hex(std::string_view h)
{
    auto b = from_hex(h);
    EXPECT_TRUE(b) << h;
    return b ? *b : bytes{};
}

asn1::request round_trip(const asn1::request& r)
{
    auto der = asn1::encode_request(r);
    EXPECT_TRUE(der) << der.error().message;
    auto back = asn1::decode_request(*der);
    EXPECT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->index(), r.index());
    return *back;
}

void expect_codes(const error& e, std::string_view subject, std::string_view reason)
{
    EXPECT_EQ(e.subject, subject) << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
}

const bytes info1 = hex("BF2009820302020AA900AA00");
const bytes authenticate_server_response = hex("BF3803810105");
const bytes prepare_download_response = hex("BF2103810105");
const bytes cancel_session_response = hex("BF4105A003300100"); // A0 { 30 01 00 }: an opaque ok alternative

} // namespace

TEST(es9p_asn1, initiate_authentication_request_is_a2_bf39_with_challenge_address_and_info1)
{
    es9p::initiate_authentication_request m{"dp.example", bytes(16, 0xAB), info1};
    auto der = asn1::encode_request(m);
    ASSERT_TRUE(der);
    // A2 { BF39 { 81 10 <challenge>, 83 0A "dp.example", BF20 ... } }
    EXPECT_EQ(to_hex(*der, true).substr(0, 14), "A22DBF392A8110");
    const auto back = std::get<es9p::initiate_authentication_request>(round_trip(m));
    EXPECT_EQ(back.smdp_address, m.smdp_address);
    EXPECT_EQ(back.euicc_challenge, m.euicc_challenge);
    EXPECT_EQ(back.euicc_info1, info1);
    EXPECT_EQ(asn1::function_of(back), asn1::function::initiate_authentication);
}

TEST(es9p_asn1, requests_with_a_transaction_round_trip_and_name_their_function)
{
    const auto ac = std::get<es9p::authenticate_client_request>(
        round_trip(es9p::authenticate_client_request{"0a0b0c", authenticate_server_response}));
    EXPECT_EQ(ac.transaction_id, "0A0B0C"); // upper-case hex, as the SM-DP+ keys its sessions
    EXPECT_EQ(ac.authenticate_server_response, authenticate_server_response);

    const auto gb = std::get<es9p::get_bound_profile_package_request>(
        round_trip(es9p::get_bound_profile_package_request{"0A0B0C", prepare_download_response}));
    EXPECT_EQ(gb.prepare_download_response, prepare_download_response);

    const auto hn =
        std::get<es9p::handle_notification_request>(round_trip(es9p::handle_notification_request{hex("BF3703800101")}));
    EXPECT_EQ(to_hex(hn.pending_notification, true), "BF3703800101");

    EXPECT_EQ(asn1::function_name(asn1::function::get_bound_profile_package), "getBoundProfilePackage");
    EXPECT_EQ(asn1::function_name(asn1::function::cancel_session), "cancelSession");
}

TEST(es9p_asn1, cancel_session_carries_the_es10b_response_under_the_implicit_a1_and_gives_it_back_as_bf41)
{
    es9p::cancel_session_request m{"0102", cancel_session_response};
    auto der = asn1::encode_request(m);
    ASSERT_TRUE(der);
    // A2 { BF41 { 80 02 0102, A1 { A0 { 30 01 00 } } } }: automatic tags on CancelSessionRequestEs9.
    EXPECT_EQ(to_hex(*der, true), "A20EBF410B80020102A105A003300100");
    const auto back = std::get<es9p::cancel_session_request>(round_trip(m));
    EXPECT_EQ(back.transaction_id, "0102");
    EXPECT_EQ(back.cancel_session_response, cancel_session_response);
}

TEST(es9p_asn1, handle_notification_wraps_the_pending_notification_in_an_explicit_a0_and_a_bare_one_is_taken)
{
    auto der = asn1::encode_request(es9p::handle_notification_request{hex("300100")});
    ASSERT_TRUE(der);
    EXPECT_EQ(to_hex(*der, true), "A208BF3D05A003300100");
    auto bare = asn1::decode_request(hex("A206BF3D03300100"));
    ASSERT_TRUE(bare) << bare.error().message;
    EXPECT_EQ(to_hex(std::get<es9p::handle_notification_request>(*bare).pending_notification, true), "300100");
    // A0 around something that is no PendingNotification alternative.
    auto other = asn1::decode_request(hex("A207BF3D04A0028000"));
    ASSERT_FALSE(other);
    expect_codes(other.error(), "1.3.1", "2.1");
}

TEST(es9p_asn1, a_body_that_is_no_remote_profile_provisioning_request_is_refused_with_1_3_1)
{
    // Not DER, another outer tag, trailing bytes, two alternatives, an alternative that is no ES9+ request.
    for (const char* h : {"A2", "3000", "A206BF3D03300100FF", "A209BF3D03300100BF3D00", "A203BF4000", ""}) {
        auto r = asn1::decode_request(hex(h));
        ASSERT_FALSE(r) << h;
        expect_codes(r.error(), "1.3.1", "2.1");
        EXPECT_NE(r.error().message.find("RemoteProfileProvisioningRequest"), std::string::npos) << r.error().message;
    }
}

TEST(es9p_asn1, missing_or_invalid_elements_are_refused_naming_the_type_and_field)
{
    // AuthenticateClientRequest without transactionId: mandatory element missing.
    auto no_tid = asn1::decode_request(hex("A209BF3B06BF3803810105"));
    ASSERT_FALSE(no_tid);
    expect_codes(no_tid.error(), "1.3.1", "2.2");
    EXPECT_NE(no_tid.error().message.find("AuthenticateClientRequest lacks its mandatory transactionId"),
              std::string::npos)
        << no_tid.error().message;
    // A 17-byte TransactionId is an unknown transaction, as in the JSON binding.
    auto long_tid = asn1::decode_request(hex("A21CBF3A198011" + std::string(34, '0') + "BF2103810105"));
    ASSERT_FALSE(long_tid);
    expect_codes(long_tid.error(), "8.10.1", "3.9");
    // A 15-byte euiccChallenge.
    auto short_challenge = asn1::decode_request(hex("A21BBF3918810F" + std::string(30, '0') + "8302646BBF2000"));
    ASSERT_FALSE(short_challenge);
    expect_codes(short_challenge.error(), "1.3.1", "2.1");
    // InitiateAuthenticationRequest without euiccInfo1.
    auto no_info = asn1::decode_request(hex("A218BF39158110" + std::string(32, '0') + "8301" + "64"));
    ASSERT_FALSE(no_info);
    expect_codes(no_info.error(), "1.3.1", "2.2");
}

TEST(es9p_asn1, responses_round_trip_through_the_ok_alternative)
{
    es9p::initiate_authentication_response ia{"0A0B", hex("3003800101"), hex("5F370100"), hex("0402AABB"),
                                              hex("3003020101")};
    const bytes ia_der = asn1::encode_response(ia);
    EXPECT_EQ(to_hex(ia_der, true).substr(0, 12), "A21BBF3918A0");
    auto ia_back = asn1::decode_initiate_authentication_response(ia_der);
    ASSERT_TRUE(ia_back) << ia_back.error().message;
    EXPECT_EQ(ia_back->transaction_id, "0A0B");
    EXPECT_EQ(ia_back->server_signed1, ia.server_signed1);
    EXPECT_EQ(ia_back->server_signature1, ia.server_signature1);
    EXPECT_EQ(ia_back->euicc_ci_pkid_to_be_used, ia.euicc_ci_pkid_to_be_used);
    EXPECT_EQ(ia_back->server_certificate, ia.server_certificate);

    es9p::authenticate_client_response ac{"0A0B", hex("BF2500"), hex("3003800101"), hex("5F370100"), hex("300100")};
    auto ac_back = asn1::decode_authenticate_client_response(asn1::encode_response(ac));
    ASSERT_TRUE(ac_back) << ac_back.error().message;
    EXPECT_EQ(ac_back->profile_metadata, ac.profile_metadata);
    EXPECT_EQ(ac_back->smdp_signed2, ac.smdp_signed2);
    EXPECT_EQ(ac_back->smdp_signature2, ac.smdp_signature2);
    EXPECT_EQ(ac_back->smdp_certificate, ac.smdp_certificate);

    es9p::get_bound_profile_package_response gb{"0A0B", hex("BF3603A00100")};
    auto gb_back = asn1::decode_get_bound_profile_package_response(asn1::encode_response(gb));
    ASSERT_TRUE(gb_back) << gb_back.error().message;
    EXPECT_EQ(gb_back->transaction_id, "0A0B");
    EXPECT_EQ(gb_back->bound_profile_package, gb.bound_profile_package);

    // CancelSessionOk is an empty SEQUENCE: no transactionId (SGP.22 defines no output data).
    EXPECT_EQ(to_hex(asn1::encode_cancel_session_ok(), true), "A205BF4102A000");
    EXPECT_TRUE(asn1::decode_cancel_session_response(asn1::encode_cancel_session_ok()));
}

TEST(es9p_asn1, an_sgp22_error_becomes_the_functions_error_integer_and_back)
{
    auto refused = asn1::encode_error(asn1::function::get_bound_profile_package, error::rsp("8.2.7", "3.8", "x"));
    ASSERT_TRUE(refused);
    EXPECT_EQ(to_hex(*refused, true), "A206BF3A03810103");
    auto decoded = asn1::decode_get_bound_profile_package_response(*refused);
    ASSERT_FALSE(decoded);
    expect_codes(decoded.error(), "8.2.7", "3.8");
    EXPECT_NE(decoded.error().message.find("confirmationCodeRefused(3)"), std::string::npos) << decoded.error().message;

    using F = asn1::function;
    const auto code = [](F f, const char* s, const char* r) { return asn1::error_code(f, error::rsp(s, r, "")); };
    EXPECT_EQ(code(F::initiate_authentication, "8.8.1", "3.8"), 1);
    EXPECT_EQ(code(F::initiate_authentication, "8.8.3", "3.1"), 2);
    EXPECT_EQ(code(F::initiate_authentication, "8.8.2", "3.1"), 3);
    EXPECT_EQ(code(F::initiate_authentication, "8.8", "4.2"), std::nullopt); // no undefinedError in that list
    EXPECT_EQ(code(F::authenticate_client, "8.1.2", "6.3"), 2);
    EXPECT_EQ(code(F::authenticate_client, "8.2.6", "3.3"), 6);
    EXPECT_EQ(code(F::authenticate_client, "8.1.1", "3.8"), 7);
    EXPECT_EQ(code(F::authenticate_client, "8.2.5", "4.3"), 8);
    EXPECT_EQ(code(F::authenticate_client, "8.10.1", "3.9"), 10);
    EXPECT_EQ(code(F::authenticate_client, "8.8", "4.2"), 127);
    EXPECT_EQ(code(F::get_bound_profile_package, "8.2.7", "6.4"), 4);
    EXPECT_EQ(code(F::get_bound_profile_package, "8.10.1", "3.9"), 95);
    EXPECT_EQ(code(F::cancel_session, "8.1", "6.1"), 2);
    EXPECT_EQ(code(F::cancel_session, "8.8", "3.10"), 127);
    EXPECT_EQ(code(F::handle_notification, "8.1", "6.1"), std::nullopt);
    EXPECT_FALSE(asn1::encode_error(F::initiate_authentication, error::rsp("1.3.1", "2.1", "")));
    EXPECT_EQ(asn1::http_status(error::rsp("8.8", "4.2", "")), 500);
    EXPECT_EQ(asn1::http_status(error::rsp("1.3.1", "2.1", "")), 400);

    // undefinedError carries no pair; an unnamed code keeps its number.
    auto undefined = asn1::decode_authenticate_client_response(hex("A206BF3B0381017F"));
    ASSERT_FALSE(undefined);
    EXPECT_FALSE(undefined.error().has_codes());
    EXPECT_NE(undefined.error().message.find("undefinedError(127)"), std::string::npos) << undefined.error().message;
    EXPECT_EQ(asn1::error_name(F::cancel_session, 9), "error 9");
}

TEST(es9p_asn1, a_malformed_answer_or_another_functions_answer_is_refused_by_the_client)
{
    // The answer to getBoundProfilePackage where initiateAuthentication was asked.
    auto wrong = asn1::decode_initiate_authentication_response(hex("A206BF3A03810103"));
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("malformed InitiateAuthenticationResponse"), std::string::npos)
        << wrong.error().message;
    // An ok alternative without its BoundProfilePackage.
    auto no_bpp = asn1::decode_get_bound_profile_package_response(hex("A209BF3A06A00480020A0B"));
    ASSERT_FALSE(no_bpp);
    EXPECT_NE(no_bpp.error().message.find("boundProfilePackage"), std::string::npos) << no_bpp.error().message;
}

TEST(es9p_asn1, the_function_of_a_malformed_body_is_known_when_its_alternative_tag_is_readable)
{
    EXPECT_EQ(asn1::peek_function(hex("A209BF3B06BF3803810105")), asn1::function::authenticate_client);
    EXPECT_EQ(asn1::peek_function(hex("A203BF3A00")), asn1::function::get_bound_profile_package);
    EXPECT_EQ(asn1::peek_function(hex("A203BF4000")), std::nullopt);
    EXPECT_EQ(asn1::peek_function(hex("3000")), std::nullopt);
    EXPECT_EQ(asn1::peek_function(hex("A2")), std::nullopt);
}
