#pragma once
// Private to lib/store: the SQLite inventory's schema versions (sqlite_inventory.cpp applies them).

namespace openrsp::store::sqlite_schema {

// Schema versions are applied in order inside one transaction each; user_version records the last one.
inline constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE profiles (
    iccid TEXT PRIMARY KEY,
    matching_id TEXT UNIQUE,
    state TEXT NOT NULL,
    eid TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    upp BLOB NOT NULL,
    metadata BLOB NOT NULL,
    cc_hash BLOB,
    session_tid TEXT NOT NULL DEFAULT '',
    session_expires_at INTEGER NOT NULL DEFAULT 0,
    euicc_certificate BLOB,
    updated_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))
);
CREATE INDEX profiles_session ON profiles(session_tid);
CREATE TABLE sessions (
    tid TEXT PRIMARY KEY,
    iccid TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    data BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql",
    // v2: sessions moved to their own attached database (see attach_sessions).
    "DROP TABLE IF EXISTS main.sessions;",
    // v3: ES2+ operators and orders, download lifecycle counters and the last failure.
    R"sql(
ALTER TABLE profiles ADD COLUMN operator_id TEXT NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN profile_type TEXT NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN cc_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN download_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX profiles_order ON profiles(operator_id, profile_type, state);
CREATE TABLE operators (
    name TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))
);
)sql",
    // v4: ES2+ HandleDownloadProgressInfo outbox and operator callback URLs; the key-encryption key that sealed a
    // profile's secrets ('' = stored in clear).
    R"sql(
ALTER TABLE operators ADD COLUMN callback_url TEXT NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN kek_id TEXT NOT NULL DEFAULT '';
CREATE TABLE progress_callbacks (
    id TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL,
    iccid TEXT NOT NULL,
    eid TEXT NOT NULL,
    profile_type TEXT NOT NULL,
    point_id INTEGER NOT NULL,
    success INTEGER NOT NULL,
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    result_data TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX progress_callbacks_due ON progress_callbacks(state, next_attempt_at);
)sql",
    // v5: per-order re-download policy after the eUICC deleted the profile.
    "ALTER TABLE profiles ADD COLUMN allow_redownload INTEGER NOT NULL DEFAULT 0;",
    // v6: an operator's TLS client certificate (SHA-256 of its DER) for ES2+ over mutual TLS; NULL: tokens only.
    R"sql(
ALTER TABLE operators ADD COLUMN client_cert_sha256 BLOB;
CREATE UNIQUE INDEX operators_client_cert ON operators(client_cert_sha256);
)sql",
    // v7 (issue 11): when an ES2+ order expires (SGP.22 §5.6.2, 8.8.5 / 4.10; 0: never), and the EID index the
    // Default SM-DP+ lookup (SGP.22 §3.1.2, an order found by the eUICC's EID) reads. Self-contained.
    R"sql(
ALTER TABLE profiles ADD COLUMN order_expires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX profiles_eid ON profiles(eid);
)sql",
    // v8 (issue 11): ES2+ answers kept for resends (SGP.22 §6.5.1.3, a call repeated under its
    // functionCallIdentifier gets the first call's answer). status 0: the first call is still running. Self-contained.
    R"sql(
CREATE TABLE es2p_calls (
    operator_id TEXT NOT NULL,
    call_key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (operator_id, call_key)
);
CREATE INDEX es2p_calls_created ON es2p_calls(created_at);
)sql",
};

} // namespace openrsp::store::sqlite_schema
