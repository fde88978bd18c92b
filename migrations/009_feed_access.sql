-- 009: private feeds, owners and grants (issue 18).
--
-- A feed is public (listed to every account, subscribable by any: the
-- marketplace) or private (seen only by its owner account and the accounts the
-- owner grants). Existing feeds keep today's behaviour: public. A private feed
-- always has an owner; an operator feed without one is public (so deleting the
-- owner account of a private feed fails until the feed is made public or
-- deleted: it never becomes an ownerless private feed).
--
-- feed_grants is owned by the feeds package, as feeds and subscriptions are.
-- Like them it is a small reference table under Citus; the entries-side SQL
-- is unchanged (every statement still filters by feed_id).
ALTER TABLE feeds
    ADD COLUMN visibility text NOT NULL DEFAULT 'public'
        CHECK (visibility IN ('public', 'private')),
    ADD CONSTRAINT feeds_private_has_owner
        CHECK (visibility = 'public' OR owner_account_id IS NOT NULL);

-- An account the owner lets read its private feed. Revoking deletes the row;
-- the access check reads this table on every feed-scoped request, so a
-- revocation holds on every instance at once.
CREATE TABLE feed_grants (
    feed_id    uuid NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed_id, account_id)
);
CREATE INDEX feed_grants_account_idx ON feed_grants (account_id);
