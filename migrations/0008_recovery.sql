-- Recovery of runs and imports whose queue messages were lost (a crash, a dropped delivery).
-- heartbeat_at: the latest sign of life — a committed page or slice, or a message that waits
-- to be retried until that time. A running row quiet for longer than the recovery time is
-- resumed from what it last committed; resumes counts those recoveries since its last
-- progress, and the row fails visibly after too many.
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE runs ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN heartbeat_at TEXT;
ALTER TABLE imports ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;

-- The recovery sweep reads only running rows.
CREATE INDEX runs_running ON runs(heartbeat_at) WHERE status = 'running';
CREATE INDEX imports_running ON imports(heartbeat_at) WHERE status = 'running';
