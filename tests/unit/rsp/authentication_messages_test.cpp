// Typed Common Mutual Authentication messages (SGP.22 §5.7.13) and CancelSession (§5.7.14): decode of the bytes
// today's code paths produce, exact re-encoding, signed parts kept as received, and each rejection.
#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/x509.h"
#include "openrsp/der/der.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/cancel_session.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

using namespace openrsp;

namespace {

std::string slurp(const std::string& rel)
{
    std::ifstream in(std::string(OPENRSP_SOURCE_DIR) + "/tests/data/certs/" + rel, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
bytes cert(const std::string& rel)
{
    const std::string s = slurp(rel);
    return bytes(s.begin(), s.end());
}

const bytes tid = hex("0123456789ABCDEF0123456789ABCDEF");
const bytes euicc_challenge = hex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
const bytes server_challenge = hex("B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF");
const bytes ci_ski = hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");

void expect_error(const error& e, const char* reason, const char* needle)
{
    EXPECT_EQ(e.subject, "1.3.1") << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
    EXPECT_NE(e.message.find(needle), std::string::npos) << e.message;
}

/// ServerSigned1 the way the SM-DP+ writes it in initiateAuthentication (lib/smdpp authentication).
bytes server_signed1_like_the_smdp(byte_view extra = {})
{
    der::writer w;
    w.begin(0x30).add(0x80, tid).add(0x81, euicc_challenge).add(0x83, std::string_view{"testsmdpplus1.example.com"});
    w.add(0x84, server_challenge).raw(extra).end();
    return w.finish();
}

/// DeviceInfo the way the LPA writes it (lib/lpa es10_chip encode_device_info): generic TAC, empty capabilities.
bytes device_info_like_the_lpa(bool with_imei)
{
    der::writer w;
    w.begin(0xA1).add(0x80, hex("35290611")).begin(0xA1).end();
    if (with_imei) w.add(0x82, hex("53290611223344F5"));
    w.end();
    return w.finish();
}

/// AuthenticateServerRequest the way the LPA builds it (lib/lpa es10 authenticate_server).
bytes request_like_the_lpa(byte_view signed1, byte_view signature, const char* matching_id)
{
    der::writer w;
    w.begin(0xBF38)
        .raw(signed1)
        .add(0x5F37, signature)
        .add(0x04, ci_ski)
        .raw(cert("sgp26/CERT_S_SM_DPauth_ECDSA_NIST.der"))
        .begin(0xA0);
    if (matching_id) w.add(0x80, std::string_view{matching_id});
    w.raw(device_info_like_the_lpa(true)).end().end();
    return w.finish();
}

/// EuiccSigned1 and the ok response the way the eUICC builds them (lib/euicc es10b_auth authenticate_server).
bytes euicc_signed1_like_the_euicc(byte_view ctx1)
{
    der::writer w;
    w.begin(0x30)
        .add(0x80, tid)
        .add(0x83, std::string_view{"testsmdpplus1.example.com"})
        .add(0x84, server_challenge)
        .raw(hex("BF2203820100")) // any BF22 TLV: it is kept as sent
        .raw(ctx1)
        .end();
    return w.finish();
}
bytes ok_response_like_the_euicc(byte_view signed1)
{
    der::writer w;
    w.begin(0xBF38)
        .begin(0xA0)
        .raw(signed1)
        .add(0x5F37, bytes(64, 0x5A))
        .raw(cert("sgp26/CERT_EUICC_ECDSA_NIST.der"))
        .raw(cert("sgp26/CERT_EUM_ECDSA_NIST.der"))
        .end()
        .end();
    return w.finish();
}

bytes ctx1(bool with_matching_id)
{
    der::writer w;
    w.begin(0xA0);
    if (with_matching_id) w.add(0x80, std::string_view{"TS48V1-A-UNIQUE"});
    w.raw(device_info_like_the_lpa(false)).end();
    return w.finish();
}

/// Replaces the contents of the TLV `der` (same outer tag).
bytes with_contents(byte_view der, byte_view contents)
{
    return der::encode(der::parse_one(der)->tag, contents);
}

} // namespace

// ---- ServerSigned1 ----

TEST(server_signed1, when_written_as_the_smdp_does_then_read_and_reencoded_exactly)
{
    const bytes der = server_signed1_like_the_smdp();
    auto s = rsp::server_signed1::decode(der);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->transaction_id, tid);
    EXPECT_EQ(s->euicc_challenge, euicc_challenge);
    EXPECT_EQ(s->server_address, "testsmdpplus1.example.com");
    EXPECT_EQ(s->server_challenge, server_challenge);
    EXPECT_EQ(s->encode(), der);
}

TEST(server_signed1, rejections_name_the_field_and_size)
{
    const auto replace = [](der::tag_t tag, byte_view value) {
        der::writer w;
        const bytes good = server_signed1_like_the_smdp();
        const auto items = *der::reader(der::parse_one(good)->value).all();
        w.begin(0x30);
        for (const auto& t : items)
            if (t.tag == tag) {
                if (!value.empty() || tag != 0x83) w.add(tag, value);
            } else {
                w.raw(t.raw);
            }
        w.end();
        return w.finish();
    };
    auto long_tid = rsp::server_signed1::decode(replace(0x80, bytes(17, 1)));
    ASSERT_FALSE(long_tid);
    expect_error(long_tid.error(), "2.1", "ServerSigned1: transactionId must be 1 to 16 bytes, not 17");
    auto empty_tid = rsp::server_signed1::decode(replace(0x80, bytes{}));
    ASSERT_FALSE(empty_tid);
    expect_error(empty_tid.error(), "2.1", "transactionId must be 1 to 16 bytes, not 0");
    auto short_challenge = rsp::server_signed1::decode(replace(0x81, bytes(15, 1)));
    ASSERT_FALSE(short_challenge);
    expect_error(short_challenge.error(), "2.1", "euiccChallenge must be 16 bytes, not 15");
    auto bad_server_challenge = rsp::server_signed1::decode(replace(0x84, bytes(17, 1)));
    ASSERT_FALSE(bad_server_challenge);
    expect_error(bad_server_challenge.error(), "2.1", "serverChallenge must be 16 bytes");
    auto no_address = rsp::server_signed1::decode(replace(0x83, bytes{}));
    ASSERT_FALSE(no_address);
    expect_error(no_address.error(), "2.2", "ServerSigned1 lacks its mandatory serverAddress (tag 83)");

    auto wrong_tag =
        rsp::server_signed1::decode(der::encode(0x31, der::parse_one(server_signed1_like_the_smdp())->value));
    ASSERT_FALSE(wrong_tag);
    expect_error(wrong_tag.error(), "2.1", "the outer tag is 31, expected 30");
    bytes trailing = server_signed1_like_the_smdp();
    trailing.push_back(0);
    EXPECT_FALSE(rsp::server_signed1::decode(trailing));
}

// ---- DeviceInfo and CtxParams1 ----

TEST(device_info, lpa_encodings_with_and_without_imei_round_trip)
{
    for (bool imei : {false, true}) {
        const bytes der = device_info_like_the_lpa(imei);
        auto d = rsp::device_info::decode(der);
        ASSERT_TRUE(d) << d.error().message;
        EXPECT_EQ(d->tac, hex("35290611"));
        EXPECT_TRUE(d->device_capabilities.empty()) << "lpac sends an empty deviceCapabilities";
        EXPECT_EQ(d->imei.has_value(), imei);
        EXPECT_EQ(d->encode(), der);
    }
}

TEST(device_info, v2_0_tac_and_extensions_are_kept_bad_sizes_refused)
{
    // An 8-byte TAC (v2.0 Octet8), capabilities, and an element of a later version: all carried on.
    const bytes der = hex("A115800835290611000000"
                          "00A10580030F0000"
                          "8B020102");
    ASSERT_EQ(der.size(), 2u + 0x15u);
    auto d = rsp::device_info::decode(der);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->tac.size(), 8u);
    EXPECT_EQ(d->device_capabilities, hex("80030F0000"));
    EXPECT_EQ(d->extensions, hex("8B020102"));
    EXPECT_EQ(d->encode(), der);

