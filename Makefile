# Spona — see README.md.
SHELL := /bin/bash
GO    ?= go
# `go test ./...` does not cross go.work modules; list them.
PKGS   = $(shell $(GO) list -f '{{.Dir}}/...' -m)

.PHONY: setup images run test test-short test-race generate check-generated lint lint-openapi lint-aip build bench fuzz clean jaeger test-jaeger faults load load-webhooks load-imports openapi-tools vendor-docs upgrade-check

# Pinned npm tools for the OpenAPI documents (linters, 3.1 upgrader, client
# generator, docs renderer): tools/openapi/package-lock.json.
OPENAPI_TOOLS = tools/openapi/node_modules/.installed
NPX_BIN       = tools/openapi/node_modules/.bin
$(OPENAPI_TOOLS): tools/openapi/package.json tools/openapi/package-lock.json | setup
	npm ci --prefix tools/openapi --no-audit --no-fund --loglevel=error
	@touch $@
openapi-tools: $(OPENAPI_TOOLS)

## setup: install what run and test need besides Go and make, when missing, saying so (tools/setup.sh: PostgreSQL with contrib, Chromium, xmllint, node/npm, skopeo; apt-get or Homebrew)
setup:
	@tools/setup.sh -q

## run: start PostgreSQL (in .data/), the five services and the edge; print the REST URL and a dev API key
run: setup
	@mkdir -p .data/bin
	$(GO) build -o .data/bin/spona-dev ./deploy/dev
	@exec .data/bin/spona-dev

## test: unit, integration (real PostgreSQL) and end-to-end tests; installs what they need first (setup, the npm tools, the trimmed Jaeger)
test: setup $(OPENAPI_TOOLS) jaeger
	$(GO) test -count=1 -timeout 20m $(PKGS)

## jaeger: build a trimmed Jaeger v2 (OTLP receiver, memory store, query API/UI) once and cache it in ~/.cache/spona (deploy/jaeger/build.sh)
jaeger:
	deploy/jaeger/build.sh

## test-jaeger: one REST call as one trace in a real Jaeger (builds Jaeger first)
test-jaeger: jaeger
	$(GO) test -count=1 -v -run . ./tests/jaeger/

## faults: kill a service and crash PostgreSQL under write load; no acknowledged write lost or doubled
faults:
	$(GO) test -count=1 -v ./tests/faults/

## load-webhooks: start the system and measure webhook delivery latency (idle, at a referral rate, beside a slow receiver) and throughput (WEBHOOKLOAD_FLAGS=-rate 200)
load-webhooks:
	$(GO) run ./deploy/webhookload $(WEBHOOKLOAD_FLAGS)

## load-imports: start the system and measure spreadsheet imports over REST (50,000 rows, dry run and real) against one create per call, and the edge's memory for a 20 MiB upload (IMPORTLOAD_FLAGS=-rows 2000)
load-imports:
	$(GO) run ./deploy/importload $(IMPORTLOAD_FLAGS)

## load: start the system and measure REST vs gRPC vs raw pgx at 1, 8 and 32 clients (LOAD_FLAGS=-duration 10s)
load:
	$(GO) run ./deploy/load $(LOAD_FLAGS)

## test-race: the packages whose goroutines share state, under the race detector (a report fails the test): event feeds and consumers, gRPC and HTTP servers, process lifecycle, keys, the edge's caches and limiters, webhook dispatch, and the whole in-process system's stop
RACE_PKGS = ./pkg/outbox/... ./pkg/grpcx/... ./pkg/httpserver/... ./pkg/platform/... ./pkg/auth/... ./pkg/db/... \
	./pkg/tlsconfig/... ./services/edge/internal/gateway/... ./services/edge/internal/idempotency/... \
	./services/edge/internal/keys/... ./services/edge/internal/oidc/... ./services/webhooks/...
