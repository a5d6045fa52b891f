#include "openrsp/der/der.h"

#include <gtest/gtest.h>

namespace openrsp::der {
namespace {

TEST(der_writer, when_nested_elements_end_then_lengths_are_patched)
{
    writer w;
    w.begin(0xBF2E).add(0x80, hex("000102030405060708090a0b0c0d0e0f")).end();
    EXPECT_EQ(to_hex(w.finish()), "bf2e128010000102030405060708090a0b0c0d0e0f");
}

TEST(der_writer, when_content_needs_long_lengths_then_minimal_long_form_is_used)
{
    writer w;
    w.begin(0xBF36).begin(0xA0).add(0x87, bytes(200, 0xAA)).end().add(0x86, bytes(300, 0x55)).end();
    const bytes out = w.finish();
    // 87 81 C8 + 200 = 203; A0 81 CB + 203 = 206; 86 82 01 2C + 300 = 304; BF36 82 01 FE (510)
    EXPECT_EQ(to_hex(byte_view(out).first(6)), "bf368201fea0");
    auto t = parse_one(out);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->tag, 0xBF36u);
    EXPECT_TRUE(t->constructed());
    auto items = reader(t->value).all();
    ASSERT_TRUE(items);
    ASSERT_EQ(items->size(), 2u);
    EXPECT_EQ((*items)[0].tag, 0xA0u);
    EXPECT_EQ((*items)[1].tag, 0x86u);
    EXPECT_EQ((*items)[1].value.size(), 300u);
    auto inner = reader((*items)[0].value).find(0x87);
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->value.size(), 200u);
    EXPECT_EQ(to_hex(inner->raw.first(3)), "8781c8");
}

TEST(der_writer, when_values_are_typed_then_encodings_are_der)
{
    writer w;
    w.add_uint(0x02, 0).add_uint(0x02, 127).add_uint(0x02, 128).add_uint(0x02, 0x1234);
    w.add_bool(0x01, true).add_bool(0x01, false).add_null(0x05);
    w.add_named_bits(0x03, {}).add_named_bits(0x03, {0}).add_named_bits(0x03, {1, 9});
    w.add(0x0C, std::string_view("hi"));
    EXPECT_EQ(to_hex(w.finish()), "020100" "02017f" "02020080" "02021234" "0101ff" "010100" "0500"
                                  "030100" "03020780" "0303064040" "0c026869");
}

TEST(der_writer, when_begin_is_not_closed_then_finish_throws)
{
    writer w;
    w.begin(0x30);
    EXPECT_THROW((void)w.finish(), std::logic_error);
    writer w2;
    EXPECT_THROW(w2.end(), std::logic_error);
}

TEST(der_encode, when_tags_have_up_to_three_bytes_then_they_round_trip)
{
    for (tag_t tag : {0x30u, 0x80u, 0x5F37u, 0x5F49u, 0x9F70u, 0xBF20u, 0xBF76u, 0xBF8120u, 0x1Fu << 8 | 0x7Fu}) {
        const bytes enc = encode(tag, hex("0102"));
        auto t = parse_one(enc);
        ASSERT_TRUE(t) << std::hex << tag << ": " << t.error().message;
        EXPECT_EQ(t->tag, tag);
        EXPECT_EQ(to_hex(t->value), "0102");
        EXPECT_EQ(t->raw.size(), enc.size());
    }
    const bytes sig = encode(0x5F37, bytes(64, 0));
    EXPECT_EQ(to_hex(byte_view(sig).first(3)), "5f3740");
}

TEST(der_encode, when_lengths_grow_then_length_field_grows_minimally)
{
    const std::pair<std::size_t, const char*> cases[] = {
        {0, "00"}, {127, "7f"}, {128, "8180"}, {255, "81ff"}, {256, "820100"}, {65535, "82ffff"},
        {65536, "83010000"}, {0x1000000, "8401000000"}};
    for (auto [len, expected] : cases) {
        bytes out;
        put_length(out, len);
        EXPECT_EQ(to_hex(out), expected) << len;
    }
    const bytes big = encode(0x04, bytes(70000, 0x11));
    auto t = parse_one(big);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->value.size(), 70000u);
}

TEST(der_parse, when_input_is_malformed_then_it_is_rejected)
{
    const char* bad[] = {
        "",             // nothing
        "30",           // no length
        "3003 0101",    // length past the end
        "3080 0000",    // indefinite length
        "3081 05 0102030405", // long form for a short length
        "3082 0005 0102030405", // long form with a leading zero
        "3085 0100000000",      // 5-byte length
        "5f",           // truncated multi-byte tag
        "bf80 20 00",   // non-minimal tag number
        "bfffffff7f 00", // tag longer than 4 bytes
    };
    for (const char* h : bad) {
        std::string clean;
        for (const char* p = h; *p; ++p)
            if (*p != ' ') clean += *p;
        EXPECT_FALSE(parse_one(hex(clean))) << h;
    }
    EXPECT_FALSE(parse_one(hex("050000"))); // a byte after the one TLV
    EXPECT_TRUE(parse_prefix(hex("050000")));
}

