#!/usr/bin/env bash
# End-to-end: the command line as a user meets it. --help lists the flags; a bad flag value or an
# unknown flag fails fast naming the flag; WARPSTREAM_KAFKA_PORT is honoured, SLUICE_KAFKA_PORT beats
# it and a flag beats both;
# `sluice playground` (mem:// bucket, in-memory metadata) starts, serves Kafka and stops cleanly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/agent_fixture.sh"

# --help: exit 0, every documented agent flag named.
help_out="$WORK_DIR/help.txt"
"$SLUICE" --help >"$help_out" 2>&1 || fail "sluice --help exited with $?: $(cat "$help_out")"
for flag in bucketURL metadataURL batchTimeout kafkaPort httpPort dataDir advertiseHostname \
  autoCreateTopics defaultNumPartitions; do
  grep -q -- "-$flag" "$help_out" || fail "sluice --help does not list -$flag: $(cat "$help_out")"
done

# expect_start_failure <flag named in the message> <args...>: non-zero exit within 10 s.
expect_start_failure() {
  local flag="$1" out="$WORK_DIR/failure.txt" code=0
  shift
  timeout 10 "$SLUICE" agent -kafkaPort "$(free_port)" -httpPort "$(free_port)" \
    -dataDir "$WORK_DIR/never" "$@" >"$out" 2>&1 || code=$?
  [[ $code != 0 ]] || fail "sluice agent $* exited 0"
  [[ $code != 124 ]] || fail "sluice agent $* still running after 10 s (should refuse to start)"
  grep -q -- "$flag" "$out" || fail "message for '$*' does not name $flag: $(cat "$out")"
}
expect_start_failure batchTimeout -batchTimeout banana
expect_start_failure kafkaPort -kafkaPort not-a-port
expect_start_failure noSuchFlag -noSuchFlag 1

# The WarpStream environment variable sets the Kafka port.
env_port="$(free_port)"
HTTP_PORT="$(free_port)"
WARPSTREAM_KAFKA_PORT="$env_port" launch "$SLUICE" agent -httpPort "$HTTP_PORT" \
  -dataDir "$WORK_DIR/env" -advertiseHostname 127.0.0.1
kafka_ping "$env_port" || fail "no Kafka answer on WARPSTREAM_KAFKA_PORT=$env_port"
stop_agent

# SLUICE_* beats WARPSTREAM_*.
env_port="$(free_port)"
sluice_port="$(free_port)"
HTTP_PORT="$(free_port)"
WARPSTREAM_KAFKA_PORT="$env_port" SLUICE_KAFKA_PORT="$sluice_port" launch "$SLUICE" agent \
  -httpPort "$HTTP_PORT" -dataDir "$WORK_DIR/env2" -advertiseHostname 127.0.0.1
kafka_ping "$sluice_port" || fail "no Kafka answer on SLUICE_KAFKA_PORT=$sluice_port"
! kafka_ping "$env_port" || fail "SLUICE_KAFKA_PORT did not beat WARPSTREAM_KAFKA_PORT"
stop_agent

# A flag beats the environment.
env_port="$(free_port)"
flag_port="$(free_port)"
HTTP_PORT="$(free_port)"
WARPSTREAM_KAFKA_PORT="$env_port" launch "$SLUICE" agent -kafkaPort "$flag_port" \
  -httpPort "$HTTP_PORT" -dataDir "$WORK_DIR/flag" -advertiseHostname 127.0.0.1
kafka_ping "$flag_port" || fail "no Kafka answer on -kafkaPort $flag_port"
! kafka_ping "$env_port" || fail "agent also listens on the env port $env_port"
stop_agent

# playground: nothing on disk, same Kafka and HTTP surface.
KAFKA_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
mkdir -p "$WORK_DIR/playground-cwd"
cd "$WORK_DIR/playground-cwd"
launch "$SLUICE" playground -kafkaPort "$KAFKA_PORT" -httpPort "$HTTP_PORT" \
  -advertiseHostname 127.0.0.1 -batchTimeout 5ms -autoCreateTopics=true
kafka_ping "$KAFKA_PORT" || fail "playground: no Kafka answer on $KAFKA_PORT"
if command -v kcat >/dev/null; then
  printf 'k:v\n' | kcat -P -b "127.0.0.1:$KAFKA_PORT" -t play -p 0 -K: ||
    fail "playground: kcat -P"
  got="$(timeout 30 kcat -C -b "127.0.0.1:$KAFKA_PORT" -t play -p 0 -o beginning -e -q \
    -f '%k=%s@%o')" || fail "playground: kcat -C"
  [[ "$got" == "k=v@0" ]] || fail "playground round trip gave '$got', want 'k=v@0'"
fi
stop_agent
leftovers="$(ls -A .)"
[[ -z "$leftovers" ]] || fail "playground wrote files into its working directory: $leftovers"
cd /

echo "PASS e2e_cli"