    auto tac5 = rsp::device_info::decode(hex("A1098005352906110"
                                             "0A100"));
    ASSERT_FALSE(tac5);
    expect_error(tac5.error(), "2.1", "tac must be 4 bytes (or 8, as in v2.0), not 5");
    auto imei7 = rsp::device_info::decode(hex("A111800435290611A100820753290611223344"));
    ASSERT_FALSE(imei7);
    expect_error(imei7.error(), "2.1", "imei must be 8 bytes, not 7");
    auto no_caps = rsp::device_info::decode(hex("A106800435290611"));
    ASSERT_FALSE(no_caps);
    expect_error(no_caps.error(), "2.2", "deviceCapabilities");
}

TEST(ctx_params1, matching_id_is_optional_and_device_info_mandatory)
{
    for (bool mid : {true, false}) {
        auto c = rsp::ctx_params1::decode(ctx1(mid));
        ASSERT_TRUE(c) << c.error().message;
        EXPECT_EQ(c->matching_id.has_value(), mid);
        if (mid) {
            EXPECT_EQ(*c->matching_id, "TS48V1-A-UNIQUE");
        }
        EXPECT_EQ(c->encode(), ctx1(mid));
    }
    auto none = rsp::ctx_params1::decode(hex("A0038001"
                                             "41"));
    ASSERT_FALSE(none);
    expect_error(none.error(), "2.2", "CtxParamsForCommonAuthentication lacks its mandatory deviceInfo (tag A1)");
}

