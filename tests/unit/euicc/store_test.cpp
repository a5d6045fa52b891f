/// The eUICC file: create/open rules, persistence across reopen, crash safety of the atomic replace.

#include "support/euicc_doubles.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bytes set_nickname_request(const std::string& iccid, std::string_view nick)
{
    return der::encode(0xBF29, concat({der::encode(0x5A, *rsp::iccid_to_bcd(iccid)), der::encode(0x90, as_bytes(nick))}));
}

} // namespace

TEST(euicc_store, create_refuses_an_existing_path)
{
    temp_dir dir;
    const auto& p = main_pki();
    const provisioning prov{p.euicc_cert_pem, p.euicc_key_pem, p.eum_cert_pem, {p.ci_pem}, ""};
    ASSERT_TRUE(virtual_euicc::create(dir.file("card.json"), prov));
    auto again = virtual_euicc::create(dir.file("card.json"), prov);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
}

TEST(euicc_store, create_refuses_a_key_that_does_not_match_the_certificate)
{
    temp_dir dir;
    const auto& p = main_pki();
    const provisioning prov{p.euicc_cert_pem, other_pki().euicc_key_pem, p.eum_cert_pem, {p.ci_pem}, ""};
    EXPECT_FALSE(virtual_euicc::create(dir.file("card.json"), prov));
    EXPECT_FALSE(std::filesystem::exists(dir.file("card.json")));
}

TEST(euicc_store, open_of_a_missing_or_corrupt_file_gives_a_sentence)
{
    temp_dir dir;
    auto missing = virtual_euicc::open(dir.file("nope.json"));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
    std::ofstream(dir.file("bad.json")) << "{\"format\": \"openrsp-virtual-euicc/1\", \"eid\": 12";
    auto corrupt = virtual_euicc::open(dir.file("bad.json"));
    ASSERT_FALSE(corrupt);
    EXPECT_NE(corrupt.error().message.find("damaged"), std::string::npos);
    std::ofstream(dir.file("other.json")) << "[1,2,3]";
    EXPECT_FALSE(virtual_euicc::open(dir.file("other.json")));
}

TEST(euicc_store, installed_profile_nickname_and_notifications_survive_reopen)
{
    temp_dir dir;
    const std::string path = dir.file("card.json");
    std::uint64_t last_seq = 0;
    {
        auto card = make_card(path);
        auto t = card->make_transport();
        const int ch = open_isdr(*t);
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile()))->success);
        EXPECT_EQ(es10(*t, ch, set_nickname_request("8949449999999990148", "Travel")), hex("BF2903800100"));
        auto list = es10(*t, ch, hex("BF2800"));
        auto meta = der::reader(der::reader(der::parse_one(list)->value).find(0xA0)->value).find(0xBF2F);
        last_seq = *der::decode_uint(der::reader(meta->value).find(0x80)->value);
    }
    auto reopened = virtual_euicc::open(path);
    ASSERT_TRUE(reopened) << reopened.error().message;
    auto& card = *reopened;
    const auto ps = card->profiles();
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].nickname, "Travel");
    EXPECT_EQ(ps[0].imsi, "001010123456063");
    EXPECT_EQ(ps[0].ki, hex("000102030405060708090a0b0c0d0e0f"));
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    // The pending install notification is still there and the seqNumber counter continues.
    EXPECT_EQ(der::reader(der::parse_one(es10(*t, ch, hex("BF2800")))->value).find(0xA0)->value.empty(), false);
    ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile("8949449999999990155")))->success);
    auto list = es10(*t, ch, hex("BF2800"));
    auto items = *der::reader(der::reader(der::parse_one(list)->value).find(0xA0)->value).all();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(*der::decode_uint(der::reader(items[1].value).find(0x80)->value), last_seq + 1);
}

TEST(euicc_store, leftover_tmp_file_does_not_disturb_open_or_the_next_write)
{
    temp_dir dir;
    const std::string path = dir.file("card.json");
    ASSERT_TRUE(make_card(path));
    std::ofstream(path + ".tmp") << "half-written garbage";
    auto card = virtual_euicc::open(path);
    ASSERT_TRUE(card);
    auto t = (*card)->make_transport();
    const int ch = open_isdr(*t);
    EXPECT_EQ(es10(*t, ch, der::encode(0xBF3F, der::encode(0x80, as_bytes("x.example")))), hex("BF3F03800100"));
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_TRUE(virtual_euicc::open(path));
}

TEST(euicc_store, failing_write_is_not_acknowledged_and_keeps_the_old_file)
{
    temp_dir dir;
    const std::string path = dir.file("card.json");
    auto card = make_card(path);
    auto t = card->make_transport();
    const int ch = open_isdr(*t);
    ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile()))->success);
    const std::string before = read_file(path);

    // A directory where PATH.tmp must go makes every write fail, even for root.
    std::filesystem::create_directory(path + ".tmp");
    EXPECT_EQ(es10(*t, ch, set_nickname_request("8949449999999990148", "Lost")), hex("BF290380017F"));
    EXPECT_EQ(card->profiles()[0].nickname, "") << "memory did not run ahead of the disk";
    // A failed install leaves no profile either.
    const auto pir = decode_pir(download(*t, ch, eid_text, sample_profile("8949449999999990155")));
    ASSERT_TRUE(pir);
    EXPECT_FALSE(pir->success);
    EXPECT_EQ(card->profiles().size(), 1u);
    EXPECT_EQ(read_file(path), before);

    std::filesystem::remove(path + ".tmp");
    auto reopened = virtual_euicc::open(path);
    ASSERT_TRUE(reopened);
    ASSERT_EQ((*reopened)->profiles().size(), 1u);
    EXPECT_EQ((*reopened)->profiles()[0].nickname, "");
}
