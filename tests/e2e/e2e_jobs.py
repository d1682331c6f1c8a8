#!/usr/bin/python3
"""End-to-end: the jobs role (docs/jobs.md) on one agent with a 5 ms batch timeout.

1. A long produce run leaves many small L0 objects; compaction merges them until the object count
   in the bucket is small, and a consumer then reads back exactly what was produced, at the same
   offsets.
2. retention.ms on a topic removes old records: ListOffsets(earliest) moves to the first recent
   batch.
3. DeleteRecords (raw wire v0: neither Debian client has deleteRecords) advances the log start.
4. Deleting the topics frees every object: the bucket empties after the grace period.
"""

import os
import struct
import sys
import time

import kafka_wire as wire
from agent_fixture import Agent, check, require_module, wait_until

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "jobs-t"
PARTITIONS = 4
MESSAGES = 4000
JOB_ARGS = ["-compactionInterval", "200ms", "-compactionMinObjects", "4",
            "-deletionGracePeriod", "1s", "-retentionCheckInterval", "300ms",
            "-internalMetricsInterval", "200ms"]


def segment_files(agent):
    root = os.path.join(agent.data_dir, "bucket")
    count = 0
    for _, _, files in os.walk(root):
        count += sum(1 for f in files if not f.startswith(".sluice-tmp-"))
    return count


