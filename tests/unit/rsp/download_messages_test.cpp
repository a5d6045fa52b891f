// Typed download messages (SGP.22 §5.7.5, §2.5.5, §5.5.1, §5.5.3): bytes built the way the SM-DP+, LPA and
// virtual eUICC build them today decode; decoded messages encode back to the same bytes; each rejection.
#include "openrsp/der/der.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/notification_metadata.h"
#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace openrsp::rsp {
namespace {

bytes cert(const std::string& name)
{
    std::ifstream in(std::string(OPENRSP_SOURCE_DIR) + "/tests/data/certs/sgp26/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const bytes tid = hex("0123456789ABCDEF0123456789ABCDEF");
const bytes sig64 = bytes(64, 0x5A);
const bytes otpk = concat({hex("04"), bytes(64, 0x11)});

/// smdpSigned2 as lib/smdpp/authentication.cpp writes it.
bytes smdp_signed2_der(bool cc)
{
    der::writer w;
    w.begin(0x30).add(0x80, tid).add_bool(0x01, cc).end();
    return w.finish();
}

/// PrepareDownloadRequest as lib/lpa/es10.cpp writes it.
bytes prepare_download_request_der(bool with_hash)
{
    der::writer w;
    w.begin(0xBF21).raw(smdp_signed2_der(with_hash)).add(0x5F37, sig64);
    if (with_hash) w.add(0x04, bytes(32, 0xCC));
    w.raw(cert("CERT_S_SM_DPpb_ECDSA_NIST.der")).end();
    return w.finish();
}

/// PrepareDownloadResponse as lib/euicc/es10b_auth.cpp writes it.
bytes prepare_download_response_der(bool with_hash)
{
    der::writer e2;
    e2.begin(0x30).add(0x80, tid).add(0x5F49, otpk);
    if (with_hash) e2.add(0x04, bytes(32, 0xCC));
    e2.end();
    der::writer w;
    w.begin(0xBF21).begin(0xA0).raw(e2.finish()).add(0x5F37, sig64).end().end();
    return w.finish();
}

void expect_code(const error& e, const char* reason, const std::string& words)
{
    EXPECT_EQ(e.subject, "1.3.1") << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
    EXPECT_NE(e.message.find(words), std::string::npos) << e.message;
}

TEST(smdp_signed2, when_built_like_the_smdpp_then_fields_and_raw_bytes_come_back)
{
    const bytes der = smdp_signed2_der(true);
    auto s = smdp_signed2::decode(der);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->transaction_id, tid);
    EXPECT_TRUE(s->cc_required);
    EXPECT_FALSE(s->bpp_euicc_otpk);
    EXPECT_EQ(s->raw, der);
    EXPECT_EQ(s->encode(), der);
    smdp_signed2 fresh{tid, true, std::nullopt, {}};
    EXPECT_EQ(fresh.encode(), der);
}

TEST(smdp_signed2, when_the_boolean_is_ber_01_then_raw_keeps_it_for_the_signature)
{
    // A BER TRUE of 01 must survive: smdpSignature2 was computed over it.
    auto s = smdp_signed2::decode(hex("3006800111010101"));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(s->cc_required);
    EXPECT_EQ(s->encode(), hex("3006800111010101"));
}

TEST(smdp_signed2, when_fields_are_missing_or_sized_wrong_then_it_says_which)
{
    auto no_flag = smdp_signed2::decode(hex("3003800111"));
    ASSERT_FALSE(no_flag);
    expect_code(no_flag.error(), "2.2", "SmdpSigned2 lacks its mandatory ccRequiredFlag");
    auto long_tid = smdp_signed2::decode(concat({hex("3016"
                                                     "8011"),
                                                 bytes(17, 1), hex("0101FF")}));
    ASSERT_FALSE(long_tid);
    expect_code(long_tid.error(), "2.1", "transactionId must be 1 to 16 bytes, not 17");
    auto empty_tid = smdp_signed2::decode(hex("30058000"
                                              "0101FF"));
    ASSERT_FALSE(empty_tid);
    expect_code(empty_tid.error(), "2.1", "transactionId must be 1 to 16 bytes, not 0");
    auto wrong_outer = smdp_signed2::decode(hex("A1068001110101FF"));
    ASSERT_FALSE(wrong_outer);
    expect_code(wrong_outer.error(), "2.1", "outer tag is A1");
    auto trailing = smdp_signed2::decode(hex("3006800111"
                                             "0101FF"
                                             "00"));
    ASSERT_FALSE(trailing);
    expect_code(trailing.error(), "2.1", "1 unexpected bytes follow");
    auto twice = smdp_signed2::decode(hex("3009800111"
                                          "800122"
                                          "0101FF"));
    ASSERT_FALSE(twice);
    expect_code(twice.error(), "2.1", "tag 80 appears more than once");
}

TEST(smdp_signed2, when_an_extension_field_follows_then_it_is_skipped_and_kept_in_raw)
{
    const bytes der = hex("300D800111"
                          "0101FF"
                          "5F4901AB"
                          "9F7F00");
    auto s = smdp_signed2::decode(der);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE(s->bpp_euicc_otpk);
    EXPECT_EQ(*s->bpp_euicc_otpk, hex("AB"));
    EXPECT_EQ(s->encode(), der);
}

TEST(prepare_download_request, when_built_like_the_lpa_then_it_round_trips)
{
    for (const bool with_hash : {false, true}) {
        const bytes der = prepare_download_request_der(with_hash);
        auto r = prepare_download_request::decode(der);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->smdp_signed2.raw, smdp_signed2_der(with_hash));
        EXPECT_EQ(r->smdp_signature2, sig64);
        EXPECT_EQ(r->hash_cc.has_value(), with_hash);
        EXPECT_EQ(r->smdp_certificate, cert("CERT_S_SM_DPpb_ECDSA_NIST.der"));
        EXPECT_EQ(r->encode(), der);
    }
}

TEST(prepare_download_request, when_parts_are_missing_or_wrong_then_it_is_refused)
{
    der::writer no_cert;
    no_cert.begin(0xBF21).raw(smdp_signed2_der(false)).add(0x5F37, sig64).end();
    auto a = prepare_download_request::decode(no_cert.finish());
    ASSERT_FALSE(a);
    expect_code(a.error(), "2.2", "PrepareDownloadRequest lacks its mandatory smdpCertificate");

    der::writer no_sig;
    no_sig.begin(0xBF21).raw(smdp_signed2_der(false)).raw(cert("CERT_S_SM_DPpb_ECDSA_NIST.der")).end();
    auto b = prepare_download_request::decode(no_sig.finish());
    ASSERT_FALSE(b);
    expect_code(b.error(), "2.2", "smdpSignature2");

    der::writer short_hash;
    short_hash.begin(0xBF21).raw(smdp_signed2_der(true)).add(0x5F37, sig64).add(0x04, bytes(31, 0));
    short_hash.raw(cert("CERT_S_SM_DPpb_ECDSA_NIST.der")).end();
    auto c = prepare_download_request::decode(short_hash.finish());
    ASSERT_FALSE(c);
    expect_code(c.error(), "2.1", "hashCc must be 32 bytes, not 31");
}

TEST(prepare_download_response, when_the_euicc_answers_ok_then_signed_bytes_are_kept)
{
    for (const bool with_hash : {false, true}) {
        const bytes der = prepare_download_response_der(with_hash);
        auto r = prepare_download_response::decode(der);
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_TRUE(r->ok());
        EXPECT_FALSE(r->error());
        const auto& s2 = r->ok()->euicc_signed2;
        EXPECT_EQ(s2.transaction_id, tid);
        EXPECT_EQ(s2.euicc_otpk, otpk);
        EXPECT_EQ(s2.hash_cc.has_value(), with_hash);
        // The bytes euiccSignature2 covers: exactly the 30 TLV inside A0.
        auto outer = der::parse_one(der);
        auto a0 = der::parse_one(outer->value);
        auto first = der::parse_prefix(a0->value);
        EXPECT_EQ(s2.raw, bytes(first->raw.begin(), first->raw.end()));
        EXPECT_EQ(r->ok()->euicc_signature2, sig64);
        EXPECT_EQ(r->encode(), der);
    }
}

TEST(prepare_download_response, when_the_euicc_refuses_then_the_code_and_tid_are_read)
{
    const bytes der = concat({hex("BF2117A115"
                                  "8010"),
                              tid, hex("020105")});
    auto r = prepare_download_response::decode(der);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->error());
    EXPECT_EQ(r->error()->transaction_id, tid);
    EXPECT_EQ(r->error()->download_error_code, 5u);
    EXPECT_EQ(r->encode(), der);
    // Our eUICC leaves the transactionId out when it could not read the request at all.
    const bytes bare = hex("BF2105A103"
                           "02017F");
    auto b = prepare_download_response::decode(bare);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_TRUE(b->error()->transaction_id.empty());
    EXPECT_EQ(b->error()->download_error_code, 127u);
    EXPECT_EQ(b->encode(), bare);
}

