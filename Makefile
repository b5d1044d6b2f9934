# Barri: make run (the example scenarios on the built-in Eixample), make test (every test).
GO ?= go
EXAMPLES := $(sort $(wildcard scenarios/*.json))

.PHONY: run serve compare test bench bench-wasm wasm web perf-web lint build fuzz crash loadtest rehearsal

# make run: the workshop server with the web app on the built-in Eixample,
# printing its URL and a demo workshop's facilitator link (Ctrl-C stops it).
# For a room of phones: make run ADDR=0.0.0.0:8080 (links then carry this
# machine's LAN address) or URL=http://HOST:8080 (the address phones reach).
ADDR ?= 127.0.0.1:8080
DATA ?= ./barri-data
URL ?=
run: serve

serve: web
	$(GO) run ./cmd/barri serve --addr $(ADDR) --data $(DATA) $(if $(URL),--url $(URL)) --demo

# The example scenarios on the built-in Eixample, side by side.
compare:
	$(GO) run ./cmd/barri compare $(EXAMPLES)

build:
	$(GO) build -o bin/barri ./cmd/barri

# Every test (the browser tests in web/browser_test.go drive the built page in
# headless Chromium: they need make web, chromium and web/node_modules from
# npm ci --prefix web, and skip outside CI without them); the wasm/proposal
# tests under Node; then the core's again under the race detector (-short:
# the tests that build and run the core for js/wasm, arm64 and amd64 v3 ran
# above).
test: lint wasm web
	$(GO) test -count=1 ./...
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec="$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./wasm/proposal
	$(GO) test -race -short -count=1 ./sim/... ./maps/... ./scenarios/...

# Benchmarks: five runs each (quote medians); compare runs with benchstat.
# Each edit benchmark runs the Evaluator and a full recompute side by side.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./sim ./maps | tee bench.txt

# The core benchmarks natively and as js/wasm under Node, interleaved:
# five rounds of a native run, a js/wasm run and a native run on one thread
# (each in its own process: V8 tiers wasm code up in the background, so one
# process's runs share its luck), then the medians side by side and their
# ratios. js/wasm has one thread; the one-thread column shows what a native
# run gains from the second core.
NODE ?= node
WASMBENCH ?= Edit|Evaluate|FreeFlow|Search
bench-wasm:
	GOOS=js GOARCH=wasm $(GO) test -c -o bin/sim.wasm ./sim
	$(GO) test -c -o bin/sim.test ./sim
	rm -f bench-wasm.txt bench-native.txt bench-native1.txt
	for i in 1 2 3 4 5; do \
		bin/sim.test -test.run '^$$' -test.bench '$(WASMBENCH)' -test.benchmem -test.count 1 | tee -a bench-native.txt; \
		$(NODE) --stack-size=8192 "$$($(GO) env GOROOT)/lib/wasm/wasm_exec_node.js" bin/sim.wasm \
			-test.run '^$$' -test.bench '$(WASMBENCH)' -test.benchmem -test.count 1 | tee -a bench-wasm.txt; \
		bin/sim.test -test.run '^$$' -test.bench '$(WASMBENCH)' -test.benchmem -test.count 1 -test.cpu 1 | tee -a bench-native1.txt; \
	done
	$(GO) run ./internal/benchratio bench-native.txt bench-wasm.txt bench-native1.txt

# The browser app: web/src plus the wasm (wasm/) into web/dist, which any
# static host serves (the page fetches app.wasm.gz and decompresses it), and
# which barri serve embeds. The models dialog gets the model sections of
# docs/MODELS.md, not the developers' (web/mdblocks -residents:
# ResidentSections, DeveloperSections).
web:
	find web/dist -mindepth 1 ! -name .gitkeep -delete
	cp -r web/src/. web/dist/
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o web/dist/app.wasm ./wasm
	gzip -9 -n -k -f web/dist/app.wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/dist/
	$(GO) run ./web/mdblocks -residents docs/MODELS.md > web/dist/models.json

# The page's figures in headless Chromium (Performance API): sizes, start,
# barri:edit per op, pan frame time, memory after 100 edits.
perf-web: web
	$(GO) run ./web/perf

# A 30-participant workshop rehearsal: five pages in headless Chromium (the
# facilitator, the projector, three participants) and 25 participants over
# WebSockets from Go, through every phase against a fresh barri serve; it
# checks that every page ends with the server's tallies and prints the time
# from a vote to every page having it (p50, p95, max).
rehearsal: web
	BARRI_REHEARSAL=1 $(GO) test -count=1 -run TestRehearsal -v ./web

# The core and the workshop's session model must build for the browser.
wasm:
	GOOS=js GOARCH=wasm $(GO) build ./sim/... ./maps/... ./scenarios/... ./workshop/...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/...

# Short fuzzing of every decoder (longer: FUZZTIME=5m make fuzz).
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./sim -run '^$$' -fuzz FuzzParseScenario -fuzztime $(FUZZTIME)
	$(GO) test ./sim -run '^$$' -fuzz FuzzParseArea -fuzztime $(FUZZTIME)
	$(GO) test ./sim -run '^$$' -fuzz FuzzIndicatorsJSON -fuzztime $(FUZZTIME)
	$(GO) test ./sim -run '^$$' -fuzz FuzzGroupsJSON -fuzztime $(FUZZTIME)
	$(GO) test ./maps/importer -run '^$$' -fuzz FuzzReadGeoJSON -fuzztime $(FUZZTIME)
	$(GO) test ./maps/importer -run '^$$' -fuzz FuzzReadOSM -fuzztime $(FUZZTIME)
	$(GO) test ./maps -run '^$$' -fuzz FuzzReadCity -fuzztime $(FUZZTIME)
	$(GO) test ./cmd/barri -run '^$$' -fuzz FuzzReadBatchOutput -fuzztime $(FUZZTIME)
	$(GO) test ./workshop -run '^$$' -fuzz FuzzSession -fuzztime $(FUZZTIME)
	$(GO) test ./workshop -run '^$$' -fuzz FuzzDecodeClientMessage -fuzztime $(FUZZTIME)
	$(GO) test ./workshop -run '^$$' -fuzz FuzzDecodeServerMessage -fuzztime $(FUZZTIME)
	$(GO) test ./workshop -run '^$$' -fuzz FuzzVerifyLog -fuzztime $(FUZZTIME)

# The long crash test: the real barri serve SIGKILLed KILLS times under load
# and restarted on the same data (make test runs a short one, TestCrash).
KILLS ?= 60
crash: build
	rm -rf bin/crash-data
	bin/barri loadtest --participants 50 --rate 40 --duration 30s --kill-every 500ms --kills $(KILLS) \
		--data bin/crash-data http://127.0.0.1:18181

# The load test of the issue: 1,000 participants at 10 commands/s for 60 s,
# then a vote burst of all of them within 10 s, against a fresh barri serve.
# The machine's load average is printed before and after (the figures
# depend on what else runs); PROFILE=1 writes the CPU profiles of both
# sides to bin/serve.prof and bin/loadtest.prof (go tool pprof bin/barri FILE).
PARTICIPANTS ?= 1000
loadtest: build
	rm -rf bin/load-data
	@echo "load average before: $$(cat /proc/loadavg 2>/dev/null || uptime)"
	bin/barri serve --addr 127.0.0.1:18182 --data bin/load-data --log warn $(if $(PROFILE),--cpuprofile bin/serve.prof) & pid=$$!; \
	sleep 2; bin/barri loadtest --participants $(PARTICIPANTS) --rate 10 --duration 60s \
		--vote-burst --burst-window 10s $(if $(PROFILE),--cpuprofile bin/loadtest.prof) http://127.0.0.1:18182; status=$$?; \
	kill $$pid; wait $$pid; echo "load average after: $$(cat /proc/loadavg 2>/dev/null || uptime)"; exit $$status
