-- The merchant's console (docs/console.md): browser sessions and one-time sign-in links.
-- Only SHA-256 hashes of the cookie and link values are stored. A tenant session names the
-- key it was opened with, so revoking or expiring that key ends it; an operator session keeps
-- a fingerprint of the operator token, so rotating the token ends it.
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  tenant_id TEXT,
  key_id TEXT,
  operator_fp TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX console_sessions_key ON console_sessions(key_id);
CREATE INDEX console_sessions_tenant ON console_sessions(tenant_id);

CREATE TABLE console_sign_in_links (
  token_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  tenant_id TEXT,
  key_id TEXT,
  operator_fp TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX console_sign_in_links_tenant ON console_sign_in_links(tenant_id);