// ---- AuthenticateServerRequest ----

TEST(authenticate_server_request, lpa_request_is_read_whole_and_reencoded_exactly)
{
    const bytes signed1 = server_signed1_like_the_smdp();
    for (const char* mid : {"TS48V1-A-UNIQUE", static_cast<const char*>(nullptr)}) {
        const bytes der = request_like_the_lpa(signed1, bytes(64, 0x11), mid);
        auto r = rsp::authenticate_server_request::decode(der);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->server_signed1.transaction_id, tid);
        EXPECT_EQ(r->server_signed1_raw, signed1);
        EXPECT_EQ(r->server_signature1, bytes(64, 0x11));
        EXPECT_EQ(r->euicc_ci_pkid_to_be_used, ci_ski);
        EXPECT_EQ(r->server_certificate, cert("sgp26/CERT_S_SM_DPauth_ECDSA_NIST.der"));
        EXPECT_EQ(r->ctx_params1.matching_id.has_value(), mid != nullptr);
        ASSERT_TRUE(r->ctx_params1.device_info.imei);
        EXPECT_EQ(r->encode(), der);
        // Built from fields alone (no raw bytes), the same DER comes out.
        auto fresh = *r;
        fresh.server_signed1_raw.clear();
        fresh.ctx_params1_raw.clear();
        EXPECT_EQ(fresh.encode(), der);
    }
}

TEST(authenticate_server_request, signature_verifies_over_the_received_bytes_even_with_unknown_fields)
{
    // A later SM-DP+ adds an element to ServerSigned1: the signature covers it, so only the raw bytes verify.
    const bytes signed1 = server_signed1_like_the_smdp(hex("850101"));
    auto key = crypto::ec_key::from_pem(slurp("sgp26/SK_S_SM_DPauth_ECDSA_NIST.pem"));
    ASSERT_TRUE(key) << key.error().message;
    auto sig = crypto::ecdsa_sign(*key, signed1);
    ASSERT_TRUE(sig);
    const bytes der = request_like_the_lpa(signed1, *sig, "X");
    auto r = rsp::authenticate_server_request::decode(der);
    ASSERT_TRUE(r) << r.error().message;
    auto dpauth = crypto::certificate::from_der(r->server_certificate);
    ASSERT_TRUE(dpauth);
    EXPECT_TRUE(crypto::ecdsa_verify(dpauth->public_key(), r->server_signed1_raw, r->server_signature1));
    EXPECT_FALSE(crypto::ecdsa_verify(dpauth->public_key(), r->server_signed1.encode(), r->server_signature1));
    EXPECT_EQ(r->encode(), der);
}

