-- 001: the whole schema the API contract needs.
--
-- Ownership (one package writes each table): auth owns accounts, api_keys and
-- usage_counters; feeds owns feeds and subscriptions; search owns entries and
-- feed_categories. The triggers at the end keep the per-feed counters that feed
-- selection ("most entries first") and /categories read, so no request counts rows.
--
-- Citus-friendly: entries is keyed by (feed_id, id) so it can be distributed by
-- feed_id, and every entries query filters by feed_id.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE accounts (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tier                text NOT NULL DEFAULT 'starter'
                        CHECK (tier IN ('starter', 'pro', 'scale')),
    subscription_status text NOT NULL DEFAULT 'active'
                        CHECK (subscription_status IN ('active', 'past_due', 'canceled')),
    -- NULL: the account must accept the current terms (412 LEGAL_REVIEW_REQUIRED).
    terms_accepted_at   timestamptz DEFAULT now(),
    -- false: creating a paid feed answers 412 STRIPE_CONNECT_REQUIRED.
    payouts_enabled     boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id         uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The 8-character base62 key id from pg_<env>_<key_id>_<secret>.
    key_id             text NOT NULL UNIQUE CHECK (key_id ~ '^[0-9A-Za-z]{8}$'),
    env                text NOT NULL CHECK (env IN ('live', 'test')),
    -- SHA-256 of the 24-character secret; the key itself is never stored.
    secret_hash        bytea NOT NULL CHECK (length(secret_hash) = 32),
    -- Display form, e.g. pg_live_a1b2c3d4_…
    prefix             text NOT NULL,
    name               text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    scopes             text[] NOT NULL DEFAULT '{knowledge:read,feeds:read,usage:read}',
    -- NULL: every category.
    allowed_categories text[],
    expires_at         timestamptz,
    revoked_at         timestamptz,
    last_used_at       timestamptz,
    -- The key this one was rotated from, if any.
    rotated_from       uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at);

-- Monthly usage per account and key environment (live and test count apart).
CREATE TABLE usage_counters (
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    env          text NOT NULL CHECK (env IN ('live', 'test')),
    -- First instant of the calendar month, UTC.
    period_start timestamptz NOT NULL,
    queries_used bigint NOT NULL DEFAULT 0 CHECK (queries_used >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, env, period_start)
);

CREATE TABLE feeds (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$' AND slug <> 'all'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '',
    licensor_name    text NOT NULL DEFAULT '',
    owner_account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
    status           text NOT NULL DEFAULT 'published'
                     CHECK (status IN ('published', 'archived', 'suspended')),
    -- A Postgres text-search configuration name (english, german, simple, ...),
    -- kept as text rather than regconfig so pg_upgrade stays possible.
    language         text NOT NULL DEFAULT 'english',
    is_paid          boolean NOT NULL DEFAULT false,
    -- Maintained by the entries triggers below.
    entry_count      bigint NOT NULL DEFAULT 0,
    last_entry_at    timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    feed_id       uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'canceled')),
    subscribed_at timestamptz NOT NULL DEFAULT now(),
    canceled_at   timestamptz,
    PRIMARY KEY (account_id, feed_id)
);
CREATE INDEX subscriptions_feed_idx ON subscriptions (feed_id);

