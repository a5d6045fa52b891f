#pragma once
// Private to lib/store: the SQLite dialect's statement table (sqlite_statements.cpp).

#include "statements.h"

namespace openrsp::store {

/// The SQLite text of statement `s`.
const char* sqlite_sql(stmt s);

} // namespace openrsp::store
