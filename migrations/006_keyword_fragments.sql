-- 006: keyword postings are written once per batch and merged in a bounded tail,
-- and search indexes new entry versions itself (owned by search).
--
-- 003 kept each lexeme's postings in blocks of 256 (posting k in block k/256)
-- and appended a batch's postings to the last block of every lexeme it
-- touched: a batch of 500 entries rewrote about 2,000 rows of up to 4 kB, and
-- the trigger turned tsvectors into postings in SQL. Measured on 500-entry
-- batches (search BenchmarkIngest, without the vector index): 260 ms of a
-- 476 ms batch, and at 100,000 entries 330 ms of 100 entries' 725 ms went to
-- the block rewrites alone.
--
-- Now a row of keyword_postings holds consecutive postings of a lexeme
-- starting with posting number `first` (0-based, in writing order; the
-- column that was `block` becomes `block` × 256). A batch writes one new row
-- per lexeme it holds. A lexeme's rows from keyword_terms.tail_first on (the
-- tail, tail_rows of them) are merged into one when they reach 256 postings
-- (the merged row is then sealed: the tail starts after it) or 8 rows, so a
-- lexeme has at most 8 rows under 256 postings and every posting is rewritten
-- a few times at most. A merge concatenates rows in order, so posting k stays
-- posting k: readers (and their caches, search/postcache.go) are unaffected.
--
-- search.Ingest computes the postings of the entry versions it writes from
-- their tsvectors, in Go, and writes them with the statistics in the same
-- transaction (search/keywordindex.go), locking keyword_feed_stats, then
-- keyword_terms in lexeme order, like keyword_remove: so entries must only be
-- inserted through search.Ingest. The insert trigger goes; updates and
-- deletes still take old versions out through the triggers of 003.

ALTER TABLE keyword_postings DROP CONSTRAINT keyword_postings_pkey;
ALTER TABLE keyword_postings RENAME COLUMN block TO first;
UPDATE keyword_postings SET first = first * 256;
ALTER TABLE keyword_postings ADD PRIMARY KEY (feed_id, lexeme, first);

ALTER TABLE keyword_terms
    ADD COLUMN tail_first bigint NOT NULL DEFAULT 0,
    ADD COLUMN tail_rows  int NOT NULL DEFAULT 0;
UPDATE keyword_terms
SET tail_first = postings / 256 * 256,
    tail_rows = CASE WHEN postings % 256 = 0 THEN 0 ELSE 1 END;

DROP TRIGGER entries_keyword_insert ON entries;
DROP FUNCTION entries_keyword_insert();

-- Updates: the old version of a row whose doc_no changed leaves; search.Ingest
-- adds the new one.
CREATE OR REPLACE FUNCTION entries_keyword_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.feed_id = o.feed_id AND n.id = o.id
               WHERE n.doc_no = o.doc_no AND n.search_vector IS DISTINCT FROM o.search_vector) THEN
        RAISE EXCEPTION 'entries: a changed search_vector needs a new doc_no';
    END IF;
    PERFORM keyword_remove(array_agg(o.feed_id), array_agg(o.doc_no), array_agg(o.search_vector))
    FROM old_rows o JOIN new_rows n ON n.feed_id = o.feed_id AND n.id = o.id
    WHERE n.doc_no <> o.doc_no;
    RETURN NULL;
END
$$;

DROP FUNCTION keyword_add(uuid[], bigint[], tsvector[]);

-- keyword_rebuild recomputes a feed's statistics and postings from its entries,
-- writing each lexeme's live postings in doc_no order, in sealed rows of 256
-- and a tail of one, and no dead ones.
CREATE OR REPLACE FUNCTION keyword_rebuild(feed uuid) RETURNS void
LANGUAGE plpgsql SET work_mem = '256MB' AS $$
BEGIN
    PERFORM 1 FROM feeds WHERE id = feed FOR UPDATE;
    DELETE FROM keyword_postings WHERE feed_id = feed;
    DELETE FROM keyword_terms WHERE feed_id = feed;
    DELETE FROM keyword_feed_stats WHERE feed_id = feed;
    INSERT INTO keyword_feed_stats (feed_id, doc_count, total_length)
    SELECT feed, count(*), coalesce(sum(l.n), 0)
    FROM entries e
    CROSS JOIN LATERAL (SELECT sum(cardinality(u.positions))::bigint AS n FROM unnest(e.search_vector) u) l
    WHERE e.feed_id = feed;
    WITH p AS (
        SELECT k.lexeme, k.doc_no, k.packed
        FROM (SELECT array_agg(feed_id) f, array_agg(doc_no) d, array_agg(search_vector) v
              FROM entries WHERE feed_id = feed) e,
             keyword_postings_of(e.f, e.d, e.v) k
    ), terms AS (
        INSERT INTO keyword_terms (feed_id, lexeme, df, postings, tail_first, tail_rows)
        SELECT feed, lexeme, count(*), count(*), count(*) / 256 * 256,
               CASE WHEN count(*) % 256 = 0 THEN 0 ELSE 1 END
        FROM p GROUP BY lexeme
    )
    INSERT INTO keyword_postings (feed_id, lexeme, first, docs, packed)
    SELECT feed, b.lexeme, b.block * 256, string_agg(int8send(b.doc_no), ''::bytea ORDER BY b.doc_no),
           string_agg(int8send(b.packed), ''::bytea ORDER BY b.doc_no)
    FROM (SELECT p.lexeme, p.doc_no, p.packed,
                 (row_number() OVER (PARTITION BY p.lexeme ORDER BY p.doc_no) - 1) / 256 AS block
          FROM p) b
    GROUP BY b.lexeme, b.block;
END
$$;
