# Sourced by the shell e2e tests: start_agent / stop_agent around a real `sluice` process.
# The binary is $1 of the test script, else $SLUICE_BIN, else build/sluice in the repository.
# After start_agent: AGENT_PID, KAFKA_PORT, HTTP_PORT, DATA_DIR, AGENT_LOG, BOOTSTRAP.

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
SLUICE="${1:-${SLUICE_BIN:-$REPO_ROOT/build/sluice}}"
WORK_DIR="$(mktemp -d /tmp/sluice-e2e-XXXXXX)"
AGENT_PID=""

fail() {
  echo "FAIL: $*" >&2
  if [[ -n "${AGENT_LOG:-}" && -f "$AGENT_LOG" ]]; then
    echo "--- agent log (tail) ---" >&2
    tail -n 40 "$AGENT_LOG" >&2
  fi
  exit 1
}

cleanup_agent() {
  if [[ -n "$AGENT_PID" ]] && kill -0 "$AGENT_PID" 2>/dev/null; then
    kill -KILL "$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK_DIR" || true
}
trap cleanup_agent EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

[[ -x "$SLUICE" ]] || fail "sluice binary not found at $SLUICE"

# wait_ready <http port> <pid>: polls GET /v1/status until it answers 200 with JSON.
wait_ready() {
  local port="$1" pid="$2" body
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || fail "agent exited before it was ready"
    if body="$(curl -sf --max-time 2 "http://127.0.0.1:$port/v1/status")" &&
      /usr/bin/python3 -c 'import json,sys; json.loads(sys.argv[1])' "$body" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  fail "agent not ready on HTTP port $port after 30 s"
}

# start_agent [extra args...]: an agent on fresh ports with its own data dir.
start_agent() {
  KAFKA_PORT="$(free_port)"
  HTTP_PORT="$(free_port)"
  DATA_DIR="$WORK_DIR/data-$KAFKA_PORT"
  BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
  mkdir -p "$DATA_DIR"
  launch "$SLUICE" agent -kafkaPort "$KAFKA_PORT" -httpPort "$HTTP_PORT" -dataDir "$DATA_DIR" \
    -advertiseHostname 127.0.0.1 -batchTimeout 5ms "$@"
}

# launch <command...>: runs any agent command line in the background (environment as given by the
# caller), waits until $HTTP_PORT is ready. The caller sets HTTP_PORT (and KAFKA_PORT) first.
launch() {
  AGENT_LOG="$WORK_DIR/agent-$HTTP_PORT.log"
  "$@" >"$AGENT_LOG" 2>&1 &
  AGENT_PID=$!
  wait_ready "$HTTP_PORT" "$AGENT_PID"
}

# kafka_ping <port>: true when a Kafka ApiVersions v0 request on 127.0.0.1:<port> gets error 0.
kafka_ping() {
  /usr/bin/python3 - "$1" <<'PY'
import socket, struct, sys
req = struct.pack(">hhih", 18, 0, 7, 4) + b"ping"
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(struct.pack(">i", len(req)) + req)
    data = b""
    while len(data) < 10:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    size, cid, err = struct.unpack(">iih", data[:10])
    sys.exit(0 if cid == 7 and err == 0 else 1)
except (OSError, struct.error):
    sys.exit(1)
PY
}

# stop_agent: SIGTERM and wait (up to 20 s) for exit status 0.
stop_agent() {
  [[ -n "$AGENT_PID" ]] || return 0
  kill -TERM "$AGENT_PID" 2>/dev/null || true
  for _ in $(seq 1 200); do
    if ! kill -0 "$AGENT_PID" 2>/dev/null; then
      local code=0
      wait "$AGENT_PID" || code=$?
      AGENT_PID=""
      [[ $code == 0 ]] || fail "agent exited with $code after SIGTERM"
      return 0
    fi
    sleep 0.1
  done
  fail "agent still running 20 s after SIGTERM"
}
