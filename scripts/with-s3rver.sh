#!/usr/bin/env bash
# Runs a command with a throw-away s3rver (a local S3 implementation, tests/e2e/node) on a free
# loopback port, and the variables the S3 tests read:
#   SLUICE_TEST_S3_ENDPOINT=http://127.0.0.1:PORT  SLUICE_TEST_S3_BUCKET=sluice-test
#   AWS_ACCESS_KEY_ID=S3RVER  AWS_SECRET_ACCESS_KEY=S3RVER
# Exits with the command's status; s3rver and its data directory are removed afterwards.
# With --tls first, s3rver serves HTTPS with a fresh self-signed certificate for 127.0.0.1, the
# endpoint is https://127.0.0.1:PORT and SSL_CERT_FILE names the certificate (OpenSSL's default
# trust store honours it), so the S3 client's TLS path is tested with peer verification on.
# Without s3rver installed (`npm install` in tests/e2e/node) the command runs without them, so
# the S3 tests skip.
#
#   scripts/with-s3rver.sh ctest --test-dir build -R S3
set -uo pipefail

if (($# == 0)); then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

tls=0
if [[ "${1:-}" == "--tls" ]]; then
  tls=1
  shift
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
s3rver="$repo_root/tests/e2e/node/node_modules/.bin/s3rver"
bucket=sluice-test

if [[ ! -x "$s3rver" ]] || ! command -v node >/dev/null 2>&1; then
  echo "with-s3rver: $s3rver (or node) not found: running without S3 (S3 tests will skip)" >&2
  exec "$@"
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/sluice-s3rver.XXXXXX")"
log="$data_dir.log"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$data_dir" "$log" "$data_dir.tls"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Paged listings answer 500 on Node >= 17 without the legacy OpenSSL provider.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider"

scheme=http
tls_args=()
curl_args=()
if ((tls)); then
  scheme=https
  cert_dir="$data_dir.tls"
  mkdir -p "$cert_dir"
  if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$cert_dir/key.pem" -out "$cert_dir/cert.pem" >/dev/null 2>&1; then
    echo "with-s3rver: openssl could not make a test certificate" >&2
    exit 1
  fi
  tls_args=(--key "$cert_dir/key.pem" --cert "$cert_dir/cert.pem")
  curl_args=(--cacert "$cert_dir/cert.pem")
  export SSL_CERT_FILE="$cert_dir/cert.pem"
fi

started=0
for _ in 1 2 3; do  # a port picked as free can be taken before s3rver binds it: try again
  port="$(free_port)"
  "$s3rver" -d "$data_dir" -a 127.0.0.1 -p "$port" --silent --configure-bucket "$bucket" "${tls_args[@]}" \
    >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    # Any HTTP answer (even 403) means it is serving.
    code="$(curl -s "${curl_args[@]}" -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$port/$bucket" || true)"
    if [[ "$code" != "000" && -n "$code" ]]; then
      started=1
      break
    fi
    sleep 0.1
  done
  ((started)) && break
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
done
if ((!started)); then
  echo "with-s3rver: s3rver did not start:" >&2
  cat "$log" >&2
  exit 1
fi

export SLUICE_TEST_S3_ENDPOINT="$scheme://127.0.0.1:$port"
export SLUICE_TEST_S3_BUCKET="$bucket"
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN
echo "with-s3rver: s3rver on $SLUICE_TEST_S3_ENDPOINT, bucket $bucket" >&2

"$@"
status=$?
exit "$status"