test-race:
	$(GO) test -race -count=1 -p 1 $(RACE_PKGS)
	$(GO) test -race -count=1 -run 'TestStopLeavesNoGoroutines|TestIdempotencyKeyReplay|TestKeyLifecycle|TestRevocationWhileListenConnectionIsSilent|TestKeyLookupSharedWithACallerWhoLeaves' ./services/edge/service/

## upgrade-check: start the current build on the databases an older one's end-to-end tests wrote, read and change everything, erase everyone (FROM=<commit>, default main as of 24 hours ago; RUN=<regexp>: only those older tests; several minutes, not in make test)
upgrade-check:
	SPONA_UPGRADE_FROM=$${FROM:-$$(git log -1 --before='24 hours ago' --format=%H main)} SPONA_UPGRADE_RUN='$(RUN)' $(GO) test -tags upgrade -count=1 -timeout 90m -v ./tests/upgrade/

## test-short: only tests that need no PostgreSQL and no built binaries
test-short:
	$(GO) test -short -count=1 $(PKGS)

## generate: regenerate Go code and the OpenAPI documents from proto/ (plugins are Go tools; the 3.1 upgrade is a pinned npm tool)
generate: $(OPENAPI_TOOLS)
	$(GO) tool buf lint
	$(GO) tool buf generate
	node tools/openapi/convert.mjs gen/openapi/spona.swagger.json gen/openapi/spona.openapi.json

## check-generated: fail when generated code is stale
check-generated: generate
	git diff --exit-code -- gen
	test -z "$$(git status --porcelain -- gen)"

## lint-openapi: both OpenAPI documents through Redocly CLI (recommended) and Spectral (spectral:oas): no error, no warning
lint-openapi: $(OPENAPI_TOOLS)
	@for f in gen/openapi/spona.swagger.json gen/openapi/spona.openapi.json; do \
	  $(NPX_BIN)/redocly lint --config tools/openapi/redocly.yaml --max-problems 1000 $$f || exit 1; \
	  $(NPX_BIN)/spectral lint --ruleset tools/openapi/spectral.yaml --fail-severity hint $$f || exit 1; \
	done

## vendor-docs: copy the pinned Swagger UI (swagger-ui-dist) into the edge's docs page
SWAGGER_UI_FILES = swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE
vendor-docs: $(OPENAPI_TOOLS)
	for f in $(SWAGGER_UI_FILES); do cp tools/openapi/node_modules/swagger-ui-dist/$$f services/edge/internal/docs/static/swagger-ui/$$f; done

## lint-aip: api-linter (Google AIPs) over proto/spona with tools/api-linter.yaml: no finding
lint-aip:
	cd proto && $(GO) tool api-linter --set-exit-status --output-format summary --config ../tools/api-linter.yaml $$(find spona -name '*.proto' | sort)

## lint: buf lint, the OpenAPI linters, api-linter and golangci-lint (.golangci.yml: govet, staticcheck, gosec, errcheck, depguard layer rules, gofmt, ...; pinned in tools/lint)
lint: lint-openapi lint-aip
	$(GO) tool buf lint
	test -z "$$(gofmt -l pkg services deploy gen tests)"
	"$$(cd tools/lint && GOWORK=off $(GO) tool -n golangci-lint)" run --allow-parallel-runners $(PKGS)

## images: build the six container images without a Docker engine (deploy/image, go-containerregistry): an OCI layout in .data/images/oci and docker-archive tarballs .data/images/<process>.tar, named spona/<process>:$(IMAGE_TAG) (IMAGE_FLAGS=-arch arm64)
IMAGE_TAG ?= dev
images:
	$(GO) run ./deploy/image -out .data/images -tag $(IMAGE_TAG) $(IMAGE_FLAGS)

## build: build the six binaries into bin/
build:
	$(GO) build -o bin/ ./services/beneficiaries ./services/referrals ./services/trainings ./services/reporting ./services/webhooks ./services/edge

## fuzz: run every fuzz target of the repository for FUZZTIME each (seeds run in `make test`)
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "--- $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: run the benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
