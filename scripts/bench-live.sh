#!/usr/bin/env bash
# Loads kb with wrk (an article page and a search) while a script commits a
# change to that article every 100 ms for 30 s, in working-tree mode, and
# checks: zero 5xx, zero torn pages (scripts/tornpages), and the page p99
# with changes against the p99 without. Part of `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${BENCH_DURATION:-30s}
if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		(apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
	else
		echo "bench-live: wrk not installed (apt-get install wrk); skipped"; exit 0
	fi
fi
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/kb" ./cmd/kb
go build -o "$tmp/tornpages" ./scripts/tornpages
cp -r example/kb "$tmp/content"
page=runbooks/dns/coredns-down
file="$tmp/content/$page.md"
# The article with a marker at its top and its bottom; a torn page would show
# two different versions. sed keeps each change cheap next to the load.
python3 - "$file" <<'PY'
import sys
path = sys.argv[1]
head, sep, body = open(path).read().partition("\n---\n")
open(path + ".tmpl", "w").write(head + sep + "live-marker-top-VERSION\n" + body.rstrip("\n") + "\n\nlive-marker-bottom-VERSION\n")
PY
mv "$file.tmpl" "$tmp/article.tmpl"
write() { sed "s/VERSION/$1/g" "$tmp/article.tmpl" > "$file.new" && mv "$file.new" "$file"; }
write 0
git -C "$tmp/content" init -q -b main
git -C "$tmp/content" -c user.name=bench -c user.email=bench@example.com add .
git -C "$tmp/content" -c user.name=bench -c user.email=bench@example.com commit -qm start
"$tmp/kb" serve --content "$tmp/content" --data "$tmp/data" --addr 127.0.0.1:18090 --log-level error &
pids+=($!)
for _ in $(seq 300); do curl -fs http://127.0.0.1:18090/readyz 2>/dev/null | grep -q '"search":{"ready":true' && break; sleep 0.1; done
url="http://127.0.0.1:18090/$page"
search="http://127.0.0.1:18090/api/v1/search?q=coredns"

p99() { wrk -t2 -c16 -d"$1" --latency "$2" | awk '/^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; print v } /Non-2xx/ { print "non2xx " $4 > "/dev/stderr" }'; }
# phase DURATION CHANGES: the article page under wrk, with the search under
# wrk and the torn-page checker beside it, and a commit every 100 ms when
# CHANGES is 1. Prints the page p99 and writes the others to files.
phase() {
	local commits=""
	if [ "$2" = 1 ]; then
		(
			for i in $(seq 1 100000); do
				write "$i"
				git -C "$tmp/content" -c user.name=bench -c user.email=bench@example.com commit -qam "change $i" || true
				sleep 0.1
			done
		) &
		commits=$!
	fi
	"$tmp/tornpages" "$url" "$1" > "$tmp/torn-$2.txt" &
	local torn=$!
	p99 "$1" "$search" > "$tmp/search-$2.txt" &
	local sp=$!
	p99 "$1" "$url"
	wait "$sp"
	wait "$torn" || echo "torn or failed pages in phase $2" >&2
	if [ -n "$commits" ]; then kill "$commits" 2>/dev/null || true; fi
}
quiet=$(phase "$duration" 0)
busy=$(phase "$duration" 1)
torn_ok=0
grep -q "torn 0, errors or 5xx 0" "$tmp/torn-1.txt" || torn_ok=1
echo "article page under wrk while a commit lands every 100 ms for $duration (working tree, --watch):"
echo "  without changes: $(cat "$tmp/torn-0.txt")"
echo "  with changes:    $(cat "$tmp/torn-1.txt")"
printf "  page p99 %.2f ms without changes, %.2f ms with: %.2fx (goal <= 1.5x); search p99 %.2f ms without, %.2f ms with\n" "$quiet" "$busy" "$(awk -v a="$busy" -v b="$quiet" 'BEGIN { print a / b }')" "$(cat "$tmp/search-0.txt")" "$(cat "$tmp/search-1.txt")"
exit "$torn_ok"
