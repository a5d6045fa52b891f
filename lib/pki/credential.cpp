/// \file
/// \brief Loading a certificate with its private key, and the EID check digits (SGP.29).

#include "openrsp/pki/pki.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace openrsp::pki {
namespace {

/// int(digits) mod 97, computed digit by digit because 32 digits overflow every integer type.
unsigned mod97(std::string_view digits)
{
    unsigned r = 0;
    for (const char c : digits) r = (r * 10 + static_cast<unsigned>(c - '0')) % 97;
    return r;
}

bool all_digits(std::string_view s)
{
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

} // namespace

bool eid_checksum_ok(std::string_view eid)
{
    return eid.size() == 32 && all_digits(eid) && mod97(eid) == 1;
}

std::string eid_with_check_digits(std::string_view eid30_or_32)
{
    if ((eid30_or_32.size() != 30 && eid30_or_32.size() != 32) || !all_digits(eid30_or_32)) return {};
    // ISO 7064 MOD 97-10, as SGP.29 uses: append "00", then check = 98 - (value mod 97).
    std::string out(eid30_or_32.substr(0, 30));
    const unsigned check = 98 - mod97(out + "00");
    out += static_cast<char>('0' + check / 10);
    out += static_cast<char>('0' + check % 10);
    return out;
}

result<credential> load_credential(const std::string& dir, const std::string& cert_file, const std::string& key_file)
{
    const auto cert_path = (std::filesystem::path(dir) / cert_file).string();
    const auto key_path = (std::filesystem::path(dir) / key_file).string();

    auto cert = crypto::certificate::load_file(cert_path);
    if (!cert) return fail("cannot load the certificate " + cert_path + ": " + cert.error().message);

    std::ifstream in(key_path, std::ios::binary);
    if (!in) return fail("cannot read the private key " + key_path);
    std::stringstream pem;
    pem << in.rdbuf();
    auto key = crypto::ec_key::from_pem(pem.str());
    if (!key) return fail("cannot load the private key " + key_path + ": " + key.error().message);
    if (!key->has_private()) return fail(key_path + " holds a public key only, not a private key");

    // Same curve and same point: the key signs what the certificate's public key verifies.
    const auto& cert_key = cert->public_key();
    if (cert_key.key_curve() != key->key_curve() || cert_key.public_point() != key->public_point())
        return fail("the private key " + key_path + " does not belong to the certificate " + cert_path);
    return credential{std::move(*cert), std::move(*key)};
}

} // namespace openrsp::pki
