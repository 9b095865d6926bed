# kb — see README.md. Every target works on a fresh machine with Go installed.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin/kb
FUZZTIME ?= 30s
GO       ?= go
SHELL    := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: all build run test vet fmt-check bench eval fuzz lint cover tidy clean mermaid

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kb

## run: build and serve the example knowledge base on http://localhost:8080
run: build
	./$(BIN) serve --addr 127.0.0.1:8080

## mermaid: refresh the vendored mermaid from npm (version pinned in themes/mermaid/package-lock.json)
mermaid:
	cd themes/mermaid && npm ci --no-audit --no-fund --ignore-scripts
	cp themes/mermaid/node_modules/mermaid/dist/mermaid.min.js themes/default/static/mermaid.min.js
	cp themes/mermaid/node_modules/mermaid/LICENSE themes/default/static/mermaid.LICENSE.txt

## test: vet, formatting and every test with the race detector
test: vet fmt-check
	$(GO) test -race -timeout 15m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## e2e-browser: browser tests (playwright-core driving /usr/bin/chromium, axe-core) against a kb built
## from the tree serving a git copy of the example on a random port; npm ci in e2e/ when node_modules is missing
.PHONY: e2e-browser
e2e-browser: build
	cd e2e && { [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund; } && node run.mjs ../$(BIN)

## e2e-auth: sign-in through a real Dex (static passwords with groups) and a real oauth2-proxy on loopback,
## in headless chromium (e2e/auth.mjs): read rules hold for an sre and an employees user in both --auth modes.
## Builds Dex and installs oauth2-proxy into ~/.cache/kb-e2e-auth on the first run; not part of make test.
.PHONY: e2e-auth
e2e-auth:
	scripts/e2e-auth.sh

## bench: benchmarks, each a ratio to a baseline measured in the same run
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./... | awk -f scripts/benchratio.awk
	scripts/bench-http.sh
	scripts/bench-live.sh
	scripts/bench-store.sh
	KB_SCALE=1 KB_SCALE_ROUNDS=$${KB_SCALE_ROUNDS:-2} $(GO) test -count=1 -timeout 60m -run '^TestStartCorpus$$' -v ./internal/scale | grep -v '^=== RUN'

## durability: kill kb with SIGKILL mid-write and check every acknowledged link, KB_DURABILITY_ROUNDS times (default 500)
.PHONY: durability
durability:
	KB_DURABILITY_ROUNDS=$${KB_DURABILITY_ROUNDS:-500} $(GO) test -count=1 -timeout 60m -run '^TestDurability$$' -v ./cmd/kb

## fleet: PostgreSQL, three kb replicas on one bare git repository and HAProxy (deploy/haproxy) on loopback,
## 60 s of load while a replica is killed with SIGKILL and PostgreSQL restarts; prints the figures.
## Needs haproxy (apt-get install -y haproxy) and PostgreSQL (KB_TEST_POSTGRES); skips without them.
.PHONY: fleet
KB_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
fleet:
	KB_FLEET=1 KB_TEST_POSTGRES='$(KB_TEST_POSTGRES)' KB_FLEET_SECONDS=$${KB_FLEET_SECONDS:-60} \
	  $(GO) test -count=1 -timeout 15m -run '^TestFleet$$' -v ./cmd/kb | grep -v '^=== RUN'

## eval: search relevance on the judged sets of search/testdata/*.tsv (test and
## dev splits, per kind): kb against plain bleve and SQLite FTS5 over the same files
eval:
	$(GO) test -count=1 -timeout 20m -run '^TestRelevance$$' -v ./search/ -baselines -ablations | grep -v '^=== RUN'

## openapi-lint: swagger-cli and Spectral on server/openapi.json (npm packages fetched into a temporary folder)
.PHONY: openapi-lint
openapi-lint:
	scripts/openapi-lint.sh

## fuzz: run every fuzz test for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## lint: golangci-lint v2 (fetched through the Go module proxy on first use)
lint:
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0 run

cover:
	$(GO) test -coverprofile=coverage.out ./...
	$(GO) tool cover -func=coverage.out | tail -1

tidy:
	$(GO) mod tidy
	git diff --exit-code go.mod go.sum

clean:
	rm -rf bin coverage.out kb-data

## bench-scale: kb against the bare libraries (bleve build, goldmark render, net/http, bleve update, net/http + bleve search) on generated
## collections of 10,000 and 50,000 articles, alternating A B A B; KB_SCALE_SIZES=10000 KB_SCALE_ROUNDS=1 shorten it,
## KB_SCALE_ROWS=search runs the search rows alone, KB_SCALE_ROWS=memory the memory rows (KB_SCALE_BASE=BIN,... other kb
## binaries beside, KB_SCALE_HEAP=DIR heap profiles), KB_SCALE_WORK=DIR keeps collections and indexes for the next run.
## Needs wrk (apt-get install -y wrk). Not part of make test: 10k takes minutes a round, 50k far longer.
.PHONY: bench-scale
bench-scale:
	KB_SCALE=1 $(GO) test -count=1 -timeout 600m -run '^TestScale$$' -v ./internal/scale | grep -v '^=== RUN'

## bench-edit: bench-scale's edit row alone (KB_SCALE_SIZES, default 10000; KB_SCALE_EDITS, default 30), after
## kb serve is searchable and idle; KB_SCALE_PROFILE=FILE writes a CPU profile of kb serve over the edits.
.PHONY: bench-edit
bench-edit:
	KB_SCALE_EDIT=1 $(GO) test -count=1 -timeout 60m -run '^TestScaleEdit$$' -v ./internal/scale | grep -v '^=== RUN'

## e2e: Prometheus and Alertmanager (Debian's prometheus and prometheus-alertmanager packages) on loopback
## in front of kb: the README's alert rule fires and resolves; the runbook_url lands on the runbook with the
## labels filled and the resolution becomes a link. Not part of make test; skips when a tool is missing.
.PHONY: e2e
e2e:
	KB_E2E=1 $(GO) test -count=1 -timeout 10m -run '^TestE2EAlertChain$$' -v ./cmd/kb | grep -v '^=== RUN'
