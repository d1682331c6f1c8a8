#!/usr/bin/env bash
# End-to-end: kcat (librdkafka) produces keyed messages with headers (-K: -H), consumes them back
# from the beginning with a format string, and lists brokers and topics (-L). The topic is created
# by the producer's Metadata request (auto-creation on, 2 partitions by default).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/agent_fixture.sh"

command -v kcat >/dev/null || { echo "SKIP: kcat not installed"; exit 77; }

start_agent -autoCreateTopics=true -defaultNumPartitions 2
topic="e2e-kcat"
start_ms="$(date +%s%3N)"

# Partition 0 gets codec none, partition 1 gzip; each batch its own headers.
printf 'k0:hello world\nk1:second message\nk2:ünïcödé ✓\nk3:\n' |
  kcat -P -b "$BOOTSTRAP" -t "$topic" -p 0 -K: -H trace=abc -H n=1 ||
  fail "kcat -P to partition 0"
printf 'a:%s\nb:last\n' "$(head -c 3000 /dev/zero | tr '\0' x)" |
  kcat -P -b "$BOOTSTRAP" -t "$topic" -p 1 -K: -z gzip -H only=one ||
  fail "kcat -P to partition 1"
end_ms="$(date +%s%3N)"

consume() {  # consume <partition> <format>
  timeout 30 kcat -C -b "$BOOTSTRAP" -t "$topic" -p "$1" -o beginning -e -q -f "$2" ||
    fail "kcat -C on partition $1"
}

expect_eq() {  # expect_eq <what> <got> <want>
  if [[ "$2" != "$3" ]]; then
    diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") >&2 || true
    fail "$1 differs (diff: want, got)"
  fi
}

got="$(consume 0 '%k %s %h %o\n')"
want="k0 hello world trace=abc,n=1 0
k1 second message trace=abc,n=1 1
k2 ünïcödé ✓ trace=abc,n=1 2
k3  trace=abc,n=1 3"
expect_eq "partition 0 content" "$got" "$want"

got="$(consume 1 '%k %S %h %o\n')"
want="a 3000 only=one 0
b 4 only=one 1"
expect_eq "partition 1 keys, sizes, headers, offsets" "$got" "$want"
long_value="$(consume 1 '%s\n' | head -n 1)"
expect_eq "partition 1 long value" "$long_value" "$(head -c 3000 /dev/zero | tr '\0' x)"

# CreateTime timestamps set by the producer, within the produce window.
timestamps="$(consume 0 '%T\n')"
[[ $(wc -l <<<"$timestamps") == 4 ]] || fail "expected 4 timestamps, got: $timestamps"
while read -r ts; do
  ((ts >= start_ms - 1000 && ts <= end_ms + 1000)) ||
    fail "timestamp $ts outside [$start_ms, $end_ms]"
done <<<"$timestamps"

# Reading from an offset in the middle.
got="$(timeout 30 kcat -C -b "$BOOTSTRAP" -t "$topic" -p 0 -o 2 -e -q -f '%o:%k\n')"
expect_eq "partition 0 from offset 2" "$got" "2:k2
3:k3"

listing="$(kcat -L -b "$BOOTSTRAP" -m 10)" || fail "kcat -L"
grep -Eq "broker -?[0-9]+ at 127\.0\.0\.1:$KAFKA_PORT" <<<"$listing" ||
  fail "kcat -L does not list the broker 127.0.0.1:$KAFKA_PORT: $listing"
grep -q "topic \"$topic\" with 2 partitions" <<<"$listing" ||
  fail "kcat -L does not list $topic with 2 partitions: $listing"

stop_agent
echo "PASS e2e_kcat"
