#!/usr/bin/python3
"""End-to-end: three confluent-kafka consumers in one group share a 12-partition topic.

No partition is owned twice, every message is consumed exactly once, and after all consumers stop
and new ones start they resume exactly at the committed offsets (no loss, no redelivery).
"""


from agent_fixture import check, require_module, wait_until, run_with_agent

require_module("confluent_kafka")
from confluent_kafka import Consumer, TopicPartition  # noqa: E402
from e2e_groups_common import (Worker, create_topic, produce,  # noqa: E402
                               wait_for_assignments)

TOPIC = "e2e-groups-share"
GROUP = "share-group"
PARTITIONS = 12
FIRST = 1200
SECOND = 600


def committed_offsets(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP})
    parts = c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=10)
    c.close()
    return {tp.partition: tp.offset for tp in parts}


def run(agent):
    create_topic(agent.bootstrap, TOPIC, PARTITIONS)
    workers = [Worker(agent.bootstrap, GROUP, TOPIC, f"w{i}") for i in range(3)]
    sets = wait_for_assignments(workers, PARTITIONS, 30, "3 consumers to share 12 partitions")
    print("assignments:", [sorted(s) for s in sets])
    check(all(len(s) == 4 for s in sets), f"range assignor should give 4 each: {sets}")

    produce(agent.bootstrap, TOPIC, PARTITIONS, 0, FIRST)
    total = lambda ws: sum(len(w.values()) for w in ws)  # noqa: E731
    wait_until(lambda: total(workers) >= FIRST, 30, f"{FIRST} messages consumed")
    consumed = [v for w in workers for v in w.values()]
    check(len(consumed) == FIRST, f"consumed {len(consumed)} messages, want {FIRST}")
    check(sorted(consumed) == sorted(f"v-{i}" for i in range(FIRST)),
          "every message exactly once")
    for w, s in zip(workers, sets):
        got = {int(v[2:]) % PARTITIONS for v in w.values()}
        check(got <= s, f"{w.name} consumed partitions {got} outside its assignment {s}")

    for w in workers:
        w.stop()
    offsets = committed_offsets(agent.bootstrap)
    check(offsets == {p: FIRST // PARTITIONS for p in range(PARTITIONS)},
          f"committed offsets after stop: {offsets}")

    produce(agent.bootstrap, TOPIC, PARTITIONS, FIRST, SECOND)
    restarted = [Worker(agent.bootstrap, GROUP, TOPIC, f"r{i}") for i in range(3)]
    wait_for_assignments(restarted, PARTITIONS, 30, "restarted consumers to share the topic")
    wait_until(lambda: total(restarted) >= SECOND, 30, f"{SECOND} new messages consumed")
    again = [v for w in restarted for v in w.values()]
    check(sorted(again) == sorted(f"v-{i}" for i in range(FIRST, FIRST + SECOND)),
          f"after restart: {len(again)} messages, want exactly the {SECOND} new ones")
    for w in restarted:
        w.stop()
    offsets = committed_offsets(agent.bootstrap)
    check(offsets == {p: (FIRST + SECOND) // PARTITIONS for p in range(PARTITIONS)},
          f"committed offsets at the end: {offsets}")


if __name__ == "__main__":
    run_with_agent("e2e_groups_share", ["-groupInitialRebalanceDelay", "300ms"], run)
