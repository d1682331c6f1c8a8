#!/usr/bin/env bash
# Throughput/latency benchmark of one Sluice agent on this machine (issue 2). Not a test: it prints
# numbers. Builds a Release tree, measures two baselines (loopback TCP, disk write+fsync), then for a
# mem:// bucket (playground) and a file:// bucket (agent with a temporary data dir), each with
# -batchTimeout 250ms (default) and 5ms: produce N messages (librdkafka, acks=all), consume them back,
# and a paced produce run for latency. See docs/benchmarks.md.
#
# Environment knobs (defaults in brackets):
#   SOURCE_DIR [this checkout]  BUILD_DIR [build-bench]  SKIP_BUILD [0]  MESSAGES [200000]  SIZE [1024]  PARTITIONS [16]
#   PACED_MESSAGES [3000]  PACED_RATE [1000 msgs/s]  LOOPBACK_MIB [1024]  DISK_MIB [512]
#   DISK_FILE_MIB [4]  BENCH_TMP [/tmp]  RESULTS [unset: path to keep the raw JSON lines]
#   CONFIGS ["mem:250ms mem:5ms file:250ms file:5ms"]
set -euo pipefail

ROOT=${SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
MESSAGES=${MESSAGES:-200000}
SIZE=${SIZE:-1024}
PARTITIONS=${PARTITIONS:-16}
PACED_MESSAGES=${PACED_MESSAGES:-3000}
PACED_RATE=${PACED_RATE:-1000}
LOOPBACK_MIB=${LOOPBACK_MIB:-1024}
DISK_MIB=${DISK_MIB:-512}
DISK_FILE_MIB=${DISK_FILE_MIB:-4}
CONFIGS=${CONFIGS:-"mem:250ms mem:5ms file:250ms file:5ms"}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BENCH=ON >/dev/null
  ninja -C "$BUILD_DIR" -j2 sluice sluice_loadgen sluice_loopback_probe sluice_disk_probe
fi
SLUICE=$BUILD_DIR/sluice  # src/cli puts the binary at the top of the build tree
LOADGEN=$BUILD_DIR/bench/sluice_loadgen
for bin in "$SLUICE" "$LOADGEN" "$BUILD_DIR/bench/sluice_loopback_probe" \
  "$BUILD_DIR/bench/sluice_disk_probe"; do
  [[ -x "$bin" ]] || { echo "missing $bin (build failed?)" >&2; exit 1; }
done

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/sluice-bench.XXXXXX")
RAW=$WORK/results.jsonl
AGENT_PID=""

stop_agent() {
  if [[ -n "$AGENT_PID" ]] && kill -0 "$AGENT_PID" 2>/dev/null; then
    kill -TERM "$AGENT_PID"
    for _ in $(seq 1 150); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$AGENT_PID" 2>/dev/null; then
      echo "agent $AGENT_PID ignored SIGTERM for 15 s; killing it" >&2
      kill -KILL "$AGENT_PID" 2>/dev/null || true
    fi
    wait "$AGENT_PID" 2>/dev/null || true
  fi
  AGENT_PID=""
}
cleanup() {
  stop_agent
  if [[ -n "${RESULTS:-}" && -f "$RAW" ]]; then cp "$RAW" "$RESULTS"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# metric NAME: the value of an unlabelled metric from the running agent.
metric() {
  curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v n="$1" '$1 == n { print $2; f=1 } END { if (!f) print 0 }'
}

# record KIND CONFIG JSON: one raw line for the report.
record() {
  python3 - "$1" "$2" "$3" >>"$RAW" <<'EOF'
import json, sys
d = json.loads(sys.argv[3]) if sys.argv[3] else {}
d["kind"], d["config"] = sys.argv[1], sys.argv[2]
print(json.dumps(d))
EOF
}

echo "== baselines" >&2
loop=$("$BUILD_DIR/bench/sluice_loopback_probe" "$LOOPBACK_MIB")
echo "$loop" >&2
record loopback - "$loop"
disk=$("$BUILD_DIR/bench/sluice_disk_probe" "$WORK/disk-probe" "$DISK_MIB" "$DISK_FILE_MIB")
echo "$disk" >&2
record disk - "$disk"

for config in $CONFIGS; do
  bucket=${config%%:*}
  batch=${config#*:}
  KAFKA_PORT=$(free_port)
  HTTP_PORT=$(free_port)
  log=$WORK/agent-$bucket-$batch.log
  common=(-kafkaPort "$KAFKA_PORT" -httpPort "$HTTP_PORT" -advertiseHostname 127.0.0.1
    -batchTimeout "$batch")
  echo "== $config (kafka $KAFKA_PORT, http $HTTP_PORT)" >&2
  if [[ $bucket == mem ]]; then
    "$SLUICE" playground "${common[@]}" >"$log" 2>&1 &
  else
    "$SLUICE" agent "${common[@]}" -dataDir "$WORK/data-$batch" >"$log" 2>&1 &
  fi
  AGENT_PID=$!
  ready=0
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/v1/status"; then ready=1; break; fi
    kill -0 "$AGENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ $ready != 1 ]]; then
    echo "agent for $config did not become ready; log:" >&2
    cat "$log" >&2
    exit 1
  fi

  brokers=127.0.0.1:$KAFKA_PORT
  objects_before=$(metric sluice_produce_objects_written_total)
  produce=$("$LOADGEN" produce --brokers "$brokers" --topic bench --messages "$MESSAGES" \
    --size "$SIZE" --partitions "$PARTITIONS") || echo "produce run reported failures" >&2
  objects_after=$(metric sluice_produce_objects_written_total)
  echo "$produce" >&2
  produce=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["objects"]=int(float(sys.argv[3]))-int(float(sys.argv[2])); d["puts_per_s"]=d["objects"]/d["seconds"] if d["seconds"] else 0; print(json.dumps(d))' \
    "$produce" "$objects_before" "$objects_after")
  record produce "$config" "$produce"

  consume=$("$LOADGEN" consume --brokers "$brokers" --topic bench) ||
    echo "consume run reported failures" >&2
  echo "$consume" >&2
  record consume "$config" "$consume"

  paced=$("$LOADGEN" produce --brokers "$brokers" --topic bench-paced --messages "$PACED_MESSAGES" \
    --size "$SIZE" --partitions "$PARTITIONS" --rate "$PACED_RATE") ||
    echo "paced produce run reported failures" >&2
  echo "$paced" >&2
  record paced "$config" "$paced"

  stop_agent
  # Anything the agent logged above INFO is worth a look.
  warnings=$(grep -ciE ' (warn|error|fatal) ' "$log" || true)
  record agent "$config" "{\"log_warnings\":$warnings}"
  if [[ $warnings != 0 ]]; then
    echo "agent log for $config has $warnings WARN/ERROR lines; first ones:" >&2
    grep -iE ' (warn|error|fatal) ' "$log" | head -5 >&2
  fi
done

python3 - "$RAW" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by[(r["kind"], r["config"])] = r
loop = by[("loopback", "-")]["loopback_mb_per_s"]
disk = by[("disk", "-")]["disk_mb_per_s"]
configs = []
for r in rows:
    if r["config"] != "-" and r["config"] not in configs:
        configs.append(r["config"])
print(f"baselines: loopback TCP {loop:.0f} MB/s, disk write+fsync {disk:.0f} MB/s "
      f"({by[('disk', '-')]['file_bytes'] >> 20} MiB files)")
hdr = ("config", "prod MB/s", "cons MB/s", "p50 ms", "p99 ms", "paced p50", "paced p99",
       "paced msg/s", "PUTs/s", "prod/loop", "prod/disk", "warn")
print("| " + " | ".join(hdr) + " |")
print("|" + "|".join("---" for _ in hdr) + "|")
for c in configs:
    p = by.get(("produce", c), {})
    q = by.get(("consume", c), {})
    z = by.get(("paced", c), {})
    a = by.get(("agent", c), {})
    pm = p.get("mb_per_s", 0)
    ok = p.get("failed", 1) == 0 and p.get("undelivered", 1) == 0 and q.get("complete", False)
    cells = [c + ("" if ok else " (INCOMPLETE)"), f"{pm:.1f}", f"{q.get('mb_per_s', 0):.1f}",
             f"{p.get('p50_ms', 0):.0f}", f"{p.get('p99_ms', 0):.0f}",
             f"{z.get('p50_ms', 0):.0f}", f"{z.get('p99_ms', 0):.0f}",
             f"{z.get('msgs_per_s', 0):.0f}", f"{p.get('puts_per_s', 0):.1f}",
             f"{pm / loop:.3f}", f"{pm / disk:.2f}" if c.startswith("file") else "-",
             str(a.get("log_warnings", "?"))]
    print("| " + " | ".join(cells) + " |")
EOF
