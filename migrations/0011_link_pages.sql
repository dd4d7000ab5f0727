-- A link run reads its vendor's rows over several queue messages (a sales channel's listings
-- sync makes a call per SKU): each page's rows are kept here until the last page is read, so a
-- run resumes where it stopped and no invocation runs out of subrequests.
CREATE TABLE link_pages (
  run_id TEXT NOT NULL,
  page INTEGER NOT NULL,
  rows TEXT NOT NULL,                 -- JSON array of the page's rows
  next TEXT,                          -- the vendor's link to the next page, if it chains by link
  PRIMARY KEY (run_id, page)
);