TEST(der_reader, when_walking_a_level_then_next_peek_find_and_all_agree)
{
    const bytes data = hex("800101" "810102" "bf2000" "820103");
    reader r(data);
    auto p = r.peek();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->tag, 0x80u);
    auto a = r.next();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->tag, 0x80u);
    auto b = r.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->tag, 0x81u);
    EXPECT_FALSE(b->constructed());
    auto c = r.next();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->tag, 0xBF20u);
    EXPECT_TRUE(c->constructed());
    EXPECT_TRUE(c->value.empty());
    EXPECT_FALSE(r.empty());
    auto found = r.find(0x81); // unknown tags in between are skipped
    ASSERT_TRUE(found);
    EXPECT_EQ(to_hex(found->value), "02");
    EXPECT_FALSE(r.find(0x99));
    auto all = r.all();
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 4u);
    ASSERT_TRUE(r.next());
    EXPECT_TRUE(r.empty());
    EXPECT_FALSE(r.next());
}

TEST(der_reader, when_a_later_element_is_broken_then_all_fails_and_find_gives_nullopt)
{
    const bytes data = hex("800101" "8105");
    reader r(data);
    EXPECT_FALSE(r.all());
    EXPECT_FALSE(r.find(0x81));
    EXPECT_TRUE(r.find(0x80));
}

TEST(der_integer, when_decoding_then_negative_and_oversized_values_are_rejected)
{
    EXPECT_EQ(*decode_uint(hex("00")), 0u);
    EXPECT_EQ(*decode_uint(hex("7f")), 127u);
    EXPECT_EQ(*decode_uint(hex("0080")), 128u);
    EXPECT_EQ(*decode_uint(hex("00ffffffffffffffff")), UINT64_MAX);
    EXPECT_FALSE(decode_uint(hex("80")));
    EXPECT_FALSE(decode_uint(hex("ff")));
    EXPECT_FALSE(decode_uint(hex("010000000000000000")));
    EXPECT_FALSE(decode_uint(bytes{}));
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 127, 128, 255, 256, 0x7FFFFFFF, 0x80000000, UINT64_MAX}) {
        auto back = decode_uint(encode_uint(v));
        ASSERT_TRUE(back) << v;
        EXPECT_EQ(*back, v);
    }
    EXPECT_EQ(to_hex(encode_uint(UINT64_MAX)), "00ffffffffffffffff");
}

TEST(der_oid, when_known_oids_are_encoded_then_bytes_match_and_decode_back)
{
    const std::pair<const char*, const char*> cases[] = {
        {"1.2.840.10045.3.1.7", "2a8648ce3d030107"},    // prime256v1
        {"1.2.840.10045.2.1", "2a8648ce3d0201"},        // id-ecPublicKey
        {"2.23.146.1.2.1.4", "678112010201 04"},        // id-rspRole-dp-auth
        {"2.999.10", "88370a"},                         // SGP.26 SM-DP+ OID
        {"1.3.36.3.3.2.8.1.1.7", "2b2403030208010107"}, // brainpoolP256r1
        {"0.0", "00"},
        {"2.5.4.5", "550405"},                          // serialNumber
    };
    for (auto [dotted, h] : cases) {
        std::string clean;
        for (const char* p = h; *p; ++p)
            if (*p != ' ') clean += *p;
        auto enc = encode_oid(dotted);
        ASSERT_TRUE(enc) << dotted;
        EXPECT_EQ(to_hex(*enc), clean) << dotted;
        auto dec = decode_oid(*enc);
        ASSERT_TRUE(dec) << dotted;
        EXPECT_EQ(*dec, dotted);
    }
}

TEST(der_oid, when_oid_is_malformed_then_both_directions_fail)
{
    for (const char* s : {"", "1", "3.1", "1.40", "1..2", "1.2.", "a.b", "1.2.-3"}) EXPECT_FALSE(encode_oid(s)) << s;
    EXPECT_FALSE(decode_oid(bytes{}));
    EXPECT_FALSE(decode_oid(hex("2a86")));   // ends inside an arc
    EXPECT_FALSE(decode_oid(hex("2a8001"))); // redundant leading group
}

TEST(der_bits, when_bits_are_set_then_bit_is_set_reports_them)
{
    writer w;
    w.add_named_bits(0x03, {2, 10});
    const bytes enc = w.finish();
    auto t = parse_one(enc);
    ASSERT_TRUE(t);
    EXPECT_TRUE(bit_is_set(t->value, 2));
    EXPECT_TRUE(bit_is_set(t->value, 10));
    EXPECT_FALSE(bit_is_set(t->value, 0));
    EXPECT_FALSE(bit_is_set(t->value, 11));
    EXPECT_FALSE(bit_is_set(t->value, 100));
}

} // namespace
} // namespace openrsp::der
