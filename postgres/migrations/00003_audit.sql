-- The audit trail: writes and administrative acts, oldest first by id, and
-- when each token first authenticated a request.

-- +goose Up
CREATE TABLE audit (
    id     bigserial PRIMARY KEY,
    at     timestamptz NOT NULL,
    who    text NOT NULL,
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    client text NOT NULL DEFAULT '',
    detail text NOT NULL DEFAULT ''
);
-- Pruning by age walks the oldest end; listing since a time the newest.
CREATE INDEX audit_at ON audit (at);

ALTER TABLE tokens ADD COLUMN first_used timestamptz;

-- +goose Down
ALTER TABLE tokens DROP COLUMN first_used;
DROP TABLE audit;
