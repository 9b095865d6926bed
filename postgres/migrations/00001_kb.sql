-- kb's shared state: what git does not hold. Text keys use the "C"
-- collation, so that orders and key matches are byte-wise, as in bbolt.

-- +goose Up
CREATE TABLE links (
    system      text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    article     text COLLATE "C" NOT NULL,
    url         text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT '',
    resolved_at timestamptz,
    anchor      text NOT NULL DEFAULT '',
    relation    text NOT NULL,
    note        text NOT NULL DEFAULT '',
    linked_by   text NOT NULL DEFAULT '',
    linked_at   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    -- One link per ticket and article: writes are idempotent because of it.
    PRIMARY KEY (system, key, article)
);
-- An article's links, most recently updated first.
CREATE INDEX links_by_article ON links (article, updated_at DESC, system, key);

-- The number of links of each article, and a version bumped by every write
-- concerning it, which replicas compare to find the pages to render again.
CREATE TABLE article_links (
    article text COLLATE "C" PRIMARY KEY,
    links   bigint NOT NULL DEFAULT 0 CHECK (links >= 0),
    version bigint NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
    name    text COLLATE "C" PRIMARY KEY,
    scope   text NOT NULL,
    hash    bytea NOT NULL UNIQUE, -- SHA-256 of the secret; the secret is never stored
    created timestamptz NOT NULL
);

-- Webhook deliveries recorded: a retry, to any replica, finds its row.
CREATE TABLE deliveries (
    source      text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (source, id)
);

-- Tickets resolved as webhooks delivered them; those without articles are
-- knowledge gaps.
CREATE TABLE resolved_tickets (
    system      text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    source      text NOT NULL,
    url         text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT '',
    resolved_at timestamptz,
    articles    text[] NOT NULL DEFAULT '{}',
    unresolved  text[] NOT NULL DEFAULT '{}',
    seen_at     timestamptz NOT NULL,
    PRIMARY KEY (system, key)
);

-- References to kb seen on tickets not resolved yet.
CREATE TABLE ticket_mentions (
    system text COLLATE "C" NOT NULL,
    key    text COLLATE "C" NOT NULL,
    refs   text[] NOT NULL,
    PRIMARY KEY (system, key)
);

-- "This helped" counts (package feedback).
CREATE TABLE helpful (
    article text COLLATE "C" PRIMARY KEY,
    count   bigint NOT NULL CHECK (count >= 0)
);

-- +goose Down
DROP TABLE helpful;
DROP TABLE ticket_mentions;
DROP TABLE resolved_tickets;
DROP TABLE deliveries;
DROP TABLE tokens;
DROP TABLE article_links;
DROP TABLE links;
