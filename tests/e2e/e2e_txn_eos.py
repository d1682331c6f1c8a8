#!/usr/bin/python3
"""End-to-end: exactly-once consume-transform-produce with confluent-kafka transactions.

An app process (this file with --app) reads an input topic in a consumer group (read_committed,
static member so a restart takes over at once) and, per transaction, produces one output record
per input record to the same partition and sends the consumer's positions with its group metadata
(send_offsets_to_transaction, TxnOffsetCommit v3). The app is SIGKILLed at random points 3-5
times and restarted with the same transactional.id; its init_transactions aborts whatever the
killed one left open. Finally the output read read_committed holds every input exactly once, in
input order per partition, and the group's committed offsets equal the input's end.
"""

import os
import random
import signal
import subprocess
import sys
import time

from agent_fixture import check, require_module, run_with_agent, wait_until
from e2e_txn_common import skip_unless_transactions

ck = require_module("confluent_kafka")
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

INPUT, OUTPUT, GROUP, TXN_ID = "eos-in", "eos-out", "eos-app", "eos-app-txn"
PARTITIONS = 3
RECORDS = 5000
PER_TXN = 50


def run_app(bootstrap):
    """The application: runs until killed; exits 2 on a fatal transaction error."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP,
                         "group.instance.id": "eos-app-0", "session.timeout.ms": 6000,
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": TXN_ID,
                         "linger.ms": 5})
    producer.init_transactions(30)
    consumer.subscribe([INPUT])
    while True:
        msgs = [m for m in consumer.consume(num_messages=PER_TXN, timeout=0.5) if not m.error()]
        if not msgs:
            continue
        try:
            producer.begin_transaction()
            for m in msgs:
                producer.produce(OUTPUT, key=m.key(), value=b"out-" + m.value(),
                                 partition=m.partition())
            positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(),
                                                 30)
            producer.commit_transaction(30)
        except KafkaException as e:
            err = e.args[0]
            print(f"app: transaction failed: {err}", file=sys.stderr, flush=True)
            if not err.txn_requires_abort():
                os._exit(2)
            producer.abort_transaction(30)
            # Rewind to the committed offsets: the aborted records are processed again.
            for tp in consumer.committed(consumer.assignment(), timeout=30):
                consumer.seek(TopicPartition(INPUT, tp.partition,
                                             tp.offset if tp.offset >= 0 else 0))


def produce_input(agent):
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    for f in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in (INPUT, OUTPUT)]).values():
        f.result(20)
    p = Producer({"bootstrap.servers": agent.bootstrap, "enable.idempotence": True,
                  "linger.ms": 5})
    for i in range(RECORDS):
        p.produce(INPUT, key=str(i).encode(), value=f"in-{i}".encode(), partition=i % PARTITIONS)
        if i % 500 == 0:
            p.poll(0)
    check(p.flush(30) == 0, "input not delivered")


def committed_offsets(agent):
    c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": GROUP,
                  "isolation.level": "read_committed", "enable.auto.commit": False})
    try:
        tps = c.committed([TopicPartition(INPUT, p) for p in range(PARTITIONS)], timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    except KafkaException as e:  # e.g. UNSTABLE_OFFSET_COMMIT retried past the timeout
        return str(e)
    finally:
        c.close()


def app_log(agent):
    return os.path.join(agent.work_dir, "app.log")


def start_app(agent):
    with open(app_log(agent), "ab") as log:
        return subprocess.Popen([sys.executable, os.path.abspath(__file__), "--app",
                                 agent.bootstrap], stdout=log, stderr=subprocess.STDOUT)


def app_output(agent):
    with open(app_log(agent), "rb") as f:
        return f.read().decode(errors="replace")[-4000:]


def kill_and_restart(agent):
    kills = random.randint(3, 5)
    app = start_app(agent)
    for k in range(kills):
        time.sleep(random.uniform(1.0, 3.5))
        check(app.poll() is None, f"app exited by itself ({app.returncode}): "
                                  f"{app_output(agent)}")
        app.kill()
        app.wait()
        print(f"kill {k + 1}/{kills}: committed offsets {committed_offsets(agent)}")
        app = start_app(agent)
    per_partition = {p: len(range(p, RECORDS, PARTITIONS)) for p in range(PARTITIONS)}
    try:
        wait_until(lambda: app.poll() is not None or committed_offsets(agent) == per_partition,
                   40, f"committed offsets to reach {per_partition}")
        check(app.poll() is None, f"app exited ({app.returncode}): {app_output(agent)}")
    finally:
        app.kill()
        app.wait()
    print(f"after {kills} kills the group's committed offsets are the input's end")


def verify_output(agent):
    c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": "eos-verify",
                  "isolation.level": "read_committed", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    c.assign([TopicPartition(OUTPUT, p, 0) for p in range(PARTITIONS)])
    got = {p: [] for p in range(PARTITIONS)}
    eof = set()
    deadline = time.monotonic() + 30
    while len(eof) < PARTITIONS and time.monotonic() < deadline:
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            check(msg.error().code() == ck.KafkaError._PARTITION_EOF, f"{msg.error()}")
            eof.add(msg.partition())
            continue
        got[msg.partition()].append(msg.value().decode())
    c.close()
    check(len(eof) == PARTITIONS, "output: no EOF on every partition")
    for p in range(PARTITIONS):
        want = [f"out-in-{i}" for i in range(p, RECORDS, PARTITIONS)]
        dupes = len(got[p]) - len(set(got[p]))
        missing = len(set(want) - set(got[p]))
        check(got[p] == want, f"output partition {p}: {len(got[p])} records ({dupes} duplicates, "
                              f"{missing} missing), want {len(want)} in order")
    print(f"read_committed output holds each of the {RECORDS} inputs exactly once, in order")


if __name__ == "__main__":
    if "--app" in sys.argv:
        run_app(sys.argv[sys.argv.index("--app") + 1])
    run_with_agent("e2e_txn_eos", ["-groupInitialRebalanceDelay", "100ms"],
                   skip_unless_transactions, produce_input, kill_and_restart, verify_output)