TEST(prepare_download_response, when_malformed_then_it_is_refused)
{
    auto other = prepare_download_response::decode(hex("BF2103A20100"));
    ASSERT_FALSE(other);
    expect_code(other.error(), "2.1", "alternative A2 is unknown");
    auto no_code = prepare_download_response::decode(hex("BF2105A103800111"));
    ASSERT_FALSE(no_code);
    expect_code(no_code.error(), "2.2", "PrepareDownloadResponseError lacks its mandatory downloadErrorCode");
    der::writer w;
    w.begin(0xBF21).begin(0xA0).begin(0x30).add(0x80, tid).end().add(0x5F37, sig64).end().end();
    auto missing_otpk = prepare_download_response::decode(w.finish());
    ASSERT_FALSE(missing_otpk);
    expect_code(missing_otpk.error(), "2.2", "EUICCSigned2 lacks its mandatory euiccOtpk");
}

/// InitialiseSecureChannelRequest as lib/smdpp/download.cpp writes it.
bytes isc_der()
{
    der::writer body;
    body.add(0x82, bytes{0x01})
        .add(0x80, tid)
        .begin(0xA6)
        .add(0x80, bytes{0x88})
        .add(0x81, bytes{0x10})
        .add(0x84, hex("0102030405060708"))
        .end()
        .add(0x5F49, otpk);
    der::writer w;
    w.begin(0xBF23).raw(body.finish()).add(0x5F37, sig64).end();
    return w.finish();
}

