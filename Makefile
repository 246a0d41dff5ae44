# Peregrine — the two commands a new user needs are `make demo` and `make test`.
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
BENCH_DIR := Benchmarks

.PHONY: demo test build release deps bench-quick bench bench-malloc bench-etl clean

## demo: install what is missing, build in release mode, run the end-to-end demo.
demo: deps release
	.build/release/peregrine demo

## test: install what is missing, build and run every test. Serially: the FIX conformance
## scripts and the socket tests are timing-bound, and parallel stress tests on two cores
## would starve them. Then the crash test: kill -9 the engine while it trades against the
## simulated exchange, restart it, and compare positions with the exchange's.
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build --no-parallel $(SWIFT_BUILD_FLAGS)
	bash scripts/crash-test.sh .build/debug/peregrine 4

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

## deps: Debian packages the build needs (skipped when already present).
deps:
	@bash scripts/install-deps.sh

## bench-quick: the quick latency/throughput suite (under ~3 minutes after the build);
## one `name value unit` line per figure and a `ratio` line per side-by-side pair.
bench-quick: deps
	cd $(BENCH_DIR) && $(SWIFT) build -c release --product PeregrineBench
	bash scripts/run-bench.sh --quick

## bench: the full suite (longer runs, more samples).
bench: deps
	cd $(BENCH_DIR) && $(SWIFT) build -c release --product PeregrineBench
	bash scripts/run-bench.sh

## bench-malloc: ordo-one/benchmark malloc counts (thresholds: zero on the hot path).
bench-malloc: deps
	cd $(BENCH_DIR) && $(SWIFT) package --allow-writing-to-package-directory benchmark --target SubstrateBenchmarks --no-progress

## bench-etl: warehouse loader rows/s beside `psql \copy` of the same rows (interleaved rounds,
## medians) and the journal-append → row-visible lag of `etl --follow`, on a throwaway
## PostgreSQL cluster (about 3 minutes after the build). Options: scripts/etl-bench.sh --help.
bench-etl: deps
	$(SWIFT) build -c release --product peregrine $(SWIFT_BUILD_FLAGS)
	bash scripts/etl-bench.sh

clean:
	rm -rf .build $(BENCH_DIR)/.build
