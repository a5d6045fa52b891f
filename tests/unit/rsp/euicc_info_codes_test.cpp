// Typed EUICCInfo1/EUICCInfo2 (SGP.22 §5.7.8) and the code sets of rsp/codes.h.
#include "openrsp/der/der.h"
#include "openrsp/rsp/codes.h"
#include "openrsp/rsp/euicc_info.h"

#include <gtest/gtest.h>

using namespace openrsp;

namespace {

const bytes ski_a = hex("81370F5125D0B1D408D4C3B232E6D25E795BEBFB");
const bytes ski_b = hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");

void expect_error(const error& e, const char* reason, const char* needle)
{
    EXPECT_EQ(e.subject, "1.3.1") << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
    EXPECT_NE(e.message.find(needle), std::string::npos) << e.message;
}

/// EUICCInfo1 the way the virtual eUICC's GetEUICCInfo1 writes it (lib/euicc es10b_auth).
bytes info1_like_the_euicc()
{
    der::writer w;
    w.begin(0xBF20).add(0x82, hex("020202"));
    w.begin(0xA9).add(0x04, ski_a).add(0x04, ski_b).end();
    w.begin(0xAA).add(0x04, ski_a).end();
    w.end();
    return w.finish();
}

/// EUICCInfo2 the way the virtual eUICC's GetEUICCInfo2 writes it (lib/euicc es10b_auth euicc_info2_tlv).
bytes info2_like_the_euicc()
{
    der::writer ext;
    ext.add_uint(0x81, 2).add(0x82, hex("00123456")).add(0x83, hex("00004000"));
    der::writer w;
    w.begin(0xBF22)
        .add(0x81, hex("020300"))
        .add(0x82, hex("020202"))
        .add(0x83, hex("010000"))
        .add(0x84, ext.finish())
        .add_named_bits(0x85, {1, 4})
        .add(0x86, hex("090200"))
        .add(0x87, hex("020300"))
        .add_named_bits(0x88, {0, 3});
    w.begin(0xA9).add(0x04, ski_a).end();
    w.begin(0xAA).add(0x04, ski_a).end();
    w.add_uint(0x8B, 2).add(0x04, hex("000001")).add(0x0C, std::string_view{"OPENRSP-VIRTUAL-EUICC"}).end();
    return w.finish();
}

} // namespace

TEST(euicc_info1, when_built_as_the_euicc_does_then_fields_are_read_and_encode_reproduces_it)
{
    const bytes der = info1_like_the_euicc();
    auto info = rsp::euicc_info1::decode(der);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(rsp::version_text(info->svn), "2.2.2");
    EXPECT_EQ(info->ci_pkids_for_verification, (std::vector<bytes>{ski_a, ski_b}));
    EXPECT_EQ(info->ci_pkids_for_signing, std::vector<bytes>{ski_a});
    EXPECT_EQ(info->encode(), der);
}

TEST(euicc_info1, when_a_later_version_adds_a_field_then_it_is_skipped)
{
    bytes der = info1_like_the_euicc();
    const bytes extra = hex("8C0101");
    der = der::encode(0xBF20, concat({der::parse_one(der)->value, extra}));
    auto info = rsp::euicc_info1::decode(der);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->encode(), info1_like_the_euicc());
}

