#!/usr/bin/python3
"""End-to-end: Kafka transactions (KIP-98) with librdkafka (confluent-kafka and kcat).

1. A transactional producer writes three transactions over a 3-partition topic: commit, abort,
   commit. read_committed consumers get exactly the committed records, in order, at offsets that
   skip the markers (one offset per marker per partition); read_uncommitted consumers get both
   transactions' records; nobody sees a control record. kcat with each isolation.level likewise.
2. An open transaction: read_committed stops at the last stable offset, ListOffsets (watermarks of
   a read_committed consumer) reports it, read_uncommitted sees the records; at commit they appear.
3. Fencing: a second producer with the same transactional.id aborts the first's open transaction
   (abort marker) and the first's commit fails fatally.
4. Timeout: transaction.timeout.ms=2000 and a 5 s stall: the reaper aborts the transaction, the
   LSO reaches the high watermark, nothing is visible to read_committed, and a new producer with
   the same id works.
"""

import subprocess
import time

from agent_fixture import check, require_module, run_with_agent
from e2e_txn_common import skip_unless_transactions

ck = require_module("confluent_kafka")
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "txn-ck"
PARTITIONS = 3
PER_TXN = 30  # 10 records per partition per transaction


def create_topic(agent):
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
        f.result(20)


def txn_producer(agent, txn_id, **extra):
    conf = {"bootstrap.servers": agent.bootstrap, "transactional.id": txn_id, "linger.ms": 5}
    conf.update(extra)
    p = Producer(conf)
    p.init_transactions(30)
    return p


def produce_txn(producer, prefix, partitions, count, end):
    """One transaction of `count` records spread over `partitions`; end = commit | abort | None."""
    producer.begin_transaction()
    errors = []
    for i in range(count):
        producer.produce(TOPIC, value=f"{prefix}-{i}".encode(), key=str(i).encode(),
                         partition=partitions[i % len(partitions)],
                         on_delivery=lambda err, msg: err and errors.append(err))
    check(producer.flush(30) == 0, f"{prefix}: records not delivered")
    check(not errors, f"{prefix}: delivery errors {errors[:3]}")
    if end == "commit":
        producer.commit_transaction(30)
    elif end == "abort":
        producer.abort_transaction(30)


def consumer(agent, isolation):
    return Consumer({"bootstrap.servers": agent.bootstrap, "group.id": "txn-ck-assign-only",
                     "isolation.level": isolation, "enable.auto.commit": False,
                     "enable.partition.eof": True, "fetch.wait.max.ms": 100})


def read_to_end(agent, isolation, partitions, start=0, timeout=20):
    """{partition: [(offset, value)]} from `start` up to each partition's end for `isolation`
    (the LSO for read_committed), ended by partition EOF."""
    c = consumer(agent, isolation)
    c.assign([TopicPartition(TOPIC, p, start) for p in partitions])
    got = {p: [] for p in partitions}
    eof = set()
    deadline = time.monotonic() + timeout
    while len(eof) < len(partitions) and time.monotonic() < deadline:
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            check(msg.error().code() == ck.KafkaError._PARTITION_EOF,
                  f"{isolation}: consume error {msg.error()}")
            eof.add(msg.partition())
            continue
        eof.discard(msg.partition())
        got[msg.partition()].append((msg.offset(), msg.value().decode()))
    c.close()
    check(len(eof) == len(partitions), f"{isolation}: no EOF on {set(partitions) - eof}")
    return got


def watermarks(agent, isolation, partition):
    """(low, high) by ListOffsets: high is the LSO for read_committed, the HWM otherwise."""
    c = consumer(agent, isolation)
    try:
        return c.get_watermark_offsets(TopicPartition(TOPIC, partition), timeout=10,
                                       cached=False)
    finally:
        c.close()


def expected(prefix, partition, first_offset):
    """The 10 records of transaction `prefix` in `partition`, from first_offset on."""
    values = [f"{prefix}-{i}" for i in range(PER_TXN) if i % PARTITIONS == partition]
    return [(first_offset + k, v) for k, v in enumerate(values)]


def commit_and_abort(agent):
    create_topic(agent)
    p = txn_producer(agent, "txn-ck-1")
    produce_txn(p, "c1", range(PARTITIONS), PER_TXN, "commit")  # 0..9, marker 10
    produce_txn(p, "a1", range(PARTITIONS), PER_TXN, "abort")   # 11..20, marker 21
    produce_txn(p, "c2", range(PARTITIONS), PER_TXN, "commit")  # 22..31, marker 32
    p.flush(10)

    parts = list(range(PARTITIONS))
    committed = read_to_end(agent, "read_committed", parts)
    uncommitted = read_to_end(agent, "read_uncommitted", parts)
    for part in parts:
        want = expected("c1", part, 0) + expected("c2", part, 22)
        check(committed[part] == want,
              f"read_committed partition {part}: {committed[part]}\nwant {want}")
        want_all = expected("c1", part, 0) + expected("a1", part, 11) + expected("c2", part, 22)
        check(uncommitted[part] == want_all,
              f"read_uncommitted partition {part}: {uncommitted[part]}\nwant {want_all}")
        for iso in ("read_committed", "read_uncommitted"):
            check(watermarks(agent, iso, part) == (0, 33),
                  f"{iso} watermarks of partition {part}: {watermarks(agent, iso, part)}, "
                  "want (0, 33) (30 records + 3 markers, no open transaction)")
    print("commit/abort: read_committed gets c1+c2, read_uncommitted all three, markers skipped")

    for iso, prefixes in (("read_committed", {"c1", "c2"}),
                          ("read_uncommitted", {"c1", "a1", "c2"})):
        for part in parts:
            out = subprocess.run(
                ["kcat", "-C", "-b", agent.bootstrap, "-t", TOPIC, "-p", str(part),
                 "-o", "beginning", "-e", "-q", "-X", f"isolation.level={iso}", "-f", "%o %s\\n"],
                capture_output=True, text=True, timeout=30)
            check(out.returncode == 0, f"kcat {iso} partition {part}: {out.stderr}")
            got = [tuple(line.split(" ", 1)) for line in out.stdout.splitlines()]
            want = [(str(o), v) for pre, first in (("c1", 0), ("a1", 11), ("c2", 22))
                    if pre in prefixes for o, v in expected(pre, part, first)]
            check(got == want, f"kcat {iso} partition {part}: {got}\nwant {want}")
    print("kcat: read_committed and read_uncommitted likewise")


