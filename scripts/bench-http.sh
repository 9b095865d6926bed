#!/usr/bin/env bash
# Serves one cached article page of the PowerShell corpus with kb and the same
# bytes with a bare net/http handler, loads both with wrk on loopback and
# prints requests/s and p99 latency with their ratios. Part of `make bench`.
# KB_BENCH_FLAGS adds flags to kb serve (e.g. "--memory-limit 0").
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=../shared/corpus/powershell-docs
page=/reference/7.4/Microsoft.PowerShell.Core/Get-Command
duration=${BENCH_DURATION:-10s}
if [ ! -d "$corpus" ]; then echo "bench-http: $corpus absent; skipped"; exit 0; fi
if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		(apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
	else
		echo "bench-http: wrk not installed (apt-get install wrk); skipped"; exit 0
	fi
fi
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/kb" ./cmd/kb
go build -o "$tmp/bare" ./scripts/barehttp
"$tmp/kb" serve --content "$corpus" --data "$tmp/data" --addr 127.0.0.1:18080 --log-level error ${KB_BENCH_FLAGS:-} &
pids+=($!)
# Measure the steady state: after the background highlighting and index build.
for _ in $(seq 600); do curl -fs http://127.0.0.1:18080/readyz 2>/dev/null | grep -q '"search":{"ready":true' && break; sleep 0.1; done
curl -fs "http://127.0.0.1:18080$page" -o "$tmp/page.html"
"$tmp/bare" 127.0.0.1:18081 "$tmp/page.html" &
pids+=($!)
for _ in $(seq 50); do curl -fs http://127.0.0.1:18081/ >/dev/null && break; sleep 0.1; done

measure() { # URL → "requests/s p99_ms"
	wrk -t2 -c32 -d"$duration" --latency "$1" | awk '
		/Requests\/sec/ { rps = $2 }
		/^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; p99 = v }
		END { printf "%s %s\n", rps, p99 }'
}
wrk -t2 -c32 -d2s "http://127.0.0.1:18080$page" >/dev/null # warm up
read -r kb_rps kb_p99 < <(measure "http://127.0.0.1:18080$page")
read -r bare_rps bare_p99 < <(measure "http://127.0.0.1:18081/")
echo "article page over HTTP, wrk -t2 -c32 -d$duration on loopback ($(wc -c <"$tmp/page.html") bytes):"
printf "  kb    %10.0f req/s  p99 %7.2f ms\n" "$kb_rps" "$kb_p99"
printf "  bare  %10.0f req/s  p99 %7.2f ms\n" "$bare_rps" "$bare_p99"
awk -v a="$kb_rps" -v b="$bare_rps" -v c="$kb_p99" -v d="$bare_p99" 'BEGIN { printf "  kb/bare: throughput %.0f%% (goal >= 80%%), p99 %.2fx (goal <= 1.5x)\n", 100*a/b, c/d }'
