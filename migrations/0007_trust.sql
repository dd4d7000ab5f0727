-- Offboarding: a tenant being deleted keeps its row (status 'deleting', with its progress) until
-- every row and object of it is gone; its id then stays here, so it is never given out again.
ALTER TABLE tenants ADD COLUMN status TEXT NOT NULL DEFAULT 'active';   -- active | deleting
ALTER TABLE tenants ADD COLUMN deletion TEXT;                           -- JSON progress while deleting
CREATE TABLE deleted_tenants (
  id TEXT PRIMARY KEY,
  requested_at TEXT NOT NULL,
  finished_at TEXT NOT NULL
);

-- Tenant keys may expire.
ALTER TABLE tenant_keys ADD COLUMN expires_at TEXT;

-- Admin actions (keys, credentials, settings, deletions, replays), for the operator. Names of
-- the fields changed, never their values. `seq` orders the log and pages it.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  tenant_id TEXT,
  actor TEXT NOT NULL,          -- operator | key:<key id> | vendor (an OAuth consent) | hub
  action TEXT NOT NULL,         -- e.g. connection.update, key.issue, tenant.delete
  target TEXT,                  -- the id acted on
  status INTEGER,               -- the HTTP status answered
  detail TEXT,                  -- JSON: field names, counts
  request_id TEXT
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);

-- OAuth consents under way: the state is single-use and bound to the key that started it.
CREATE TABLE oauth_states (
  state_hash TEXT PRIMARY KEY,  -- SHA-256 of the state sent to the vendor
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  key_id TEXT,                  -- the tenant key that started it; null for the operator
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX oauth_states_connection ON oauth_states(connection_id);
