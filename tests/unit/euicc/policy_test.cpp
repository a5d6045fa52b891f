/// ES10c result codes (SGP.22 §5.7.15-§5.7.21), notification list codes (§5.7.9-§5.7.11), GetRAT and the
/// Profile Policy Rules it authorises (§2.9), capacity settings and the one-enabled-profile rule.
/// Test names carry the SGP.22 code name and value.

#include "support/euicc_doubles.h"

#include "../../../lib/euicc/euicc_impl.h" // detail::ppr_allowed, the RAT matching rule itself
#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";
const std::string iccid_a = "8949449999999990148"; ///< PPR1 + PPR2, owner 001/01
const std::string iccid_b = "8949449999999990155"; ///< no rules
const std::string unknown_iccid = "8949449999999990999";

class policy_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        card = make_card(dir.file("card.json"));
        ASSERT_TRUE(card);
        t = card->make_transport();
        ch = open_isdr(*t);
        bpp_options ruled;
        ruled.ppr = hex("0560");                                // ppr1, ppr2
        ruled.profile_owner = der::encode(0x80, hex("00F110")); // MCC 001, MNC 01
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_a), ruled))->success);
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_b)))->success);
    }

    static bytes iccid_tlv(const std::string& iccid) { return der::encode(0x5A, *rsp::iccid_to_bcd(iccid)); }

    bytes call(der::tag_t outer, const bytes& body) { return es10(*t, ch, der::encode(outer, body)); }
    /// `OUTER{80 code}` -> code.
    unsigned code_of(der::tag_t outer, const bytes& body)
    {
        const bytes r = call(outer, body);
        auto top = der::parse_one(r);
        EXPECT_TRUE(top && top->tag == outer);
        auto c = top ? der::reader(top->value).find(0x80) : std::nullopt;
        return c ? static_cast<unsigned>(*der::decode_uint(c->value)) : 999;
    }
    unsigned enable(const std::string& iccid)
    {
        return code_of(0xBF31, concat({der::encode(0xA0, iccid_tlv(iccid)), hex("810100")}));
    }
    unsigned disable(const std::string& iccid)
    {
        return code_of(0xBF32, concat({der::encode(0xA0, iccid_tlv(iccid)), hex("810100")}));
    }
    unsigned remove(const std::string& iccid) { return code_of(0xBF33, iccid_tlv(iccid)); }

    temp_dir dir;
    std::unique_ptr<virtual_euicc> card;
    std::unique_ptr<rsp::card_transport> t;
    int ch = -1;
};

} // namespace

// ---- GetRAT (ES10b) ----

TEST_F(policy_test, GetRAT_default_allows_PPR1_and_PPR2_for_any_operator_without_consent)
{
    // A0{30{80 pprIds(ppr1, ppr2), A1{30{80 EEEEEE}}, 82 pprFlags(none)}}
    EXPECT_EQ(es10(*t, ch, hex("BF4300")), hex("BF4314A012301080020560A10730058003EEEEEE820100"));
}

TEST(policy_rat, GetRAT_returns_the_configured_table)
{
    temp_dir dir;
    rat_rule r;
    r.ppr1 = false;
    r.allowed_operators = {operator_id{hex("00F110"), hex("AB"), {}}};
    r.consent_required = true;
    auto card = make_card(dir.file("card.json"), [&](provisioning& p) { p.rat = {r}; });
    ASSERT_TRUE(card);
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    EXPECT_EQ(es10(*t, ch, hex("BF4300")), hex("BF4318A016301480020520A10A3008800300F1108101AB82020780"));
    // The table survives reopening.
    card.reset();
    auto reopened = virtual_euicc::open(dir.file("card.json"));
    ASSERT_TRUE(reopened);
    auto t2 = (*reopened)->make_transport();
    EXPECT_EQ(es10(*t2, open_isdr(*t2), hex("BF4300")), hex("BF4318A016301480020520A10A3008800300F1108101AB82020780"));
}

TEST(policy_rat, RAT_wildcards_gids_and_empty_table)
{
    const bytes owner = concat({der::encode(0x80, hex("00F110")), der::encode(0x81, hex("AB"))});
    const bytes ppr1 = hex("0640");
    rat_rule any;
    EXPECT_TRUE(detail::ppr_allowed({any}, ppr1, owner));
    EXPECT_FALSE(detail::ppr_allowed({}, ppr1, owner)) << "no rule, no PPR";
    EXPECT_TRUE(detail::ppr_allowed({}, hex("0780"), owner)) << "pprUpdateControl alone needs no rule";
    EXPECT_FALSE(detail::ppr_allowed({any}, ppr1, {})) << "a PPR needs a Profile Owner";
    rat_rule mcc_only;
    mcc_only.allowed_operators = {operator_id{hex("00F1EE"), {}, {}}}; // MCC 001, any MNC
    EXPECT_TRUE(detail::ppr_allowed({mcc_only}, ppr1, owner));
    rat_rule other_gid;
    other_gid.allowed_operators = {operator_id{hex("00F110"), hex("CD"), {}}};
    EXPECT_FALSE(detail::ppr_allowed({other_gid}, ppr1, owner));
    rat_rule ppr2_only;
    ppr2_only.ppr1 = false;
    EXPECT_FALSE(detail::ppr_allowed({ppr2_only}, ppr1, owner));
    EXPECT_TRUE(detail::ppr_allowed({ppr2_only, any}, hex("0560"), owner));
}

