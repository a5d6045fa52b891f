#include "openrsp/rsp/saip.h"

#include "openrsp/der/der.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace openrsp::rsp {
namespace {

bytes read_data(const std::string& name)
{
    std::ifstream in(std::string(OPENRSP_SOURCE_DIR) + "/tests/data/saip/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

profile_description sample()
{
    profile_description d;
    d.iccid = "8944123456789012345";
    d.imsi = "001010000012345";
    d.ki = hex("465b5ce8b199b49faa5f0a2ee238a6bc");
    d.opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
    d.service_provider_name = "OpenRSP_Test";
    d.profile_name = "OpenRSP test profile";
    d.apn = "internet.openrsp.test";
    d.mnc_length = 2;
    return d;
}

/// Top-level profile element tags in order.
std::vector<der::tag_t> pe_tags(byte_view upp)
{
    std::vector<der::tag_t> out;
    auto all = der::reader(upp).all();
    EXPECT_TRUE(all);
    if (all)
        for (const auto& t : *all) out.push_back(t.tag);
    return out;
}

TEST(saip_build, when_built_then_parse_gives_back_every_field)
{
    const auto d = sample();
    auto upp = build_upp(d);
    ASSERT_TRUE(upp) << upp.error().message;
    auto s = parse_upp(*upp);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->iccid, d.iccid);
    EXPECT_EQ(s->imsi, d.imsi);
    EXPECT_EQ(s->algorithm_id, 1u);
    EXPECT_EQ(s->ki, d.ki);
    EXPECT_EQ(s->opc, d.opc);
    EXPECT_EQ(s->service_provider_name, d.service_provider_name);
    EXPECT_EQ(s->apn, d.apn);
    EXPECT_EQ(s->profile_elements, 9u);
    const std::vector<der::tag_t> order{0xA0, 0xB0, 0xA3, 0xA2, 0xB3, 0xB4, 0xA2, 0xA4, 0xAA};
    EXPECT_EQ(pe_tags(*upp), order);
}

TEST(saip_build, when_built_then_header_and_efs_use_the_saip_encodings)
{
    auto d = sample();
    d.iccid = "89000123456789012341";
    d.imsi = "001010123456063";
    auto upp = build_upp(d);
    ASSERT_TRUE(upp);
    auto header = der::parse_prefix(*upp);
    ASSERT_TRUE(header);
    const der::reader h(header->value);
    EXPECT_EQ(to_hex(h.find(0x80)->value), "02");
    EXPECT_EQ(to_hex(h.find(0x81)->value), "03");
    // Header ICCID in plain digit order, EF.ICCID nibble-swapped (facts §8.2 / §8.3).
    EXPECT_EQ(to_hex(h.find(0x83)->value), "89000123456789012341");
    const auto services = h.find(0xA5);
    ASSERT_TRUE(services);
    EXPECT_TRUE(der::reader(services->value).find(0x81)); // usim
    EXPECT_TRUE(der::reader(services->value).find(0x84)); // milenage
    const std::string hexed = to_hex(*upp);
    EXPECT_NE(hexed.find("830a98001032547698103214"), std::string::npos) << "EF.ICCID content";
    EXPECT_NE(hexed.find("8309080910101032540636"), std::string::npos) << "EF.IMSI content";
    // EF.SPN: display byte 01, "OpenRSP_Test" with '_' as GSM 0x11, FF padding to 17 bytes.
    EXPECT_NE(hexed.find("831101"
                         "4f70656e525350"
                         "11"
                         "54657374"
                         "ffffff"),
              std::string::npos)
        << "EF.SPN";
    EXPECT_NE(hexed.find("830400000002"), std::string::npos) << "EF.AD";
    // EF.ACL: one APN, tag DD, TS 23.003 labels.
    EXPECT_NE(hexed.find("01dd16"
                         "08696e7465726e6574"
                         "076f70656e727370"
                         "0474657374"),
              std::string::npos);
}

TEST(saip_build, when_there_is_no_apn_then_no_optional_usim_is_written)
{
    auto d = sample();
    d.apn.clear();
    d.mnc_length = 3;
    auto upp = build_upp(d);
    ASSERT_TRUE(upp);
    auto s = parse_upp(*upp);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->apn, "");
    EXPECT_EQ(s->profile_elements, 8u);
    EXPECT_NE(to_hex(*upp).find("830400000003"), std::string::npos);
}

TEST(saip_build, when_the_spn_has_no_gsm_form_then_ucs2_is_used)
{
    auto d = sample();
    d.service_provider_name = "Оператор"; // Cyrillic: no GSM 7-bit form, 7 UCS2 characters fit in 16 bytes
    auto upp = build_upp(d);
    ASSERT_TRUE(upp);
    auto s = parse_upp(*upp);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->service_provider_name, "Операто");
    d.service_provider_name = "a{b}€";
    auto upp2 = build_upp(d);
    ASSERT_TRUE(upp2);
    EXPECT_EQ(parse_upp(*upp2)->service_provider_name, "a{b}€");
}

