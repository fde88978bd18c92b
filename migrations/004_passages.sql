-- 003: passages, the unit of semantic search.
--
-- An entry is embedded as passages: its title plus consecutive windows of its
-- content sized to the embedding model (search/passages.go). Each row holds the
-- window's character offsets into entries.content (Unicode code points,
-- 0-based, end exclusive; substr(content, start_char + 1, end_char - start_char)
-- is the window) and its vector. search owns the table and writes it in the same
-- transaction as the entry; deleting an entry deletes its passages.
--
-- Citus-friendly: keyed by (feed_id, entry_id, ordinal), distributable by
-- feed_id and co-located with entries.
--
-- Existing entries: the model is not available to SQL, so each keeps its old
-- whole-entry vector as its single passage (searchable as before), and its
-- embedding_model is cleared: `kapi reembed` (and `kapi serve`'s stale warning)
-- then picks it up and builds real passages, resumably. entries.embedding stays
-- (the first passage's vector, unindexed); its HNSW index goes, since search
-- now walks the passages' index.
CREATE TABLE passages (
    feed_id    uuid NOT NULL,
    entry_id   uuid NOT NULL,
    -- 1-based position of the window in the entry.
    ordinal    int NOT NULL CHECK (ordinal >= 1),
    start_char int NOT NULL CHECK (start_char >= 0),
    end_char   int NOT NULL CHECK (end_char >= start_char),
    -- A model with fewer dimensions is zero-padded to 768.
    embedding  vector(768) NOT NULL,
    -- The model that made the embedding, as name@dims.
    model      text NOT NULL,
    PRIMARY KEY (feed_id, entry_id, ordinal),
    FOREIGN KEY (feed_id, entry_id) REFERENCES entries (feed_id, id) ON DELETE CASCADE
);
CREATE INDEX passages_embedding_idx ON passages USING hnsw (embedding vector_cosine_ops);

INSERT INTO passages (feed_id, entry_id, ordinal, start_char, end_char, embedding, model)
SELECT feed_id, id, 1, 0, length(content), embedding, embedding_model
FROM entries
WHERE embedding IS NOT NULL AND embedding_model IS NOT NULL;

UPDATE entries SET embedding_model = NULL WHERE embedding_model IS NOT NULL;

DROP INDEX IF EXISTS entries_embedding_idx;
