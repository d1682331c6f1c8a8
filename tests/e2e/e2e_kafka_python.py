#!/usr/bin/python3
"""End-to-end: kafka-python 2.0.2 (Debian) against a real agent.

kafka-python guesses the broker version from the advertised API ranges, so this test also checks
that the agent's ApiVersions answer is one it recognises. Consumption uses assign() and
seek_to_beginning() with no group.
"""

import sys
import time

from agent_fixture import Agent, check, require_module, wait_until

kafka = require_module("kafka")
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka import codec as kafka_codec  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic  # noqa: E402
from kafka.errors import TopicAlreadyExistsError  # noqa: E402

TOPICS = ["e2e-kp-a", "e2e-kp-b"]
PARTITIONS = 3
PER_CODEC = 600
BASE_TS = 1_710_000_000_000


def available_codecs():
    """gzip always; the others only when Debian's python3-snappy/-lz4/-zstandard are present."""
    codecs = ["gzip"]
    for name, present in (("snappy", kafka_codec.has_snappy), ("lz4", kafka_codec.has_lz4),
                          ("zstd", kafka_codec.has_zstd)):
        if present():
            codecs.append(name)
        else:
            print(f"note: kafka-python has no {name} support here; not tested")
    return codecs


def admin_checks(agent):
    admin = KafkaAdminClient(bootstrap_servers=agent.bootstrap, client_id="e2e-kafka-python",
                             request_timeout_ms=20000)
    topics = [NewTopic(t, num_partitions=PARTITIONS, replication_factor=1,
                       topic_configs={"retention.ms": "7200000"}) for t in TOPICS]
    topics.append(NewTopic("e2e-kp-doomed", num_partitions=1, replication_factor=1))
    admin.create_topics(topics, timeout_ms=20000)
    listed = set(admin.list_topics())
    check(set(TOPICS + ["e2e-kp-doomed"]) <= listed, f"created topics missing: {listed}")

    try:
        admin.create_topics([NewTopic(TOPICS[0], num_partitions=1, replication_factor=1)])
        raise AssertionError("creating an existing topic succeeded")
    except TopicAlreadyExistsError:
        pass

    responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPICS[0])])
    entries = {}
    for response in responses:
        for error_code, _msg, _type, name, config_entries in response.resources:
            check(error_code == 0, f"describe_configs {name}: error {error_code}")
            entries.update({entry[0]: entry[1] for entry in config_entries})
    check(entries.get("retention.ms") == "7200000",
          f"retention.ms = {entries.get('retention.ms')}, want 7200000")

    admin.delete_topics(["e2e-kp-doomed"], timeout_ms=20000)
    wait_until(lambda: "e2e-kp-doomed" not in set(admin.list_topics()), 10,
               "deleted topic to vanish")
    admin.close()
    print("admin: create/list/describe/delete ok")


def produce(agent, codecs):
    expected = {}  # TopicPartition -> [(key, value, headers, ts)] in produce order
    ts = BASE_TS
    for codec in codecs:
        producer = KafkaProducer(bootstrap_servers=agent.bootstrap, compression_type=codec,
                                 acks="all", linger_ms=5, retries=0,
                                 max_in_flight_requests_per_connection=1)
        futures = []
        for i in range(PER_CODEC):
            topic = TOPICS[i % len(TOPICS)]
            partition = (i // len(TOPICS)) % PARTITIONS
            key = None if i % 89 == 0 else f"{codec}-k{i}".encode()
            value = (f"{codec}:{i}:" * (1 + i % 40)).encode()
            headers = [("codec", codec.encode()), ("i", str(i).encode()), ("empty", b"")]
            ts += 1
            futures.append(producer.send(topic, value=value, key=key, headers=headers,
                                         partition=partition, timestamp_ms=ts))
            expected.setdefault(TopicPartition(topic, partition), []).append(
                (key, value, headers, ts))
        offsets_seen = {}
        for future in futures:
            meta = future.get(timeout=30)
            tp = TopicPartition(meta.topic, meta.partition)
            check(meta.offset > offsets_seen.get(tp, -1), f"{tp}: offsets not increasing")
            offsets_seen[tp] = meta.offset
        producer.close(timeout=10)
        print(f"produced {PER_CODEC} messages with {codec}")
    return expected


def consume(agent, expected):
    # request_timeout_ms bounds offsets_for_times & co., which otherwise retry for 305 s.
    consumer = KafkaConsumer(bootstrap_servers=agent.bootstrap, group_id=None,
                             enable_auto_commit=False, fetch_max_wait_ms=100,
                             request_timeout_ms=15000)
    partitions = sorted(expected)
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    got = {tp: [] for tp in partitions}
    deadline = time.monotonic() + 40
    while (any(len(got[tp]) < len(expected[tp]) for tp in partitions)
           and time.monotonic() < deadline):
        for tp, records in consumer.poll(timeout_ms=500, max_records=2000).items():
            got[tp].extend(records)
    total = 0
    for tp in partitions:
        want, records = expected[tp], got[tp]
        check(len(records) == len(want), f"{tp}: got {len(records)} records, want {len(want)}")
        for offset, (rec, (key, value, headers, ts)) in enumerate(zip(records, want)):
            where = f"{tp.topic}/{tp.partition} offset {offset}"
            check(rec.offset == offset, f"{where}: got offset {rec.offset}")
            check(rec.key == key, f"{where}: key {rec.key!r} != {key!r}")
            check(rec.value == value, f"{where}: value differs")
            check(rec.timestamp == ts and rec.timestamp_type == 0,
                  f"{where}: timestamp {rec.timestamp} type {rec.timestamp_type}, want {ts} 0")
            check(list(rec.headers) == headers, f"{where}: headers {rec.headers} != {headers}")
            total += 1

    begin = consumer.beginning_offsets(partitions)
    end = consumer.end_offsets(partitions)
    for tp in partitions:
        check(begin[tp] == 0, f"{tp}: beginning offset {begin[tp]}")
        check(end[tp] == len(expected[tp]), f"{tp}: end offset {end[tp]} != {len(expected[tp])}")
    for tp in partitions:
        middle = len(expected[tp]) // 2
        answer = consumer.offsets_for_times({tp: expected[tp][middle][3]})[tp]
        check(answer is not None and answer.offset == middle,
              f"{tp}: offsets_for_times(ts of offset {middle}) = {answer}")
        check(consumer.offsets_for_times({tp: expected[tp][-1][3] + 1})[tp] is None,
              f"{tp}: offsets_for_times past the end should be None")
    consumer.close()
    print(f"consumed and verified {total} records; beginning/end offsets and offsets_for_times ok")
    return total


if __name__ == "__main__":
    codecs = available_codecs()
    agent = Agent()
    try:
        agent.start()
        admin_checks(agent)
        expected = produce(agent, codecs)
        total = consume(agent, expected)
        check(total == PER_CODEC * len(codecs), f"verified {total} records")
        code = agent.stop()
        check(code == 0, f"agent exit code after SIGTERM: {code}")
        print(f"PASS e2e_kafka_python (codecs: {', '.join(codecs)})")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
