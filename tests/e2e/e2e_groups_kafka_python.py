#!/usr/bin/python3
"""End-to-end: kafka-python 2.0.2 KafkaConsumer with a group_id (JoinGroup v2, SyncGroup,
Heartbeat, OffsetCommit v2, OffsetFetch v1): two consumers share a topic, commit synchronously,
and a later consumer of the same group resumes exactly after the committed offsets.
"""

import sys
import time

from agent_fixture import Agent, check, require_module

require_module("kafka")
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402

TOPIC = "e2e-groups-kp"
GROUP = "kp-group"
PARTITIONS = 4


def produce(agent, start, count):
    producer = KafkaProducer(bootstrap_servers=agent.bootstrap)
    for i in range(start, start + count):
        producer.send(TOPIC, value=f"kp-{i}".encode(), partition=i % PARTITIONS)
    producer.flush(30)
    producer.close()


def consumer(agent):
    return KafkaConsumer(TOPIC, bootstrap_servers=agent.bootstrap, group_id=GROUP,
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         session_timeout_ms=10000, heartbeat_interval_ms=1000,
                         consumer_timeout_ms=500)


def drain(consumers, want, timeout=40):
    """Polls all consumers until `want` messages arrived; commits after every poll."""
    got = {c: [] for c in consumers}
    deadline = time.monotonic() + timeout
    while sum(len(v) for v in got.values()) < want and time.monotonic() < deadline:
        for c in consumers:
            batch = c.poll(timeout_ms=200)
            for records in batch.values():
                got[c] += [r.value.decode() for r in records]
            if batch:
                c.commit()
    return got


def run(agent):
    admin = KafkaAdminClient(bootstrap_servers=agent.bootstrap)
    admin.create_topics([NewTopic(TOPIC, num_partitions=PARTITIONS, replication_factor=1)])
    admin.close()
    produce(agent, 0, 400)

    a, b = consumer(agent), consumer(agent)
    # Wait until both are members and own two partitions each, then read everything.
    deadline = time.monotonic() + 30
    got = {a: [], b: []}
    while time.monotonic() < deadline:
        for c in (a, b):
            for records in c.poll(timeout_ms=200).values():
                got[c] += [r.value.decode() for r in records]
            c.commit()
        if len(a.assignment()) == 2 and len(b.assignment()) == 2 and \
                len(got[a]) + len(got[b]) == 400:
            break
    check(len(a.assignment()) == 2 and len(b.assignment()) == 2,
          f"assignments {a.assignment()} / {b.assignment()}")
    check(not (a.assignment() & b.assignment()), "a partition owned twice")
    consumed = got[a] + got[b]
    check(sorted(consumed) == sorted(f"kp-{i}" for i in range(400)),
          f"consumed {len(consumed)} messages, {len(set(consumed))} distinct, want 400")
    for c in (a, b):
        c.commit()
        c.close()  # LeaveGroup

    produce(agent, 400, 100)
    c = consumer(agent)
    got = drain([c], 100)[c]
    check(sorted(got) == sorted(f"kp-{i}" for i in range(400, 500)),
          f"resumed consumer read {len(got)} messages, want exactly the 100 new ones")
    committed = {p: c.committed(TopicPartition(TOPIC, p)) for p in range(PARTITIONS)}
    check(committed == {p: 125 for p in range(PARTITIONS)}, f"committed {committed}")
    c.close()


if __name__ == "__main__":
    agent = Agent(extra_args=["-groupInitialRebalanceDelay", "100ms"])
    try:
        agent.start()
        run(agent)
        check(agent.stop() == 0, "agent exit code after SIGTERM")
        print("PASS e2e_groups_kafka_python")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
