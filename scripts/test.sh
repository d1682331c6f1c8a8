#!/usr/bin/env bash
# The whole test run behind `make test`, sized for 2 cores:
#   1. build everything once in build-asan/ (-O1, AddressSanitizer + UBSan)
#   2. unit tests (every test not labelled e2e), leak checks on, inside scripts/with-postgres.sh
#      and scripts/with-s3rver.sh (throwaway PostgreSQL and s3rver on loopback), so the
#      PostgreSQL and S3 back-end tests run instead of skipping
#   3. fuzz pass: every libFuzzer target in build-fuzz/fuzz/ for FUZZ_SECONDS each
#   4. end-to-end tests (label e2e: instrumented agents driven by real clients), last, so CTest's
#      summary closes the output.
# Every phase runs even when an earlier one failed; the exit status is non-zero if any failed.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

JOBS="${JOBS:-2}"
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
failed=()

launcher=()
# Paths inside the tree are hashed relative to it, so a fresh clone elsewhere (as CI makes)
# reuses objects compiled by an earlier run on the same machine.
export CCACHE_BASEDIR="$repo_root" CCACHE_NOHASHDIR=true
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

phase() { printf '\n==== %s ====\n' "$*"; }

configure() {  # configure <build dir> <cmake args...>
  local dir="$1"
  shift
  mkdir -p "$dir"
  cmake -S "$repo_root" -B "$dir" -G Ninja "${launcher[@]}" "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log"
    return 1
  }
}

# Builds the per-directory target <folder>/all (e.g. fuzz/all) that Ninja defines for every
# source folder. The target list is read whole before searching it: `ninja ... | grep -q` under
# pipefail failed whenever grep quit early and ninja died of SIGPIPE, and the fallback then built
# the whole tree with the wrong compiler.
build_dir_target() {  # build_dir_target <build dir> <folder>
  local dir="$1" folder="$2" targets
  targets="$(ninja -C "$dir" -t targets all 2>/dev/null)" || return 1
  if ! grep -q "^$folder/all:" <<<"$targets"; then
    echo "no target $folder/all in $dir"
    return 1
  fi
  cmake --build "$dir" --target "$folder/all" -j "$JOBS"
}

# One build serves every test: -O1 with AddressSanitizer and UBSan, so unit tests AND the agents
# started by the end-to-end tests run instrumented. (Building twice, plain and sanitized, doubled
# the time on 2 cores.) `make run` and the benchmarks use their own Release trees.
build_ok=0
phase "build (build-asan/: -O1, ASan + UBSan)"
if configure build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" -DSLUICE_SANITIZE=ON && cmake --build build-asan -j "$JOBS"; then
  build_ok=1
else
  failed+=("build")
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

phase "unit tests (build-asan/, leak checks on, with PostgreSQL and s3rver on loopback)"
if ((build_ok)); then
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
    scripts/with-postgres.sh scripts/with-s3rver.sh \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS" -LE e2e --no-tests=ignore ||
    failed+=("unit tests")
  # The S3 suite again over HTTPS (self-signed certificate, peer verification on).
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
    scripts/with-s3rver.sh --tls \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS" -LE e2e -R '/s3$|S3TlsTest' ||
    failed+=("S3 over TLS")
fi

phase "fuzzers (build-fuzz/, ${FUZZ_SECONDS}s each)"
if [[ ! -f fuzz/CMakeLists.txt ]]; then
  echo "no fuzz/CMakeLists.txt yet: skipping the fuzz pass"
elif ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ not found: skipping the fuzz pass (scripts/install-deps.sh --test installs it)"
  failed+=("fuzz (no clang)")
elif CC=clang CXX=clang++ configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON &&
  build_dir_target build-fuzz fuzz; then
  mapfile -t fuzzers < <(find build-fuzz/fuzz -maxdepth 1 -type f -executable | sort)
  if ((${#fuzzers[@]} == 0)); then
    echo "no fuzz targets built yet: skipping"
  fi
  for fuzzer in "${fuzzers[@]}"; do
    name="$(basename "$fuzzer")"
    corpus="build-fuzz/corpus/$name"
    artifacts="build-fuzz/artifacts/$name/"
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    [[ -d "fuzz/corpus/$name" ]] && seeds=("fuzz/corpus/$name")
    echo "-- $name"
    if "$fuzzer" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
      -artifact_prefix="$artifacts" "$corpus" "${seeds[@]}" >"build-fuzz/$name.log" 2>&1; then
      grep -E '^(stat::number_of_executed_units|Done)' "build-fuzz/$name.log" || true
    else
      tail -n 60 "build-fuzz/$name.log"
      failed+=("fuzzer $name")
    fi
  done
else
  failed+=("fuzz build")
fi

phase "end-to-end tests (build-asan/: real agents, real clients)"
main_ok=0
if ((build_ok)); then
  if ((${#failed[@]} > 0)); then
    echo "earlier phases failed: ${failed[*]}"
  fi
  # Leak checks are off here: an agent's exit after SIGTERM leaves parked coroutines behind by
  # design; memory errors and UB still abort the agent and fail the test.
  ASAN_OPTIONS="${ASAN_OPTIONS_E2E:-detect_leaks=0:abort_on_error=1}" \
    scripts/with-postgres.sh scripts/with-s3rver.sh ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L e2e && main_ok=1
else
  echo "build failed: no test run"
fi

if ((${#failed[@]} > 0)) || ((main_ok == 0)); then
  exit 1
fi
