-- 011: a batch's write does less (owned by search). Measured on 500-entry
-- batches of abstract-sized, one-passage entries (search
-- BenchmarkIngest/without-hnsw, interleaved runs, 2 cores): each change below
-- alone, against a batch of about 250 ms.
--
-- passages.lexemes is empty for an entry's only passage. The lexemes are there
-- for a highlight to choose among an entry's passages (search/highlight.go
-- headlinesSQL); an entry with one passage leaves nothing to choose, and
-- computing them parsed its content a second time: 45 ms a batch. Passages of
-- entries with several are unchanged. Rows written before keep their lexemes,
-- which choose the same passage.
--
-- entries.content and entries.search_vector are compressed with LZ4 instead
-- of pglz. Such a row (1 kB of content, a 1.5-2 kB tsvector) is over the
-- 2 kB at which Postgres compresses, so every entry written was compressed:
-- 15-20 ms a batch less with LZ4, for about the same size (content 582 → 659
-- bytes, the tsvector 1,545 → 1,534). Rows written before stay as they are;
-- Postgres reads both. A server built without LZ4 (the Debian and PGDG
-- packages have it) keeps pglz.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE entries ALTER COLUMN content SET COMPRESSION lz4,
                            ALTER COLUMN search_vector SET COMPRESSION lz4;
    END IF;
END
$$;

-- keyword_terms leaves 30% of each page free: a batch updates the counters of
-- every lexeme it holds, and with room on the page an update is HOT (no new
-- index entry): about 5 ms a batch. Rows already written move to pages with
-- room as they change.
ALTER TABLE keyword_terms SET (fillfactor = 70);
