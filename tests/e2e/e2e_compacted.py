#!/usr/bin/python3
"""End-to-end: compacted topics (docs/jobs.md "Compacted topics") on one agent.

1. A topic created with cleanup.policy=compact and delete.retention.ms=3000 shows both in
   DescribeConfigs; a bad cleanup.policy is refused; a record without a key is INVALID_RECORD.
2. With the jobs role off, five rounds write a value for every key, one round per compression
   codec (none, gzip, snappy, lz4, zstd); some keys get a tombstone, some a tombstone and then a
   value again; each round also writes keys of its own. With the jobs role on, compaction
   merges everything into one object; a fresh consumer from earliest reads exactly the latest
   value of every live key, at the offset it was produced at (tombstones, if still young, as the
   only record of their key), and raw Fetch shows re-encoded batches of each of the first four
   codecs (fewer records than offsets, valid CRC-32C).
3. After delete.retention.ms, one more round (overwriting some zstd-round keys) and one more
   merge: the tombstoned keys are gone and zstd batches were re-encoded too.
"""

import json
import os
import struct
import sys
import time
import urllib.error
import urllib.request

import kafka_wire as wire
from agent_fixture import Agent, check, require_module, wait_until

require_module("confluent_kafka")
require_module("kafka")
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic  # noqa: E402
from e2e_jobs import fetch_v4  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

TOPIC = "compacted-t"
PARTITIONS = 2
KEYS = 40
DELETE_RETENTION_MS = 3000
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
JOB_ARGS = ["-compactionInterval", "200ms", "-compactionMinObjects", "2",
            "-deletionGracePeriod", "1s"]
COMPACTIONS = 'sluice_jobs_completed_total{kind="compaction"}'
DROPPED = "sluice_jobs_compaction_records_dropped_total"
CODEC_NAMES = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def rewritten_codecs(port):
    """Codecs of the served batches that hold fewer records than offsets (re-encoded ones);
    every batch's CRC-32C is checked on the way."""
    codecs = set()
    with wire.connect(port) as sock:
        for p in range(PARTITIONS):
            offset, deadline = 0, time.monotonic() + 30
            while True:
                error, high, records = fetch_v4(sock, TOPIC, p, offset)
                check(error == 0, f"fetch error {error}")
                if offset >= high:
                    break
                check(time.monotonic() < deadline, f"raw fetch stuck at {p}/{offset}")
                pos = 0
                while pos + 12 <= len(records):
                    base, length = struct.unpack_from(">qi", records, pos)
                    if pos + 12 + length > len(records):
                        break
                    batch = records[pos:pos + 12 + length]
                    check(base >= offset, f"batch at {base} below the fetch offset {offset}")
                    crc, attributes, last_delta = struct.unpack_from(">Ihi", batch, 17)
                    check(wire.crc32c(batch[21:]) == crc, f"CRC of the batch at {p}/{base}")
                    count = struct.unpack_from(">i", batch, 57)[0]
                    if count < last_delta + 1:
                        codecs.add(CODEC_NAMES[attributes & 7])
                    offset = base + last_delta + 1
                    pos += 12 + length
    return codecs


def segment_files(agent):
    count = 0
    for _, _, files in os.walk(os.path.join(agent.data_dir, "bucket")):
        count += sum(1 for f in files if not f.startswith(".sluice-tmp-"))
    return count


def produce(bootstrap, codec, items):
    """items: [(key, value or None)]; returns [(partition, offset, key, value)] as acked.

    kafka-python writes the gzip, snappy and lz4 rounds and confluent-kafka the others, so the
    batches of both clients are compacted (e2e_legacy_formats checks librdkafka's compression)."""
    if codec in ("gzip", "snappy", "lz4"):
        return produce_kafka_python(bootstrap, codec, items)
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "compression.type": codec})
    acked, errors = [], []

    def on_delivery(err, msg):
        if err:
            errors.append(str(err))
        else:
            acked.append((msg.partition(), msg.offset(), msg.key(), msg.value()))

    for key, value in items:
        partition = int(key.split(b"-")[1]) % PARTITIONS
        p.produce(TOPIC, key=key, value=value, partition=partition, on_delivery=on_delivery)
    check(p.flush(30) == 0 and not errors, f"produce errors ({codec}): {errors[:3]}")
    check(len(acked) == len(items), f"{len(acked)} of {len(items)} acked")
    return acked


