-- 003: the statistics and postings of the BM25 keyword leg (owned by search).
--
-- Every entry version gets a doc_no, a number no other version of any entry
-- ever has: inserts take the next value of entries_doc_no_seq and so does
-- ingestion for every entry it rewrites (search/ingest.go). Postings name
-- entries by doc_no, so a rewritten or deleted entry's old postings can stay
-- where they are: they no longer name a live row, and search skips them when
-- it maps its best doc_nos back to entries.
--
-- Per feed, kept exact by the statement triggers below in the same
-- transaction as every insert, update and delete of entries:
--   keyword_feed_stats  live entries, their total length (lexeme positions)
--                       and the dead postings left behind (for compaction);
--   keyword_terms       per lexeme: df (live entries containing it) and the
--                       number of postings written (live and dead), which
--                       places the next posting;
--   keyword_postings    per lexeme, blocks of postings: posting k of a lexeme
--                       (0-based, in writing order) is in block k / 256, so
--                       a block is found from the counter alone and a batch
--                       appends to the last block or opens new ones. A block
--                       is two aligned byte strings of big-endian 8-byte
--                       integers (int8send): doc_nos, and per posting
--                       (tf_title << 50 | tf_tags << 41 | tf_content << 32 |
--                       length): tf counts positions per
--                       tsvector label (A title, B tags, C/D content; at most
--                       256 each, as a tsvector keeps), length is the entry's
--                       lexeme positions. Byte strings rather than bigint[]:
--                       the reader decodes them in Go without pgx's
--                       per-element array decoding (1.3 ms of a 13 ms query
--                       at 100,000 entries). 256 postings are 4 kB: a block stays
--                       in its heap row (STORAGE PLAIN: no TOAST lookup when
--                       read, no compression when rewritten).
--
-- Locks are taken in one order (keyword_feed_stats, then keyword_terms by
-- (feed_id, lexeme)), after the counters of 001 (triggers fire in name order),
-- so concurrent ingests into one feed wait for each other but never deadlock.
-- Everything filters by feed_id and the functions touch only the feeds of their
-- own rows (Citus: entries and these tables distribute by feed_id).
--
-- keyword_rebuild(feed) recomputes all three from the entries, dropping dead
-- postings; this migration runs it for every existing feed.

CREATE SEQUENCE entries_doc_no_seq AS bigint;
ALTER TABLE entries ADD COLUMN doc_no bigint;
UPDATE entries SET doc_no = nextval('entries_doc_no_seq');
ALTER TABLE entries ALTER COLUMN doc_no SET DEFAULT nextval('entries_doc_no_seq'),
                    ALTER COLUMN doc_no SET NOT NULL;
CREATE UNIQUE INDEX entries_feed_doc_no_idx ON entries (feed_id, doc_no);

CREATE TABLE keyword_feed_stats (
    feed_id       uuid PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    doc_count     bigint NOT NULL DEFAULT 0,
    total_length  bigint NOT NULL DEFAULT 0,
    dead_postings bigint NOT NULL DEFAULT 0
);

-- keyword_terms and keyword_postings have no foreign key: a batch writes
-- thousands of their rows, and a key check per row cost a fifth of the
-- trigger's time. They go with their feed's keyword_feed_stats row instead
-- (keyword_feed_gone), which goes with the feed.
CREATE TABLE keyword_terms (
    feed_id  uuid NOT NULL,
    lexeme   text NOT NULL,
    df       bigint NOT NULL,
    postings bigint NOT NULL,
    PRIMARY KEY (feed_id, lexeme)
);

CREATE TABLE keyword_postings (
    feed_id uuid NOT NULL,
    lexeme  text NOT NULL,
    block   bigint NOT NULL,
    docs    bytea NOT NULL,
    packed  bytea NOT NULL,
    PRIMARY KEY (feed_id, lexeme, block)
);
ALTER TABLE keyword_postings ALTER COLUMN docs SET STORAGE PLAIN,
                             ALTER COLUMN packed SET STORAGE PLAIN;

CREATE FUNCTION keyword_feed_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM keyword_postings p USING old_rows o WHERE p.feed_id = o.feed_id;
    DELETE FROM keyword_terms t USING old_rows o WHERE t.feed_id = o.feed_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER keyword_feed_gone AFTER DELETE ON keyword_feed_stats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION keyword_feed_gone();

