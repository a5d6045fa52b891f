// ES10 calls of the LPA that need no SM-DP+: EUICCInfo2 decoding, configured addresses, memory reset, profile
// identifiers, DeviceInfo, and "no eSIM" when the ISD-R cannot be selected. Against the virtual eUICC.
#include "lpa_fixture.h"

#include "openrsp/der/der.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/rsp/tags.h"

using namespace openrsp;
using openrsp::lpa::test::lpa_env;
using openrsp::lpa::test::slurp;

namespace {

struct session {
    std::unique_ptr<euicc::virtual_euicc> chip;
    std::unique_ptr<rsp::card_transport> transport;
    std::unique_ptr<lpa::es10_client> es10;
};

session open_session(const std::string& path, bytes aid = {})
{
    session s;
    auto chip = euicc::virtual_euicc::open(path);
    if (!chip) throw std::runtime_error(chip.error().message);
    s.chip = std::move(*chip);
    s.transport = s.chip->make_transport();
    s.es10 = std::make_unique<lpa::es10_client>(*s.transport, 120, std::move(aid));
    return s;
}

using chip = lpa_env;

} // namespace

TEST(euicc_info2, when_decoding_a_real_cards_bf22_then_versions_memory_and_bits_are_named)
{
    // The decoded real EUICCInfo2 of facts §5.1 (lpac driver/apdu/stdio.c comment), re-encoded.
    der::writer ext;
    ext.add(0x81, bytes{}).add(0x82, hex("00062824")).add(0x83, hex("00001922"));
    der::writer w;
    w.begin(rsp::tag::euicc_info2)
        .add(0x81, hex("020100"))
        .add(0x82, hex("020200"))
        .add(0x83, hex("040600"))
        .add(0x84, ext.finish())
        .add(0x85, hex("067F36C0"))
        .add(0x86, hex("090200"))
        .add(0x87, hex("020300"))
        .add(0x88, hex("0490"))
        .begin(0xA9)
        .add(0x04, hex("81370F5125D0B1D408D4C3B232E6D25E795BEBFB"))
        .end()
        .begin(0xAA)
        .add(0x04, hex("81370F5125D0B1D408D4C3B232E6D25E795BEBFB"))
        .end()
        .add(0x99, hex("06C0"))
        .add(0x04, hex("000001"))
        .add(0x0C, std::string_view{"GI-BA-UP-0419"})
        .begin(0xAC) // certificationDataObject: not decoded, must be skipped
        .add(0x80, std::string_view{"label"})
        .end()
        .end();
    auto info = lpa::parse_euicc_info2(w.finish());
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->profile_version, "2.1.0");
    EXPECT_EQ(info->svn, "2.2.0");
    EXPECT_EQ(info->firmware_version, "4.6.0");
    EXPECT_FALSE(info->installed_applications) << "an empty 81 is no number";
    EXPECT_EQ(info->free_nvm, 0x062824u);
    EXPECT_EQ(info->free_ram, 0x1922u);
    const std::vector<std::string> uicc{
        "usimSupport", "isimSupport",         "csimSupport",        "akaMilenage",   "akaCave",
        "akaTuak128",  "akaTuak256",          "gbaAuthenUsim",      "gbaAuthenISim", "eapClient",
        "javacard",    "multipleUsimSupport", "multipleIsimSupport"};
    EXPECT_EQ(info->uicc_capability, uicc);
    EXPECT_EQ(info->rsp_capability, (std::vector<std::string>{"additionalProfile", "testProfileSupport"}));
    EXPECT_EQ(info->ci_pkids_for_verification, (std::vector<std::string>{"81370f5125d0b1d408d4c3b232e6d25e795bebfb"}));
    EXPECT_EQ(info->forbidden_profile_policy_rules, (std::vector<std::string>{"pprUpdateControl", "ppr1"}));
    EXPECT_EQ(info->pp_version, "0.0.1");
    EXPECT_EQ(info->sas_accreditation_number, "GI-BA-UP-0419");
    EXPECT_FALSE(info->euicc_category);
}

TEST(euicc_info2, when_bf22_is_malformed_or_lacks_svn_then_a_sentence)
{
    EXPECT_FALSE(lpa::parse_euicc_info2(hex("BF2203810102")));
    EXPECT_FALSE(lpa::parse_euicc_info2(hex("BF200382010202")));
    auto no_svn = lpa::parse_euicc_info2(hex("BF22058103020100"));
    ASSERT_FALSE(no_svn);
    EXPECT_NE(no_svn.error().message.find("svn"), std::string::npos);
}

