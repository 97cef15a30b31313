# The two commands a newcomer needs: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= 2
DATA_DIR ?= ./tandem-data
LISTEN ?= 127.0.0.1:4566

.PHONY: deps build run test unit integration fuzz sanitizers bench format clean demo chaos

deps:
	@scripts/deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/tandemd --data-dir $(DATA_DIR) --listen $(LISTEN)

# The guided tour (scripts/demo): a Multi-AZ instance, two failovers measured by tandem-meter
# (built with the rest), a password rotation. DEMO_FAST=1 skips the pauses between steps.
demo: build
	TANDEM_BIN_DIR=$(abspath $(BUILD_DIR))/bin scripts/demo

test: build fuzz sanitizers
	cd $(BUILD_DIR) && ctest --output-on-failure -j 1

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L integration

# The chaos suite in full (tests/chaos/chaos.py: 50 kill -9 of a Multi-AZ primary under
# sysbench, 30 kill -9 of tandemd mid-operation, a full disk, a network cut); `make test` runs
# its bounded form. Needs root; counts from CHAOS_PRIMARY_KILLS, CHAOS_TANDEMD_KILLS.
chaos: build
	TANDEM_BIN_DIR=$(abspath $(BUILD_DIR))/bin /usr/bin/python3 tests/chaos/chaos.py

# libFuzzer targets, built with clang in their own tree and run for a bounded time by ctest.
fuzz: deps
	CXX=clang++ cmake -S . -B $(BUILD_DIR)-fuzz -G Ninja -DTANDEM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target fuzz_targets

# The unit tests and tandemd under ASan+UBSan (in the fuzz tree, which already is a clang
# ASan+UBSan build of every library) and the threaded unit tests under TSan in their own tree;
# ctest in $(BUILD_DIR) runs them (labels asan, tsan; tests/sanitizers/).
sanitizers: fuzz
	cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target sanitized_tests
	CXX=clang++ cmake -S . -B $(BUILD_DIR)-tsan -G Ninja -DTANDEM_TSAN=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR)-tsan -j $(JOBS) --target tsan_tests

# Every benchmark (needs root), their figures in a fresh $(BUILD_DIR)/bench-results.jsonl, then
# docs/performance.md and docs/failover-durations.svg from them (bench/report.py). A bench that
# fails is named and left out of the page, and the target fails.
bench: build
	@results=$(abspath $(BUILD_DIR))/bench-results.jsonl; rm -f "$$results"; failed=; \
	for b in secrets_get create_instance proxy failover replication_cost rotation; do \
	  echo "== bench/$$b.sh"; \
	  BENCH_RESULTS="$$results" TANDEM_BIN_DIR=$(abspath $(BUILD_DIR))/bin bench/$$b.sh \
	    || failed="$$failed $$b"; \
	done; \
	/usr/bin/python3 bench/report.py "$$results" || failed="$$failed report"; \
	if [ -n "$$failed" ]; then echo "make bench: failed:$$failed"; exit 1; fi

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-fuzz $(BUILD_DIR)-tsan
