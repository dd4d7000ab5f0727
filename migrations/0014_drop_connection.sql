-- The file drop is one more integration: each tenant has one `drop` connection (made with the
-- tenant from now on). Its settings are the drop settings, its cursors the pick-up schedules,
-- its runs the imports (kind `import`, with the import's id) and its record errors those of
-- exports and of platform events no connection handles. Vendor notifications get a sealed
-- secret per connection and receipts per (connection, event id).

-- The secret inbound vendor notifications must carry (sealed like credentials; null while off).
ALTER TABLE connections ADD COLUMN event_secret TEXT;

-- One drop connection per tenant.
CREATE UNIQUE INDEX connections_one_drop ON connections(tenant_id) WHERE vendor = 'drop';

-- Every existing tenant gets its drop connection, with the drop settings it had (only the keys
-- the drop knows; a missing one takes its default).
INSERT INTO connections (id, tenant_id, vendor, name, base_url, settings, secrets, event_secret, status, created_at, updated_at)
SELECT
  lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
  t.id, 'drop', 'File drop', '',
  CASE WHEN ds.settings IS NULL THEN '{}' ELSE json_object(
    'schedules', json(coalesce(json_extract(ds.settings, '$.schedules'), '{}')),
    'exports', json(coalesce(json_extract(ds.settings, '$.exports'), '{}')),
    'ignore_unknown_columns', json(coalesce(json_extract(ds.settings, '$.ignore_unknown_columns'), '{}'))
  ) END,
  NULL, NULL,
  CASE WHEN t.status = 'active' THEN 'active' ELSE 'disabled' END,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM tenants t LEFT JOIN drop_settings ds ON ds.tenant_id = t.id
WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = t.id AND c.vendor = 'drop');

-- Pick-up schedules become the drop connection's cursors (a scheduled job keeps its next time there).
INSERT INTO cursors (connection_id, entity, position, next_run_at, updated_at)
SELECT c.id, s.entity, NULL, s.next_run_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM drop_schedules s JOIN connections c ON c.tenant_id = s.tenant_id AND c.vendor = 'drop'
WHERE s.next_run_at IS NOT NULL
ON CONFLICT DO NOTHING;

-- Record errors of the tenant rather than a connection (connection_id '') move to its drop connection.
UPDATE record_errors
SET connection_id = (SELECT c.id FROM connections c WHERE c.tenant_id = record_errors.tenant_id AND c.vendor = 'drop')
WHERE connection_id = '' AND EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = record_errors.tenant_id AND c.vendor = 'drop');

-- Several imports of one entity may run at once: the one-open-job rule is for the other kinds.
DROP INDEX runs_one_open_job;
CREATE UNIQUE INDEX runs_one_open_job ON runs(connection_id, entity, kind) WHERE status = 'running' AND kind NOT IN ('pull', 'import');

-- Every import is a run of its tenant's drop connection, with the import's id; its heartbeat and
-- resumes live on the run from now on.
INSERT INTO runs (id, tenant_id, connection_id, entity, kind, trigger, status, pass, pages_done, records_seen, created, updated, unchanged, failed, skipped, error, started_at, finished_at, heartbeat_at, resumes)
SELECT i.id, i.tenant_id, c.id, i.entity, 'import', i.trigger,
  CASE i.status WHEN 'done' THEN 'succeeded' ELSE i.status END,
  1, 0, i.rows_done, i.created, i.updated, i.unchanged, i.failed, i.skipped, i.error, i.started_at, i.finished_at,
  coalesce(i.heartbeat_at, i.started_at), i.resumes
FROM imports i JOIN connections c ON c.tenant_id = i.tenant_id AND c.vendor = 'drop'
WHERE true
ON CONFLICT DO NOTHING;
DROP INDEX imports_running;
ALTER TABLE imports DROP COLUMN heartbeat_at;
ALTER TABLE imports DROP COLUMN resumes;

-- Inbound vendor notifications already taken: a repeat with the same event id has no second effect.
CREATE TABLE event_receipts (
  tenant_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, event_id)
);
CREATE INDEX event_receipts_tenant ON event_receipts(tenant_id);

DROP TABLE drop_schedules;
DROP TABLE drop_settings;
