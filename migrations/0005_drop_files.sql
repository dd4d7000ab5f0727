-- File drop: how each import reads its file, where it is in the spreadsheet, and multipart
-- uploads in progress.

-- JSON {encoding, delimiter, newline, ignored}: decided from the first slice, carried to the next.
ALTER TABLE imports ADD COLUMN format TEXT;
-- The spreadsheet row number of the next record to read (the header is row 1; blank lines and
-- multi-line cells count as a spreadsheet counts them).
ALTER TABLE imports ADD COLUMN next_row INTEGER NOT NULL DEFAULT 1;
-- Where the file went when its import ended: processed/<file>, rejected/<file>, or null (it stays
-- in import/, held until it changes or its import is resumed).
ALTER TABLE imports ADD COLUMN moved_to TEXT;

-- A multipart upload belongs to the tenant and path that started it: parts and completion with
-- another tenant's (or an unknown) upload id are refused.
CREATE TABLE drop_uploads (
  upload_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  path TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX drop_uploads_tenant ON drop_uploads(tenant_id);