// ---- EnableProfile (SGP.22 §5.7.16) ----

TEST_F(policy_test, EnableProfile_ok_0_and_exactly_one_enabled_profile)
{
    EXPECT_EQ(enable(iccid_b), 0u);
    const auto ps = card->profiles();
    EXPECT_EQ(std::ranges::count_if(ps, [](const stored_profile& p) { return p.enabled; }), 1);
}

TEST_F(policy_test, EnableProfile_iccidOrAidNotFound_1)
{
    EXPECT_EQ(enable(unknown_iccid), 1u);
    EXPECT_EQ(code_of(0xBF31, concat({der::encode(0xA0, der::encode(0x4F, bytes(16, 0x11))), hex("810100")})), 1u);
}

TEST_F(policy_test, EnableProfile_profileNotInDisabledState_2)
{
    ASSERT_EQ(enable(iccid_b), 0u);
    EXPECT_EQ(enable(iccid_b), 2u);
}

TEST_F(policy_test, EnableProfile_disallowedByPolicy_3_when_the_enabled_profile_has_PPR1)
{
    ASSERT_EQ(enable(iccid_a), 0u);
    EXPECT_EQ(enable(iccid_b), 3u);
    for (const auto& p : card->profiles())
        EXPECT_EQ(p.enabled, p.iccid == iccid_a);
}

TEST_F(policy_test, EnableProfile_DisableProfile_eUICCMemoryReset_catBusy_5_during_a_proactive_session)
{
    card->set_cat_busy(true);
    EXPECT_EQ(enable(iccid_b), 5u);
    EXPECT_EQ(code_of(0xBF34, hex("820205E0")), 5u);
    card->set_cat_busy(false);
    ASSERT_EQ(enable(iccid_b), 0u);
    card->set_cat_busy(true);
    EXPECT_EQ(disable(iccid_b), 5u);
    card->set_cat_busy(false);
    EXPECT_EQ(disable(iccid_b), 0u);
}

TEST_F(policy_test, EnableProfile_undefinedError_127_for_a_request_without_identifier)
{
    EXPECT_EQ(code_of(0xBF31, hex("810100")), 127u);
}

// ---- DisableProfile (SGP.22 §5.7.17) ----

TEST_F(policy_test, DisableProfile_ok_0_iccidOrAidNotFound_1_profileNotInEnabledState_2)
{
    EXPECT_EQ(disable(unknown_iccid), 1u);
    EXPECT_EQ(disable(iccid_b), 2u);
    ASSERT_EQ(enable(iccid_b), 0u);
    EXPECT_EQ(disable(iccid_b), 0u);
}

TEST_F(policy_test, DisableProfile_disallowedByPolicy_3_for_PPR1)
{
    ASSERT_EQ(enable(iccid_a), 0u);
    EXPECT_EQ(disable(iccid_a), 3u);
    EXPECT_TRUE(card->profiles()[0].enabled);
}

TEST_F(policy_test, DisableProfile_undefinedError_127_for_a_request_without_identifier)
{
    EXPECT_EQ(code_of(0xBF32, hex("810100")), 127u);
}

// ---- DeleteProfile (SGP.22 §5.7.18) ----

TEST_F(policy_test, DeleteProfile_ok_0_iccidOrAidNotFound_1_profileNotInDisabledState_2)
{
    EXPECT_EQ(remove(unknown_iccid), 1u);
    ASSERT_EQ(enable(iccid_b), 0u);
    EXPECT_EQ(remove(iccid_b), 2u);
    ASSERT_EQ(disable(iccid_b), 0u);
    EXPECT_EQ(remove(iccid_b), 0u);
}

TEST_F(policy_test, DeleteProfile_disallowedByPolicy_3_for_PPR2)
{
    EXPECT_EQ(remove(iccid_a), 3u);
    EXPECT_EQ(card->profiles().size(), 2u);
}

TEST_F(policy_test, DeleteProfile_undefinedError_127_for_an_empty_request)
{
    EXPECT_EQ(code_of(0xBF33, {}), 127u);
}

// ---- SetNickname (SGP.22 §5.7.21) ----

