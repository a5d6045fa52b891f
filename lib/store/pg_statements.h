#pragma once
// Private to lib/store: the PostgreSQL dialect's statement table (pg_statements.cpp).

#include "pg_pool.h"
#include "statements.h"

#include <string>

namespace openrsp::store {

/// The prepared statement name of `s`: "openrsp_<name>".
const std::string& pg_statement_name(stmt s);
/// The name of `s` with its progress event queued in the same statement: "openrsp_<name>_event" (only for
/// statements whose info has an event rule).
const std::string& pg_event_statement_name(stmt s);
/// Prepares every statement (and event variant) on a new pooled connection.
result<void> pg_prepare_statements(PGconn* c);

} // namespace openrsp::store