TEST(euicc_info1, rejections_name_the_type_and_field)
{
    const bytes good = info1_like_the_euicc();
    auto wrong_tag = rsp::euicc_info1::decode(der::encode(0xBF22, der::parse_one(good)->value));
    ASSERT_FALSE(wrong_tag);
    expect_error(wrong_tag.error(), "2.1", "EUICCInfo1");

    bytes trailing = good;
    trailing.push_back(0x00);
    auto t = rsp::euicc_info1::decode(trailing);
    ASSERT_FALSE(t);
    expect_error(t.error(), "2.1", "EUICCInfo1");

    auto no_svn = rsp::euicc_info1::decode(hex("BF2004A900AA00"));
    ASSERT_FALSE(no_svn);
    expect_error(no_svn.error(), "2.2", "svn");

    auto short_svn = rsp::euicc_info1::decode(hex("BF200882020202A900AA00"));
    ASSERT_FALSE(short_svn);
    expect_error(short_svn.error(), "2.1", "svn must be 3 bytes, not 2");

    auto no_signing = rsp::euicc_info1::decode(hex("BF200782030202"
                                                   "02A900"));
    ASSERT_FALSE(no_signing);
    expect_error(no_signing.error(), "2.2", "euiccCiPKIdListForSigning");

    auto not_ski = rsp::euicc_info1::decode(hex("BF200C82030202"
                                                "02A903020101AA00"));
    ASSERT_FALSE(not_ski);
    expect_error(not_ski.error(), "2.1", "euiccCiPKIdListForVerification");
}

TEST(euicc_info2, when_built_as_the_euicc_does_then_every_field_is_read_and_encode_reproduces_it)
{
    const bytes der = info2_like_the_euicc();
    auto info = rsp::euicc_info2::decode(der);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(rsp::version_text(info->profile_version), "2.3.0");
    EXPECT_EQ(rsp::version_text(info->svn), "2.2.2");
    EXPECT_EQ(rsp::version_text(info->euicc_firmware_version), "1.0.0");
    const auto ext = rsp::ext_card_resource::parse(info->ext_card_resource);
    EXPECT_EQ(ext.installed_applications, 2u);
    EXPECT_EQ(ext.free_nvm, 0x123456u);
    EXPECT_EQ(ext.free_ram, 0x4000u);
    EXPECT_TRUE(der::bit_is_set(info->uicc_capability, 1));
    EXPECT_TRUE(der::bit_is_set(info->uicc_capability, 4));
    EXPECT_FALSE(der::bit_is_set(info->uicc_capability, 2));
    ASSERT_TRUE(info->ts102241_version);
    EXPECT_EQ(rsp::version_text(*info->ts102241_version), "9.2.0");
    ASSERT_TRUE(info->globalplatform_version);
    EXPECT_TRUE(der::bit_is_set(info->rsp_capability, 3));
    EXPECT_EQ(info->ci_pkids_for_verification, std::vector<bytes>{ski_a});
    EXPECT_EQ(info->ci_pkids_for_signing, std::vector<bytes>{ski_a});
    EXPECT_EQ(info->euicc_category, 2);
    EXPECT_FALSE(info->forbidden_profile_policy_rules);
    EXPECT_EQ(rsp::version_text(info->pp_version), "0.0.1");
    EXPECT_EQ(info->sas_accreditation_number, "OPENRSP-VIRTUAL-EUICC");
    EXPECT_FALSE(info->certification_data_object);
    EXPECT_EQ(info->encode(), der);
}

TEST(euicc_info2, when_a_real_cards_bf22_then_it_decodes_and_reencodes_byte_for_byte)
{
    // The real EUICCInfo2 of the SGP.22 fact sheet §5.1 (as the LPA test builds it), with certificationDataObject.
    der::writer ext;
    ext.add(0x81, bytes{}).add(0x82, hex("00062824")).add(0x83, hex("00001922"));
    der::writer w;
    w.begin(0xBF22)
        .add(0x81, hex("020100"))
        .add(0x82, hex("020200"))
        .add(0x83, hex("040600"))
        .add(0x84, ext.finish())
        .add(0x85, hex("067F36C0"))
        .add(0x86, hex("090200"))
        .add(0x87, hex("020300"))
        .add(0x88, hex("0490"))
        .begin(0xA9)
        .add(0x04, ski_a)
        .end()
        .begin(0xAA)
        .add(0x04, ski_a)
        .end()
        .add(0x99, hex("06C0"))
        .add(0x04, hex("000001"))
        .add(0x0C, std::string_view{"GI-BA-UP-0419"})
        .begin(0xAC)
        .add(0x80, std::string_view{"label"})
        .end()
        .end();
    const bytes der = w.finish();
    auto info = rsp::euicc_info2::decode(der);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_FALSE(rsp::ext_card_resource::parse(info->ext_card_resource).installed_applications)
        << "an empty 81 is no number";
    ASSERT_TRUE(info->forbidden_profile_policy_rules);
    EXPECT_TRUE(der::bit_is_set(*info->forbidden_profile_policy_rules, 0));
    EXPECT_TRUE(der::bit_is_set(*info->forbidden_profile_policy_rules, 1));
    EXPECT_FALSE(info->euicc_category);
    ASSERT_TRUE(info->certification_data_object);
    EXPECT_EQ(*info->certification_data_object, hex("80056C6162656C"));
    EXPECT_EQ(info->encode(), der);
}

