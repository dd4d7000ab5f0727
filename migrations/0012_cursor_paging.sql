-- Cursor paging: a window's pages form one chain, each page naming the next. A committed page
-- keeps the cursor of the page after it (NULL at the chain's end and for offset paging), so a
-- redelivered or resumed walk and the recovery sweep go on from the last committed page.
-- written: records of the page created or updated on the platform; a positional cursor whose
-- vendor gives no count is verified by a walk that reads as many rows as the one before and
-- writes none of them.
ALTER TABLE run_pages ADD COLUMN next_cursor TEXT;
ALTER TABLE run_pages ADD COLUMN written INTEGER NOT NULL DEFAULT 0;
