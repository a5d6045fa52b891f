#include "openrsp/crypto/scp03t.h"

#include "openrsp/crypto/symmetric.h"
#include "openrsp/der/der.h"
#include "openrsp/der/tags.h"

#include <openssl/crypto.h>

namespace openrsp::crypto {

namespace {

constexpr std::size_t block = 16;
constexpr std::size_t mac_len = 8;
constexpr std::uint8_t key_type_aes = 0x88; // SGP.22 §2.6.4: keyType for the BPP session keys
constexpr std::uint8_t key_length_16 = 0x10;

bool valid_keys(const scp03t_keys& k)
{
    return k.initial_mcv.size() == block && k.s_enc.size() == block && k.s_mac.size() == block;
}

/// ISO/IEC 9797-1 method 2: SCP03t always appends 80 (even to a full block), then zeros.
bytes pad80(byte_view plaintext)
{
    bytes out(plaintext.begin(), plaintext.end());
    out.push_back(0x80);
    out.resize((out.size() + block - 1) / block * block, 0x00);
    return out;
}

/// Splits a received segment into header (tag+length), payload and the 8-byte MAC.
struct segment_parts {
    byte_view header;
    byte_view payload;
    byte_view mac;
};

result<segment_parts> split_segment(byte_view segment_tlv, std::initializer_list<der::tag_t> allowed)
{
    auto t = der::parse_one(segment_tlv);
    if (!t) return fail("The SCP03t segment is not a well-formed TLV: " + t.error().message);
    bool tag_ok = false;
    for (der::tag_t a : allowed)
        tag_ok = tag_ok || t->tag == a;
    if (!tag_ok) return fail("The SCP03t segment has an unexpected tag.");
    if (t->value.size() < mac_len) return fail("The SCP03t segment is too short to carry a MAC.");
    segment_parts p;
    p.header = t->raw.first(t->raw.size() - t->value.size());
    p.payload = t->value.first(t->value.size() - mac_len);
    p.mac = t->value.last(mac_len);
    return p;
}

} // namespace

scp03t_keys derive_bpp_session_keys(byte_view shared_secret, byte_view host_id, byte_view eid)
{
    // SharedInfo = keyType || keyLength || len(hostId) || hostId || len(EID) || EID (SGP.22 §2.6.4 / annex G).
    bytes shared_info{key_type_aes, key_length_16};
    der::put_length(shared_info, host_id.size());
    append(shared_info, host_id);
    der::put_length(shared_info, eid.size());
    append(shared_info, eid);

    bytes k = x963_kdf_sha256(shared_secret, shared_info, 3 * block);
    scp03t_keys keys;
    keys.initial_mcv.assign(k.begin(), k.begin() + block);
    keys.s_enc.assign(k.begin() + block, k.begin() + 2 * block);
    keys.s_mac.assign(k.begin() + 2 * block, k.end());
    secure_wipe(k);
    return keys;
}

scp03t_channel::scp03t_channel(scp03t_keys keys) : m_keys(std::move(keys)), m_mcv(m_keys.initial_mcv) {}

scp03t_channel::~scp03t_channel()
{
    secure_wipe(m_keys.initial_mcv);
    secure_wipe(m_keys.s_enc);
    secure_wipe(m_keys.s_mac);
    secure_wipe(m_mcv);
}

namespace {

/// ICV = AES(S-ENC, counter as a 16-byte big-endian block).
result<block16> make_icv(const bytes& s_enc, std::uint32_t counter)
{
    block16 ctr{};
    for (std::size_t i = 0; i < 4; ++i)
        ctr[block - 1 - i] = static_cast<std::uint8_t>(counter >> (8 * i));
    return aes128_encrypt_block(s_enc, ctr);
}

/// CMAC over MCV || header || payload.
result<block16> segment_mac(const bytes& s_mac, const bytes& mcv, byte_view header, byte_view payload)
{
    bytes input;
    input.reserve(mcv.size() + header.size() + payload.size());
    append(input, mcv);
    append(input, header);
    append(input, payload);
    return aes128_cmac(s_mac, input);
}

bytes segment_header(std::uint8_t tag, std::size_t payload_size)
{
    bytes header{tag};
    der::put_length(header, payload_size + mac_len);
    return header;
}

} // namespace

result<bytes> scp03t_channel::wrap_encrypted(std::uint8_t tag, byte_view plaintext)
{
    if (tag != der::tag::scp03t::segment_86 && tag != der::tag::scp03t::segment_87)
        return fail("An encrypted SCP03t segment must use tag 86 or 87.");
    if (plaintext.size() > max_encrypted_segment_plaintext)
        return fail("The plaintext is too long for one encrypted SCP03t segment (at most 1007 bytes).");
    if (!valid_keys(m_keys)) return fail("The SCP03t keys must be 16 bytes each.");

    auto icv = make_icv(m_keys.s_enc, m_counter);
    if (!icv) return icv.take_error();
    bytes padded = pad80(plaintext);
    auto ct = aes128_cbc_encrypt(m_keys.s_enc, *icv, padded);
    secure_wipe(padded);
    if (!ct) return ct.take_error();

    const bytes header = segment_header(tag, ct->size());
    auto mac = segment_mac(m_keys.s_mac, m_mcv, header, *ct);
    if (!mac) return mac.take_error();

    bytes out;
    out.reserve(header.size() + ct->size() + mac_len);
    append(out, header);
    append(out, *ct);
    out.insert(out.end(), mac->begin(), mac->begin() + mac_len);
    m_mcv.assign(mac->begin(), mac->end());
    ++m_counter;
    return out;
}

result<bytes> scp03t_channel::wrap_mac_only(std::uint8_t tag, byte_view plaintext)
{
    if (plaintext.size() > max_mac_only_segment_plaintext)
        return fail("The plaintext is too long for one MAC-only SCP03t segment (at most 1008 bytes).");
    if (!valid_keys(m_keys)) return fail("The SCP03t keys must be 16 bytes each.");

    const bytes header = segment_header(tag, plaintext.size());
    auto mac = segment_mac(m_keys.s_mac, m_mcv, header, plaintext);
    if (!mac) return mac.take_error();

    bytes out;
    out.reserve(header.size() + plaintext.size() + mac_len);
    append(out, header);
    append(out, plaintext);
    out.insert(out.end(), mac->begin(), mac->begin() + mac_len);
    m_mcv.assign(mac->begin(), mac->end());
    ++m_counter; // MAC-only segments consume a block counter value too
    return out;
}

result<bytes> scp03t_channel::unwrap_encrypted(byte_view segment_tlv)
{
    if (!valid_keys(m_keys)) return fail("The SCP03t keys must be 16 bytes each.");
    auto parts = split_segment(segment_tlv, {der::tag::scp03t::segment_86, der::tag::scp03t::segment_87});
    if (!parts) return parts.take_error();
    if (parts->payload.empty() || parts->payload.size() % block != 0)
        return fail("The encrypted SCP03t segment is not a whole number of AES blocks.");

    auto mac = segment_mac(m_keys.s_mac, m_mcv, parts->header, parts->payload);
    if (!mac) return mac.take_error();
    if (CRYPTO_memcmp(mac->data(), parts->mac.data(), mac_len) != 0) return fail("The SCP03t segment MAC is wrong.");

    auto icv = make_icv(m_keys.s_enc, m_counter);
    if (!icv) return icv.take_error();
    auto pt = aes128_cbc_decrypt(m_keys.s_enc, *icv, parts->payload);
    if (!pt) return pt.take_error();

    // Strip 80 00..: the 80 must sit in the last block, followed only by zeros.
    std::size_t end = pt->size();
    while (end > 0 && (*pt)[end - 1] == 0x00)
        --end;
    if (end == 0 || (*pt)[end - 1] != 0x80 || pt->size() - (end - 1) > block) {
        secure_wipe(*pt);
        return fail("The SCP03t segment padding is wrong.");
    }
    pt->resize(end - 1);
    m_mcv.assign(mac->begin(), mac->end());
    ++m_counter;
    return pt;
}

result<bytes> scp03t_channel::unwrap_mac_only(byte_view segment_tlv)
{
    if (!valid_keys(m_keys)) return fail("The SCP03t keys must be 16 bytes each.");
    auto parts = split_segment(segment_tlv, {der::tag::scp03t::segment_88});
    if (!parts) return parts.take_error();

    auto mac = segment_mac(m_keys.s_mac, m_mcv, parts->header, parts->payload);
    if (!mac) return mac.take_error();
    if (CRYPTO_memcmp(mac->data(), parts->mac.data(), mac_len) != 0) return fail("The SCP03t segment MAC is wrong.");

    m_mcv.assign(mac->begin(), mac->end());
    ++m_counter;
    return bytes(parts->payload.begin(), parts->payload.end());
}

void scp03t_channel::replace_keys(scp03t_keys keys)
{
    secure_wipe(m_keys.initial_mcv);
    secure_wipe(m_keys.s_enc);
    secure_wipe(m_keys.s_mac);
    m_keys = std::move(keys);
    m_mcv = m_keys.initial_mcv;
    m_counter = 1;
}

} // namespace openrsp::crypto