/// A BPP shaped like lib/smdpp/download.cpp's (segment contents are opaque here).
bytes bpp_der(bool with_ppk)
{
    der::writer w;
    w.begin(0xBF36).raw(isc_der());
    w.begin(0xA0).add(0x87, bytes(19, 0x87)).end();
    w.begin(0xA1).add(0x88, bytes(200, 0x88)).add(0x88, bytes(30, 0x89)).end();
    if (with_ppk) w.begin(0xA2).add(0x87, bytes(56, 0x8A)).end();
    w.begin(0xA3).add(0x86, bytes(1020, 0x86)).add(0x86, bytes(300, 0x85)).add(0x86, bytes(5, 0x84)).end();
    w.end();
    return w.finish();
}

/// The LoadBoundProfilePackage split as lib/lpa/es10.cpp makes it today.
std::vector<bytes> lpa_series(const bytes& bpp)
{
    auto outer = der::parse_one(bpp);
    auto elements = der::reader(outer->value).all();
    std::vector<bytes> series;
    bytes first;
    der::put_header(first, 0xBF36, outer->value.size());
    append(first, (*elements)[0].raw);
    series.push_back(first);
    for (std::size_t i = 1; i < elements->size(); ++i) {
        const auto& e = (*elements)[i];
        if (e.tag == 0xA0 || e.tag == 0xA2) {
            series.emplace_back(e.raw.begin(), e.raw.end());
            continue;
        }
        bytes header;
        der::put_header(header, e.tag, e.value.size());
        series.push_back(header);
        const auto segments = der::reader(e.value).all(); // keep the result alive for the loop
        for (const auto& s : *segments)
            series.emplace_back(s.raw.begin(), s.raw.end());
    }
    return series;
}

TEST(initialise_secure_channel_request, when_built_like_the_smdpp_then_fields_and_signed_part_come_back)
{
    const bytes der = isc_der();
    auto r = initialise_secure_channel_request::decode(der);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->remote_op_id, 1u);
    EXPECT_EQ(r->transaction_id, tid);
    EXPECT_EQ(r->control_ref_template.key_type, hex("88"));
    EXPECT_EQ(r->control_ref_template.key_len, hex("10"));
    EXPECT_EQ(r->control_ref_template.host_id, hex("0102030405060708"));
    EXPECT_EQ(r->smdp_otpk, otpk);
    EXPECT_EQ(r->smdp_sign, sig64);
    EXPECT_EQ(r->encode(), der);
    // smdpSign covers the BF23 contents before it (SGP.22 §5.5.1).
    auto outer = der::parse_one(der);
    const bytes expected(outer->value.begin(), outer->value.end() - 67);
    EXPECT_EQ(r->signed_part(), expected);
    initialise_secure_channel_request fresh = *r;
    fresh.raw.clear();
    EXPECT_EQ(fresh.signed_part(), expected);
    EXPECT_EQ(fresh.encode(), der);
}