TEST(saip_validate, when_fields_are_bad_then_the_sentence_names_the_field)
{
    auto expect_bad = [](profile_description d, const char* field) {
        auto r = validate(d);
        ASSERT_FALSE(r) << field;
        EXPECT_EQ(r.error().message.rfind(field, 0), 0u) << r.error().message;
        EXPECT_FALSE(build_upp(d));
    };
    EXPECT_TRUE(validate(sample()));
    auto d = sample();
    d.iccid = "89441234567890123";
    expect_bad(d, "iccid");
    d = sample();
    d.iccid = "894412345678901234X";
    expect_bad(d, "iccid");
    d = sample();
    d.imsi = "00101";
    expect_bad(d, "imsi");
    d = sample();
    d.imsi = "0010100000123456";
    expect_bad(d, "imsi");
    d = sample();
    d.ki.pop_back();
    expect_bad(d, "ki");
    d = sample();
    d.opc.push_back(0);
    expect_bad(d, "opc");
    d = sample();
    d.service_provider_name = std::string(33, 'x');
    expect_bad(d, "service_provider_name");
    d = sample();
    d.profile_name = std::string(65, 'x');
    expect_bad(d, "profile_name");
    d = sample();
    d.apn = "bad..apn";
    expect_bad(d, "apn");
    d = sample();
    d.mnc_length = 4;
    expect_bad(d, "mnc_length");
}

struct ts48_case {
    const char* file;
    const char* iccid;
};

class saip_ts48 : public ::testing::TestWithParam<ts48_case> {};

TEST_P(saip_ts48, when_a_gsma_test_profile_is_parsed_then_the_known_values_come_out)
{
    const auto upp = read_data(GetParam().file);
    auto s = parse_upp(upp);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->iccid, GetParam().iccid);
    EXPECT_EQ(s->imsi, "001010123456063");
    EXPECT_EQ(s->algorithm_id, 3u); // usim-test-algorithm
    EXPECT_EQ(s->ki, hex("000102030405060708090a0b0c0d0e0f"));
    EXPECT_EQ(s->opc, bytes(16, 0));
    EXPECT_EQ(s->service_provider_name, "GSMA_TEST"); // from the EF.SPN fillPattern, '_' = GSM 0x11
    EXPECT_EQ(s->apn, "");                            // EF.ACL present but lists no APN
    EXPECT_GT(s->profile_elements, 25u);
}

INSTANTIATE_TEST_SUITE_P(profiles, saip_ts48,
                         ::testing::Values(ts48_case{"TS48V1-A-UNIQUE.der", "8949449999999990023"},
                                           ts48_case{"TS48V2-SAIP2-3-BERTLV-UNIQUE.der", "8949449999999990056"},
                                           ts48_case{"TS48V3-SAIP2-1-NOBERTLV-UNIQUE.der", "8949449999999990072"},
                                           ts48_case{"TS48V4-SAIP2-3-BERTLV-UNIQUE.der", "8949449999999990122"},
                                           ts48_case{"TS48V4-SAIP2-3-NOBERTLV-UNIQUE.der", "8949449999999990130"}));

TEST(saip_parse, when_input_is_malformed_then_a_sentence_explains_it)
{
    auto upp = build_upp(sample());
    ASSERT_TRUE(upp);

    EXPECT_FALSE(parse_upp({}));

    // Missing end element.
    const auto header = der::parse_prefix(*upp);
    ASSERT_TRUE(header);
    auto elements = der::reader(*upp).all();
    ASSERT_TRUE(elements);
    bytes no_end(upp->begin(), upp->end() - static_cast<std::ptrdiff_t>(elements->back().raw.size()));
    auto r = parse_upp(no_end);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("end element"), std::string::npos) << r.error().message;

    // Missing header.
    bytes no_header(upp->begin() + static_cast<std::ptrdiff_t>(header->raw.size()), upp->end());
    r = parse_upp(no_header);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("ProfileHeader"), std::string::npos) << r.error().message;

    // Truncated DER.
    bytes truncated(upp->begin(), upp->end() - 3);
    r = parse_upp(truncated);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not valid DER"), std::string::npos) << r.error().message;

    // A length that overruns inside a profile element.
    bytes inner = *upp;
    inner[header->raw.size() - header->value.size() + 1] = 0x7F; // length of the header's first field
    EXPECT_FALSE(parse_upp(inner));

    // Trailing garbage after end.
    bytes trailing = *upp;
    trailing.push_back(0x00);
    EXPECT_FALSE(parse_upp(trailing));

    // Data after the end element.
    bytes after_end = *upp;
    append(after_end, hex("AA07A005800081011E"));
    r = parse_upp(after_end);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("after its end"), std::string::npos) << r.error().message;
}

TEST(saip_iccid, when_converted_to_bcd_then_nibbles_are_swapped_and_padded)
{
    auto b19 = iccid_to_bcd("8949449999999990023");
    ASSERT_TRUE(b19);
    EXPECT_EQ(to_hex(*b19), "989444999999990920f3");
    EXPECT_EQ(iccid_from_bcd(*b19), "8949449999999990023");

    auto b20 = iccid_to_bcd("89000123456789012341");
    ASSERT_TRUE(b20);
    EXPECT_EQ(to_hex(*b20), "98001032547698103214");
    EXPECT_EQ(iccid_from_bcd(*b20), "89000123456789012341");

    auto b18 = iccid_to_bcd("894412345678901234");
    ASSERT_TRUE(b18);
    EXPECT_EQ(to_hex(*b18), "984421436587092143ff");
    EXPECT_EQ(iccid_from_bcd(*b18), "894412345678901234");

    EXPECT_FALSE(iccid_to_bcd(""));
    EXPECT_FALSE(iccid_to_bcd("123456789012345678901"));
    EXPECT_FALSE(iccid_to_bcd("89A0"));
}

} // namespace
} // namespace openrsp::rsp
