-- 008: the triggers on entries touch only rows of their own feed.
--
-- Until now the statement triggers of 001 also added each statement's entries
-- to the feeds row (entry_count, last_entry_at). feeds holds every feed (a
-- Citus reference table) while entries are per feed (distributed by feed_id),
-- and a trigger that runs on a shard of entries must not write a table of all
-- feeds. The writers of entries keep the feeds row themselves, with a plain
-- statement in the same transaction (search/ingest.go, search/entries.go).
--
-- apply_entry_deltas becomes PL/pgSQL (Citus cannot plan an SQL function with
-- parameters inside a distributed statement) and filters feed_categories by
-- the feeds of its own rows.

-- apply_entry_deltas adds one statement's per-(feed, category) deltas to
-- feed_categories, in key order so concurrent ingests cannot deadlock, and
-- drops the categories left without entries or description. A negative delta
-- only updates a row that is there: while a feed is deleted, its categories
-- may go before its entries do (both cascade from feeds), and nothing is left
-- to count then.
CREATE FUNCTION apply_entry_deltas(d_feed uuid[], d_category text[], d_delta bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_categories AS fc (feed_id, category, entry_count)
    SELECT f, c, sum(n) FROM unnest(d_feed, d_category, d_delta) AS t (f, c, n)
    GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2
    ON CONFLICT (feed_id, category) DO UPDATE SET entry_count = fc.entry_count + excluded.entry_count;

    UPDATE feed_categories fc SET entry_count = fc.entry_count + d.n
    FROM (SELECT f, c, sum(n) AS n FROM unnest(d_feed, d_category, d_delta) AS t (f, c, n)
          GROUP BY 1, 2 HAVING sum(n) < 0) d
    WHERE fc.feed_id = ANY (d_feed) AND fc.feed_id = d.f AND fc.category = d.c;

    DELETE FROM feed_categories fc
    USING (SELECT DISTINCT f, c FROM unnest(d_feed, d_category) AS t (f, c)) d
    WHERE fc.feed_id = ANY (d_feed) AND fc.feed_id = d.f AND fc.category = d.c
      AND fc.entry_count = 0 AND fc.description = '';
END
$$;

CREATE OR REPLACE FUNCTION entries_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_entry_deltas(array_agg(feed_id), array_agg(category), array_agg(n))
    FROM (SELECT feed_id, category, count(*) AS n FROM new_rows GROUP BY 1, 2) d;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION entries_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_entry_deltas(array_agg(feed_id), array_agg(category), array_agg(n))
    FROM (SELECT feed_id, category, sum(n)::bigint AS n FROM (
              SELECT feed_id, category, 1 AS n FROM new_rows
              UNION ALL
              SELECT feed_id, category, -1 FROM old_rows) u
          GROUP BY 1, 2) d;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION entries_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_entry_deltas(array_agg(feed_id), array_agg(category), array_agg(-n))
    FROM (SELECT feed_id, category, count(*) AS n FROM old_rows GROUP BY 1, 2) d;
    RETURN NULL;
END
$$;

-- The trigger functions now call the function above; 001's, which also
-- wrote the feeds row, goes.
DROP FUNCTION apply_entry_deltas(uuid[], text[], bigint[], boolean);

-- The keyword functions name the feeds of their rows directly (feed_id =
-- ANY(...)), so that each statement stays on those feeds' shards.
CREATE OR REPLACE FUNCTION keyword_feed_gone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone uuid[];
BEGIN
    SELECT array_agg(feed_id) INTO gone FROM old_rows;
    DELETE FROM keyword_postings WHERE feed_id = ANY (gone);
    DELETE FROM keyword_terms WHERE feed_id = ANY (gone);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION keyword_remove(f uuid[], d bigint[], v tsvector[]) RETURNS void
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    pf uuid[]; pl text[]; pd bigint[]; plen bigint[];
BEGIN
    IF cardinality(f) IS NULL THEN RETURN; END IF;
    SELECT array_agg(k.feed_id), array_agg(k.lexeme), array_agg(k.doc_no), array_agg(k.length)
    INTO pf, pl, pd, plen FROM keyword_postings_of(f, d, v) k;

    PERFORM 1 FROM keyword_feed_stats s WHERE s.feed_id = ANY (f) ORDER BY s.feed_id FOR UPDATE;
    UPDATE keyword_feed_stats s SET doc_count = s.doc_count - x.docs,
                                    total_length = s.total_length - x.length,
                                    dead_postings = s.dead_postings + x.postings
    FROM (SELECT r.f, count(*) AS docs, coalesce(sum(p.length), 0) AS length,
                 coalesce(sum(p.postings), 0) AS postings
          FROM unnest(f, d) AS r (f, d)
          LEFT JOIN (SELECT n.d, max(n.l) AS length, count(*) AS postings
                     FROM unnest(pd, plen) AS n (d, l) GROUP BY 1) p ON p.d = r.d
          GROUP BY 1) x
    WHERE s.feed_id = ANY (keyword_remove.f) AND s.feed_id = x.f;
    IF pf IS NULL THEN RETURN; END IF;

    PERFORM 1 FROM keyword_terms t
    JOIN (SELECT DISTINCT r.f, r.l FROM unnest(pf, pl) AS r (f, l)) x ON t.feed_id = x.f AND t.lexeme = x.l
    WHERE t.feed_id = ANY (keyword_remove.f)
    ORDER BY t.feed_id, t.lexeme FOR UPDATE OF t;
    UPDATE keyword_terms t SET df = t.df - x.n
    FROM (SELECT r.f, r.l, count(*) AS n FROM unnest(pf, pl) AS r (f, l) GROUP BY 1, 2) x
    WHERE t.feed_id = ANY (keyword_remove.f) AND t.feed_id = x.f AND t.lexeme = x.l;
END
$$;
