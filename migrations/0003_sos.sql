-- Records a run passed over because something they need is missing on the platform (an SOS
-- item no product references): listed as record errors of the run, counted apart from failures.
ALTER TABLE runs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