-- The postings of entry rows: one row per (entry, lexeme) with the packed
-- counts described above.
CREATE FUNCTION keyword_postings_of(f uuid[], d bigint[], v tsvector[])
RETURNS TABLE (feed_id uuid, lexeme text, doc_no bigint, packed bigint, length bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT r.f, t.lexeme, r.d,
           (cardinality(array_positions(t.weights, 'A'))::bigint << 50)
           | (cardinality(array_positions(t.weights, 'B'))::bigint << 41)
           | ((cardinality(t.weights) - cardinality(array_positions(t.weights, 'A'))
               - cardinality(array_positions(t.weights, 'B')))::bigint << 32)
           | l.n,
           l.n
    FROM unnest(f, d, v) AS r (f, d, v)
    CROSS JOIN LATERAL (SELECT coalesce(sum(cardinality(u.positions)), 0)::bigint AS n FROM unnest(r.v) u) l
    CROSS JOIN LATERAL unnest(r.v) t
$$;

-- keyword_add indexes new entry versions: stats, df, and their postings
-- appended in blocks. The postings are computed once into arrays. Then two
-- statements: the first takes the row locks (in key order) and moves the
-- counters; the second, with a snapshot taken after the locks were granted,
-- sees every block committed before and writes the postings where the counters
-- place them.
CREATE FUNCTION keyword_add(f uuid[], d bigint[], v tsvector[]) RETURNS void
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    -- The postings, sorted by (feed, lexeme); then, aligned with them, the
    -- place of each in its lexeme's list: where the batch's postings of the
    -- lexeme start (first) and its rank among them (i). Arrays zipped by
    -- unnest rather than joined: a join of two function scans is planned on
    -- estimates of 100 rows and became a nested loop over 47,000 × 10,000.
    pf uuid[]; pl text[]; pd bigint[]; pp bigint[]; pfirst bigint[]; pi bigint[];
    tp bigint[]; tn bigint[];  -- per (feed, lexeme), sorted: postings written, and new ones
BEGIN
    IF cardinality(f) IS NULL THEN RETURN; END IF;
    SELECT array_agg(k.feed_id), array_agg(k.lexeme), array_agg(k.doc_no), array_agg(k.packed)
    INTO pf, pl, pd, pp
    FROM (SELECT * FROM keyword_postings_of(f, d, v) ORDER BY feed_id, lexeme) k;

    INSERT INTO keyword_feed_stats AS s (feed_id, doc_count, total_length)
    SELECT r.f, count(*), coalesce(sum(l.n), 0)
    FROM unnest(f, v) AS r (f, v)
    CROSS JOIN LATERAL (SELECT sum(cardinality(u.positions))::bigint AS n FROM unnest(r.v) u) l
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (feed_id) DO UPDATE SET doc_count = s.doc_count + excluded.doc_count,
                                        total_length = s.total_length + excluded.total_length;
    IF pf IS NULL THEN RETURN; END IF;

    WITH up AS (
        INSERT INTO keyword_terms AS t (feed_id, lexeme, df, postings)
        SELECT r.f, r.l, count(*), count(*) FROM unnest(pf, pl) AS r (f, l) GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (feed_id, lexeme) DO UPDATE SET df = t.df + excluded.df,
                                                    postings = t.postings + excluded.postings
        RETURNING t.feed_id, t.lexeme, t.postings
    )
    SELECT array_agg(up.postings ORDER BY up.feed_id, up.lexeme) INTO tp FROM up;
    SELECT array_agg(g.n ORDER BY g.f, g.l) INTO tn
    FROM (SELECT r.f, r.l, count(*) AS n FROM unnest(pf, pl) AS r (f, l) GROUP BY 1, 2) g;
    SELECT array_agg(x.p - x.n ORDER BY x.o, i), array_agg(i ORDER BY x.o, i) INTO pfirst, pi
    FROM unnest(tp, tn) WITH ORDINALITY AS x (p, n, o), generate_series(0, x.n - 1) AS i;

    WITH grouped AS (
        SELECT n.f, n.l, (n.first + n.i) / 256 AS block,
               bool_or((n.first + n.i) / 256 = n.first / 256 AND n.first % 256 <> 0) AS append,
               string_agg(int8send(n.d), ''::bytea) AS docs, string_agg(int8send(n.p), ''::bytea) AS packed
        FROM unnest(pf, pl, pd, pp, pfirst, pi) AS n (f, l, d, p, first, i)
        GROUP BY 1, 2, 3
    ), appended AS (
        UPDATE keyword_postings k SET docs = k.docs || g.docs, packed = k.packed || g.packed
        FROM grouped g
        WHERE g.append AND k.feed_id = g.f AND k.lexeme = g.l AND k.block = g.block
    )
    INSERT INTO keyword_postings (feed_id, lexeme, block, docs, packed)
    SELECT g.f, g.l, g.block, g.docs, g.packed FROM grouped g WHERE NOT g.append;
END
$$;

-- keyword_remove takes entry versions out of the statistics; their postings
-- stay behind, dead (see the top of this file). It only updates rows, so it
-- also works while a feed is being deleted (its rows may be gone already).
CREATE FUNCTION keyword_remove(f uuid[], d bigint[], v tsvector[]) RETURNS void
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    pf uuid[]; pl text[]; pd bigint[]; plen bigint[];
BEGIN
    IF cardinality(f) IS NULL THEN RETURN; END IF;
    SELECT array_agg(k.feed_id), array_agg(k.lexeme), array_agg(k.doc_no), array_agg(k.length)
    INTO pf, pl, pd, plen FROM keyword_postings_of(f, d, v) k;

    PERFORM 1 FROM keyword_feed_stats s WHERE s.feed_id = ANY(f) ORDER BY s.feed_id FOR UPDATE;
    UPDATE keyword_feed_stats s SET doc_count = s.doc_count - x.docs,
                                    total_length = s.total_length - x.length,
                                    dead_postings = s.dead_postings + x.postings
    FROM (SELECT r.f, count(*) AS docs, coalesce(sum(p.length), 0) AS length,
                 coalesce(sum(p.postings), 0) AS postings
          FROM unnest(f, d) AS r (f, d)
          LEFT JOIN (SELECT n.d, max(n.l) AS length, count(*) AS postings
                     FROM unnest(pd, plen) AS n (d, l) GROUP BY 1) p ON p.d = r.d
          GROUP BY 1) x
    WHERE s.feed_id = x.f;
    IF pf IS NULL THEN RETURN; END IF;

    PERFORM 1 FROM keyword_terms t
    JOIN (SELECT DISTINCT r.f, r.l FROM unnest(pf, pl) AS r (f, l)) x ON t.feed_id = x.f AND t.lexeme = x.l
    ORDER BY t.feed_id, t.lexeme FOR UPDATE OF t;
    UPDATE keyword_terms t SET df = t.df - x.n
    FROM (SELECT r.f, r.l, count(*) AS n FROM unnest(pf, pl) AS r (f, l) GROUP BY 1, 2) x
    WHERE t.feed_id = x.f AND t.lexeme = x.l;
END
$$;

CREATE FUNCTION entries_keyword_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM keyword_add(array_agg(feed_id), array_agg(doc_no), array_agg(search_vector)) FROM new_rows;
    RETURN NULL;
END
$$;

-- An update that keeps an entry's doc_no must keep its search_vector: its
-- postings would no longer describe it.
CREATE FUNCTION entries_keyword_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.feed_id = o.feed_id AND n.id = o.id
               WHERE n.doc_no = o.doc_no AND n.search_vector IS DISTINCT FROM o.search_vector) THEN
        RAISE EXCEPTION 'entries: a changed search_vector needs a new doc_no';
    END IF;
    PERFORM keyword_remove(array_agg(o.feed_id), array_agg(o.doc_no), array_agg(o.search_vector))
    FROM old_rows o JOIN new_rows n ON n.feed_id = o.feed_id AND n.id = o.id
    WHERE n.doc_no <> o.doc_no;
    PERFORM keyword_add(array_agg(n.feed_id), array_agg(n.doc_no), array_agg(n.search_vector))
    FROM old_rows o JOIN new_rows n ON n.feed_id = o.feed_id AND n.id = o.id
    WHERE n.doc_no <> o.doc_no;
    RETURN NULL;
