# Barri: make run (the example scenarios on the built-in Eixample), make test (every test).
GO ?= go
EXAMPLES := $(sort $(wildcard scenarios/*.json))

.PHONY: run test bench bench-wasm wasm lint build fuzz

run:
	$(GO) run ./cmd/barri compare $(EXAMPLES)

build:
	$(GO) build -o bin/barri ./cmd/barri

test: lint wasm
	$(GO) test -count=1 ./...

# Benchmarks: five runs each (quote medians); compare runs with benchstat.
# Each edit benchmark runs the Evaluator and a full recompute side by side.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./sim ./maps | tee bench.txt

# The same core benchmarks as js/wasm under Node.
bench-wasm:
	GOOS=js GOARCH=wasm $(GO) test -run '^$$' -bench 'Edit|Evaluate' -benchmem -count 5 \
		-exec "$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./sim | tee bench-wasm.txt

# The core must build for the browser.
wasm:
	GOOS=js GOARCH=wasm $(GO) build ./sim/... ./maps/... ./scenarios/...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# Short fuzzing of every decoder (longer: FUZZTIME=5m make fuzz).
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./sim -run '^$$' -fuzz FuzzParseScenario -fuzztime $(FUZZTIME)
	$(GO) test ./sim -run '^$$' -fuzz FuzzParseArea -fuzztime $(FUZZTIME)
	$(GO) test ./maps -run '^$$' -fuzz FuzzReadGeoJSON -fuzztime $(FUZZTIME)
	$(GO) test ./maps -run '^$$' -fuzz FuzzReadCity -fuzztime $(FUZZTIME)