TEST(authenticate_server_request, each_missing_element_is_named)
{
    const bytes good = request_like_the_lpa(server_signed1_like_the_smdp(), bytes(64, 1), "X");
    const auto items = *der::reader(der::parse_one(good)->value).all();
    const char* names[] = {"serverSigned1", "serverSignature1", "euiccCiPKIdToBeUsed", "serverCertificate",
                           "ctxParams1"};
    for (std::size_t drop = 0; drop < items.size(); ++drop) {
        der::writer w;
        w.begin(0xBF38);
        for (std::size_t i = 0; i < items.size(); ++i)
            if (i != drop) w.raw(items[i].raw);
        w.end();
        auto r = rsp::authenticate_server_request::decode(w.finish());
        ASSERT_FALSE(r) << drop;
        // Dropping serverSigned1 makes the certificate the first SEQUENCE, which then is no ServerSigned1.
        if (drop == 0) {
            expect_error(r.error(), "2.2", "serverCertificate");
        } else {
            expect_error(r.error(), "2.2", names[drop]);
        }
    }
}

// ---- AuthenticateServerResponse ----

TEST(authenticate_server_response, euicc_ok_response_keeps_euicc_signed1_as_received)
{
    const bytes signed1 = euicc_signed1_like_the_euicc(ctx1(true));
    const bytes der = ok_response_like_the_euicc(signed1);
    auto r = rsp::authenticate_server_response::decode(der);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->ok());
    EXPECT_FALSE(r->error());
    const auto& ok = *r->ok();
    EXPECT_EQ(ok.euicc_signed1_raw, signed1);
    EXPECT_EQ(ok.euicc_signed1.transaction_id, tid);
    EXPECT_EQ(ok.euicc_signed1.server_address, "testsmdpplus1.example.com");
    EXPECT_EQ(ok.euicc_signed1.server_challenge, server_challenge);
    EXPECT_EQ(ok.euicc_signed1.euicc_info2, hex("BF2203820100"));
    EXPECT_EQ(ok.euicc_signed1.ctx_params1.matching_id, "TS48V1-A-UNIQUE");
    EXPECT_EQ(ok.euicc_signed1.ctx_params1_raw, ctx1(true));
    EXPECT_EQ(ok.euicc_signature1, bytes(64, 0x5A));
    EXPECT_EQ(ok.euicc_certificate, cert("sgp26/CERT_EUICC_ECDSA_NIST.der"));
    EXPECT_EQ(ok.eum_certificate, cert("sgp26/CERT_EUM_ECDSA_NIST.der"));
    EXPECT_EQ(r->encode(), der);
    auto fresh = ok;
    fresh.euicc_signed1_raw.clear();
    fresh.euicc_signed1.ctx_params1_raw.clear();
    EXPECT_EQ(rsp::authenticate_server_response{fresh}.encode(), der);
}

