-- File drop imports: one row per (file version, dry run). A file is read in byte slices; each
-- slice commits its outcome and the new offset together, so a crash resumes where it stopped.
CREATE TABLE imports (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  entity TEXT NOT NULL,          -- PRODUCT | INVENTORY | CUSTOMER | ADDRESS | CONTACT | CATEGORY | COLLECTION | ORDER
  path TEXT NOT NULL,            -- drop-relative, import/<ENTITY>/<file>
  etag TEXT NOT NULL,
  size INTEGER NOT NULL,
  dry_run INTEGER NOT NULL DEFAULT 0,
  trigger TEXT NOT NULL,
  status TEXT NOT NULL,          -- running | done | failed
  header TEXT,                   -- JSON: the file's columns
  offset INTEGER NOT NULL DEFAULT 0,
  rows_done INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  report_path TEXT,
  error_report_path TEXT,
  error TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE UNIQUE INDEX imports_one_per_file ON imports(tenant_id, path, etag, dry_run);
CREATE INDEX imports_tenant ON imports(tenant_id, started_at);

-- Keys seen in the file (SKU_ID, Reference_ID …) with their first row: duplicates inside a file.
CREATE TABLE import_keys (
  import_id TEXT NOT NULL,
  key TEXT NOT NULL,
  row INTEGER NOT NULL,
  PRIMARY KEY (import_id, key)
);

-- Row problems: the row, column, value and the fix; `cells` is the original row for the error CSV.
CREATE TABLE import_errors (
  import_id TEXT NOT NULL,
  row INTEGER NOT NULL,
  column_name TEXT NOT NULL,
  value TEXT,
  message TEXT NOT NULL,
  outcome TEXT NOT NULL,         -- failed | skipped | conflict
  cells TEXT,
  PRIMARY KEY (import_id, row, column_name)
);

-- How often each entity's folder is picked up, per tenant.
CREATE TABLE drop_schedules (
  tenant_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  interval_minutes INTEGER NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  next_run_at TEXT,
  PRIMARY KEY (tenant_id, entity)
);

-- The tenant's file-drop settings: per-entity pick-up schedules and which exports are written.
CREATE TABLE drop_settings (
  tenant_id TEXT PRIMARY KEY,
  settings TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
