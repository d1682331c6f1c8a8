#!/usr/bin/python3
"""End-to-end: the jobs role (docs/jobs.md) on one agent with a 5 ms batch timeout.

1. A long produce run (on the agent without its jobs role) leaves many small L0 objects; raw
   Fetch requests read every batch. With the jobs role back, compaction merges them until the
   object count in the bucket is small; the same raw read then returns the same bytes, with far
   fewer object-store GETs per fetched MiB (read amplification, the file cache off), and a
   consumer reads back exactly what was produced, at the same offsets.
2. retention.ms on a topic removes old records: ListOffsets(earliest) moves to the first recent
   batch.
3. DeleteRecords (raw wire v0: neither Debian client has deleteRecords) advances the log start.
4. The orphan scan: a planted segment object the store does not know, with an old mtime, is
   deleted; a fresh one and old files outside the segment prefix stay.
5. Deleting the topics frees every object: the bucket empties after the grace period.
"""

import glob
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
            "-internalMetricsInterval", "200ms", "-orphanScanInterval", "300ms",
            "-fileCacheSizeBytes", "0"]
GETS = 'sluice_object_store_requests_total{operation="get"}'


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


def fetch_v4(sock, topic, partition, offset):
    """One raw Fetch v4 of one partition: (error code, high watermark, records bytes)."""
    body = struct.pack(">iiiib", -1, 100, 1, 50 << 20, 0) + struct.pack(">i", 1)
    body += wire.string(topic) + struct.pack(">i", 1) + struct.pack(">iqi", partition, offset,
                                                                    1 << 20)
    sock.sendall(wire.request(1, 4, 11, body))
    r = wire.Reader(wire.read_response(sock))
    check(r.take(">i") == 11, "fetch correlation id")
    r.take(">i")  # throttle
    check(r.take(">i") == 1 and r.string() == topic and r.take(">i") == 1, "fetch answer shape")
    p, error, high, _lso, aborted = r.take(">ihqqi")
    check(p == partition and aborted <= 0, "fetch partition / aborted transactions")
    n = r.take(">i")
    records = b"" if n < 0 else r.data[r.pos:r.pos + n]
    r.pos += max(n, 0)
    check(r.at_end(), "fetch: trailing bytes")
    return error, high, records


def read_batches(port, topic, partitions):
    """Every record batch of every partition, byte for byte as served: {partition: [bytes]}."""
    out = {}
    with wire.connect(port) as sock:
        for p in range(partitions):
            batches, offset = [], 0
            deadline = time.monotonic() + 30
            while True:
                error, high, records = fetch_v4(sock, topic, p, offset)
                check(error == 0, f"fetch error {error}")
                if offset >= high:
                    break
                check(time.monotonic() < deadline, f"partition {p} stuck at {offset}")
                pos = 0
                while pos + 12 <= len(records):
                    base, length = struct.unpack_from(">qi", records, pos)
                    if pos + 12 + length > len(records):
                        break  # a partial batch at the end of a size-limited answer
                    batch = records[pos:pos + 12 + length]
                    check(base == offset, f"partition {p}: batch at {base}, expected {offset}")
                    offset = base + struct.unpack_from(">i", batch, 23)[0] + 1
                    batches.append(batch)
                    pos += 12 + length
            out[p] = batches
    return out


def measured_read(agent, topic, partitions):
    """read_batches, with the object-store GETs and fetched bytes it cost."""
    m0 = agent.metrics()
    batches = read_batches(agent.kafka_port, topic, partitions)
    m1 = agent.metrics()
    gets = m1.get(GETS, 0) - m0.get(GETS, 0)
    fetched = m1["sluice_fetched_bytes_total"] - m0["sluice_fetched_bytes_total"]
    return batches, gets, fetched


def compaction_quiet(agent):
    """True when no compaction ran and nothing was read from the bucket for a second."""
    key = 'sluice_jobs_completed_total{kind="compaction"}'
    m0 = agent.metrics()
    time.sleep(1)
    m1 = agent.metrics()
    return m0.get(key, 0) == m1.get(key, 0) and m0.get(GETS, 0) == m1.get(GETS, 0)


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


