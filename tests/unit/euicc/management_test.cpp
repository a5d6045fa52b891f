/// ES10c local profile management and ES10b notifications (SGP.22 §5.7.9-§5.7.11, §5.7.15-§5.7.21).

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";
const std::string iccid_a = "8949449999999990148";
const std::string iccid_b = "8949449999999990155";

/// B6 contents asking for enable, disable and delete notifications at one address.
bytes notify_all_config()
{
    der::writer w;
    w.begin(0x30).add_named_bits(0x80, {1, 2, 3}).add(0x81, std::string_view{"notify.openrsp.test"}).end();
    return w.finish();
}

class management_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        card = make_card(dir.file("card.json"));
        ASSERT_TRUE(card);
        t = card->make_transport();
        ch = open_isdr(*t);
        bpp_options o;
        o.notification_config = notify_all_config();
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_a), o))->success);
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_b)))->success);
    }

    bytes iccid_tlv(const std::string& iccid) { return der::encode(0x5A, *rsp::iccid_to_bcd(iccid)); }

    unsigned result_of(der::tag_t outer, const bytes& body)
    {
        const bytes r = es10(*t, ch, der::encode(outer, body));
        auto top = der::parse_one(r);
        EXPECT_TRUE(top && top->tag == outer);
        auto code = der::reader(top->value).find(0x80);
        return code ? static_cast<unsigned>(*der::decode_uint(code->value)) : 999;
    }
    unsigned enable(const std::string& iccid)
    {
        return result_of(0xBF31, concat({der::encode(0xA0, iccid_tlv(iccid)), hex("810100")}));
    }
    unsigned disable(const std::string& iccid)
    {
        return result_of(0xBF32, concat({der::encode(0xA0, iccid_tlv(iccid)), hex("810100")}));
    }
    unsigned remove(const std::string& iccid) { return result_of(0xBF33, iccid_tlv(iccid)); }

    std::vector<der::tlv> profile_infos(const bytes& response)
    {
        m_keep = response;
        auto a0 = der::reader(der::parse_one(m_keep)->value).find(0xA0);
        return *der::reader(a0->value).all();
    }

    /// (seq, PMO second byte) of each pending notification.
    std::vector<std::pair<std::uint64_t, std::uint8_t>> notifications()
    {
        m_keep = es10(*t, ch, hex("BF2800"));
        auto a0 = der::reader(der::parse_one(m_keep)->value).find(0xA0);
        std::vector<std::pair<std::uint64_t, std::uint8_t>> out;
        const auto items = *der::reader(a0->value).all();
        for (const auto& n : items) {
            const der::reader r(n.value);
            out.emplace_back(*der::decode_uint(r.find(0x80)->value), r.find(0x81)->value[1]);
        }
        return out;
    }

    temp_dir dir;
    std::unique_ptr<virtual_euicc> card;
    std::unique_ptr<rsp::card_transport> t;
    int ch = -1;
    bytes m_keep;
};

} // namespace

TEST_F(management_test, GetProfilesInfo_lists_both_profiles_disabled_without_nickname)
{
    const auto infos = profile_infos(es10(*t, ch, hex("BF2D00")));
    ASSERT_EQ(infos.size(), 2u);
    for (const auto& e : infos) {
        EXPECT_EQ(e.tag, 0xE3u);
        const der::reader r(e.value);
        EXPECT_TRUE(r.find(0x5A) && r.find(0x4F) && r.find(0x91) && r.find(0x92) && r.find(0x95));
        EXPECT_EQ(bytes(r.find(0x9F70)->value.begin(), r.find(0x9F70)->value.end()), hex("00"));
        EXPECT_FALSE(r.find(0x90).has_value()) << "empty nickname is omitted";
    }
}

TEST_F(management_test, GetProfilesInfo_search_by_iccid_and_tagList)
{
    const bytes req = der::encode(0xBF2D, concat({der::encode(0xA0, iccid_tlv(iccid_b)), hex("5C025A4F")}));
    const auto infos = profile_infos(es10(*t, ch, req));
    ASSERT_EQ(infos.size(), 1u);
    const auto fields = *der::reader(infos[0].value).all();
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(rsp::iccid_from_bcd(fields[0].value), iccid_b);
    EXPECT_EQ(fields[1].tag, 0x4Fu);
}

TEST_F(management_test, EnableProfile_then_enabling_another_disables_the_first)
{
    EXPECT_EQ(enable(iccid_a), 0u);
    EXPECT_EQ(enable(iccid_a), 2u) << "profileNotInDisabledState";
    EXPECT_EQ(enable(iccid_b), 0u);
    for (const auto& p : card->profiles()) EXPECT_EQ(p.enabled, p.iccid == iccid_b) << p.iccid;
    EXPECT_EQ(enable("8949449999999990999"), 1u) << "iccidOrAidNotFound";
}

