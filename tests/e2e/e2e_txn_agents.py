#!/usr/bin/python3
"""End-to-end: any agent coordinates a transaction (the store serialises it).

Two agents share one SQLite metadata file and one file:// bucket.
1. Raw requests, each step on a chosen agent: InitProducerId on A, AddPartitionsToTxn on B,
   transactional Produce to partition 0 on A and partition 1 on B, EndTxn(commit) on B. Then the
   mirror image ending in EndTxn(abort) on A. read_committed consumers on either agent see exactly
   the committed records; read_uncommitted ones see both; markers take one offset each.
2. A confluent-kafka transactional producer bootstrapped on A alone writes to a 4-partition topic
   whose partition leaders span both agents, so its Produce and EndTxn requests reach different
   agents; its committed records are visible once through B.
"""

import os
import struct
import sys
import time

from agent_fixture import Agent, check, require_module, wait_until
from e2e_txn_common import skip_unless_transactions
from kafka_wire import Reader, connect, crc32c, nullable_string, read_response, request, string

ck = require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

RAW_TOPIC, CLIENT_TOPIC = "txn-agents-raw", "txn-agents-ck"
TXN_ID = "txn-agents-raw-id"
INIT_PRODUCER_ID, ADD_PARTITIONS_TO_TXN, PRODUCE, END_TXN = 22, 24, 0, 26


def call(agent, api_key, version, body):
    sock = connect(agent.kafka_port)
    try:
        sock.sendall(request(api_key, version, 11, body))
        r = Reader(read_response(sock))
        check(r.take(">i") == 11, "correlation id")
        return r
    finally:
        sock.close()


def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def record_batch(pid, epoch, base_sequence, values):
    """A transactional magic-2 batch, no compression, one record per value."""
    ts = int(time.time() * 1000)
    records = b""
    for delta, value in enumerate(values):
        body = (b"\x00" + zigzag(0) + zigzag(delta) + zigzag(-1) + zigzag(len(value)) + value +
                zigzag(0))
        records += zigzag(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0x10, len(values) - 1, ts, ts, pid, epoch,
                            base_sequence, len(values)) + records
    crc_and_rest = struct.pack(">bI", 2, crc32c(after_crc)) + after_crc
    return struct.pack(">qii", 0, 4 + len(crc_and_rest), -1) + crc_and_rest


def init_producer_id(agent):
    r = call(agent, INIT_PRODUCER_ID, 1, nullable_string(TXN_ID) + struct.pack(">i", 60000))
    _, error, pid, epoch = r.take(">ihqh")
    check(error == 0, f"InitProducerId on {agent.bootstrap}: error {error}")
    return pid, epoch


def add_partitions(agent, pid, epoch, partitions):
    body = string(TXN_ID) + struct.pack(">qhi", pid, epoch, 1) + string(RAW_TOPIC)
    body += struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p) for p in partitions)
    r = call(agent, ADD_PARTITIONS_TO_TXN, 1, body)
    r.take(">i")
    errors = {}
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            partition, error = r.take(">ih")
            errors[partition] = error
    check(errors == {p: 0 for p in partitions}, f"AddPartitionsToTxn: {errors}")


def produce(agent, pid, epoch, partition, sequence, values):
    batch = record_batch(pid, epoch, sequence, values)
    body = nullable_string(TXN_ID) + struct.pack(">hii", -1, 10000, 1) + string(RAW_TOPIC)
    body += struct.pack(">ii", 1, partition) + struct.pack(">i", len(batch)) + batch
    r = call(agent, PRODUCE, 3, body)
    r.take(">i")  # one topic
    r.string()
    r.take(">i")  # one partition
    index, error, base_offset, _ = r.take(">ihqq")
    check((index, error) == (partition, 0), f"Produce to {partition}: error {error}")
    return base_offset


def end_txn(agent, pid, epoch, commit):
    r = call(agent, END_TXN, 1, string(TXN_ID) + struct.pack(">qh?", pid, epoch, commit))
    _, error = r.take(">ih")
    check(error == 0, f"EndTxn(commit={commit}) on {agent.bootstrap}: error {error}")


def read(agent, topic, partitions, isolation, timeout=20):
    c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": "txn-agents-assign",
                  "isolation.level": isolation, "enable.partition.eof": True,
                  "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in partitions])
    got, eof = {p: [] for p in partitions}, set()
    deadline = time.monotonic() + timeout
    while len(eof) < len(partitions) and time.monotonic() < deadline:
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            check(msg.error().code() == ck.KafkaError._PARTITION_EOF, f"{msg.error()}")
            eof.add(msg.partition())
            continue
        eof.discard(msg.partition())
        got[msg.partition()].append((msg.offset(), msg.value().decode()))
    c.close()
    check(len(eof) == len(partitions), f"{isolation} on {agent.bootstrap}: no EOF")
    return got