TEST(authenticate_server_response, error_branch_with_and_without_transaction_id)
{
    // The eUICC answers A1{80 tid, 02 code}, or A1{02 code} when it could not read the request at all.
    const bytes with_tid = der::encode(0xBF38, der::encode(0xA1, concat({der::encode(0x80, tid), hex("020106")})));
    auto r = rsp::authenticate_server_response::decode(with_tid);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->error());
    EXPECT_EQ(r->error()->transaction_id, tid);
    EXPECT_EQ(r->error()->authenticate_error_code, rsp::authenticate_error_code::euicc_challenge_mismatch);
    EXPECT_EQ(r->encode(), with_tid);

    auto bare = rsp::authenticate_server_response::decode(hex("BF380503A10302017F"));
    EXPECT_FALSE(bare) << "length mismatch must be refused";
    const bytes no_tid = hex("BF3805A10302017F");
    auto r2 = rsp::authenticate_server_response::decode(no_tid);
    ASSERT_TRUE(r2) << r2.error().message;
    EXPECT_TRUE(r2->error()->transaction_id.empty());
    EXPECT_EQ(r2->error()->authenticate_error_code, rsp::authenticate_error_code::undefined_error);
    EXPECT_EQ(r2->encode(), no_tid);

    auto unknown = rsp::authenticate_server_response::decode(hex("BF3805A103020109"));
    ASSERT_TRUE(unknown);
    EXPECT_EQ(rsp::describe(unknown->error()->authenticate_error_code), "error 9");

    auto no_code = rsp::authenticate_server_response::decode(hex("BF3805A103800101"));
    ASSERT_FALSE(no_code);
    expect_error(no_code.error(), "2.2", "AuthenticateResponseError lacks its mandatory authenticateErrorCode");
}

TEST(authenticate_server_response, rejections)
{
    auto neither = rsp::authenticate_server_response::decode(hex("BF3803A20100"));
    ASSERT_FALSE(neither);
    expect_error(neither.error(), "2.1", "neither authenticateResponseOk (A0) nor authenticateResponseError (A1)");

    // No eumCertificate.
    const bytes full = ok_response_like_the_euicc(euicc_signed1_like_the_euicc(ctx1(false)));
    const auto items = *der::reader(der::parse_one(der::parse_one(full)->value)->value).all();
    der::writer w;
    w.begin(0xBF38).begin(0xA0).raw(items[0].raw).raw(items[1].raw).raw(items[2].raw).end().end();
    auto no_eum = rsp::authenticate_server_response::decode(w.finish());
    ASSERT_FALSE(no_eum);
    expect_error(no_eum.error(), "2.2", "AuthenticateResponseOk lacks its mandatory eumCertificate");

    // euiccSigned1 without euiccInfo2.
    der::writer s;
    s.begin(0x30).add(0x80, tid).add(0x83, std::string_view{"a.example"}).add(0x84, server_challenge).raw(ctx1(false));
    s.end();
    auto no_info2 = rsp::authenticate_server_response::decode(ok_response_like_the_euicc(s.finish()));
    ASSERT_FALSE(no_info2);
    expect_error(no_info2.error(), "2.2", "EuiccSigned1 lacks its mandatory euiccInfo2 (tag BF22)");

    auto wrong_outer = rsp::authenticate_server_response::decode(with_contents(hex("BF2100"), hex("A10302017F")));
    ASSERT_FALSE(wrong_outer);
    expect_error(wrong_outer.error(), "2.1", "expected BF38");
}

// ---- CancelSession ----

TEST(cancel_session_request, lpa_request_round_trips_and_missing_reason_is_named)
{
    // lib/lpa es10 cancel_session: BF41{80 tid, 81 reason}.
    der::writer w;
    w.begin(0xBF41).add(0x80, tid).add_uint(0x81, 5).end();
    const bytes der = w.finish();
    auto r = rsp::cancel_session_request::decode(der);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->transaction_id, tid);
    EXPECT_EQ(r->reason, rsp::cancel_session_reason::load_bpp_execution_error);
    EXPECT_EQ(r->encode(), der);
    EXPECT_EQ((rsp::cancel_session_request{tid, rsp::cancel_session_reason::undefined_reason}.encode()),
              der::encode(0xBF41, concat({der::encode(0x80, tid), hex("81017F")})));

    auto no_reason = rsp::cancel_session_request::decode(der::encode(0xBF41, der::encode(0x80, tid)));
    ASSERT_FALSE(no_reason);
    expect_error(no_reason.error(), "2.2", "CancelSessionRequest lacks its mandatory reason (tag 81)");
    auto long_tid = rsp::cancel_session_request::decode(
        der::encode(0xBF41, concat({der::encode(0x80, bytes(17, 1)), hex("810100")})));
    ASSERT_FALSE(long_tid);
    expect_error(long_tid.error(), "2.1", "transactionId must be 1 to 16 bytes, not 17");
}

