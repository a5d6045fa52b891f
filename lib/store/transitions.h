#pragma once
/// \file
/// \brief Private to lib/store: profile states and what the shared code concludes from a guarded state change.
///
/// Every move of a profile (SGP.22 §5.3 order steps, the §3.1.3 download, §5.6.4 notifications) is one UPDATE whose
/// WHERE clause is its guard: the expected state, the session holding the profile, the bound EID, the owner. One
/// statement decides each race in both dialects (SQLite's write lock; PostgreSQL re-checks the guard on the newest
/// row version), so no guard is checked apart from its write. The guards are spelled in each dialect's statement
/// table under the statement's name (statements.h); this header holds the rules around them.

#include "dialect.h"

#include "openrsp/store/store.h"

#include <cstdint>

namespace openrsp::store {

/// The guarded change happened: the one row it names matched its guard.
constexpr bool moved(const run_result& r)
{
    return r.rows == 1;
}

/// An ES2+ order step (update_order): a clash on the matching ID, else done if the guard matched.
constexpr order_outcome order_result(const run_result& r)
{
    if (r.clash) return order_outcome::matching_id_taken;
    return moved(r) ? order_outcome::done : order_outcome::state_changed;
}

/// A wrong confirmation code brought the count to the limit: the order is locked (moved to Error, SGP.22 §5.3.5
/// / 8.2.7), and only that failure is news for the operator (event_rule::on_lock).
constexpr bool locks_order(std::int64_t count, std::int64_t limit)
{
    return count >= limit;
}

/// Whether a change carrying an event queues it: the change happened and, for on_lock, it locked the order.
constexpr bool event_due(event_rule rule, const run_result& r, bool locked)
{
    return r.rows > 0 && (rule != event_rule::on_lock || locked);
}

} // namespace openrsp::store
