#pragma once
// Private to lib/store: the PostgreSQL inventory's schema versions (postgres_inventory.cpp applies them).

namespace openrsp::store::pg_schema {

// Schema versions, applied in order; schema_version records each one. Never edit a shipped entry: append.
inline constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE profiles (
    iccid text PRIMARY KEY,
    matching_id text UNIQUE,
    state text NOT NULL,
    eid text NOT NULL DEFAULT '',
    description text NOT NULL,
    upp bytea NOT NULL,
    metadata bytea NOT NULL,
    cc_hash bytea,
    session_tid text NOT NULL DEFAULT '',
    session_expires_at bigint NOT NULL DEFAULT 0,
    euicc_certificate bytea,
    updated_at bigint NOT NULL DEFAULT floor(extract(epoch FROM now()))::bigint
);
CREATE INDEX profiles_session ON profiles(session_tid);
CREATE TABLE sessions (
    tid text PRIMARY KEY,
    iccid text NOT NULL DEFAULT '',
    stage text NOT NULL,
    data bytea NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
)sql",
    // v2: RSP sessions live minutes and a lost one only makes a phone start again, so they skip the WAL
    // (emptied after a server crash); the profile inventory stays fully logged.
    "ALTER TABLE sessions SET UNLOGGED;",
    // v3: ES2+ operators and orders, download lifecycle counters and the last failure.
    R"sql(
ALTER TABLE profiles ADD COLUMN operator_id text NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN profile_type text NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN cc_attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN download_attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN last_error text NOT NULL DEFAULT '';
CREATE INDEX profiles_order ON profiles(operator_id, profile_type, state);
CREATE TABLE operators (
    name text PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    created_at bigint NOT NULL DEFAULT floor(extract(epoch FROM now()))::bigint
);
)sql",
    // v4: ES2+ HandleDownloadProgressInfo outbox and operator callback URLs; the key-encryption key that sealed a
    // profile's secrets ('' = stored in clear).
    R"sql(
ALTER TABLE operators ADD COLUMN callback_url text NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN kek_id text NOT NULL DEFAULT '';
CREATE TABLE progress_callbacks (
    id text PRIMARY KEY,
    seq bigserial,
    operator_id text NOT NULL,
    iccid text NOT NULL,
    eid text NOT NULL,
    profile_type text NOT NULL,
    point_id bigint NOT NULL,
    success bigint NOT NULL,
    subject text NOT NULL,
    reason text NOT NULL,
    message text NOT NULL,
    result_data text NOT NULL,
    event_time bigint NOT NULL,
    state text NOT NULL DEFAULT 'pending',
    attempts bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT ''
);
CREATE INDEX progress_callbacks_due ON progress_callbacks(state, next_attempt_at);
)sql",
    // v5: per-order re-download policy after the eUICC deleted the profile.
    "ALTER TABLE profiles ADD COLUMN allow_redownload bigint NOT NULL DEFAULT 0;",
    // v6: an operator's TLS client certificate (SHA-256 of its DER) for ES2+ over mutual TLS; NULL: tokens only.
    R"sql(
ALTER TABLE operators ADD COLUMN client_cert_sha256 bytea;
CREATE UNIQUE INDEX operators_client_cert ON operators(client_cert_sha256);
)sql",
    // v7 (issue 11): when an ES2+ order expires (SGP.22 §5.6.2, 8.8.5 / 4.10; 0: never), and the EID index the
    // Default SM-DP+ lookup (SGP.22 §3.1.2, an order found by the eUICC's EID) reads. Self-contained.
    R"sql(
ALTER TABLE profiles ADD COLUMN order_expires_at bigint NOT NULL DEFAULT 0;
CREATE INDEX profiles_eid ON profiles(eid);
)sql",
    // v8 (issue 11): ES2+ answers kept for resends (SGP.22 §6.5.1.3, a call repeated under its
    // functionCallIdentifier gets the first call's answer). status 0: the first call is still running. Self-contained.
    R"sql(
CREATE TABLE es2p_calls (
    operator_id text NOT NULL,
    call_key text NOT NULL,
    request_hash bytea NOT NULL,
    status bigint NOT NULL DEFAULT 0,
    body text NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    PRIMARY KEY (operator_id, call_key)
);
CREATE INDEX es2p_calls_created ON es2p_calls(created_at);
)sql",
};

} // namespace openrsp::store::pg_schema
