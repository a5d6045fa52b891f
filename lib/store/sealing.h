#pragma once
// Private to lib/store: profile secrets sealed at rest under a key-encryption key (AES-256-GCM, OpenSSL).

#include "openrsp/store/store.h"

namespace openrsp::store {

/// \brief Seals and unseals the secret columns of a profile row (description, SAIP package) with a key ring.
///
/// Format of a sealed value: "ORS1" | key id length (1 byte) | key id | nonce (12) | ciphertext | tag (16). The
/// additional data binds it to its key id, ICCID and column, so a sealed value copied into another row or column
/// does not open. The description column is text, so it holds the sealed value as "sealed:" + base64.
class sealer {
public:
    explicit sealer(key_ring ring) : m_ring(std::move(ring)) {}

    [[nodiscard]] bool has_key() const { return !m_ring.keys.empty(); }
    [[nodiscard]] const std::string& primary_id() const { return m_ring.keys.front().id; }

    /// Seals p.description_json and p.upp in place under the first key and sets p.kek_id; no-op without keys.
    result<void> seal(inventory_profile& p) const;
    /// Opens a row read from the database (p.kek_id set, sealed columns in place). A key the ring lacks leaves the
    /// secrets empty with secrets_sealed set; a value that does not open (tampered, wrong key) is an error.
    result<void> unseal(inventory_profile& p) const;

    /// Seals one secret value under the first key, bound to `owner` (a row key) and `column` like the profile
    /// columns; without keys the value is kept as it is (as profile secrets are then).
    result<bytes> seal_value(std::string_view owner, std::string_view column, byte_view plain) const;
    /// Opens what seal_value made. A clear value in a store with keys, a sealed one in a store without, or one under
    /// a key the ring lacks is refused (it could only have been put there by hand).
    result<bytes> open_value(std::string_view owner, std::string_view column, byte_view stored) const;

private:
    [[nodiscard]] const kek* find(std::string_view id) const;
    key_ring m_ring;
};

} // namespace openrsp::store
