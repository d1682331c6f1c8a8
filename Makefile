# Two commands matter (see README.md):
#   make run   build and start an agent on the embedded default (file:// bucket, SQLite metadata)
#   make test  install test dependencies, build, run unit tests, sanitizers, fuzzers and e2e tests
.PHONY: run build test deps deps-test bench clean

KAFKA_PORT ?= 9092
HTTP_PORT ?= 8080
DATA_DIR ?= ./sluice-data
JOBS ?= 2
CCACHE := $(if $(shell command -v ccache),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

deps:
	scripts/install-deps.sh

deps-test:
	scripts/install-deps.sh --test

build: deps
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release $(CCACHE)
	cmake --build build --target sluice -j $(JOBS)

run: build
	@echo
	@echo "Sluice agent: Kafka bootstrap server 127.0.0.1:$(KAFKA_PORT)," \
	  "HTTP http://127.0.0.1:$(HTTP_PORT)/v1/status and /metrics, data in $(DATA_DIR)"
	@echo "Try: kcat -b 127.0.0.1:$(KAFKA_PORT) -L     (Ctrl-C stops the agent)"
	@echo
	exec build/sluice agent -kafkaPort $(KAFKA_PORT) -httpPort $(HTTP_PORT) -dataDir $(DATA_DIR)

test: deps-test
	JOBS=$(JOBS) scripts/test.sh

bench:
	@if [ -x scripts/bench.sh ]; then scripts/bench.sh; else echo "no benchmarks yet (scripts/bench.sh)"; fi

clean:
	rm -rf build build-asan build-fuzz