def raw_cross_agent(a, b):
    pid, epoch = init_producer_id(a)
    add_partitions(b, pid, epoch, [0, 1])
    check(produce(a, pid, epoch, 0, 0, [b"c-0", b"c-1"]) == 0, "base offset on partition 0")
    check(produce(b, pid, epoch, 1, 0, [b"c-2"]) == 0, "base offset on partition 1")
    end_txn(b, pid, epoch, True)  # markers: partition 0 at 2, partition 1 at 1
    add_partitions(a, pid, epoch, [0, 1])
    check(produce(b, pid, epoch, 0, 2, [b"a-0"]) == 3, "aborted record offset on partition 0")
    check(produce(b, pid, epoch, 1, 1, [b"a-1"]) == 2, "aborted record offset on partition 1")
    end_txn(a, pid, epoch, False)  # markers: partition 0 at 4, partition 1 at 3
    for agent in (a, b):
        got = read(agent, RAW_TOPIC, [0, 1], "read_committed")
        check(got == {0: [(0, "c-0"), (1, "c-1")], 1: [(0, "c-2")]},
              f"read_committed on {agent.bootstrap}: {got}")
        got = read(agent, RAW_TOPIC, [0, 1], "read_uncommitted")
        check(got == {0: [(0, "c-0"), (1, "c-1"), (3, "a-0")], 1: [(0, "c-2"), (2, "a-1")]},
              f"read_uncommitted on {agent.bootstrap}: {got}")
    print("raw: InitProducerId on A, AddPartitions on B, Produce on both, EndTxn on B/A ok")


def client_cross_agent(a, b):
    md = AdminClient({"bootstrap.servers": a.bootstrap}).list_topics(CLIENT_TOPIC, timeout=10)
    leaders = {p.id: p.leader for p in md.topics[CLIENT_TOPIC].partitions.values()}
    check(len(set(leaders.values())) == 2, f"leaders do not span both agents: {leaders}")
    p = Producer({"bootstrap.servers": a.bootstrap, "transactional.id": "txn-agents-ck-id",
                  "linger.ms": 5})
    p.init_transactions(30)
    for round_ in range(3):
        p.begin_transaction()
        for i in range(40):
            p.produce(CLIENT_TOPIC, value=f"r{round_}-{i}".encode(), partition=i % 4)
        p.commit_transaction(30)
    got = read(b, CLIENT_TOPIC, [0, 1, 2, 3], "read_committed")
    for part in range(4):
        want = [f"r{r}-{i}" for r in range(3) for i in range(part, 40, 4)]
        check([v for _, v in got[part]] == want, f"partition {part}: {got[part]}")
        # 10 records then a commit marker per round: offsets 0..9, 11..20, 22..31.
        check([o for o, _ in got[part]] == [11 * r + k for r in range(3) for k in range(10)],
              f"partition {part} offsets: {[o for o, _ in got[part]]}")
    print(f"confluent-kafka via A with leaders {leaders}: 3 transactions visible through B")


def main():
    shared = Agent()  # only for its work dir: the store and bucket both agents use
    store = os.path.join(shared.work_dir, "shared")
    os.makedirs(os.path.join(store, "bucket"))
    args = ["-metadataURL", f"sqlite://{store}/metadata.db", "-bucketURL",
            f"file://{store}/bucket"]
    a, b = Agent(extra_args=args), Agent(extra_args=args)
    try:
        a.start()
        skip_unless_transactions(a)
        b.start()
        admin = AdminClient({"bootstrap.servers": a.bootstrap})
        wait_until(lambda: len(admin.list_topics(timeout=10).brokers) == 2, 15,
                   "both agents in Metadata")
        for f in admin.create_topics([NewTopic(RAW_TOPIC, 2, 1),
                                      NewTopic(CLIENT_TOPIC, 4, 1)]).values():
            f.result(20)
        raw_cross_agent(a, b)
        client_cross_agent(a, b)
        check(b.stop() == 0 and a.stop() == 0, "agent exit codes after SIGTERM")
        print("PASS e2e_txn_agents")
    except SystemExit:
        raise  # a skip
    except BaseException:
        for agent in (a, b):
            print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        for agent in (a, b, shared):
            agent.cleanup()
    sys.stdout.flush()
    os._exit(0)  # Debian's confluent-kafka may abort at interpreter exit


if __name__ == "__main__":
    main()
