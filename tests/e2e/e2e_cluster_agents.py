#!/usr/bin/python3
"""End-to-end: three agents form one cluster on PostgreSQL + the S3 test server.

1. Every agent lists all three (distinct node ids) in Metadata, and partition leaders are spread
   evenly over them.
2. An idempotent producer bootstrapped on agent A writes while a consumer bootstrapped on agent B
   reads; agent C is SIGKILLed mid-stream. The clients carry on through the survivors, C drops out
   of Metadata within its lease, and every acknowledged message is read back exactly once, in
   order per partition. KafkaJS then produces and consumes (in a group) through the survivors.
3. A gracefully stopped agent leaves Metadata at once (it deregisters).
Skips (77) outside scripts/with-postgres.sh scripts/with-s3rver.sh.
"""

import os
import shutil
import subprocess
import sys
import threading
import time

from agent_fixture import Agent, check, cluster_backend_args, require_module, wait_until

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cluster-agents"
PARTITIONS = 6
LEASE = "3s"


def brokers_seen(bootstrap):
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)
    return {b.id: (b.host, b.port) for b in md.brokers.values()}, md


def leaders(bootstrap, topic):
    _, md = brokers_seen(bootstrap)
    return {p.id: p.leader for p in md.topics[topic].partitions.values()}


class Writer(threading.Thread):
    """Produces numbered messages until stopped; remembers which ones were acknowledged."""

    def __init__(self, bootstrap):
        super().__init__(daemon=True)
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                                  "linger.ms": 5, "message.timeout.ms": 120000,
                                  "metadata.max.age.ms": 2000,
                                  "topic.metadata.refresh.interval.ms": 1000})
        self.acked = set()
        self.failed = []
        self.sent = 0
        self.stop_flag = threading.Event()

    def on_delivery(self, err, msg):
        if err is None:
            self.acked.add(msg.value().decode())
        else:
            self.failed.append(str(err))

    def run(self):
        while not self.stop_flag.is_set():
            value = f"m{self.sent}"
            self.producer.produce(TOPIC, key=value.encode(), value=value.encode(),
                                  partition=self.sent % PARTITIONS, on_delivery=self.on_delivery)
            self.sent += 1
            self.producer.poll(0)
            time.sleep(0.002)
        self.producer.flush(120)


def read_all(bootstrap, expected):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    got = {p: [] for p in range(PARTITIONS)}
    deadline = time.monotonic() + 60
    while sum(len(v) for v in got.values()) < expected and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        check(not msg.error(), f"consumer error: {msg.error()}")
        got[msg.partition()].append((msg.offset(), msg.value().decode()))
    c.close()
    return got


def main():
    args = cluster_backend_args("agents") + ["-agentLeaseDuration", LEASE]
    agents = [Agent(extra_args=args) for _ in range(3)]
    a, b, c = agents
    try:
        for agent in agents:
            agent.start()
        # 1. Membership: each agent shows all three, with distinct node ids.
        wait_until(lambda: all(len(brokers_seen(x.bootstrap)[0]) == 3 for x in agents), 15,
                   "every agent to list three brokers")
        seen, _ = brokers_seen(a.bootstrap)
        ports = sorted(port for _, port in seen.values())
        check(ports == sorted(x.kafka_port for x in agents), f"advertised ports {seen}")
        check(len(set(seen)) == 3, f"node ids not distinct: {seen}")
        admin = AdminClient({"bootstrap.servers": a.bootstrap})
        for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
            f.result(15)
        lead = leaders(b.bootstrap, TOPIC)
        counts = {node: list(lead.values()).count(node) for node in seen}
        check(sorted(counts.values()) == [2, 2, 2], f"leaders not spread evenly: {lead}")
        check(leaders(a.bootstrap, TOPIC) == lead, "agents disagree about leaders")
        print(f"three agents, node ids {sorted(seen)}, leaders {lead}")

        # 2. Produce through A, kill C mid-stream, read everything back through B.
        writer = Writer(a.bootstrap)
        writer.start()
        time.sleep(2)
        c_id = next(i for i, (_, port) in seen.items() if port == c.kafka_port)
        c.kill()
        print(f"killed agent {c_id} after {writer.sent} messages")
        wait_until(lambda: c_id not in brokers_seen(a.bootstrap)[0], 15,
                   "the killed agent to leave Metadata")
        time.sleep(3)
        writer.stop_flag.set()
        writer.join(150)
        check(not writer.is_alive(), "producer did not finish")
        check(not writer.failed, f"delivery failures: {writer.failed[:3]}")
        check(len(writer.acked) == writer.sent, f"acked {len(writer.acked)} of {writer.sent}")
        got = read_all(b.bootstrap, len(writer.acked))
        values = [v for records in got.values() for _, v in records]
        check(len(values) == len(set(values)), "duplicates")
        lost = writer.acked - set(values)
        check(not lost, f"{len(lost)} acknowledged messages lost, e.g. {sorted(lost)[:5]}")
        for p, records in got.items():
            offsets = [o for o, _ in records]
            check(offsets == list(range(len(offsets))), f"partition {p}: offsets not gap-free")
            numbers = [int(v[1:]) for _, v in records]
            check(numbers == sorted(numbers), f"partition {p}: order differs from produce order")
        lead = leaders(b.bootstrap, TOPIC)
        check(set(lead.values()) <= set(seen) - {c_id}, f"a dead agent still leads: {lead}")
        print(f"{len(values)} messages, none lost or duplicated across the kill; leaders {lead}")

        # A's commits were announced to the other agents (their long polls wake at once).
        check(a.metrics().get("sluice_commit_notices_sent_total", 0) > 0, "no commit notices sent")

        # KafkaJS through the survivors: its producer and its consumer group see the same log.
        node = shutil.which("node") or shutil.which("nodejs")
        if node:
            here = os.path.dirname(os.path.abspath(__file__))
            out = subprocess.run([node, os.path.join(here, "roles_kafkajs.js"),
                                  f"{b.bootstrap},{a.bootstrap}", TOPIC, "2000"],
                                 capture_output=True, text=True, timeout=90)
            check(out.returncode in (0, 77), f"KafkaJS: {out.stdout}{out.stderr}")
            print(f"KafkaJS through the surviving agents: {out.stdout.strip()}")

        # 3. A graceful stop deregisters: B disappears from A's Metadata at once.
        b_id = next(i for i, (_, port) in seen.items() if port == b.kafka_port)
        check(b.stop() == 0, "agent B exit code")
        wait_until(lambda: b_id not in brokers_seen(a.bootstrap)[0], 2.5,
                   "the stopped agent to leave Metadata before its lease runs out")
        check(a.stop() == 0, "agent A exit code")
        print("PASS e2e_cluster_agents")
    except BaseException:
        for agent in agents:
            print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        for agent in agents:
            agent.cleanup()
    sys.stdout.flush()
    os._exit(0)  # Debian's confluent-kafka may abort at interpreter exit


if __name__ == "__main__":
    main()
