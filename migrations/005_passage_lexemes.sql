-- 005: passages carry their lexemes and store half-precision vectors, entries
-- their passages' mean vector and no unused vector copy; the keyword
-- statistics a generation (all owned by search).
--
-- passages.lexemes: the distinct lexemes of the passage's window of content, in
-- its entry's text-search configuration (tsvector_to_array(to_tsvector(...))),
-- written with the passage. A highlight picks the passage matching the most
-- and rarest query lexemes from them (search/highlight.go) instead of running
-- to_tsvector over every passage of a page's entries per request (measured at
-- 100,000 entries: 12-17 ms of a keyword request, now a lookup).
--
-- passages.embedding becomes halfvec(768): 16-bit floats, half the bytes. A
-- passage row (about 1.6 kB) then stays in its heap page instead of TOAST (a
-- vector(768) is 3 kB, read through the TOAST index for every distance the
-- semantic leg returns), and the HNSW index is half the size (measured on
-- 440,000 passages: 98 MB against 194 MB, heap and index 811 MB against
-- 2,012 MB; 600 nearest passages 1.5× faster). The cosine of two half-precision
-- unit vectors differs from the single-precision one by about 1e-3 at most,
-- below the gaps that order a result list; the quality figures in
-- bench/results were measured with halfvec.
--
-- passage_means: per entry, the mean of its passages' unit vectors. The mean
-- cosine of a query with an entry's passages (the semantic score mixes it in,
-- search/ranking.go PassageMeanWeight) is the query's dot product with it, one
-- row per entry instead of every passage of it (measured at 100,000 entries:
-- reranking 200 entries read ~900 passages, 10 ms of a hybrid search).
--
-- keyword_feed_stats.generation: a number no other (feed, rebuild) pair has.
-- keyword_rebuild deletes and inserts the feed's row, so it gets a new one;
-- appends keep it. The keyword leg caches posting lists and knows a cached
-- list is current when its generation and length match (search/postcache.go).
--
-- entries.embedding (the first passage's vector, kept unindexed since 004) is
-- read by nothing: search reads passages. Dropping it saves 3 kB of TOAST per
-- entry written.
DROP INDEX IF EXISTS passages_embedding_idx;

ALTER TABLE passages
    ALTER COLUMN embedding TYPE halfvec(768) USING embedding::halfvec(768),
    ADD COLUMN lexemes text[];

UPDATE passages p
SET lexemes = tsvector_to_array(to_tsvector(e.language::regconfig,
                                            substr(e.content, p.start_char + 1, p.end_char - p.start_char)))
FROM entries e
WHERE e.feed_id = p.feed_id AND e.id = p.entry_id;

ALTER TABLE passages ALTER COLUMN lexemes SET NOT NULL;

-- A graph that fits in maintenance_work_mem builds several times faster.
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX passages_embedding_idx ON passages USING hnsw (embedding halfvec_cosine_ops);

CREATE TABLE passage_means (
    feed_id  uuid NOT NULL,
    entry_id uuid NOT NULL,
    -- The model of the passages, as passages.model.
    model    text NOT NULL,
    mean     halfvec(768) NOT NULL,
    PRIMARY KEY (feed_id, entry_id),
    FOREIGN KEY (feed_id, entry_id) REFERENCES entries (feed_id, id) ON DELETE CASCADE
);

INSERT INTO passage_means (feed_id, entry_id, model, mean)
SELECT feed_id, entry_id, model, avg(l2_normalize(embedding))
FROM passages
GROUP BY feed_id, entry_id, model;

CREATE SEQUENCE keyword_generation_seq AS bigint;
ALTER TABLE keyword_feed_stats
    ADD COLUMN generation bigint NOT NULL DEFAULT nextval('keyword_generation_seq');

ALTER TABLE entries DROP COLUMN embedding;
