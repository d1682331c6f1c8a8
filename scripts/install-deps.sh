#!/usr/bin/env bash
# Installs what Sluice needs to build and run (default) or also to test (--test).
# Idempotent and quick on a prepared machine: only missing Debian packages are installed,
# `apt-get update` runs at most once and only when something is missing, and the KafkaJS
# test dependency is installed only when tests/e2e/node/node_modules lacks the pinned version.
set -euo pipefail

usage() { echo "usage: $0 [--test]" >&2; exit 2; }

want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    -h|--help) usage ;;
    *) echo "install-deps: unknown argument '$arg'" >&2; usage ;;
  esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Needed to configure and build the tree (CMake requires GTest and Python at configure time).
build_packages=(
  build-essential cmake ninja-build pkg-config python3 ccache
  libboost1.74-dev libsqlite3-dev libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libssl-dev
  libgtest-dev googletest curl
  libpq-dev nlohmann-json3-dev
)
# Only the test run needs these: benchmarks, real Kafka clients, fuzzers (clang), KafkaJS (node),
# a PostgreSQL server for scripts/with-postgres.sh.
# python3-lz4/-snappy/-zstandard let kafka-python use those codecs in the e2e test.
test_packages=(
  libbenchmark-dev librdkafka-dev kcat
  python3-confluent-kafka python3-kafka python3-prometheus-client
  python3-lz4 python3-snappy python3-zstandard
  python3-xxhash  # kafka-python's magic-0 LZ4 (KAFKA-3160) in e2e_legacy_formats
  clang nodejs npm
  postgresql
  openssl  # a self-signed certificate for the S3 suite over TLS (with-s3rver.sh --tls)
  python3-botocore  # cross-checks the S3 SigV4 signer (tests/unit/storage/botocore_sigv4.py)
  chromium  # headless browser for the web console test (tests/e2e/e2e_console.py)
)

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# nodejs/npm may come from another Debian-format source (e.g. a NodeSource build that bundles
# npm and conflicts with Debian's npm package): a working command is enough.
satisfied_by_command() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

packages=("${build_packages[@]}")
if [[ $want_test == 1 ]]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! is_installed "$pkg" && ! satisfied_by_command "$pkg"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo_cmd=(sudo)
    else
      echo "install-deps: missing packages (${missing[*]}) and not root; install them and retry" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

if [[ $want_test == 1 ]]; then
  # Node test dependencies (KafkaJS and whatever else tests/e2e/node/package.json lists): `npm ci`
  # whenever package-lock.json changed since the last install, judged by a checksum stamp.
  node_dir="$repo_root/tests/e2e/node"
  stamp="$node_dir/node_modules/.sluice-lock.sha256"
  if [[ -f "$node_dir/package-lock.json" ]]; then
    want_sum="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want_sum" ]]; then
      echo "install-deps: npm ci in tests/e2e/node"
      (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
      echo "$want_sum" >"$stamp"
    else
      echo "install-deps: node test packages present"
    fi
  else
    echo "install-deps: no package-lock.json: npm install in tests/e2e/node"
    (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi
