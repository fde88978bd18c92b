-- 008: reserved for another branch's migration (issue 19); this file keeps
-- the numbering without a gap (tern refuses gaps) until that branch merges and
-- replaces it. It changes nothing.
SELECT 1;
