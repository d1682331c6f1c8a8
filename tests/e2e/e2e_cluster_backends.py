#!/usr/bin/python3
"""End-to-end: agents on the cluster back ends (S3 bucket on s3rver, PostgreSQL metadata).

1. One agent on s3:// + postgres:// serves produce and consume; after a restart the data is there.
2. Two agents sharing the same bucket and database take produce requests for the same partitions
   at the same time: every message is stored once, offsets are gap-free from 0, and either agent
   serves all of it.
Needs SLUICE_TEST_POSTGRES_URL and SLUICE_TEST_S3_* (scripts/with-postgres.sh,
scripts/with-s3rver.sh); skips without them.
"""

import os
import sys
import threading

from agent_fixture import Agent, check, cluster_backend_args, require_module

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

PARTITIONS = 4
PER_PRODUCER = 1500


def produce(bootstrap, topic, tag, count, errors):
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                  "compression.type": "lz4", "linger.ms": 2})

    def report(err, msg):
        if err is not None:
            errors.append(str(err))

    for i in range(count):
        p.produce(topic, key=f"{tag}-{i % 7}".encode(), value=f"{tag}:{i}".encode(),
                  partition=i % PARTITIONS, on_delivery=report)
        if i % 500 == 0:
            p.poll(0)
    left = p.flush(30)
    if left:
        errors.append(f"{left} messages not delivered")


def consume_all(bootstrap, topic, expected_total):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    got = {p: [] for p in range(PARTITIONS)}
    idle = 0
    while sum(len(v) for v in got.values()) < expected_total and idle < 40:
        msg = c.poll(0.5)
        if msg is None:
            idle += 1
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        idle = 0
        got[msg.partition()].append((msg.offset(), msg.value().decode()))
    c.close()
    return got


def verify(got, expected_values):
    for p, records in got.items():
        offsets = [o for o, _ in records]
        check(offsets == list(range(len(offsets))), f"partition {p}: offsets not gap-free from 0")
    values = [v for records in got.values() for _, v in records]
    check(len(values) == len(set(values)), "duplicates")
    check(set(values) == expected_values,
          f"lost {len(expected_values - set(values))} / unexpected {len(set(values) - expected_values)}")


def main():
    args = cluster_backend_args("backends")
    a = Agent(extra_args=args)
    b = Agent(extra_args=args)
    try:
        # 1. One agent, then a restart.
        a.start()
        admin = AdminClient({"bootstrap.servers": a.bootstrap})
        for f in admin.create_topics([NewTopic("cluster-t", PARTITIONS, 1)]).values():
            f.result(15)
        errors = []
        produce(a.bootstrap, "cluster-t", "a", PER_PRODUCER, errors)
        check(not errors, f"produce errors: {errors[:3]}")
        expected = {f"a:{i}" for i in range(PER_PRODUCER)}
        verify(consume_all(a.bootstrap, "cluster-t", len(expected)), expected)
        check(a.stop() == 0, "agent exit code")
        a.start()
        verify(consume_all(a.bootstrap, "cluster-t", len(expected)), expected)
        print("single agent on s3:// + postgres:// ok, also after restart")

        # 2. A second agent on the same bucket and database; both take writes at once.
        b.start()
        threads, errors = [], []
        for agent, tag in ((a, "b"), (b, "c"), (a, "d"), (b, "e")):
            t = threading.Thread(target=produce,
                                 args=(agent.bootstrap, "cluster-t", tag, PER_PRODUCER, errors))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        check(not errors, f"produce errors: {errors[:3]}")
        for tag in "bcde":
            expected |= {f"{tag}:{i}" for i in range(PER_PRODUCER)}
        for agent in (a, b):
            verify(consume_all(agent.bootstrap, "cluster-t", len(expected)), expected)
        print(f"two agents, 4 concurrent producers: {len(expected)} messages, gap-free, no loss,"
              " no duplicates, served by both agents")
        check(a.stop() == 0 and b.stop() == 0, "agent exit codes")
        print("PASS e2e_cluster_backends")
    except BaseException:
        print(a.log_tail(), file=sys.stderr)
        print(b.log_tail(), file=sys.stderr)
        raise
    finally:
        a.cleanup()
        b.cleanup()
    sys.stdout.flush()
    os._exit(0)  # see e2e_confluent_kafka.py: Debian's confluent-kafka may abort at exit


if __name__ == "__main__":
    main()