def open_transaction(agent):
    p = txn_producer(agent, "txn-ck-open")
    produce_txn(p, "open", [0], 5, None)  # offsets 33..37 of partition 0, transaction open
    check(watermarks(agent, "read_committed", 0) == (0, 33),
          f"LSO with an open transaction: {watermarks(agent, 'read_committed', 0)}, want 33")
    check(watermarks(agent, "read_uncommitted", 0) == (0, 38),
          f"HWM with an open transaction: {watermarks(agent, 'read_uncommitted', 0)}, want 38")
    got = read_to_end(agent, "read_committed", [0], start=33)
    check(got[0] == [], f"read_committed read past the LSO: {got[0]}")
    got = read_to_end(agent, "read_uncommitted", [0], start=33)
    check(got[0] == [(33 + i, f"open-{i}") for i in range(5)],
          f"read_uncommitted of the open transaction: {got[0]}")
    p.commit_transaction(30)
    got = read_to_end(agent, "read_committed", [0], start=33)
    check(got[0] == [(33 + i, f"open-{i}") for i in range(5)],
          f"read_committed after commit: {got[0]}")
    check(watermarks(agent, "read_committed", 0) == (0, 39),
          f"LSO after commit: {watermarks(agent, 'read_committed', 0)}, want 39 (marker at 38)")
    print("open transaction: read_committed stops at the LSO (33), records appear at commit")


def fencing(agent):
    first = txn_producer(agent, "txn-ck-fence")
    produce_txn(first, "fenced", [1], 4, None)  # partition 1: offsets 33..36, open
    second = txn_producer(agent, "txn-ck-fence")  # aborts the first's transaction: marker 37
    try:
        first.commit_transaction(10)
        raise AssertionError("the fenced producer's commit succeeded")
    except KafkaException as e:
        err = e.args[0]
        check(err.fatal() or err.code() in (ck.KafkaError._FENCED, ck.KafkaError.PRODUCER_FENCED,
                                            ck.KafkaError.INVALID_PRODUCER_EPOCH),
              f"fenced commit failed with {err}, want a fatal fencing error")
        print(f"fenced producer's commit: {err.name()} (fatal={err.fatal()})")
    check(watermarks(agent, "read_committed", 1) == (0, 38),
          f"LSO after fencing: {watermarks(agent, 'read_committed', 1)}, want 38 (abort at 37)")
    produce_txn(second, "fencer", [1], 3, "commit")  # 38..40, marker 41
    got = read_to_end(agent, "read_committed", [1], start=33)
    check(got[1] == [(38 + i, f"fencer-{i}") for i in range(3)],
          f"read_committed after fencing: {got[1]}")
    got = read_to_end(agent, "read_uncommitted", [1], start=33)
    check([v for _, v in got[1]] == [f"fenced-{i}" for i in range(4)] +
          [f"fencer-{i}" for i in range(3)], f"read_uncommitted after fencing: {got[1]}")
    print("fencing: the second producer aborted the first's transaction and committed its own")


def timeout(agent):
    p = txn_producer(agent, "txn-ck-timeout", **{"transaction.timeout.ms": 2000})
    produce_txn(p, "expired", [2], 5, None)  # partition 2: offsets 33..37
    check(watermarks(agent, "read_committed", 2) == (0, 33), "LSO while the transaction is open")
    time.sleep(5)
    check(watermarks(agent, "read_committed", 2) == (0, 39),
          f"LSO after the timeout: {watermarks(agent, 'read_committed', 2)}, "
          "want 39 (the reaper's abort marker at 38)")
    got = read_to_end(agent, "read_committed", [2], start=33)
    check(got[2] == [], f"read_committed sees a timed-out transaction: {got[2]}")
    try:
        p.commit_transaction(10)
        raise AssertionError("commit of a transaction aborted by timeout succeeded")
    except KafkaException as e:
        err = e.args[0]
        print(f"commit after the timeout: {err.name()} (fatal={err.fatal()}, "
              f"abortable={err.txn_requires_abort()})")
    fresh = txn_producer(agent, "txn-ck-timeout", **{"transaction.timeout.ms": 2000})
    produce_txn(fresh, "after", [2], 2, "commit")  # 39..40, marker 41
    got = read_to_end(agent, "read_committed", [2], start=33)
    check(got[2] == [(39, "after-0"), (40, "after-1")], f"after the timeout: {got[2]}")
    print("timeout: the reaper aborted the stalled transaction; a new producer works")


if __name__ == "__main__":
    run_with_agent("e2e_txn_confluent", [], skip_unless_transactions, commit_and_abort,
                   open_transaction, fencing, timeout)