TEST(initialise_secure_channel_request, when_the_crt_lacks_host_id_then_it_says_so)
{
    der::writer w;
    w.begin(0xBF23).add(0x82, bytes{1}).add(0x80, tid).begin(0xA6).add(0x80, bytes{0x88}).add(0x81, bytes{0x10}).end();
    w.add(0x5F49, otpk).add(0x5F37, sig64).end();
    auto r = initialise_secure_channel_request::decode(w.finish());
    ASSERT_FALSE(r);
    expect_code(r.error(), "2.2", "ControlRefTemplate lacks its mandatory hostId (tag 84)");
}

TEST(bound_profile_package, when_built_like_the_smdpp_then_segments_keep_their_bytes_and_it_round_trips)
{
    for (const bool with_ppk : {false, true}) {
        const bytes der = bpp_der(with_ppk);
        auto b = bound_profile_package::decode(der);
        ASSERT_TRUE(b) << b.error().message;
        EXPECT_EQ(b->initialise_secure_channel_request.raw, isc_der());
        ASSERT_EQ(b->first_sequence_of_87.size(), 1u);
        EXPECT_EQ(b->first_sequence_of_87[0], der::encode(0x87, bytes(19, 0x87)));
        ASSERT_EQ(b->sequence_of_88.size(), 2u);
        EXPECT_EQ(b->sequence_of_88[1], der::encode(0x88, bytes(30, 0x89)));
        EXPECT_EQ(b->second_sequence_of_87.has_value(), with_ppk);
        ASSERT_EQ(b->sequence_of_86.size(), 3u);
        EXPECT_EQ(b->sequence_of_86[0], der::encode(0x86, bytes(1020, 0x86)));
        EXPECT_EQ(b->encode(), der);
        EXPECT_EQ(b->store_data_series(), lpa_series(der));
    }
}

TEST(bound_profile_package, when_a_part_is_missing_or_holds_a_foreign_segment_then_it_is_refused)
{
    der::writer no86;
    no86.begin(0xBF36).raw(isc_der()).begin(0xA0).add(0x87, bytes{1}).end().begin(0xA1).add(0x88, bytes{1}).end().end();
    auto a = bound_profile_package::decode(no86.finish());
    ASSERT_FALSE(a);
    expect_code(a.error(), "2.2", "BoundProfilePackage lacks its mandatory sequenceOf86 (tag A3)");

    der::writer foreign;
    foreign.begin(0xBF36).raw(isc_der()).begin(0xA0).add(0x87, bytes{1}).end();
    foreign.begin(0xA1).add(0x87, bytes{1}).end().begin(0xA3).add(0x86, bytes{1}).end().end();
    auto b = bound_profile_package::decode(foreign.finish());
    ASSERT_FALSE(b);
    expect_code(b.error(), "2.1", "sequenceOf88 holds a 87 where only 88 segments belong");

    auto not_bpp = bound_profile_package::decode(isc_der());
    ASSERT_FALSE(not_bpp);
    expect_code(not_bpp.error(), "2.1", "outer tag is BF23, expected BF36");
}

/// StoreMetadataRequest as lib/smdpp/intake.cpp writes it.
bytes intake_metadata(const bytes& iccid_bcd)
{
    der::writer w;
    w.begin(0xBF25)
        .add(0x5A, iccid_bcd)
        .add(0x91, std::string_view("OpenRSP_Test"))
        .add(0x92, std::string_view("OpenRSP test profile"))
        .begin(0xB6)
        .begin(0x30)
        .add_named_bits(0x80, {0, 1, 2, 3})
        .add(0x81, std::string_view("smdp.example.com"))
        .end()
        .end()
        .end();
    return w.finish();
}

TEST(store_metadata_request, when_written_like_the_smdpp_intake_then_every_field_comes_back)
{
    const bytes iccid = hex("98440321436587092143");
    const bytes der = intake_metadata(iccid);
    auto m = store_metadata_request::decode(der);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->iccid, iccid);
    EXPECT_EQ(m->iccid_digits(), "89443012345678901234");
    EXPECT_EQ(m->service_provider_name, "OpenRSP_Test");
    EXPECT_EQ(m->profile_name, "OpenRSP test profile");
    EXPECT_FALSE(m->profile_class);
    EXPECT_EQ(m->profile_class_or_default(), 2u);
    ASSERT_EQ(m->notification_configuration_info.size(), 1u);
    const auto& nci = m->notification_configuration_info[0];
    EXPECT_EQ(nci.notification_address, "smdp.example.com");
    for (auto e : {notification_event::install, notification_event::enable, notification_event::disable,
                   notification_event::del})
        EXPECT_TRUE(nci.has(e));
    EXPECT_EQ(m->encode(), der);
}

