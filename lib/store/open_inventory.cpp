#include "openrsp/store/store.h"

namespace openrsp::store {

result<std::unique_ptr<inventory>> open_inventory(const std::string& location, key_ring keys)
{
    // libpq accepts both URI schemes; anything else is a file path, so existing --db flags keep working.
    if (location.starts_with("postgres://") || location.starts_with("postgresql://"))
        return open_postgres(location, std::move(keys));
    return open_sqlite(location, std::move(keys));
}

} // namespace openrsp::store
