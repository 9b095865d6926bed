#!/usr/bin/env bash
# The links store's speed with PostgreSQL beside bbolt, in one run: link
# write p50/p99 under 20 concurrent writers (goal: p99 ≤ 50 ms) and ticket
# lookup among 1,000,000 links (goal: p99 ≤ 5 ms). Part of `make bench`;
# skipped with a message when PostgreSQL does not answer at KB_TEST_POSTGRES.
set -euo pipefail
cd "$(dirname "$0")/.."
export KB_TEST_POSTGRES="${KB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
if ! command -v pg_isready >/dev/null || ! pg_isready -q -d "$KB_TEST_POSTGRES"; then
	echo "bench-store: no PostgreSQL at KB_TEST_POSTGRES; skipped"; exit 0
fi
go test -run '^$' -bench '^BenchmarkStore' -benchtime "${BENCH_STORE_OPS:-3000x}" -count "${BENCH_STORE_COUNT:-3}" -timeout 30m ./postgres/ |
	awk '/^Benchmark/ { print; for (i = 3; i <= NF; i++) if ($(i) == "p99-ms") { split($1, n, "-"); p99[n[1]] = p99[n[1]] " " $(i-1) } }
	END { print ""; print "p99 in ms of each run (goals: postgres link write <= 50, ticket lookup <= 5):"; for (k in p99) printf "  %-45s %s\n", k, p99[k] }'