def produce_kafka_python(bootstrap, codec, items):
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, acks="all",
                      linger_ms=5, retries=0, max_in_flight_requests_per_connection=1)
    futures = [(key, value, p.send(TOPIC, key=key, value=value,
                                   partition=int(key.split(b"-")[1]) % PARTITIONS))
               for key, value in items]
    acked = []
    for key, value, future in futures:
        meta = future.get(timeout=30)
        acked.append((meta.partition, meta.offset, key, value))
    p.close()
    return acked


def value_of(round_no, k):
    # Compressible, so every codec really compresses.
    return f"round-{round_no}-key-{k}-".encode() + b"payload " * 30


def consume_everything(bootstrap):
    """Every record from earliest up to the high watermarks: {(partition, offset): (key, value)}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{time.time()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    highs = {}
    for p in range(PARTITIONS):
        _, highs[p] = c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    got, last = {}, {p: -1 for p in range(PARTITIONS)}
    deadline = time.monotonic() + 30
    while any(last[p] < highs[p] - 1 for p in range(PARTITIONS)):
        check(time.monotonic() < deadline, f"consumer stuck at {last} (high watermarks {highs})")
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        where = (msg.partition(), msg.offset())
        check(where not in got, f"offset {where} delivered twice")
        check(msg.offset() > last[msg.partition()], f"offsets went backwards at {where}")
        got[where] = (msg.key(), msg.value())
        last[msg.partition()] = msg.offset()
    c.close()
    return got


def wait_merged(agent):
    """Until the bucket holds one object and no compaction ran for a second."""
    def settled():
        if segment_files(agent) != 1:
            return False
        before = agent.metrics().get(COMPACTIONS, 0)
        time.sleep(1)
        return segment_files(agent) == 1 and agent.metrics().get(COMPACTIONS, 0) == before
    wait_until(settled, 60, "compaction to merge everything into one object")


def restart(agent, args):
    check(agent.stop() == 0, "agent exit code")
    agent.extra_args = args
    agent.start()


def check_configs_and_keys(agent):
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    topic = NewTopic(TOPIC, PARTITIONS, 1,
                     config={"cleanup.policy": "compact",
                             "delete.retention.ms": str(DELETE_RETENTION_MS)})
    for f in admin.create_topics([topic]).values():
        f.result(15)
    bad = NewTopic("compacted-bad", 1, 1, config={"cleanup.policy": "shrink"})
    try:
        admin.create_topics([bad])["compacted-bad"].result(15)
        check(False, "cleanup.policy=shrink was accepted")
    except Exception as e:  # noqa: BLE001 - confluent-kafka raises KafkaException
        print(f"bad cleanup.policy refused: {e}")
    resource = ConfigResource(ConfigResource.Type.TOPIC, TOPIC)
    described = list(admin.describe_configs([resource]).values())[0].result(15)
    check(described["cleanup.policy"].value == "compact", "DescribeConfigs cleanup.policy")
    check(described["delete.retention.ms"].value == str(DELETE_RETENTION_MS),
          "DescribeConfigs delete.retention.ms")

    p = Producer({"bootstrap.servers": agent.bootstrap, "linger.ms": 0, "retries": 0})
    errors = []
    p.produce(TOPIC, value=b"no key", partition=0,
              on_delivery=lambda err, msg: errors.append(err))
    p.flush(30)
    check(len(errors) == 1 and errors[0] is not None and
          errors[0].code() == KafkaError.INVALID_RECORD,
          f"a keyless record on a compacted topic: {errors}")
    # The HTTP API refuses it too (42201), and takes a keyed record.
    keyed = {"key": "a2V5LTk5OQ==", "value": "ZnJvbSBodHRw"}  # key-999 = "from http"
    written = {}
    for record, expected in (({"value": "bm8ga2V5"}, 422), (keyed, 200)):
        req = urllib.request.Request(
            f"http://127.0.0.1:{agent.http_port}/topics/{TOPIC}/partitions/0",
            data=json.dumps({"records": [record]}).encode(), method="POST",
            headers={"Content-Type": "application/vnd.kafka.binary.v2+json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, body = resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            status, body = e.code, json.loads(e.read())
        check(status == expected, f"HTTP produce of {record}: {status} {body}")
        if expected == 422:
            check(body.get("error_code") == 42201, f"HTTP error body {body}")
        else:
            written[b"key-999"] = (0, body["offsets"][0]["offset"], b"from http")
    print("configs shown and validated; keyless record refused with INVALID_RECORD (HTTP 42201)")
    return written


def main():
    agent = Agent(extra_args=JOB_ARGS + ["-roles", "proxy"])
    try:
        agent.start()
        # key -> (partition, offset, value) of its latest record; value None = tombstone.
        latest = check_configs_and_keys(agent)
        deleted = {k for k in range(KEYS) if k % 5 == 0}
        revived = {k for k in range(KEYS) if k % 5 == 1}
        for round_no, codec in enumerate(CODECS):
            items = []
            for k in range(KEYS):
                value = value_of(round_no, k)
                if k in deleted and round_no >= 3:
                    value = None if round_no == 3 else False
                if k in revived and round_no == 2:
                    value = None
                if value is False:
                    continue  # deleted keys stay deleted
                items.append((f"key-{k}".encode(), value))
            items.append((f"key-{100 + round_no}".encode(), value_of(round_no, 100 + round_no)))
            items.append((f"key-{200 + round_no}".encode(), value_of(round_no, 200 + round_no)))
            for partition, offset, key, value in produce(agent.bootstrap, codec, items):
                latest[key] = (partition, offset, value)
        tombstones_written = time.monotonic()
        produced_objects = segment_files(agent)
        print(f"5 rounds ({', '.join(CODECS)}): {produced_objects} objects")

        restart(agent, JOB_ARGS)
        wait_merged(agent)
        got = consume_everything(agent.bootstrap)
        by_key = {}
        for (partition, offset), (key, value) in got.items():
            check(key not in by_key, f"{key} read twice: a superseded value survived")
            by_key[key] = (partition, offset, value)
        for key, (partition, offset, value) in latest.items():
            if value is None:  # a tombstone: absent, or still there as the only record
                check(key not in by_key or by_key[key] == (partition, offset, None),
                      f"{key}: {by_key.get(key)} instead of its tombstone at {offset}")
            else:
                check(by_key.get(key) == (partition, offset, value),
                      f"{key}: {by_key.get(key, (None, None, None))[:2]} instead of "
                      f"({partition}, {offset})")
        live = sum(1 for v in latest.values() if v[2] is not None)
        codecs = rewritten_codecs(agent.kafka_port)
        check(set(CODECS[:4]) <= codecs, f"re-encoded batches seen only for {sorted(codecs)}")
        check(agent.metrics().get(DROPPED, 0) > 0, f"{DROPPED} did not grow")
        print(f"after compaction: {len(got)} records for {live} live keys at their original "
              f"offsets; re-encoded batches with {sorted(codecs)}")

        # 3. Once the tombstones are older than delete.retention.ms, the next merge drops them.
        wait = DELETE_RETENTION_MS / 1000 + 0.5 - (time.monotonic() - tombstones_written)
        time.sleep(max(0.0, wait))
        restart(agent, JOB_ARGS + ["-roles", "proxy"])
        late = [(b"key-1000", b"late"), (b"key-1001", b"late"), (b"key-2", b"late"),
                (b"key-3", b"late")]  # key-2 and key-3 were last written in the zstd round
        for partition, offset, key, value in produce(agent.bootstrap, "none", late):
            latest[key] = (partition, offset, value)
        restart(agent, JOB_ARGS)
        wait_merged(agent)
        got = consume_everything(agent.bootstrap)
        expected = {(p, o): (k, v) for k, (p, o, v) in latest.items() if v is not None}
        check(got == expected,
              f"{len(got)} records read, {len(expected)} expected; extra: "
              f"{sorted(set(got) - set(expected))[:5]}, missing: "
              f"{sorted(set(expected) - set(got))[:5]}")
        codecs = rewritten_codecs(agent.kafka_port)
        check("zstd" in codecs, f"no re-encoded zstd batch: {sorted(codecs)}")
        print(f"after delete.retention.ms: exactly the {len(expected)} live keys, "
              f"{len(deleted)} tombstoned keys gone; re-encoded batches with {sorted(codecs)}")
        check(agent.stop() == 0, "agent exit code after SIGTERM")
        print("PASS e2e_compacted")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
