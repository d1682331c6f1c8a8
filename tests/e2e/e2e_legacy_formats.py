#!/usr/bin/python3
"""End-to-end: legacy message formats (Produce v0-2, Fetch v0-3) against a real agent.

(a) librdkafka 2.0 compresses with gzip, snappy and lz4 only when the broker lists Produce v2 and
    Fetch v2 ("MsgVer1"). confluent-kafka produces with every codec; a raw Fetch v4 shows that the
    stored batches carry that codec (so librdkafka really compressed), and a consumer reads every
    value back.
(b) kafka-python with api_version (0, 10) and (0, 10, 1) (Produce v2, Fetch v2/v3, magic 1) and
    (0, 9) (Produce v1, Fetch v1, magic 0) produces compressed message sets and consumes them
    (kafka-python checks every message CRC): keys, values, offsets and (magic 1) timestamps.
(c) Cross-reads: confluent-kafka records with headers read by kafka-python (0, 10) (headers
    dropped), and kafka-python (0, 10) / (0, 9) records read by confluent-kafka (magic-0 records
    carry the append time as LogAppendTime).
"""

import struct
import time

import kafka_wire as wire
from agent_fixture import check, require_module, run_with_agent, wait_until

ck = require_module("confluent_kafka")
require_module("kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer  # noqa: E402
from kafka import TopicPartition as KpTopicPartition  # noqa: E402
from kafka import codec as kafka_codec  # noqa: E402

CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
COUNT = 300
BASE_TS = 1_720_000_000_000


def value_of(tag, i):
    return f"{tag}-value-{i}-".encode() + b"compressible payload " * 20  # codecs really shrink it


def fetch_v4(sock, topic, offset):
    """One raw Fetch v4 of partition 0: (error code, high watermark, records bytes)."""
    body = struct.pack(">iiiib", -1, 100, 1, 50 << 20, 0) + struct.pack(">i", 1)
    body += wire.string(topic) + struct.pack(">i", 1) + struct.pack(">iqi", 0, offset, 1 << 20)
    sock.sendall(wire.request(1, 4, 7, body))
    r = wire.Reader(wire.read_response(sock))
    check(r.take(">i") == 7, "fetch correlation id")
    r.take(">i")  # throttle
    check(r.take(">i") == 1 and r.string() == topic and r.take(">i") == 1, "fetch answer shape")
    _p, error, high, _lso, _aborted = r.take(">ihqqi")
    n = r.take(">i")
    records = b"" if n < 0 else r.data[r.pos:r.pos + n]
    return error, high, records


def stored_codecs(agent, topic):
    """{codec ids of the served batches}; every batch CRC-32C checked, offsets contiguous."""
    codecs, offset = set(), 0
    deadline = time.monotonic() + 30
    with wire.connect(agent.kafka_port) as sock:
        while True:
            error, high, records = fetch_v4(sock, topic, offset)
            check(error == 0, f"{topic}: fetch error {error}")
            if offset >= high:
                return codecs
            check(time.monotonic() < deadline, f"{topic}: raw fetch stuck at {offset}")
            pos = 0
            while pos + 12 <= len(records):
                base, length = struct.unpack_from(">qi", records, pos)
                if pos + 12 + length > len(records):
                    break
                batch = records[pos:pos + 12 + length]
                check(batch[16] == 2, f"{topic}: stored batch magic {batch[16]}")
                crc, attributes, last_delta = struct.unpack_from(">Ihi", batch, 17)
                check(wire.crc32c(batch[21:]) == crc, f"{topic}: CRC of the batch at {base}")
                check(base == offset, f"{topic}: batch at {base}, expected {offset}")
                codecs.add(attributes & 7)
                offset = base + last_delta + 1
                pos += 12 + length


def ck_produce(agent, topic, codec, items):
    """items: [(key, value, headers)]; returns the acked offsets in order."""
    p = Producer({"bootstrap.servers": agent.bootstrap, "linger.ms": 20,
                  "compression.type": codec, "batch.num.messages": 100})
    acked, errors = [], []

    def on_delivery(err, msg):
        if err:
            errors.append(str(err))
        else:
            acked.append(msg.offset())

    for i, (key, value, headers) in enumerate(items):
        p.produce(topic, key=key, value=value, headers=headers, partition=0,
                  timestamp=BASE_TS + i, on_delivery=on_delivery)
    check(p.flush(30) == 0 and not errors, f"{topic}: produce errors {errors[:3]}")
    check(acked == list(range(len(items))), f"{topic}: acked offsets {acked[:5]}...")
    return acked


def ck_consume(agent, topic, count):
    c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": f"g-{topic}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, 0)])
    got, deadline = [], time.monotonic() + 30
    while len(got) < count:
        check(time.monotonic() < deadline, f"{topic}: consumer got {len(got)} of {count}")
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        got.append(msg)
    c.close()
    check([m.offset() for m in got] == list(range(count)), f"{topic}: consumed offsets")
    return got