TEST(store_metadata_request, when_every_optional_field_is_set_like_pysim_then_it_round_trips)
{
    // pySim always writes profileClass; lpac's Android extension refArDo (BF76) is skipped.
    store_metadata_request m;
    m.iccid = hex("98440321436587092143");
    m.service_provider_name = "SPN";
    m.profile_name = "Name";
    m.icon_type = 1;
    m.icon = bytes(1024, 0xEE);
    m.profile_class = 2;
    m.notification_configuration_info = {{notification_events({notification_event::enable}), "a.example"}};
    m.profile_owner = operator_id{hex("62F210"), hex("01"), std::nullopt};
    m.profile_policy_rules = hex("0640");
    const bytes der = m.encode();
    auto back = store_metadata_request::decode(der);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->encode(), der);
    ASSERT_TRUE(back->profile_owner);
    EXPECT_EQ(back->profile_owner->mcc_mnc, hex("62F210"));
    EXPECT_EQ(back->profile_owner->gid1, hex("01"));
    EXPECT_EQ(back->profile_policy_rules, hex("0640"));

    auto with_ext = der::parse_one(der);
    der::writer w;
    w.begin(0xBF25).raw(with_ext->value).begin(0xBF76).begin(0xE2).end().end().end();
    auto skipped = store_metadata_request::decode(w.finish());
    ASSERT_TRUE(skipped) << skipped.error().message;
    EXPECT_EQ(skipped->encode(), der);
}

TEST(store_metadata_request, when_mandatory_fields_are_missing_or_too_long_then_it_says_which)
{
    auto no_name = store_metadata_request::decode(hex("BF250F5A0A98440321436587092143"
                                                      "9101"
                                                      "41"));
    ASSERT_FALSE(no_name);
    expect_code(no_name.error(), "2.2", "StoreMetadataRequest lacks its mandatory profileName (tag 92)");
    auto short_iccid = store_metadata_request::decode(hex("BF25085A0298449100"
                                                          "9200"));
    ASSERT_FALSE(short_iccid);
    expect_code(short_iccid.error(), "2.1", "iccid must be 10 bytes, not 2");
    der::writer w;
    w.begin(0xBF25).add(0x5A, hex("98440321436587092143")).add(0x91, std::string(33, 'x')).add(0x92, bytes{}).end();
    auto long_spn = store_metadata_request::decode(w.finish());
    ASSERT_FALSE(long_spn);
    expect_code(long_spn.error(), "2.1", "serviceProviderName has 33 bytes, at most 32 are allowed");
}

TEST(install_codes, every_code_has_its_asn1_name_and_sentence_and_unknown_ones_stay_printable)
{
    EXPECT_EQ(asn1_name(install_error_reason::scp03t_structure_error), "scp03tStructureError");
    EXPECT_EQ(asn1_name(install_error_reason::iccid_already_exists), "installFailedDueToIccidAlreadyExistsOnEuicc");
    EXPECT_EQ(asn1_name(install_error_reason::unknown), "installFailedDueToUnknownError");
    EXPECT_EQ(asn1_name(static_cast<install_error_reason>(99)), "errorReason 99");
    EXPECT_EQ(describe(install_error_reason::iccid_already_exists), "the ICCID is already installed");
    EXPECT_EQ(describe(install_error_reason::scp03t_security_error), "SCP03t security error");
    EXPECT_EQ(describe(static_cast<install_error_reason>(99)), "unknown error");
    for (unsigned v = 1; v <= 15; ++v) {
        EXPECT_NE(asn1_name(static_cast<install_error_reason>(v)).rfind("errorReason", 0), 0u) << v;
        EXPECT_NE(describe(static_cast<install_error_reason>(v)), "unknown error") << v;
    }
    EXPECT_EQ(asn1_name(bpp_command_id::store_metadata), "storeMetadata");
    EXPECT_EQ(asn1_name(bpp_command_id::load_profile_elements), "loadProfileElements");
    EXPECT_EQ(asn1_name(static_cast<bpp_command_id>(9)), "bppCommandId 9");
    EXPECT_EQ(describe(static_cast<bpp_command_id>(9)), "BPP command 9");
    EXPECT_EQ(asn1_name(notification_event::del), "notificationDelete");
    EXPECT_EQ(describe(notification_event::install), "install");
    EXPECT_EQ(describe(notification_event::del), "delete");
    EXPECT_EQ(describe(static_cast<notification_event>(7)), "unknown");
}

} // namespace
} // namespace openrsp::rsp
