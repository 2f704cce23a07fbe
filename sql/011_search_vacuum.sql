-- 011: deployment_search's pages stay all-visible after a few changes.
-- The name index's index-only scan (sql/009) reads the table for every
-- entry on a page not marked all-visible (a first page of a 1-in-16
-- search then read ~1,000 rows for 50 shown). When fewer than 2% of a
-- table's pages hold dead rows, VACUUM skips cleaning the indexes by
-- default (INDEX_CLEANUP auto) and leaves their line pointers dead, and a
-- page with a dead line pointer is never marked all-visible: the pages of
-- the last few changed deployments stayed that way until many more
-- changed. The table is narrow; cleaning its indexes every time is cheap.
ALTER TABLE deployment_search SET (vacuum_index_cleanup = on);