TEST(cancel_session_response, euicc_ok_response_keeps_the_signed_part_and_reencodes_exactly)
{
    // lib/euicc es10b_auth cancel_session: A0{30{80 tid, 81 smdpOid, 82 reason}, 5F37 sig}.
    const bytes oid = *der::encode_oid("2.999.10");
    der::writer tbs;
    tbs.begin(0x30).add(0x80, tid).add(0x81, oid).add(0x82, hex("00")).end();
    const bytes signed_part = tbs.finish();
    der::writer w;
    w.begin(0xBF41).begin(0xA0).raw(signed_part).add(0x5F37, bytes(64, 7)).end().end();
    const bytes der = w.finish();

    auto r = rsp::cancel_session_response::decode(der);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->ok());
    const auto& ok = *r->ok();
    EXPECT_EQ(ok.euicc_cancel_session_signed_raw, signed_part);
    EXPECT_EQ(ok.euicc_cancel_session_signed.transaction_id, tid);
    EXPECT_EQ(*der::decode_oid(ok.euicc_cancel_session_signed.smdp_oid), "2.999.10");
    EXPECT_EQ(ok.euicc_cancel_session_signed.reason, rsp::cancel_session_reason::end_user_rejection);
    EXPECT_EQ(ok.euicc_cancel_session_signature, bytes(64, 7));
    EXPECT_EQ(r->encode(), der);
    auto fresh = ok;
    fresh.euicc_cancel_session_signed_raw.clear();
    EXPECT_EQ(rsp::cancel_session_response{fresh}.encode(), der);
}

TEST(cancel_session_response, error_codes_as_the_euicc_sends_them)
{
    // The eUICC's refusals (tests/unit/euicc download_codes): cancelSessionResponseError is [1] INTEGER, tag 81.
    for (const char* h : {"BF4103810105", "BF410381017F"}) {
        auto r = rsp::cancel_session_response::decode(hex(h));
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_TRUE(r->error());
        EXPECT_EQ(r->encode(), hex(h));
    }
    EXPECT_EQ(*rsp::cancel_session_response::decode(hex("BF4103810105"))->error(),
              rsp::cancel_session_error::invalid_transaction_id);
}

TEST(cancel_session_response, rejections)
{
    const auto signed_with_oid = [](byte_view oid_value) {
        der::writer w;
        w.begin(0xBF41).begin(0xA0).begin(0x30).add(0x80, tid).add(0x81, oid_value).add(0x82, hex("00")).end();
        w.add(0x5F37, bytes(64, 7)).end().end();
        return w.finish();
    };
    auto bad_oid = rsp::cancel_session_response::decode(signed_with_oid(hex("80")));
    ASSERT_FALSE(bad_oid);
    expect_error(bad_oid.error(), "2.1", "EuiccCancelSessionSigned: smdpOid is not a valid OBJECT IDENTIFIER");

    auto no_sig = rsp::cancel_session_response::decode(hex("BF410DA00B300980010181012A820100"));
    ASSERT_FALSE(no_sig);
    expect_error(no_sig.error(), "2.2", "CancelSessionResponseOk lacks its mandatory euiccCancelSessionSignature");

    auto no_oid = rsp::cancel_session_response::decode(hex("BF410EA00C3006800101820100"
                                                           "5F370101"));
    ASSERT_FALSE(no_oid);
    expect_error(no_oid.error(), "2.2", "EuiccCancelSessionSigned lacks its mandatory smdpOid (tag 81)");

    auto neither = rsp::cancel_session_response::decode(hex("BF4103020105"));
    ASSERT_FALSE(neither);
    expect_error(neither.error(), "2.1", "neither cancelSessionResponseOk (A0) nor cancelSessionResponseError (81)");
}