TEST(profile_identifier, iccid_and_aid_are_told_apart_and_anything_else_is_refused)
{
    auto iccid = lpa::profile_identifier_tlv("8949000000000000018");
    ASSERT_TRUE(iccid);
    EXPECT_EQ(*iccid, hex("5A0A989400000000000010F8"));
    auto aid = lpa::profile_identifier_tlv("A0000005591010FFFFFFFF8900001000");
    ASSERT_TRUE(aid);
    EXPECT_EQ(*aid, hex("4F10A0000005591010FFFFFFFF8900001000"));
    for (const char* bad :
         {"", "12345", "894900000000000001X", "A0000005591010FFFFFFFF89000010ZZ", "894900000000000000001"})
        EXPECT_FALSE(lpa::profile_identifier_tlv(bad)) << bad;
}

TEST(device_info, imei_goes_in_swapped_bcd_and_its_tac_in_front)
{
    auto d = lpa::encode_device_info({"356938035643809"});
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(*d, hex("A112"
                      "800435693803"
                      "A100"
                      "820853968330653408F9"));
    auto generic = lpa::encode_device_info({});
    ASSERT_TRUE(generic);
    EXPECT_EQ(*generic, hex("A108"
                            "800435290611"
                            "A100"));
    for (const char* bad : {"12345", "35693803564380X", "35693803564380912"})
        EXPECT_FALSE(lpa::encode_device_info({bad})) << bad;
}

TEST_F(chip, info2_and_addresses_of_the_virtual_euicc)
{
    auto s = open_session(m_euicc_path);
    ASSERT_TRUE(s.es10->open());
    auto raw = s.es10->get_euicc_info2();
    ASSERT_TRUE(raw) << raw.error().message;
    auto info = lpa::parse_euicc_info2(*raw);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->svn, "2.2.2");
    EXPECT_EQ(info->euicc_category, 2);
    EXPECT_EQ(lpa::euicc_category_name(*info->euicc_category), "mediumEuicc");
    ASSERT_TRUE(info->free_nvm);
    EXPECT_GT(*info->free_nvm, 0u);
    auto ci = crypto::certificate::from_pem(slurp(lpa::test::pki_once().ci()));
    ASSERT_TRUE(ci);
    ASSERT_EQ(info->ci_pkids_for_verification.size(), 1u);
    EXPECT_EQ(info->ci_pkids_for_verification[0], to_hex(ci->subject_key_id()));

    auto addr = s.es10->get_configured_addresses();
    ASSERT_TRUE(addr) << addr.error().message;
    EXPECT_EQ(addr->default_dp_address, "");
    EXPECT_FALSE(addr->root_ds_address.empty());
}

TEST_F(chip, default_smdp_address_is_set_read_and_reset_by_memory_reset)
{
    auto s = open_session(m_euicc_path);
    ASSERT_TRUE(s.es10->open());
    auto set = s.es10->set_default_dp_address("smdp.example.com:8443");
    ASSERT_TRUE(set);
    EXPECT_TRUE(set->ok());
    EXPECT_EQ(s.es10->get_configured_addresses()->default_dp_address, "smdp.example.com:8443");

    // Nothing selected: refused before any APDU, the address stays.
    EXPECT_FALSE(s.es10->memory_reset({}));
    EXPECT_EQ(s.es10->get_configured_addresses()->default_dp_address, "smdp.example.com:8443");

    lpa::memory_reset_options only_profiles;
    only_profiles.operational_profiles = true;
    auto nothing = s.es10->memory_reset(only_profiles);
    ASSERT_TRUE(nothing);
    EXPECT_EQ(rsp::to_int(nothing->value), 1) << "no profiles: nothingToDelete";
    EXPECT_EQ(s.es10->get_configured_addresses()->default_dp_address, "smdp.example.com:8443");

    lpa::memory_reset_options address;
    address.default_smdp_address = true;
    auto reset = s.es10->memory_reset(address);
    ASSERT_TRUE(reset);
    EXPECT_TRUE(reset->ok()) << rsp::describe(reset->value);
    EXPECT_EQ(s.es10->get_configured_addresses()->default_dp_address, "");
}

TEST_F(chip, when_the_isd_r_cannot_be_selected_then_no_esim_found)
{
    // An application the card does not have, as the ISD-R is missing on a plain SIM: SELECT fails.
    auto s = open_session(m_euicc_path, hex("A0000005591010FFFFFFFF8900000D00"));
    auto r = s.es10->open();
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().message.starts_with("no eSIM found")) << r.error().message;
    EXPECT_NE(r.error().message.find("--isd-r-aid"), std::string::npos) << "says what to try next";
}
