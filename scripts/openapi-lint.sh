#!/usr/bin/env bash
# Validates server/openapi.json with swagger-cli and Spectral (spectral:oas),
# installed from the npm registry into a temporary folder (nothing is added to
# the repository). Skips with a message when npm is missing. `make openapi-lint`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "openapi-lint: npm not found; skipped"
  exit 0
fi
spec="$PWD/server/openapi.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error @apidevtools/swagger-cli@4 @stoplight/spectral-cli@6 >/dev/null
echo 'extends: ["spectral:oas"]' > .spectral.yaml
./node_modules/.bin/swagger-cli validate "$spec"
./node_modules/.bin/spectral lint --fail-severity=warn "$spec"