def kp_produce(agent, topic, api_version, codec, items):
    """items: [(key, value)], timestamps BASE_TS + i; returns the acked offsets."""
    p = KafkaProducer(bootstrap_servers=agent.bootstrap, api_version=api_version,
                      compression_type=codec, acks=1, linger_ms=20, retries=0,
                      max_in_flight_requests_per_connection=1)
    futures = [p.send(topic, key=key, value=value, partition=0, timestamp_ms=BASE_TS + i)
               for i, (key, value) in enumerate(items)]
    offsets = [f.get(timeout=30).offset for f in futures]
    p.close(timeout=10)
    check(offsets == list(range(len(items))), f"{topic}: acked offsets {offsets[:5]}...")
    return offsets


def kp_consume(agent, topic, api_version, count):
    c = KafkaConsumer(bootstrap_servers=agent.bootstrap, api_version=api_version, group_id=None,
                      enable_auto_commit=False, fetch_max_wait_ms=100, request_timeout_ms=15000,
                      check_crcs=True, max_partition_fetch_bytes=64 * 1024)
    tp = KpTopicPartition(topic, 0)
    c.assign([tp])
    c.seek_to_beginning()
    got, deadline = [], time.monotonic() + 40
    while len(got) < count and time.monotonic() < deadline:
        for records in c.poll(timeout_ms=500, max_records=1000).values():
            got.extend(records)
    c.close()
    check(len(got) == count, f"{topic}: kafka-python {api_version} got {len(got)} of {count}")
    check([r.offset for r in got] == list(range(count)), f"{topic}: consumed offsets")
    return got


def librdkafka_compresses(agent):
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"legacy-ck-{codec}"
        items = [(f"k{i}".encode(), value_of(topic, i), None) for i in range(COUNT)]
        ck_produce(agent, topic, codec, items)
        codecs = stored_codecs(agent, topic)
        check(codecs == {CODEC_IDS[codec]},
              f"{topic}: stored batch codecs {codecs}, want only {CODEC_IDS[codec]} "
              "(librdkafka did not compress)")
        got = ck_consume(agent, topic, COUNT)
        for i, m in enumerate(got):
            check(m.key() == items[i][0] and m.value() == items[i][1], f"{topic}/{i}: record")
        print(f"confluent-kafka {codec}: stored compressed, {COUNT} records read back")


def kafka_python_legacy(agent):
    cases = [((0, 10), "gzip"), ((0, 10, 1), "gzip"), ((0, 9), "gzip")]
    if kafka_codec.has_snappy():
        cases += [((0, 10), "snappy"), ((0, 9), "snappy")]
    if kafka_codec.has_lz4():
        cases.append(((0, 10), "lz4"))
        # Magic-0 LZ4 (with the KAFKA-3160 frame header checksum) needs python3-xxhash.
        if getattr(kafka_codec, "xxhash", None) is not None:
            cases.append(((0, 9), "lz4"))
        else:
            print("note: no python3-xxhash; magic-0 LZ4 (KAFKA-3160) not tested end to end")
    for api_version, codec in cases:
        name = "-".join(map(str, api_version))
        topic = f"legacy-kp-{name}-{codec}"
        items = [(None if i % 7 == 0 else f"key-{i}".encode(),
                  None if i % 11 == 5 and i % 7 else value_of(topic, i)) for i in range(COUNT)]
        kp_produce(agent, topic, api_version, codec, items)
        check(stored_codecs(agent, topic) == {CODEC_IDS[codec]},
              f"{topic}: the up-converted batches lost the codec")
        got = kp_consume(agent, topic, api_version, COUNT)
        magic0 = api_version < (0, 10)
        for i, rec in enumerate(got):
            where = f"{topic}/{i}"
            check(rec.key == items[i][0], f"{where}: key {rec.key!r}")
            check(rec.value == items[i][1], f"{where}: value differs")
            if not magic0:
                check(rec.timestamp == BASE_TS + i, f"{where}: timestamp {rec.timestamp}")
        print(f"kafka-python {api_version} {codec}: {COUNT} records, keys, values, offsets ok")