def check_orphan_scan(agent):
    bucket = os.path.join(agent.data_dir, "bucket")
    segments = [os.path.join(d, "segments") for d in
                glob.glob(os.path.join(bucket, "sluice", "*")) if os.path.isdir(d)]
    check(len(segments) == 1, f"segment directories: {segments}")
    two_hours_ago = time.time() - 7200

    def plant(path, old):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"not a segment anybody committed")
        if old:
            os.utime(path, (two_hours_ago, two_hours_ago))
        return path

    old = plant(os.path.join(segments[0], "01ORPHANOLDFLUSH0000000000"), True)
    old_attempt = plant(os.path.join(segments[0], "01ORPHANLOSTATTEMPT0000000.3"), True)
    fresh = plant(os.path.join(segments[0], "01ORPHANFRESHFLUSH00000000"), False)
    outside = [plant(os.path.join(bucket, "sluice", "notes-kept.txt"), True),
               plant(os.path.join(bucket, "sluice", "other-cluster", "segments", "01OTHER"), True),
               plant(os.path.join(os.path.dirname(segments[0]), "segments-old", "01SIB"), True)]
    deleted_key = "sluice_jobs_orphans_deleted_total"
    scans_key = 'sluice_jobs_completed_total{kind="orphan_scan"}'
    deleted_before = agent.metrics().get(deleted_key, 0)
    wait_until(lambda: not os.path.exists(old) and not os.path.exists(old_attempt), 15,
               "the orphan scan to delete the old orphans")
    # Two more complete scans: the rest must survive them.
    scans = agent.metrics().get(scans_key, 0)
    wait_until(lambda: agent.metrics().get(scans_key, 0) >= scans + 2, 15, "two more scans")
    check(agent.metrics().get(deleted_key, 0) - deleted_before == 2,
          f"{deleted_key} went from {deleted_before} to {agent.metrics().get(deleted_key)}")
    for path in [fresh] + outside:
        check(os.path.exists(path), f"the orphan scan deleted {path}")
        os.remove(path)
    print("orphan scan: old unknown segment objects deleted; fresh ones and others kept")


def main():
    # Without the jobs role first: nothing compacts while the uncompacted read is measured.
    agent = Agent(extra_args=JOB_ARGS + ["-roles", "proxy"])
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
        before, gets_before, bytes_before = measured_read(agent, TOPIC, PARTITIONS)
        check(sum(len(b) for b in before.values()) > 0 and bytes_before > 0, "nothing read")
        check(agent.stop() == 0, "agent exit code (proxy only)")
        agent.extra_args = JOB_ARGS
        agent.start()
        wait_until(lambda: segment_files(agent) <= 16, 30,
                   "compaction and deletion to bound the object count")
        after = segment_files(agent)
        print(f"objects after compaction: {after}")
        check(after < peak, f"object count did not drop ({peak} -> {after})")
        # Every byte read back after compaction equals what was read before, for fewer GETs
        # (measured while no compaction runs: its own GETs would count too).
        for _ in range(5):
            wait_until(lambda: compaction_quiet(agent), 30, "compaction to settle")
            again, gets_after, bytes_after = measured_read(agent, TOPIC, PARTITIONS)
            if compaction_quiet(agent):
                break
        check(again == before, "batches read after compaction differ from those read before")
        check(bytes_after == bytes_before, f"fetched {bytes_before} then {bytes_after} bytes")
        amp_before = gets_before / (bytes_before / 2**20)
        amp_after = gets_after / (bytes_after / 2**20)
        print(f"read amplification: {gets_before} GETs for {bytes_before} bytes "
              f"({amp_before:.0f}/MiB) before compaction, {gets_after} ({amp_after:.0f}/MiB) "
              f"after")
        check(gets_after >= 1 and amp_after * 4 <= amp_before,
              f"read amplification did not drop enough: {amp_before:.1f} -> {amp_after:.1f}")
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

        # 4. The orphan scan (every 300 ms here; default safety age 1 h).
        check_orphan_scan(agent)

        # 5. Deleting the topics frees every object.
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
