#!/usr/bin/env bash
# Checks /embed/{id} in a real browser: a page served from an origin that
# kb.yaml embed_origins lists frames the card (plain, and as the oEmbed html
# gives it), the same page from an unlisted origin is refused. Takes a
# screenshot of each with headless Chromium and prints where they are: look
# at them (the second shows Chromium's blocked-frame placeholder).
set -euo pipefail
cd "$(dirname "$0")/.."
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then echo "embed-check: no chromium; skipped"; exit 0; fi
out=${1:-$(mktemp -d)}
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/kb" ./cmd/kb
go build -o "$tmp/bare" ./scripts/barehttp
mkdir -p "$tmp/content/runbooks/etcd"
printf 'title: Acme KB\nembed_origins: ["http://127.0.0.1:18191"]\n' >"$tmp/content/kb.yaml"
printf -- '---\ntitle: etcd has no leader\nid: etcd-no-leader\nservice: etcd\nseverity: critical\nsummary: The etcd cluster lost quorum; writes to the Kubernetes API fail.\n---\n\n## Restore quorum\n\nCheck the members.\n' \
	>"$tmp/content/runbooks/etcd/no-leader.md"
token=$("$tmp/kb" token create embed-check --data "$tmp/data" 2>/dev/null)
"$tmp/kb" serve --content "$tmp/content" --data "$tmp/data" --addr 127.0.0.1:18190 --log-level warn &
pids+=($!)
for _ in $(seq 100); do curl -fs http://127.0.0.1:18190/readyz >/dev/null && break; sleep 0.1; done
curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"ticket":{"system":"jira","key":"OPS-1234","url":"https://acme.atlassian.net/browse/OPS-1234"},"article":"/runbooks/etcd/no-leader"}' \
	http://127.0.0.1:18190/api/v1/links >/dev/null
oembed=$(curl -fs "http://127.0.0.1:18190/oembed?format=json&url=http://127.0.0.1:18190/a/etcd-no-leader" |
	sed -e 's/.*"html":"\(.*\)","width".*/\1/' -e 's/\\u003c/</g' -e 's/\\u003e/>/g' -e 's/\\u0026/\&/g' -e 's/\\"/"/g')
for origin in allowed:18191 unlisted:18192; do
	name=${origin%%:*} port=${origin##*:}
	cat >"$tmp/$name.html" <<HTML
<!doctype html><meta charset="utf-8"><title>A ticket tool</title>
<body style="font:14px sans-serif;margin:16px;background:#eef">
<h1 style="font-size:16px">OPS-1234, on a page of the $name origin http://127.0.0.1:$port</h1>
<div style="display:flex;gap:24px"><iframe src="http://127.0.0.1:18190/embed/etcd-no-leader" width="480" height="180"></iframe>$oembed</div>
HTML
	"$tmp/bare" "127.0.0.1:$port" "$tmp/$name.html" &
	pids+=($!)
done
sleep 0.5
for name in allowed unlisted; do
	port=18191; [ "$name" = unlisted ] && port=18192
	timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$tmp/chrome-$name" --window-size=1100,300 \
		--screenshot="$out/embed-$name.png" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
	[ -s "$out/embed-$name.png" ] || { echo "embed-check: no screenshot of the $name page" >&2; exit 1; }
	echo "embed-check: $out/embed-$name.png"
done