def produce(bootstrap, topic, messages, partitions, timestamp=None, rounds=40):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    errors = []
    per_round = max(1, messages // rounds)
    for i in range(messages):
        kwargs = {"timestamp": timestamp} if timestamp else {}
        p.produce(topic, value=f"{topic}:{i}".encode(), partition=i % partitions,
                  on_delivery=lambda err, msg: err and errors.append(str(err)), **kwargs)
        if i % per_round == per_round - 1:
            p.flush(10)  # one flush per round: many small objects
    check(p.flush(30) == 0 and not errors, f"produce errors: {errors[:3]}")


def consume_all(bootstrap, topic, partitions, expected):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{topic}-{time.time()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = {}
    deadline = time.monotonic() + 30
    while len(got) < expected and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        key = (msg.partition(), msg.offset())
        check(key not in got, f"offset {key} delivered twice")
        got[key] = msg.value().decode()
    c.close()
    return got


def low_watermark(bootstrap, topic, partition=0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "wm"})
    low, high = c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    c.close()
    return low, high


def delete_records(port, topic, partition, offset):
    body = struct.pack(">i", 1) + wire.string(topic) + struct.pack(">i", 1)
    body += struct.pack(">iq", partition, offset) + struct.pack(">i", 5000)
    with wire.connect(port) as sock:
        sock.sendall(wire.request(21, 0, 7, body))
        r = wire.Reader(wire.read_response(sock))
    check(r.take(">i") == 7, "correlation id")
    r.take(">i")  # throttle
    check(r.take(">i") == 1, "one topic")
    check(r.string() == topic, "topic name")
    check(r.take(">i") == 1, "one partition")
    p, low, error = r.take(">iqh")
    check(p == partition and r.at_end(), "partition / trailing bytes")
    return low, error


def main():
    agent = Agent(extra_args=JOB_ARGS)
    try:
        agent.start()
        admin = AdminClient({"bootstrap.servers": agent.bootstrap})
        topics = [NewTopic(TOPIC, PARTITIONS, 1),
                  NewTopic("jobs-r", 1, 1, config={"retention.ms": "600000"}),
                  NewTopic("jobs-d", 1, 1)]
        for f in admin.create_topics(topics).values():
            f.result(15)

        # 1. Compaction.
        produce(agent.bootstrap, TOPIC, MESSAGES, PARTITIONS)
        peak = segment_files(agent)
        print(f"objects right after producing: {peak}")
        wait_until(lambda: segment_files(agent) <= 16, 30,
                   "compaction and deletion to bound the object count")
        after = segment_files(agent)
        print(f"objects after compaction: {after}")
        check(after < peak, f"object count did not drop ({peak} -> {after})")
        got = consume_all(agent.bootstrap, TOPIC, PARTITIONS, MESSAGES)
        check(len(got) == MESSAGES, f"read {len(got)} of {MESSAGES}")
        check(sorted(got.values()) == sorted(f"{TOPIC}:{i}" for i in range(MESSAGES)),
              "values differ from what was produced")
        for p in range(PARTITIONS):
            offsets = sorted(o for (q, o) in got if q == p)
            check(offsets == list(range(len(offsets))), f"partition {p} offsets not 0..n-1")
            values = [got[(p, o)] for o in offsets]
            check(values == [f"{TOPIC}:{i}" for i in range(p, MESSAGES, PARTITIONS)],
                  f"partition {p} order changed")
        metrics = agent.metrics()
        check(metrics.get('sluice_jobs_completed_total{kind="compaction"}', 0) > 0,
              "no compaction job completed")

        # The internal-metrics job: a group committed at 100 on partition 0 lags by the rest.
        c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": "lag-g",
                      "enable.auto.commit": False})
        c.commit(offsets=[TopicPartition(TOPIC, 0, 100)], asynchronous=False)
        c.close()
        per_partition = MESSAGES // PARTITIONS
        lag_key = f'sluice_consumer_group_lag{{group="lag-g",topic="{TOPIC}",partition="0"}}'
        wait_until(lambda: agent.metrics().get(lag_key) == per_partition - 100, 10,
                   f"{lag_key} to be {per_partition - 100}")
        metrics = agent.metrics()
        seconds = metrics.get(lag_key.replace("_lag{", "_lag_seconds{"), -1)
        check(0 < seconds < 600, f"lag in seconds {seconds}")
        check(metrics.get(f'sluice_partition_high_watermark{{topic="{TOPIC}",partition="3"}}') ==
              per_partition, "partition high watermark metric")
        levels = {k: v for k, v in metrics.items() if k.startswith("sluice_objects{")}
        check(sum(levels.values()) > 0 and
              any(v > 0 for k, v in levels.items() if k != 'sluice_objects{level="0"}'),
              f"objects by level {levels}: compacted levels expected")
        print(f"internal metrics: lag {per_partition - 100} records, {seconds:.1f} s; "
              f"objects by level {levels}")

        # 2. Retention by time: 60 records an hour old, then 40 recent ones.
        old = int(time.time() * 1000) - 3600 * 1000
        produce(agent.bootstrap, "jobs-r", 60, 1, timestamp=old, rounds=3)
        produce(agent.bootstrap, "jobs-r", 40, 1, rounds=2)
        wait_until(lambda: low_watermark(agent.bootstrap, "jobs-r") == (60, 100), 20,
                   "retention.ms to move ListOffsets(earliest) to 60")
        got = consume_all(agent.bootstrap, "jobs-r", 1, 40)
        check(sorted(o for (_, o) in got) == list(range(60, 100)), "records left after retention")

        # 3. DeleteRecords.
        produce(agent.bootstrap, "jobs-d", 30, 1, rounds=3)
        check(delete_records(agent.kafka_port, "jobs-d", 0, 10) == (10, 0), "DeleteRecords 10")
        check(low_watermark(agent.bootstrap, "jobs-d") == (10, 30), "earliest after DeleteRecords")
        check(delete_records(agent.kafka_port, "jobs-d", 0, 31)[1] == 1, "past the end: 1")
        check(delete_records(agent.kafka_port, "nope", 0, 1)[1] == 3, "unknown topic: 3")
        check(delete_records(agent.kafka_port, "jobs-d", 0, -1) == (30, 0), "-1: high watermark")

        # 4. Deleting the topics frees every object.
        for f in admin.delete_topics([TOPIC, "jobs-r", "jobs-d"]).values():
            f.result(15)
        wait_until(lambda: segment_files(agent) == 0, 20, "the bucket to empty")
        check(agent.stop() == 0, "agent exit code")
        print("PASS e2e_jobs")
    except BaseException:
        print(agent.log_tail(80), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
    sys.stdout.flush()
    os._exit(0)  # see e2e_confluent_kafka.py: Debian's confluent-kafka may abort at exit


if __name__ == "__main__":
    main()
