#!/usr/bin/env bash
# make e2e-auth: sign-in through a real Dex and a real oauth2-proxy, both on
# loopback, in headless chromium (e2e/auth.mjs). Builds Dex and installs
# oauth2-proxy into KB_E2E_AUTH_CACHE (default ~/.cache/kb-e2e-auth) on the
# first run; skips with a message when a tool cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${KB_E2E_AUTH_CACHE:-$HOME/.cache/kb-e2e-auth}
proxy_version=${OAUTH2_PROXY_VERSION:-v7.15.6}
dex_version=${DEX_VERSION:-master}
mkdir -p "$cache"
skip() { echo "e2e-auth: skipped: $*"; exit 0; }

command -v node >/dev/null || skip "node not installed (apt-get install nodejs npm)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || skip "no chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium, or set CHROMIUM)"

if [ ! -x "$cache/oauth2-proxy" ]; then
	echo "e2e-auth: installing oauth2-proxy $proxy_version into $cache"
	GOBIN="$cache" go install "github.com/oauth2-proxy/oauth2-proxy/v7@$proxy_version" ||
		skip "go install github.com/oauth2-proxy/oauth2-proxy/v7@$proxy_version failed"
fi

# `go install github.com/dexidp/dex/cmd/dex@...` is refused: Dex's go.mod has
# a replace directive (its api/v2 module, which the module zip leaves out).
# Build from a writable copy of the module with that replace dropped and the
# api/v2 module of the same commit required instead.
if [ ! -x "$cache/dex" ]; then
	echo "e2e-auth: building Dex $dex_version into $cache"
	info=$(go mod download -json "github.com/dexidp/dex@$dex_version") || skip "go mod download github.com/dexidp/dex@$dex_version failed"
	dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")
	rev=$(sed -n 's/^[[:space:]]*"Version": ".*-\([0-9a-f]\{12\}\)",$/\1/p' <<<"$info")
	# the api/v2 module of the same commit (the last release of it lacks what master uses)
	api=$(go mod download -json "github.com/dexidp/dex/api/v2@${rev:-$dex_version}" | sed -n 's/^[[:space:]]*"Version": "\(.*\)",$/\1/p')
	[ -n "$dir" ] && [ -n "$api" ] || skip "go mod download of Dex $dex_version or its api/v2 failed"
	src=$(mktemp -d)
	trap 'rm -rf "$src"' EXIT
	cp -r "$dir/." "$src" && chmod -R u+w "$src"
	(cd "$src" && go mod edit -dropreplace github.com/dexidp/dex/api/v2 -require "github.com/dexidp/dex/api/v2@$api" &&
		GOFLAGS=-mod=mod go build -o "$cache/dex" ./cmd/dex) ||
		skip "building Dex $dex_version from $dir failed"
fi

go build -o bin/kb ./cmd/kb
cd e2e
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
exec node auth.mjs ../bin/kb "$cache/dex" "$cache/oauth2-proxy"