TEST_F(policy_test, SetNickname_ok_0_iccidNotFound_1_undefinedError_127)
{
    EXPECT_EQ(code_of(0xBF29, concat({iccid_tlv(iccid_b), der::encode(0x90, as_bytes("Home"))})), 0u);
    EXPECT_EQ(code_of(0xBF29, concat({iccid_tlv(unknown_iccid), der::encode(0x90, as_bytes("x"))})), 1u);
    EXPECT_EQ(code_of(0xBF29, concat({iccid_tlv(iccid_b), der::encode(0x90, bytes(65, 'n'))})), 127u) << "> 64";
}

// ---- eUICCMemoryReset (SGP.22 §5.7.19) ----

TEST_F(policy_test, eUICCMemoryReset_ok_0_nothingToDelete_1_undefinedError_127)
{
    EXPECT_EQ(code_of(0xBF34, hex("82020640")), 1u) << "no test profiles";
    EXPECT_EQ(code_of(0xBF34, {}), 127u);
    // Memory reset removes operational profiles whatever their PPRs.
    EXPECT_EQ(code_of(0xBF34, hex("82020780")), 0u);
    EXPECT_TRUE(card->profiles().empty());
}

// ---- GetProfilesInfo (SGP.22 §5.7.15) ----

TEST_F(policy_test, GetProfilesInfo_incorrectInputValues_1_for_an_unknown_search_criterion)
{
    EXPECT_EQ(call(0xBF2D, der::encode(0xA0, der::encode(0x80, hex("01")))), hex("BF2D03810101"));
    EXPECT_EQ(call(0xBF2D, hex("A0")), hex("BF2D03810101")) << "unreadable body";
}

TEST_F(policy_test, GetProfilesInfo_reports_profilePolicyRules_and_profileOwner)
{
    const bytes r = call(0xBF2D, der::encode(0xA0, iccid_tlv(iccid_a)));
    auto e3 = der::parse_one(der::reader(der::parse_one(r)->value).find(0xA0)->value);
    const der::reader info(e3->value);
    EXPECT_EQ(bytes(info.find(0x99)->value.begin(), info.find(0x99)->value.end()), hex("0560"));
    EXPECT_TRUE(info.find(0xB7));
}

// ---- SetDefaultDpAddress (SGP.22 §5.7.4) ----

TEST_F(policy_test, SetDefaultDpAddress_ok_0_undefinedError_127)
{
    EXPECT_EQ(code_of(0xBF3F, der::encode(0x80, as_bytes("dp.example"))), 0u);
    EXPECT_EQ(code_of(0xBF3F, der::encode(0x80, as_bytes("not an address"))), 127u);
}

// ---- Notifications (SGP.22 §5.7.9-§5.7.11) ----

TEST_F(policy_test, ListNotification_undefinedError_127_for_an_unreadable_request)
{
    EXPECT_EQ(call(0xBF28, hex("81")), hex("BF280381017F"));
}

TEST_F(policy_test, RetrieveNotificationsList_noResultAvailable_1_and_undefinedError_127)
{
    EXPECT_EQ(call(0xBF2B, hex("A003800163")), hex("BF2B03810101"));
    EXPECT_EQ(call(0xBF2B, hex("A0038001FF")), hex("BF2B0381017F")) << "negative seqNumber";
}

TEST_F(policy_test, RemoveNotificationFromList_ok_0_nothingToDelete_1_undefinedError_127)
{
    EXPECT_EQ(code_of(0xBF30, hex("800101")), 0u);
    EXPECT_EQ(code_of(0xBF30, hex("800101")), 1u);
    EXPECT_EQ(code_of(0xBF30, {}), 127u);
}

// ---- Capacity and file rules ----

TEST_F(policy_test, GetEUICCInfo2_free_memory_follows_the_configured_capacity)
{
    const bytes info = es10(*t, ch, hex("BF2200"));
    auto ext = der::reader(der::parse_one(info)->value).find(0x84);
    auto nvm = der::reader(ext->value).find(0x82);
    const std::uint64_t free_nvm = *der::decode_uint(nvm->value);
    EXPECT_LT(free_nvm, card_limits{}.memory_bytes);
    EXPECT_GT(free_nvm, card_limits{}.memory_bytes - 64 * 1024);
}

TEST(policy_file, open_refuses_a_file_with_two_enabled_profiles)
{
    temp_dir dir;
    const std::string path = dir.file("card.json");
    {
        auto card = make_card(path);
        auto t = card->make_transport();
        const int ch = open_isdr(*t);
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_a)))->success);
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_b)))->success);
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    for (std::size_t at = s.find("\"disabled\""); at != std::string::npos; at = s.find("\"disabled\""))
        s.replace(at, 10, "\"enabled\"");
    std::ofstream(path, std::ios::trunc) << s;
    auto opened = virtual_euicc::open(path);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("more than one enabled"), std::string::npos);
}
