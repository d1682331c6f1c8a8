#!/usr/bin/python3
"""End-to-end: kafka-python 2.0.2 KafkaConsumer with a group_id (JoinGroup v2, SyncGroup,
Heartbeat, OffsetCommit v2, OffsetFetch v1): two consumers share a topic, commit synchronously,
and a later consumer of the same group resumes exactly after the committed offsets.
"""

import sys
import threading
import time

from agent_fixture import Agent, check, require_module

require_module("kafka")
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402

TOPIC = "e2e-groups-kp"
GROUP = "kp-group"
PARTITIONS = 4


def produce(agent, start, count):
    producer = KafkaProducer(bootstrap_servers=agent.bootstrap)
    for i in range(start, start + count):
        producer.send(TOPIC, value=f"kp-{i}".encode(), partition=i % PARTITIONS)
    producer.flush(30)
    producer.close()


def consumer(agent):
    return KafkaConsumer(TOPIC, bootstrap_servers=agent.bootstrap, group_id=GROUP,
                         auto_offset_reset="earliest", enable_auto_commit=False,
                         session_timeout_ms=10000, heartbeat_interval_ms=1000)


class ConsumerThread(threading.Thread):
    """One KafkaConsumer polling in its own thread (kafka-python's poll() blocks while its group
    rebalances, so two consumers cannot share one thread), committing after every batch."""

    def __init__(self, agent):
        super().__init__(daemon=True)
        self.consumer = consumer(agent)
        self.values = []
        self.assignment = set()
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stopping.is_set():
                batch = self.consumer.poll(timeout_ms=200)
                for records in batch.values():
                    self.values += [r.value.decode() for r in records]
                if batch:
                    self.consumer.commit()
                self.assignment = {tp.partition for tp in self.consumer.assignment()}
            self.consumer.commit()
            self.consumer.close()  # LeaveGroup
        except Exception as e:  # reported by the main thread
            self.error = e

    def stop(self):
        self.stopping.set()
        self.join(30)
        check(self.error is None, f"consumer thread failed: {self.error!r}")


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        check(time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def run(agent):
    admin = KafkaAdminClient(bootstrap_servers=agent.bootstrap)
    admin.create_topics([NewTopic(TOPIC, num_partitions=PARTITIONS, replication_factor=1)])
    admin.close()

    a, b = ConsumerThread(agent), ConsumerThread(agent)
    a.start()
    b.start()
    wait_until(lambda: len(a.assignment) == 2 and len(b.assignment) == 2, 30,
               "two kafka-python consumers with two partitions each")
    check(not (a.assignment & b.assignment),
          f"a partition owned twice: {a.assignment} {b.assignment}")
    produce(agent, 0, 400)
    wait_until(lambda: len(a.values) + len(b.values) >= 400, 30, "400 messages consumed")
    time.sleep(0.5)
    consumed = a.values + b.values
    check(sorted(consumed) == sorted(f"kp-{i}" for i in range(400)),
          f"consumed {len(consumed)} messages, {len(set(consumed))} distinct, want 400")
    for t in (a, b):
        got = {int(v[3:]) % PARTITIONS for v in t.values}
        check(got <= t.assignment, f"read partitions {got} outside the assignment {t.assignment}")
        t.stop()

    produce(agent, 400, 100)
    c = ConsumerThread(agent)
    c.start()
    wait_until(lambda: len(c.values) >= 100, 30, "the resumed consumer to read 100")
    time.sleep(0.5)
    c.stop()
    check(sorted(c.values) == sorted(f"kp-{i}" for i in range(400, 500)),
          f"resumed consumer read {len(c.values)} messages, want exactly the 100 new ones")
    probe = KafkaConsumer(bootstrap_servers=agent.bootstrap, group_id=GROUP)
    committed = {p: probe.committed(TopicPartition(TOPIC, p)) for p in range(PARTITIONS)}
    probe.close()
    check(committed == {p: 125 for p in range(PARTITIONS)}, f"committed {committed}")


if __name__ == "__main__":
    agent = Agent(extra_args=["-groupInitialRebalanceDelay", "100ms"])
    try:
        agent.start()
        run(agent)
        check(agent.stop() == 0, "agent exit code after SIGTERM")
        print("PASS e2e_groups_kafka_python")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
