-- A token's read scopes: the path globs it may read; NULL for every path.

-- +goose Up
ALTER TABLE tokens ADD COLUMN read_paths text[];

-- +goose Down
ALTER TABLE tokens DROP COLUMN read_paths;
