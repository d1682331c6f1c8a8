#!/usr/bin/env bash
# End-to-end: kcat's balanced consumer (`kcat -G group topic`) reads every message of a 3-partition
# topic through the consumer-group protocol, and a second run of the same group, after it committed,
# reads only what was produced since.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/agent_fixture.sh"

command -v kcat >/dev/null || { echo "SKIP: kcat not installed"; exit 77; }

start_agent -autoCreateTopics=true -defaultNumPartitions 3 -groupInitialRebalanceDelay 100ms
topic="e2e-groups-kcat"

seq 1 30 | sed 's/^/first-/' | kcat -P -b "$BOOTSTRAP" -t "$topic" -K: 2>/dev/null ||
  fail "kcat -P"

# -G: balanced consumer; -e exits at the end of every assigned partition; offsets are committed
# (auto commit) on close.
group_consume() {
  timeout 40 kcat -b "$BOOTSTRAP" -G e2e-kcat-group -X auto.offset.reset=earliest \
    -X enable.auto.commit=true -X auto.commit.interval.ms=100 -e -q -f '%s\n' "$topic" |
    sort
}

got="$(group_consume)" || fail "kcat -G (first run)"
want="$(seq 1 30 | sed 's/^/first-/' | sort)"
[[ "$got" == "$want" ]] || fail "first group run read $(wc -l <<<"$got") lines, want 30"

seq 1 9 | sed 's/^/second-/' | kcat -P -b "$BOOTSTRAP" -t "$topic" 2>/dev/null || fail "kcat -P"
got="$(group_consume)" || fail "kcat -G (second run)"
want="$(seq 1 9 | sed 's/^/second-/' | sort)"
[[ "$got" == "$want" ]] || fail "second group run read: $got"

stop_agent
echo "PASS e2e_groups_kcat"
