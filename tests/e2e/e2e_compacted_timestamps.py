#!/usr/bin/python3
"""End-to-end: ListOffsets by timestamp on a compacted topic after key compaction.

A batch [k1 @ t=1000s, k2 @ t=2000s] is followed by k2 @ t=3000s; compaction re-encodes the
first batch keeping only k1 (its maxTimestamp, and the index's, still say 2000s). A consumer
asking for the offset of t=1500s must get offset 2 (k2 @ 3000s, the first record at or after
it), not "no such offset" (-1), which would make it start at the end and skip records.
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
from e2e_jobs import fetch_v4  # noqa: E402

TOPIC = "compacted-ts"
JOB_ARGS = ["-compactionInterval", "200ms", "-compactionMinObjects", "2",
            "-deletionGracePeriod", "1s"]


def produce(bootstrap, items):
    """items: [(key, value, timestamp_ms)] as one batch; returns the acked offsets."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 500})
    p.list_topics(TOPIC, timeout=15)  # the leader is known before the first record is queued
    acked, errors = [], []

    def on_delivery(err, msg):
        if err:
            errors.append(str(err))
        else:
            acked.append(msg.offset())

    for key, value, ts in items:
        p.produce(TOPIC, key=key, value=value, partition=0, timestamp=ts, on_delivery=on_delivery)
    check(p.flush(30) == 0 and not errors, f"produce errors: {errors[:3]}")
    return sorted(acked)


def first_batch(port):
    """(record count, lastOffsetDelta) of the batch served at offset 0."""
    with wire.connect(port) as sock:
        error, _, records = fetch_v4(sock, TOPIC, 0, 0)
        check(error == 0, f"fetch error {error}")
        check(len(records) >= 61, "no batch at offset 0")
        base, _ = struct.unpack_from(">qi", records, 0)
        check(base == 0, f"first batch at {base}")
        last_delta = struct.unpack_from(">i", records, 23)[0]
        count = struct.unpack_from(">i", records, 57)[0]
        return count, last_delta


def segment_files(agent):
    count = 0
    for _, _, files in os.walk(os.path.join(agent.data_dir, "bucket")):
        count += sum(1 for f in files if not f.startswith(".sluice-tmp-"))
    return count


def main():
    agent = Agent(extra_args=JOB_ARGS + ["-roles", "proxy"])
    try:
        agent.start()
        admin = AdminClient({"bootstrap.servers": agent.bootstrap})
        for f in admin.create_topics(
                [NewTopic(TOPIC, 1, 1, config={"cleanup.policy": "compact"})]).values():
            f.result(15)
        check(produce(agent.bootstrap, [(b"k1", b"a", 1_000_000), (b"k2", b"b", 2_000_000)]) ==
              [0, 1], "first batch at offsets 0-1")
        shape = first_batch(agent.kafka_port)
        check(shape == (2, 1), f"k1 and k2 share one batch: (records, lastOffsetDelta) {shape}")
        check(produce(agent.bootstrap, [(b"k2", b"c", 3_000_000)]) == [2], "k2 again at 2")

        agent.stop()
        agent.extra_args = JOB_ARGS
        agent.start()
        wait_until(lambda: segment_files(agent) == 1 and first_batch(agent.kafka_port) == (1, 1),
                   60, "compaction to re-encode the first batch keeping k1 only")

        c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": f"g-{time.time()}"})
        for ts, expected in [(500_000, 0), (1_000_000, 0), (1_500_000, 2), (2_000_000, 2),
                             (3_000_000, 2), (3_500_000, -1)]:
            got = c.offsets_for_times([TopicPartition(TOPIC, 0, ts)], timeout=15)[0]
            check(got.error is None, f"offsets_for_times({ts}): {got.error}")
            check(got.offset == expected, f"offsets_for_times({ts}) = {got.offset}, "
                                          f"expected {expected}")
        c.close()
        print("offsets by timestamp skip records compaction removed from a re-encoded batch")
        check(agent.stop() == 0, "agent exit code after SIGTERM")
        print("PASS e2e_compacted_timestamps")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