TEST_F(management_test, DisableProfile_and_DeleteProfile_follow_the_state_rules)
{
    EXPECT_EQ(disable(iccid_a), 2u) << "profileNotInEnabledState";
    EXPECT_EQ(enable(iccid_a), 0u);
    EXPECT_EQ(remove(iccid_a), 2u) << "an enabled profile cannot be deleted";
    EXPECT_EQ(disable(iccid_a), 0u);
    EXPECT_EQ(remove(iccid_a), 0u);
    EXPECT_EQ(remove(iccid_a), 1u);
    ASSERT_EQ(card->profiles().size(), 1u);
    EXPECT_EQ(card->profiles()[0].iccid, iccid_b);
    // By ISD-P AID too.
    const bytes aid = card->profiles()[0].isdp_aid;
    EXPECT_EQ(result_of(0xBF33, der::encode(0x4F, aid)), 0u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(management_test, SetNickname_shows_in_GetProfilesInfo)
{
    EXPECT_EQ(result_of(0xBF29, concat({iccid_tlv(iccid_a), der::encode(0x90, as_bytes("Work"))})), 0u);
    EXPECT_EQ(result_of(0xBF29, concat({iccid_tlv("8949449999999990999"), der::encode(0x90, as_bytes("x"))})), 1u);
    const bytes req = der::encode(0xBF2D, der::encode(0xA0, iccid_tlv(iccid_a)));
    const auto infos = profile_infos(es10(*t, ch, req));
    ASSERT_EQ(infos.size(), 1u);
    EXPECT_EQ(to_string(der::reader(infos[0].value).find(0x90)->value), "Work");
}

TEST_F(management_test, notifications_follow_the_profile_notificationConfigurationInfo)
{
    auto before = notifications();
    ASSERT_EQ(before.size(), 2u); // the two install PIRs
    EXPECT_EQ(before[0].second, 0x80);
    EXPECT_EQ(enable(iccid_a), 0u);
    EXPECT_EQ(enable(iccid_b), 0u); // disables A (configured) and enables B (not configured)
    auto after = notifications();
    ASSERT_EQ(after.size(), 4u);
    EXPECT_EQ(after[2].second, 0x40); // enable A
    EXPECT_EQ(after[3].second, 0x20); // disable A
    EXPECT_LT(after[2].first, after[3].first);
}

TEST_F(management_test, RetrieveNotificationsList_and_RemoveNotificationFromList)
{
    EXPECT_EQ(enable(iccid_a), 0u);
    const auto list = notifications();
    ASSERT_EQ(list.size(), 3u);
    const std::uint64_t seq = list.back().first;

    der::writer w;
    w.begin(0xBF2B).begin(0xA0).add_uint(0x80, seq).end().end();
    const bytes by_seq = w.finish();
    const bytes r = es10(*t, ch, by_seq);
    auto a0 = der::reader(der::parse_one(r)->value).find(0xA0);
    ASSERT_TRUE(a0);
    auto other = der::parse_one(a0->value);
    ASSERT_TRUE(other);
    ASSERT_EQ(other->tag, 0x30u); // OtherSignedNotification
    auto items = *der::reader(other->value).all();
    ASSERT_EQ(items.size(), 4u);
    EXPECT_EQ(items[0].tag, 0xBF2Fu);
    auto euicc_cert = crypto::certificate::from_der(items[2].raw);
    ASSERT_TRUE(euicc_cert);
    EXPECT_TRUE(crypto::ecdsa_verify(euicc_cert->public_key(), items[0].raw, items[1].value));
    EXPECT_EQ(to_string(der::reader(items[0].value).find(0x0C)->value), "notify.openrsp.test");

    // All: two BF37 and one 30.
    const bytes all = es10(*t, ch, hex("BF2B00"));
    auto all_items = *der::reader(der::reader(der::parse_one(all)->value).find(0xA0)->value).all();
    EXPECT_EQ(all_items.size(), 3u);

    const bytes remove_req = der::encode(0xBF30, der::encode(0x80, der::encode_uint(seq)));
    EXPECT_EQ(es10(*t, ch, remove_req), hex("BF3003800100"));
    EXPECT_EQ(es10(*t, ch, remove_req), hex("BF3003800101"));
    EXPECT_EQ(notifications().size(), 2u);
    // Asking for the removed one: noResultAvailable.
    EXPECT_EQ(es10(*t, ch, by_seq), hex("BF2B03810101"));
}

TEST_F(management_test, ListNotification_PMO_filter_selects_events)
{
    EXPECT_EQ(enable(iccid_a), 0u);
    EXPECT_EQ(disable(iccid_a), 0u);
    m_keep = es10(*t, ch, hex("BF280481020520")); // filter: disable only
    auto a0 = der::reader(der::parse_one(m_keep)->value).find(0xA0);
    auto items = *der::reader(a0->value).all();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(der::reader(items[0].value).find(0x81)->value[1], 0x20);
}

TEST_F(management_test, GetEuiccConfiguredAddresses_and_SetDefaultDpAddress)
{
    EXPECT_EQ(es10(*t, ch, hex("BF3C00")),
              der::encode(0xBF3C, concat({der::encode(0x80, as_bytes("smdp.openrsp.test")),
                                          der::encode(0x81, as_bytes("lpa.ds.gsma.com"))})));
    EXPECT_EQ(es10(*t, ch, der::encode(0xBF3F, der::encode(0x80, as_bytes("other.example")))), hex("BF3F03800100"));
    auto r = es10(*t, ch, hex("BF3C00"));
    EXPECT_EQ(to_string(der::reader(der::parse_one(r)->value).find(0x80)->value), "other.example");
}

TEST_F(management_test, eUICCMemoryReset_deletes_operational_profiles)
{
    EXPECT_EQ(es10(*t, ch, hex("BF340482020780")), hex("BF3403800100"));
    EXPECT_TRUE(card->profiles().empty());
    EXPECT_EQ(es10(*t, ch, hex("BF340482020780")), hex("BF3403800101")) << "nothingToDelete";
}
