-- FTP/FTPS bridge (docs/ftp-bridge.md).

-- Partner logins: one or more per tenant. The password is shown once; only a salted
-- PBKDF2-SHA-256 hash is kept ("pbkdf2$<iterations>$<salt b64>$<hash b64>").
CREATE TABLE ftp_users (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  rotated_at TEXT,
  revoked_at TEXT,
  last_login_at TEXT,
  last_login_ip TEXT
);
CREATE INDEX ftp_users_tenant ON ftp_users(tenant_id);

-- Failed logins, per user name and per peer address: `scope` is user | address.
CREATE TABLE ftp_login_failures (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  failures INTEGER NOT NULL,
  first_failed_at TEXT NOT NULL,
  locked_until TEXT,
  PRIMARY KEY (scope, key)
);

-- The change feed of drop objects: a row for every write or delete the hub makes under a
-- tenant's drop folders, read with a keyset cursor (seq). `op`: put | delete | resync.
CREATE TABLE drop_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  path TEXT NOT NULL,
  op TEXT NOT NULL,
  size INTEGER,
  etag TEXT,
  at TEXT NOT NULL
);
CREATE INDEX drop_changes_tenant ON drop_changes(tenant_id, seq);
CREATE INDEX drop_changes_at ON drop_changes(at);

-- Files the bridge handed over, keyed by tenant, path and content hash: a repeated delivery
-- (the bridge retrying after a lost answer) answers the first outcome and writes nothing.
CREATE TABLE ftp_uploads (
  tenant_id TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  status TEXT NOT NULL,          -- received | stored | rejected
  outcome TEXT,                  -- JSON: what the drop answered
  received_at TEXT NOT NULL,
  finished_at TEXT,
  PRIMARY KEY (tenant_id, path, sha256)
);

-- Per-tenant FTP settings: pick-up on upload, exports removed after download, outbound target
-- (its password sealed like connection credentials) and the feed position deliveries start from.
CREATE TABLE ftp_settings (
  tenant_id TEXT PRIMARY KEY,
  settings TEXT NOT NULL,
  outbound_secrets TEXT,
  outbound_cursor INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

-- Exports delivered to the partner's own FTPS/SFTP server, one row per file version.
CREATE TABLE ftp_deliveries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  path TEXT NOT NULL,
  etag TEXT NOT NULL,
  status TEXT NOT NULL,          -- pending | delivering | delivered | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  lease_until TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE UNIQUE INDEX ftp_deliveries_version ON ftp_deliveries(tenant_id, path, etag);
CREATE INDEX ftp_deliveries_due ON ftp_deliveries(status, next_attempt_at);

-- What each running bridge last reported: heartbeat, spool backlog (per tenant), last error.
CREATE TABLE ftp_bridges (
  id TEXT PRIMARY KEY,
  version TEXT,
  last_seen_at TEXT NOT NULL,
  spool_files INTEGER NOT NULL DEFAULT 0,
  spool_bytes INTEGER NOT NULL DEFAULT 0,
  oldest_spooled_at TEXT,
  backlog TEXT,                  -- JSON: {tenant_id: {files, bytes}}
  feed_cursor INTEGER,
  last_error TEXT,
  last_error_at TEXT
);
