/// The typed ES10 management messages (rsp/es10_management.h) the eUICC answers with: wire bytes of SGP.22 v2.2.2
/// §5.7.3-§5.7.22 and decode(encode(x)) == x.

#include "openrsp/rsp/es10_management.h"

#include <gtest/gtest.h>

using namespace openrsp;

namespace {

bytes unhex(std::string_view h)
{
    return *from_hex(h);
}

} // namespace

TEST(es10_management, EnableProfileRequest_by_iccid_with_refreshFlag)
{
    rsp::enable_profile_request r;
    r.profile_identifier.iccid = unhex("98941999999999091048");
    r.refresh_flag = true;
    const bytes der = r.encode();
    EXPECT_EQ(to_hex(der), to_hex(unhex("BF3111A00C5A0A989419999999990910488101FF")));
    auto back = rsp::enable_profile_request::decode(der);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->profile_identifier.iccid, r.profile_identifier.iccid);
    EXPECT_EQ(back->refresh_flag, true);
}

TEST(es10_management, DisableProfileRequest_without_refreshFlag_and_short_iccid_still_decodes)
{
    // Older lpac: a 9-byte ICCID; refreshFlag left out. The eUICC has always answered these.
    auto r = rsp::disable_profile_request::decode(unhex("BF320DA00B5A09989419999999990910"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->profile_identifier.iccid.size(), 9u);
    EXPECT_FALSE(r->refresh_flag);
    EXPECT_FALSE(rsp::disable_profile_request::decode(unhex("BF3203810100"))) << "no profileIdentifier";
}

TEST(es10_management, DeleteProfileRequest_by_aid)
{
    rsp::delete_profile_request r;
    r.profile_identifier.isdp_aid = unhex("A0000005591010FFFFFFFF8900001000");
    EXPECT_EQ(to_hex(r.encode()), "bf33124f10a0000005591010ffffffff8900001000");
    auto back = rsp::delete_profile_request::decode(r.encode());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->profile_identifier.isdp_aid, r.profile_identifier.isdp_aid);
}

TEST(es10_management, result_answers_keep_unnamed_codes)
{
    EXPECT_EQ(to_hex(rsp::enable_profile_response{rsp::enable_profile_result::cat_busy}.encode()), "bf3103800105");
    EXPECT_EQ(to_hex(rsp::euicc_memory_reset_response{rsp::euicc_memory_reset_result::ok}.encode()), "bf3403800100");
    auto r = rsp::delete_profile_response::decode(unhex("BF3303800109"));
    ASSERT_TRUE(r);
    EXPECT_EQ(rsp::to_int(r->result), 9);
    EXPECT_FALSE(rsp::set_nickname_response::decode(unhex("BF3103800100"))) << "another outer tag";
    const auto e = rsp::set_default_dp_address_response::decode(unhex("BF3F00"));
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("setDefaultDpAddressResult"), std::string::npos) << e.error().message;
}

TEST(es10_management, SetNickname_SetDefaultDpAddress_MemoryReset_requests)
{
    rsp::set_nickname_request n{unhex("98941999999999091048"), "work"};
    auto n2 = rsp::set_nickname_request::decode(n.encode());
    ASSERT_TRUE(n2);
    EXPECT_EQ(n2->profile_nickname, "work");
    EXPECT_FALSE(rsp::set_nickname_request::decode(
        rsp::set_nickname_request{unhex("98941999999999091048"), std::string(65, 'x')}.encode()));

    EXPECT_EQ(to_hex(rsp::set_default_dp_address_request{"a.b"}.encode()), "bf3f058003612e62");
    auto d = rsp::set_default_dp_address_request::decode(unhex("BF3F028000"));
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->default_dp_address.empty());

    auto m = rsp::euicc_memory_reset_request::decode(unhex("BF340482020560"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->reset_options, unhex("0560"));
}

TEST(es10_management, challenge_eid_addresses_answers)
{
    const bytes c(16, 0xAB);
    auto ch = rsp::get_euicc_challenge_response::decode(rsp::get_euicc_challenge_response{c}.encode());
    ASSERT_TRUE(ch);
    EXPECT_EQ(ch->euicc_challenge, c);
    EXPECT_EQ(to_hex(rsp::empty_request(rsp::tag::get_euicc_challenge)), "bf2e00");

    const bytes eid = unhex("89049032123451234512345678901235");
    EXPECT_EQ(to_hex(rsp::get_eid_request{}.encode()), "bf3e035c015a");
    auto e = rsp::get_eid_response::decode(rsp::get_eid_response{eid}.encode());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->eid, eid);

    rsp::euicc_configured_addresses_response a{std::nullopt, "lpa.ds.gsma.com"};
    EXPECT_EQ(to_hex(a.encode()), "bf3c11810f6c70612e64732e67736d612e636f6d");
    auto a2 = rsp::euicc_configured_addresses_response::decode(a.encode());
    ASSERT_TRUE(a2);
    EXPECT_FALSE(a2->default_dp_address);
    EXPECT_EQ(a2->root_ds_address, "lpa.ds.gsma.com");
}

TEST(es10_management, GetRatResponse_round_trip)
{
    rsp::get_rat_response r;
    rsp::profile_policy_authorisation_rule rule;
    rule.ppr_ids = unhex("0560");
    rule.allowed_operators.push_back(rsp::operator_id{unhex("EEEEEE"), std::nullopt, std::nullopt});
    rule.ppr_flags = unhex("00");
    r.rat.push_back(rule);
    const bytes der = r.encode();
    EXPECT_EQ(to_hex(der), "bf4314a012301080020560a10730058003eeeeee820100");
    auto back = rsp::get_rat_response::decode(der);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->rat.size(), 1u);
    EXPECT_EQ(back->rat[0].ppr_ids, rule.ppr_ids);
    EXPECT_EQ(back->rat[0].allowed_operators[0].mcc_mnc, unhex("EEEEEE"));
    EXPECT_EQ(back->rat[0].ppr_flags, rule.ppr_flags);
}
