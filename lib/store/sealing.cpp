// AES-256-GCM sealing of profile secrets at rest (OpenSSL EVP; nothing hand-rolled).
#include "sealing.h"

#include "openrsp/crypto/ec.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

namespace openrsp::store {

namespace {

constexpr std::string_view magic = "ORS1";
constexpr std::string_view text_prefix = "sealed:";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct ctx_free {
    void operator()(EVP_CIPHER_CTX* c) const { ::EVP_CIPHER_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, ctx_free>;

bytes additional_data(std::string_view key_id, std::string_view iccid, std::string_view column)
{
    std::string ad =
        std::string(magic) + '|' + std::string(key_id) + '|' + std::string(iccid) + '|' + std::string(column);
    return bytes(ad.begin(), ad.end());
}

result<bytes> seal_with(const kek& k, std::string_view iccid, std::string_view column, byte_view plain)
{
    const bytes nonce = crypto::random_bytes(nonce_size);
    const bytes ad = additional_data(k.id, iccid, column);
    ctx_ptr ctx(::EVP_CIPHER_CTX_new());
    int len = 0;
    bytes out;
    out.insert(out.end(), magic.begin(), magic.end());
    out.push_back(static_cast<std::uint8_t>(k.id.size()));
    out.insert(out.end(), k.id.begin(), k.id.end());
    append(out, nonce);
    const std::size_t header = out.size();
    out.resize(header + plain.size() + tag_size);
    if (!ctx || ::EVP_EncryptInit_ex(ctx.get(), ::EVP_aes_256_gcm(), nullptr, k.key.data(), nonce.data()) != 1 ||
        ::EVP_EncryptUpdate(ctx.get(), nullptr, &len, ad.data(), static_cast<int>(ad.size())) != 1 ||
        ::EVP_EncryptUpdate(ctx.get(), out.data() + header, &len, plain.data(), static_cast<int>(plain.size())) != 1 ||
        ::EVP_EncryptFinal_ex(ctx.get(), out.data() + header + len, &len) != 1 ||
        ::EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                              out.data() + header + plain.size()) != 1)
        return fail("cannot seal a profile secret (AES-256-GCM failed)");
    return out;
}

// The key id a sealed value names, or nullopt if it is not one.
std::optional<std::string> sealed_key_id(byte_view v)
{
    if (v.size() < magic.size() + 1 || !std::equal(magic.begin(), magic.end(), v.begin())) return std::nullopt;
    const std::size_t n = v[magic.size()];
    if (v.size() < magic.size() + 1 + n + nonce_size + tag_size) return std::nullopt;
    return std::string(v.begin() + static_cast<std::ptrdiff_t>(magic.size() + 1),
                       v.begin() + static_cast<std::ptrdiff_t>(magic.size() + 1 + n));
}

result<bytes> open_with(const kek& k, std::string_view iccid, std::string_view column, byte_view v)
{
    const std::size_t header = magic.size() + 1 + k.id.size();
    const byte_view nonce = v.subspan(header, nonce_size);
    const byte_view body = v.subspan(header + nonce_size, v.size() - header - nonce_size - tag_size);
    bytes tag(v.end() - static_cast<std::ptrdiff_t>(tag_size), v.end());
    const bytes ad = additional_data(k.id, iccid, column);
    ctx_ptr ctx(::EVP_CIPHER_CTX_new());
    bytes out(body.size());
    int len = 0;
    if (!ctx || ::EVP_DecryptInit_ex(ctx.get(), ::EVP_aes_256_gcm(), nullptr, k.key.data(), nonce.data()) != 1 ||
        ::EVP_DecryptUpdate(ctx.get(), nullptr, &len, ad.data(), static_cast<int>(ad.size())) != 1 ||
        ::EVP_DecryptUpdate(ctx.get(), out.data(), &len, body.data(), static_cast<int>(body.size())) != 1 ||
        ::EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag.data()) != 1 ||
        ::EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) != 1) {
        secure_wipe(out);
        return fail("the sealed " + std::string(column) + " of profile " + std::string(iccid) +
                    " does not open with key-encryption key " + k.id + " (altered, or moved from another row)");
    }
    return out;
}

} // namespace

result<kek> make_kek(bytes key)
{
    if (key.size() != 32) return fail("a key-encryption key is 32 bytes (64 hex digits)");
    const bytes h = crypto::sha256(key);
    return kek{to_hex(byte_view(h).first(8)), std::move(key)};
}

result<kek> load_kek(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read the key-encryption key file " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
               text.end());
    auto key = from_hex(text);
    std::fill(text.begin(), text.end(), '\0');
    if (!key || key->size() != 32)
        return fail("the key-encryption key file " + path + " must hold 64 hex digits (e.g. `openssl rand -hex 32`)");
    return make_kek(std::move(*key));
}

const kek* sealer::find(std::string_view id) const
{
    for (const auto& k : m_ring.keys)
        if (k.id == id) return &k;
    return nullptr;
}

result<void> sealer::seal(inventory_profile& p) const
{
    if (!has_key()) {
        p.kek_id.clear();
        return ok();
    }
    const kek& k = m_ring.keys.front();
    auto d = seal_with(k, p.iccid, "description", as_bytes(p.description_json));
    if (!d) return d.take_error();
    auto u = seal_with(k, p.iccid, "upp", p.upp);
    if (!u) return u.take_error();
    std::fill(p.description_json.begin(), p.description_json.end(), '\0');
    secure_wipe(p.upp);
    p.description_json = std::string(text_prefix) + base64_encode(*d);
    p.upp = std::move(*u);
    p.kek_id = k.id;
    return ok();
}

result<bytes> sealer::seal_value(std::string_view owner, std::string_view column, byte_view plain) const
{
    if (!has_key()) return bytes(plain.begin(), plain.end());
    return seal_with(m_ring.keys.front(), owner, column, plain);
}

result<bytes> sealer::open_value(std::string_view owner, std::string_view column, byte_view stored) const
{
    const auto id = sealed_key_id(stored);
    if (!has_key()) {
        if (id) return fail("a sealed " + std::string(column) + " needs the key-encryption key it was sealed with");
        return bytes(stored.begin(), stored.end());
    }
    const kek* k = id ? find(*id) : nullptr;
    if (k == nullptr) return fail("the " + std::string(column) + " is not sealed under a key this store was given");
    return open_with(*k, owner, column, stored);
}

result<void> sealer::unseal(inventory_profile& p) const
{
    if (p.kek_id.empty()) return ok();
    const kek* k = find(p.kek_id);
    if (!k) {
        p.description_json.clear();
        p.upp.clear();
        p.secrets_sealed = true;
        return ok();
    }
    auto d_sealed = p.description_json.starts_with(text_prefix)
                        ? base64_decode(std::string_view(p.description_json).substr(text_prefix.size()))
                        : std::nullopt;
    if (!d_sealed || sealed_key_id(*d_sealed) != k->id || sealed_key_id(p.upp) != k->id)
        return fail("the sealed secrets of profile " + p.iccid + " are damaged");
    auto d = open_with(*k, p.iccid, "description", *d_sealed);
    if (!d) return d.take_error();
    auto u = open_with(*k, p.iccid, "upp", p.upp);
    if (!u) return u.take_error();
    p.description_json = openrsp::to_string(*d);
    secure_wipe(*d);
    p.upp = std::move(*u);
    return ok();
}

} // namespace openrsp::store
