#pragma once
// Private to lib/store: when a re-imported profile counts as already present (both backends decide alike).

#include "openrsp/store/store.h"

#include <algorithm>
#include <vector>

namespace openrsp::store {

/// The stored row (unsealed) carries what the import offers: same description (IMSI, Ki, OPc, names), same SAIP
/// package, owner and type. State and order fields are not compared: a re-run after downloads is still a re-run.
/// A row sealed under a key not given cannot be compared and so is never "the same".
inline bool same_import(const inventory_profile& stored, const inventory_profile& offered)
{
    return !stored.secrets_sealed && stored.description_json == offered.description_json && stored.upp == offered.upp &&
           stored.operator_id == offered.operator_id && stored.profile_type == offered.profile_type;
}

/// Whether a batch is committed: always, unless `all_or_nothing` and some profile conflicted (the outcomes are
/// returned either way, so the caller sees which ones).
inline bool keep_batch(const std::vector<import_outcome>& outcomes, bool all_or_nothing)
{
    return !all_or_nothing || std::none_of(outcomes.begin(), outcomes.end(),
                                           [](import_outcome o) { return o == import_outcome::conflict; });
}

} // namespace openrsp::store
