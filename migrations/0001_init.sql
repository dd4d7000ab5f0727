-- Switchyard foundation schema. D1 has no interactive transactions: every multi-row
-- change that must be atomic is written as one batch() by the engine.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  notification_email TEXT,
  -- platform API key + webhook secret, AES-GCM encrypted (see src/crypto/secrets.ts)
  platform_secrets TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE tenant_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  label TEXT,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX tenant_keys_tenant ON tenant_keys(tenant_id);

CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  vendor TEXT NOT NULL,
  name TEXT NOT NULL,
  base_url TEXT NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  -- vendor credentials, AES-GCM encrypted; never returned by the API
  secrets TEXT,
  status TEXT NOT NULL DEFAULT 'active',      -- active | auth_failed | disabled
  last_error TEXT,
  last_error_at TEXT,
  last_ok_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX connections_tenant ON connections(tenant_id);

-- Incremental position and schedule per (connection, entity).
CREATE TABLE cursors (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  position TEXT,
  next_run_at TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, entity)
);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  kind TEXT NOT NULL,                 -- pull | push | import | export
  trigger TEXT NOT NULL,              -- cron | manual | replay | webhook
  status TEXT NOT NULL,               -- running | succeeded | failed
  window_from TEXT,
  window_to TEXT,
  pass INTEGER NOT NULL DEFAULT 1,    -- re-walks of the window after rows shifted
  total INTEGER,
  pages_total INTEGER,
  pages_done INTEGER NOT NULL DEFAULT 0,
  records_seen INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX runs_tenant ON runs(tenant_id, started_at);
-- One open pull per (connection, entity): cron and "sync now" skip instead of overlapping.
CREATE UNIQUE INDEX runs_one_open ON runs(connection_id, entity) WHERE status = 'running' AND kind = 'pull';

CREATE TABLE run_pages (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  pass INTEGER NOT NULL,
  page INTEGER NOT NULL,
  records INTEGER NOT NULL,
  committed_at TEXT NOT NULL,
  PRIMARY KEY (run_id, pass, page)
);

-- external id <-> platform system_id <-> partner reference_id, with the hash of the
-- last payload written so an unchanged record is not pushed again.
CREATE TABLE mappings (
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  external_id TEXT NOT NULL,
  system_id TEXT,
  reference_id TEXT,
  hash TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, entity, external_id)
);
CREATE INDEX mappings_system ON mappings(tenant_id, entity, system_id);

CREATE TABLE record_errors (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL DEFAULT '',   -- '' for tenant-level events (no connection)
  run_id TEXT,
  entity TEXT NOT NULL,
  external_id TEXT NOT NULL,
  direction TEXT NOT NULL,            -- pull | push
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  payload TEXT,
  attempts INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'open', -- open | resolved
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  resolved_at TEXT
);
CREATE INDEX record_errors_tenant ON record_errors(tenant_id, status, created_at);
-- A record that keeps failing updates its one open error instead of piling up rows.
CREATE UNIQUE INDEX record_errors_one_open ON record_errors(tenant_id, connection_id, entity, external_id, direction) WHERE status = 'open';

CREATE TABLE webhook_receipts (
  tenant_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);

CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
  error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
