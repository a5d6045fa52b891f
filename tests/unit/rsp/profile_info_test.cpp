// Typed GetProfilesInfo messages (SGP.22 §5.7.15): ProfileInfo as the virtual eUICC lists it, the requests the LPA
// and lpac send, both response branches, and the rejections.
#include "openrsp/der/der.h"
#include "openrsp/rsp/notification_metadata.h"
#include "openrsp/rsp/profile_info.h"

#include <gtest/gtest.h>

#include <string>

namespace openrsp::rsp {
namespace {

const bytes iccid = hex("98440321436587092143");
const bytes aid = hex("A0000005591010FFFFFFFF8900001000");

/// One E3 as lib/euicc/es10c.cpp writes it with every field present.
bytes full_profile_info()
{
    der::writer nci;
    nci.begin(0x30).add_named_bits(0x80, {1, 2, 3}).add(0x81, std::string_view("smdp.example.com")).end();
    der::writer w;
    w.begin(0xE3)
        .add(0x5A, iccid)
        .add(0x4F, aid)
        .add_uint(0x9F70, 1)
        .add(0x90, std::string_view("work"))
        .add(0x91, std::string_view("OpenRSP_Test"))
        .add(0x92, std::string_view("OpenRSP test profile"))
        .add_uint(0x93, 1)
        .add(0x94, bytes(40, 0x89))
        .add_uint(0x95, 2)
        .add(0xB6, nci.finish())
        .add(0xB7, hex("800362F210"))
        .add(0x99, hex("0640"))
        .end();
    return w.finish();
}

void expect_code(const error& e, const char* reason, const std::string& words)
{
    EXPECT_EQ(e.subject, "1.3.1") << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
    EXPECT_NE(e.message.find(words), std::string::npos) << e.message;
}

TEST(profile_info, when_the_euicc_lists_every_field_then_each_comes_back_and_it_round_trips)
{
    const bytes der = full_profile_info();
    auto p = profile_info::decode(der);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->iccid_digits(), "89443012345678901234");
    EXPECT_EQ(p->isdp_aid, aid);
    EXPECT_TRUE(p->enabled());
    EXPECT_EQ(p->profile_nickname, "work");
    EXPECT_EQ(p->service_provider_name, "OpenRSP_Test");
    EXPECT_EQ(p->profile_name, "OpenRSP test profile");
    EXPECT_EQ(p->icon_type, 1u);
    EXPECT_EQ(p->icon, bytes(40, 0x89));
    EXPECT_EQ(p->profile_class, 2u);
    ASSERT_EQ(p->notification_configuration_info.size(), 1u);
    EXPECT_TRUE(p->notification_configuration_info[0].has(notification_event::del));
    EXPECT_FALSE(p->notification_configuration_info[0].has(notification_event::install));
    ASSERT_TRUE(p->profile_owner);
    EXPECT_EQ(p->profile_owner->mcc_mnc, hex("62F210"));
    EXPECT_EQ(p->profile_policy_rules, hex("0640"));
    EXPECT_EQ(p->encode(), der);
}

TEST(profile_info, when_a_tag_list_asked_for_few_fields_then_the_rest_stay_absent)
{
    const bytes der = hex("E3105A0A98440321436587092143"
                          "9F700100");
    auto p = profile_info::decode(der);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_FALSE(p->enabled());
    EXPECT_TRUE(p->isdp_aid.empty());
    EXPECT_FALSE(p->profile_name);
    EXPECT_FALSE(p->profile_class);
    EXPECT_EQ(p->encode(), der);
    // refArDo and dpProprietaryData are kept as they came; an unknown v3 field is skipped.
    const bytes extras = hex("E30F"
                             "B803060100"
                             "BF7604E200E300"
                             "DF0100");
    auto e = profile_info::decode(extras);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->dp_proprietary_data, hex("060100"));
    EXPECT_EQ(e->ref_ar_do, hex("E200E300"));
}

