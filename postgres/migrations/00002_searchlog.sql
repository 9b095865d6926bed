-- +goose Up
-- Search statistics (package searchlog): one row a normalised query, no user identity.
CREATE TABLE search_stats (
    query        text COLLATE "C" PRIMARY KEY,
    searches     bigint NOT NULL DEFAULT 0,
    zero         bigint NOT NULL DEFAULT 0,
    last_results bigint NOT NULL DEFAULT 0,
    opened       bigint NOT NULL DEFAULT 0,
    last         timestamptz NOT NULL
);
CREATE INDEX search_stats_last ON search_stats (last);

-- The results opened for each query, at most 10 URLs a query.
CREATE TABLE search_opens (
    query text COLLATE "C" NOT NULL REFERENCES search_stats (query) ON DELETE CASCADE,
    url   text COLLATE "C" NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (query, url)
);

-- +goose Down
DROP TABLE search_opens;
DROP TABLE search_stats;
