-- Pushes (platform → vendor), listing links and personal-data retention.

-- Which side created the linked pair: 'vendor' (pulled in) or 'platform' (pushed out, or a
-- listing linked to a platform product). Orders the platform pushed are never pulled back.
ALTER TABLE mappings ADD COLUMN origin TEXT NOT NULL DEFAULT 'vendor';
CREATE INDEX mappings_connection_system ON mappings(connection_id, entity, system_id);

-- A record error that waits for another entity (an order line's product): it is replayed by
-- itself when a run of that entity succeeds on the same connection.
ALTER TABLE record_errors ADD COLUMN waits_for TEXT;

-- What every push did, newest first in the API: created, updated, linked, skipped (with why),
-- failed; a warning (a partial shipment) is kept beside a successful push. No personal data.
CREATE TABLE push_log (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  entity TEXT NOT NULL,
  system_id TEXT NOT NULL,
  external_id TEXT,
  action TEXT NOT NULL,
  detail TEXT,
  warning TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX push_log_connection ON push_log(connection_id, created_at);

-- Orders known to be shipped, per connection, for the retention job (scrub N days after).
CREATE TABLE shipped_orders (
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  external_id TEXT NOT NULL,   -- the vendor's order id
  system_id TEXT,              -- the platform's order system_id, when known
  shipped_at TEXT NOT NULL,
  scrubbed_at TEXT,
  PRIMARY KEY (connection_id, external_id)
);
CREATE INDEX shipped_orders_due ON shipped_orders(connection_id, scrubbed_at, shipped_at);

-- What a run that is not a plain pull found (a link run's unmatched and ambiguous listings,
-- a retention run's scrub counts), as JSON.
ALTER TABLE runs ADD COLUMN report TEXT;

-- One open link run per connection, like pulls (retention runs are written when done).
CREATE UNIQUE INDEX runs_one_open_job ON runs(connection_id, entity, kind) WHERE status = 'running' AND kind != 'pull';