TEST(profile_info, when_sizes_break_sgp22_then_it_is_refused)
{
    auto long_nick = profile_info::decode(der::encode(0xE3, der::encode(0x90, bytes(65, 'n'))));
    ASSERT_FALSE(long_nick);
    expect_code(long_nick.error(), "2.1", "ProfileInfo: profileNickname has 65 bytes, at most 64 are allowed");
    auto long_aid = profile_info::decode(der::encode(0xE3, der::encode(0x4F, bytes(17, 1))));
    ASSERT_FALSE(long_aid);
    expect_code(long_aid.error(), "2.1", "isdpAid must be 1 to 16 bytes, not 17");
    auto wrong = profile_info::decode(hex("E4025A00"));
    ASSERT_FALSE(wrong);
    expect_code(wrong.error(), "2.1", "outer tag is E4, expected E3");
}

TEST(profile_info_list_request, when_sent_by_the_lpa_or_lpac_then_criteria_and_tags_read_back)
{
    auto all = profile_info_list_request::decode(hex("BF2D00")); // lib/lpa/es10.cpp, lpac
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_FALSE(all->search_iccid || all->search_isdp_aid || all->search_profile_class || all->tag_list);
    EXPECT_EQ(all->encode(), hex("BF2D00"));

    const bytes by_iccid = hex("BF2D0EA00C5A0A98440321436587092143");
    auto a = profile_info_list_request::decode(by_iccid);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->search_iccid, iccid);
    EXPECT_EQ(a->encode(), by_iccid);

    const bytes by_class_with_tags = hex("BF2D0CA0039501025C055A9F704F92");
    auto b = profile_info_list_request::decode(by_class_with_tags);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->search_profile_class, 2u);
    ASSERT_TRUE(b->tag_list);
    EXPECT_EQ(*b->tag_list, (std::vector<der::tag_t>{0x5A, 0x9F70, 0x4F, 0x92}));
    EXPECT_EQ(b->encode(), by_class_with_tags);

    auto by_aid = profile_info_list_request::decode(concat({hex("BF2D14A0124F10"), aid}));
    ASSERT_TRUE(by_aid) << by_aid.error().message;
    EXPECT_EQ(by_aid->search_isdp_aid, aid);
}

TEST(profile_info_list_request, when_the_criteria_or_tag_list_are_malformed_then_it_is_refused)
{
    auto two = profile_info_list_request::decode(hex("BF2D08A006950102950101"));
    ASSERT_FALSE(two);
    expect_code(two.error(), "2.1", "searchCriteria is not exactly one CHOICE alternative");
    auto unknown = profile_info_list_request::decode(hex("BF2D05A003900100"));
    ASSERT_FALSE(unknown);
    expect_code(unknown.error(), "2.1", "searchCriteria has the unknown alternative 90");
    auto broken_tags = profile_info_list_request::decode(hex("BF2D035C019F"));
    ASSERT_FALSE(broken_tags);
    expect_code(broken_tags.error(), "2.1", "tagList holds a malformed tag");
}

TEST(profile_info_list_response, when_the_euicc_lists_or_refuses_then_both_branches_read_back)
{
    der::writer w;
    w.begin(0xBF2D)
        .begin(0xA0)
        .raw(full_profile_info())
        .raw(hex("E3105A0A98440321436587092143"
                 "9F700100"));
    w.end().end();
    const bytes der = w.finish();
    auto list = profile_info_list_response::decode(der);
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_FALSE(list->error);
    ASSERT_EQ(list->profiles.size(), 2u);
    EXPECT_TRUE(list->profiles[0].enabled());
    EXPECT_FALSE(list->profiles[1].enabled());
    EXPECT_EQ(list->encode(), der);

    auto empty = profile_info_list_response::decode(hex("BF2D02A000"));
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->profiles.empty());
    auto refused = profile_info_list_response::decode(hex("BF2D03810101"));
    ASSERT_TRUE(refused) << refused.error().message;
    EXPECT_EQ(refused->error, 1u);
    EXPECT_EQ(refused->encode(), hex("BF2D03810101"));

    auto foreign = profile_info_list_response::decode(hex("BF2D04A002E200"));
    ASSERT_FALSE(foreign);
    expect_code(foreign.error(), "2.1", "ProfileInfo: the outer tag is E2");
}

} // namespace
} // namespace openrsp::rsp
