#pragma once
// Private to lib/store: when a re-imported profile counts as already present (both backends decide alike).

#include "openrsp/store/store.h"

namespace openrsp::store {

/// The stored row (unsealed) carries what the import offers: same description (IMSI, Ki, OPc, names), same SAIP
/// package, owner and type. State and order fields are not compared: a re-run after downloads is still a re-run.
/// A row sealed under a key not given cannot be compared and so is never "the same".
inline bool same_import(const inventory_profile& stored, const inventory_profile& offered)
{
    return !stored.secrets_sealed && stored.description_json == offered.description_json && stored.upp == offered.upp &&
           stored.operator_id == offered.operator_id && stored.profile_type == offered.profile_type;
}

} // namespace openrsp::store