TEST(euicc_info2, rejections_name_the_type_and_field)
{
    const bytes good = info2_like_the_euicc();
    const auto without = [&](der::tag_t tag) {
        const auto items = *der::reader(der::parse_one(good)->value).all();
        der::writer w;
        w.begin(0xBF22);
        for (const auto& t : items)
            if (t.tag != tag) w.raw(t.raw);
        w.end();
        return w.finish();
    };
    const struct {
        der::tag_t tag;
        const char* field;
    } mandatory[] = {{0x81, "profileVersion"},
                     {0x82, "svn"},
                     {0x83, "euiccFirmwareVer"},
                     {0x84, "extCardResource"},
                     {0x85, "uiccCapability"},
                     {0x88, "rspCapability"},
                     {0xA9, "euiccCiPKIdListForVerification"},
                     {0xAA, "euiccCiPKIdListForSigning"},
                     {0x04, "ppVersion"},
                     {0x0C, "sasAcreditationNumber"}};
    for (const auto& m : mandatory) {
        auto r = rsp::euicc_info2::decode(without(m.tag));
        ASSERT_FALSE(r) << m.field;
        expect_error(r.error(), "2.2", m.field);
    }
    // Optional ones may go.
    for (der::tag_t optional : {0x86u, 0x87u, 0x8Bu})
        EXPECT_TRUE(rsp::euicc_info2::decode(without(optional)));

    auto bad_bits =
        rsp::euicc_info2::decode(der::encode(0xBF22, concat({der::parse_one(without(0x85))->value, hex("850108")})));
    ASSERT_FALSE(bad_bits);
    expect_error(bad_bits.error(), "2.1", "uiccCapability");

    auto long_sas = rsp::euicc_info2::decode(
        der::encode(0xBF22, concat({der::parse_one(without(0x0C))->value, der::encode(0x0C, bytes(65, 'A'))})));
    ASSERT_FALSE(long_sas);
    expect_error(long_sas.error(), "2.1", "sasAcreditationNumber has 65 bytes");

    auto wrong_outer = rsp::euicc_info2::decode(info1_like_the_euicc());
    ASSERT_FALSE(wrong_outer);
    expect_error(wrong_outer.error(), "2.1", "the outer tag is BF20, expected BF22");
}

// ---- codes.h ----

TEST(codes, es10c_sentences_are_those_the_lpa_prints)
{
    using rsp::describe;
    EXPECT_EQ(describe(rsp::enable_profile_result::ok), "ok");
    EXPECT_EQ(describe(rsp::enable_profile_result::iccid_or_aid_not_found),
              "no profile with that ICCID or AID on the eUICC");
    EXPECT_EQ(describe(rsp::enable_profile_result::profile_not_in_disabled_state), "the profile is already enabled");
    EXPECT_EQ(describe(rsp::enable_profile_result::wrong_profile_reenabling), "the profile cannot be re-enabled");
    EXPECT_EQ(describe(rsp::enable_profile_result::cat_busy), "the card is busy (CAT)");
    EXPECT_EQ(describe(rsp::enable_profile_result::undefined_error), "undefined error 127");
    EXPECT_EQ(describe(rsp::code_from_int<rsp::enable_profile_result>(9)), "undefined error 9");
    EXPECT_EQ(describe(rsp::disable_profile_result::profile_not_in_enabled_state), "the profile is not enabled");
    EXPECT_EQ(describe(rsp::code_from_int<rsp::disable_profile_result>(4)), "undefined error 4");
    EXPECT_EQ(describe(rsp::delete_profile_result::profile_not_in_disabled_state),
              "the profile is enabled; disable it first");
    EXPECT_EQ(describe(rsp::code_from_int<rsp::delete_profile_result>(5)), "undefined error 5");
    EXPECT_EQ(describe(rsp::euicc_memory_reset_result::nothing_to_delete), "there was nothing to delete");
    EXPECT_EQ(describe(rsp::euicc_memory_reset_result::cat_busy), "the card is busy (CAT); try again in a moment");
    EXPECT_EQ(describe(rsp::set_nickname_result::iccid_not_found), "no profile with that ICCID on the eUICC");
    EXPECT_EQ(describe(rsp::code_from_int<rsp::set_nickname_result>(3)), "error 3");
}