def cross_reads(agent):
    # confluent-kafka (record batch v2 with headers) -> kafka-python (0, 10) (magic 1).
    topic = "legacy-cross-ck"
    items = [(f"ck-{i}".encode(), value_of(topic, i), [("h", f"hv{i}".encode())])
             for i in range(50)]
    ck_produce(agent, topic, "lz4", items)
    got = kp_consume(agent, topic, (0, 10), len(items))
    for i, rec in enumerate(got):
        check(rec.key == items[i][0] and rec.value == items[i][1], f"{topic}/{i}: record")
        check(rec.timestamp == BASE_TS + i, f"{topic}/{i}: timestamp {rec.timestamp}")
        check(not rec.headers, f"{topic}/{i}: headers survived down-conversion")
    # ... and the same records, read by kafka-python (0, 9) (magic 0).
    got = kp_consume(agent, topic, (0, 9), len(items))
    check([(r.key, r.value) for r in got] == [(k, v) for k, v, _ in items], f"{topic}: magic 0")

    # kafka-python (0, 10) -> confluent-kafka: create time kept.
    topic = "legacy-cross-kp10"
    items = [(f"kp-{i}".encode(), value_of(topic, i)) for i in range(50)]
    kp_produce(agent, topic, (0, 10), "gzip", items)
    got = ck_consume(agent, topic, len(items))
    for i, m in enumerate(got):
        check((m.key(), m.value()) == items[i], f"{topic}/{i}: record")
        check(m.timestamp() == (TIMESTAMP_CREATE_TIME, BASE_TS + i),
              f"{topic}/{i}: timestamp {m.timestamp()}")

    # kafka-python (0, 9) -> confluent-kafka: magic 0 has no timestamp; the append time is used.
    topic = "legacy-cross-kp09"
    before = int(time.time() * 1000)
    kp_produce(agent, topic, (0, 9), "gzip", items)
    after = int(time.time() * 1000)
    got = ck_consume(agent, topic, len(items))
    for i, m in enumerate(got):
        check((m.key(), m.value()) == items[i], f"{topic}/{i}: record")
        kind, ts = m.timestamp()
        check(kind == TIMESTAMP_LOG_APPEND_TIME and before - 1000 <= ts <= after + 1000,
              f"{topic}/{i}: timestamp {m.timestamp()}, want append time in [{before}, {after}]")
    print("cross-reads between confluent-kafka and kafka-python (0, 10) / (0, 9) ok")


def corrupt_set_refused(agent):
    """A legacy message set with a wrong CRC gets CORRUPT_MESSAGE (2) and the agent lives on."""
    topic = "legacy-corrupt"
    kp_produce(agent, topic, (0, 10), "gzip", [(b"k", b"v")])  # creates the topic
    message = struct.pack(">bbq", 1, 0, BASE_TS) + struct.pack(">i", -1) + struct.pack(">i", 1)
    message += b"x"
    entry = struct.pack(">I", 0xDEADBEEF) + message  # wrong CRC
    records = struct.pack(">qi", 0, len(entry)) + entry
    body = struct.pack(">hi", 1, 5000) + struct.pack(">i", 1) + wire.string(topic)
    body += struct.pack(">i", 1) + struct.pack(">ii", 0, len(records)) + records
    with wire.connect(agent.kafka_port) as sock:
        sock.sendall(wire.request(0, 2, 9, body))
        r = wire.Reader(wire.read_response(sock))
        check(r.take(">i") == 9, "produce correlation id")
        check(r.take(">i") == 1 and r.string() == topic and r.take(">i") == 1, "produce answer")
        partition, error, base = r.take(">ihq")
        check(partition == 0 and error == 2, f"corrupt set: error {error}, want 2")
    wait_until(lambda: agent.alive(), 1, "agent alive")
    check(stored_codecs(agent, topic) == {1}, "only the valid record is stored")
    print("corrupt legacy message set refused with CORRUPT_MESSAGE")


if __name__ == "__main__":
    run_with_agent("e2e_legacy_formats", [], librdkafka_compresses, kafka_python_legacy,
                   cross_reads, corrupt_set_refused)