-- The weighted document vector of an entry: title (A) above tags (B) above content (C).
-- Declared IMMUTABLE so a generated column can use it: its result depends only on its
-- arguments as long as the named text-search configuration is not redefined.
CREATE FUNCTION entry_search_vector(lang text, title text, tags text[], content text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(lang::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector(lang::regconfig, coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector(lang::regconfig, coalesce(content, '')), 'C')
$$;

CREATE TABLE entries (
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    feed_id         uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    external_id     text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 256),
    title           text NOT NULL,
    content         text NOT NULL,
    category        text NOT NULL DEFAULT 'general' CHECK (category ~ '^[a-z0-9_]{1,100}$'),
    tags            text[] NOT NULL DEFAULT '{}',
    confidence      real NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
    source_url      text,
    metadata        jsonb NOT NULL DEFAULT '{}',
    -- The feed's text-search configuration when the entry was written.
    language        text NOT NULL DEFAULT 'english',
    search_vector   tsvector GENERATED ALWAYS AS
                    (entry_search_vector(language, title, tags, content)) STORED,
    -- A model with fewer dimensions is zero-padded to 768; cosine is unchanged.
    embedding       vector(768),
    -- The model that made the embedding, as name@dims; only vectors of the active
    -- model are compared.
    embedding_model text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed_id, id),
    UNIQUE (feed_id, external_id)
);
CREATE INDEX entries_search_vector_idx ON entries USING gin (search_vector);
CREATE INDEX entries_embedding_idx ON entries USING hnsw (embedding vector_cosine_ops);
CREATE INDEX entries_feed_updated_idx ON entries (feed_id, updated_at DESC, id DESC);
CREATE INDEX entries_feed_category_idx ON entries (feed_id, category, updated_at DESC);
CREATE INDEX entries_feed_model_idx ON entries (feed_id, embedding_model);

-- Category names and counts per feed, for /categories and /feeds.
CREATE TABLE feed_categories (
    feed_id     uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    category    text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- No CHECK here: a CHECK is evaluated on the proposed row of the upsert below
    -- before ON CONFLICT turns a negative delta into an update.
    entry_count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (feed_id, category)
);

-- Statement-level counters: the triggers below hand the per-(feed, category) deltas
-- of one statement to this function, which applies them in one pass per table, in key
-- order so concurrent ingests cannot deadlock. touch: the statement wrote entries.
CREATE FUNCTION apply_entry_deltas(d_feed uuid[], d_category text[], d_delta bigint[], touch boolean)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO feed_categories AS fc (feed_id, category, entry_count)
    SELECT f, c, sum(n) FROM unnest(d_feed, d_category, d_delta) AS t (f, c, n)
    GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (feed_id, category) DO UPDATE SET entry_count = fc.entry_count + excluded.entry_count;

    DELETE FROM feed_categories fc
    USING (SELECT DISTINCT f, c FROM unnest(d_feed, d_category) AS t (f, c)) d
    WHERE fc.feed_id = d.f AND fc.category = d.c AND fc.entry_count = 0 AND fc.description = '';

    UPDATE feeds SET entry_count = entry_count + d.n,
                     last_entry_at = CASE WHEN touch THEN now() ELSE last_entry_at END
    FROM (SELECT f, sum(n) AS n FROM unnest(d_feed, d_delta) AS t (f, n) GROUP BY 1) d
    WHERE feeds.id = d.f;
$$;

CREATE FUNCTION entries_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_entry_deltas(array_agg(feed_id), array_agg(category), array_agg(n), true)
    FROM (SELECT feed_id, category, count(*) AS n FROM new_rows GROUP BY 1, 2) d;
    RETURN NULL;
END
$$;

CREATE FUNCTION entries_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_entry_deltas(array_agg(feed_id), array_agg(category), array_agg(n), true)
    FROM (SELECT feed_id, category, sum(n)::bigint AS n FROM (
              SELECT feed_id, category, 1 AS n FROM new_rows
              UNION ALL
              SELECT feed_id, category, -1 FROM old_rows) u
          GROUP BY 1, 2) d;
    RETURN NULL;
END
$$;

CREATE FUNCTION entries_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_entry_deltas(array_agg(feed_id), array_agg(category), array_agg(-n), false)
    FROM (SELECT feed_id, category, count(*) AS n FROM old_rows GROUP BY 1, 2) d;
    RETURN NULL;
END
$$;

CREATE TRIGGER entries_count_insert AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_counted_insert();
CREATE TRIGGER entries_count_update AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION entries_counted_update();
CREATE TRIGGER entries_count_delete AFTER DELETE ON entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_counted_delete();