TEST(codes, authenticate_error_sentences_are_those_the_lpa_prints)
{
    using E = rsp::authenticate_error_code;
    EXPECT_EQ(rsp::describe(E::invalid_certificate), "the SM-DP+ certificate is invalid");
    EXPECT_EQ(rsp::describe(E::invalid_oid), "the SM-DP+ certificate has the wrong role (OID)");
    EXPECT_EQ(rsp::describe(E::ci_pk_unknown), "the SM-DP+ certificate issuer is unknown to the eUICC");
    EXPECT_EQ(rsp::describe(E::undefined_error), "error 127");
    EXPECT_EQ(rsp::describe(rsp::code_from_int<E>(8)), "error 8");
    EXPECT_EQ(rsp::asn1_name(E::euicc_challenge_mismatch), "euiccChallengeMismatch");
}

TEST(codes, cancel_reason_names_are_those_the_smdp_reports_and_unknown_values_print_as_numbers)
{
    using E = rsp::cancel_session_reason;
    const char* names[] = {"endUserRejection", "postponed",        "timeout",
                           "pprNotAllowed",    "metadataMismatch", "loadBppExecutionError"};
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(rsp::asn1_name(rsp::code_from_int<E>(i)), names[i]);
    EXPECT_EQ(rsp::asn1_name(E::undefined_reason), "undefinedReason");
    EXPECT_EQ(rsp::asn1_name(rsp::code_from_int<E>(42)), "42");
    EXPECT_FALSE(rsp::is_known(rsp::code_from_int<E>(42)));
    EXPECT_TRUE(rsp::is_known(E::timeout));
    EXPECT_EQ(rsp::to_int(rsp::code_from_int<E>(42)), 42);
    EXPECT_EQ(rsp::code_from_asn1_name<E>("metadataMismatch"), E::metadata_mismatch);
    EXPECT_FALSE(rsp::code_from_asn1_name<E>("nonsense"));
}

TEST(codes, every_table_lists_each_value_and_name_once)
{
    const auto check = []<class E>(E) {
        const auto& t = rsp::code_set<E>::table;
        for (std::size_t i = 0; i < t.size(); ++i)
            for (std::size_t j = i + 1; j < t.size(); ++j) {
                EXPECT_NE(t[i].value, t[j].value) << t[i].asn1_name;
                EXPECT_NE(t[i].asn1_name, t[j].asn1_name);
            }
        for (const auto& e : t)
            EXPECT_FALSE(e.sentence.empty()) << e.asn1_name;
    };
    check(rsp::cancel_session_reason{});
    check(rsp::cancel_session_error{});
    check(rsp::authenticate_error_code{});
    check(rsp::download_error_code{});
    check(rsp::enable_profile_result{});
    check(rsp::disable_profile_result{});
    check(rsp::delete_profile_result{});
    check(rsp::euicc_memory_reset_result{});
    check(rsp::set_nickname_result{});
    check(rsp::set_default_dp_address_result{});
    check(rsp::notification_sent_result{});
}