END
$$;

CREATE FUNCTION entries_keyword_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM keyword_remove(array_agg(feed_id), array_agg(doc_no), array_agg(search_vector)) FROM old_rows;
    RETURN NULL;
END
$$;

-- keyword_rebuild recomputes a feed's statistics and postings from its entries,
-- writing each lexeme's live postings in doc_no order and no dead ones.
CREATE FUNCTION keyword_rebuild(feed uuid) RETURNS void
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
        INSERT INTO keyword_terms (feed_id, lexeme, df, postings)
        SELECT feed, lexeme, count(*), count(*) FROM p GROUP BY lexeme
    )
    INSERT INTO keyword_postings (feed_id, lexeme, block, docs, packed)
    SELECT feed, b.lexeme, b.block, string_agg(int8send(b.doc_no), ''::bytea ORDER BY b.doc_no),
           string_agg(int8send(b.packed), ''::bytea ORDER BY b.doc_no)
    FROM (SELECT p.lexeme, p.doc_no, p.packed,
                 (row_number() OVER (PARTITION BY p.lexeme ORDER BY p.doc_no) - 1) / 256 AS block
          FROM p) b
    GROUP BY b.lexeme, b.block;
END
$$;

CREATE TRIGGER entries_keyword_insert AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_keyword_insert();
CREATE TRIGGER entries_keyword_update AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entries_keyword_update();
CREATE TRIGGER entries_keyword_delete AFTER DELETE ON entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_keyword_delete();

SELECT keyword_rebuild(id) FROM feeds;
