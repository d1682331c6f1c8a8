#!/usr/bin/python3
"""End-to-end: one consumer group spread over three agents on PostgreSQL + the S3 test server.

1. Three confluent-kafka consumers of one group, each bootstrapped on a different agent, form ONE
   group: the partitions are split between them, each consumed by one member.
2. Exactly one agent owns the group (GET /v1/groups/owned); the other two answer DescribeGroups
   and ListGroups by forwarding to it: every agent describes the same three members (with the
   clients' real hosts) and lists the group exactly once.
3. The owner agent is SIGKILLed: a survivor takes the group over from the store, the members
   rejoin and carry on from their committed offsets: no committed offset goes backwards, no
   message is skipped, and re-reads stay within what was consumed but not yet committed.
Skips (77) outside scripts/with-postgres.sh scripts/with-s3rver.sh.
"""

import json
import os
import struct
import sys
import threading
import time
import urllib.request

from agent_fixture import Agent, check, cluster_backend_args, require_module, wait_until
from kafka_wire import Reader, connect, read_response, request, string

require_module("confluent_kafka")
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cluster-groups"
GROUP = "cluster-cg"
PARTITIONS = 6
PER_PHASE = 3000
COMMIT_EVERY = 20


def owned_groups(agent):
    url = f"http://127.0.0.1:{agent.http_port}/v1/groups/owned"
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())["groups"]


def produce(bootstrap, tag, count):
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
    failed = []
    for i in range(count):
        p.produce(TOPIC, value=f"{tag}-{i}".encode(), partition=i % PARTITIONS,
                  on_delivery=lambda err, msg: failed.append(err) if err else None)
        if i % 500 == 0:
            p.poll(0)
    check(p.flush(60) == 0 and not failed, f"produce {tag}: {failed[:3]}")


class Member(threading.Thread):
    """A group consumer that commits every COMMIT_EVERY messages and when partitions go."""

    def __init__(self, name, bootstrap):
        super().__init__(daemon=True)
        self.name = name
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": GROUP, "client.id": name,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": "range", "topic.metadata.refresh.interval.ms": 1000,
            "metadata.max.age.ms": 2000})
        self.assigned = set()
        self.records = []  # (partition, offset, value)
        self.errors = []
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()

    def commit(self):
        try:
            self.consumer.commit(asynchronous=False)
            return True
        except KafkaException as e:  # e.g. during a rebalance or a coordinator change
            self.errors.append(str(e))
            return False

    def on_assign(self, consumer, partitions):
        with self.lock:
            self.assigned = {tp.partition for tp in partitions}

    def on_revoke(self, consumer, partitions):
        self.commit()
        with self.lock:
            self.assigned = set()

    def run(self):
        self.consumer.subscribe([TOPIC], on_assign=self.on_assign, on_revoke=self.on_revoke)
        since_commit = 0
        while not self.stop_flag.is_set():
            msg = self.consumer.poll(0.2)
            if msg is None:
                if since_commit and self.commit():
                    since_commit = 0
                continue
            if msg.error():
                self.errors.append(str(msg.error()))
                continue
            with self.lock:
                self.records.append((msg.partition(), msg.offset(), msg.value().decode()))
            since_commit += 1
            if since_commit >= COMMIT_EVERY and self.commit():
                since_commit = 0
        for _ in range(20):
            if self.commit():
                break
            time.sleep(0.5)
        self.consumer.close()


def wire_call(port, api_key, version, body):
    sock = connect(port)
    try:
        sock.sendall(request(api_key, version, 7, body))
        r = Reader(read_response(sock))
        check(r.take(">i") == 7, "correlation id")
        return r
    finally:
        sock.close()


def describe_group(agent):
    """DescribeGroups v0 -> (error, state, [(client_id, client_host)])."""
    r = wire_call(agent.kafka_port, 15, 0, struct.pack(">i", 1) + string(GROUP))
    check(r.take(">i") == 1, "one group described")
    error, _, state, _, _ = r.take(">h"), r.string(), r.string(), r.string(), r.string()
    members = []
    for _ in range(r.take(">i")):
        _, client_id, host = r.string(), r.string(), r.string()
        for _ in range(2):  # metadata, assignment
            size = r.take(">i")
            r.pos += size
        members.append((client_id, host))
    return error, state, sorted(members)


def list_groups(agent):
    r = wire_call(agent.kafka_port, 16, 0, b"")
    check(r.take(">h") == 0, "ListGroups error")
    groups = []
    for _ in range(r.take(">i")):
        groups.append(r.string())
        r.string()  # protocol type
    return groups


def committed(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    try:
        tps = c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=20)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


def main():
    args = cluster_backend_args("e2e_cluster_groups") + [
        "-agentLeaseDuration", "3s", "-groupLeaseDuration", "3s",
        "-groupInitialRebalanceDelay", "100ms"]
    agents = [Agent(extra_args=args) for _ in range(3)]
    members = []
    try:
        for agent in agents:
            agent.start()
        admin = AdminClient({"bootstrap.servers": agents[0].bootstrap})
        for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
            f.result(15)
        produce(agents[0].bootstrap, "one", PER_PHASE)

        # 1. Members bootstrapped on different agents form one group.
        members = [Member(f"member-{i}", agent.bootstrap) for i, agent in enumerate(agents)]
        for m in members:
            m.start()

        def split_evenly():
            sets = [m.assigned for m in members]
            return (all(len(s) == PARTITIONS // 3 for s in sets)
                    and set().union(*sets) == set(range(PARTITIONS)))
        wait_until(split_evenly, 60, "the partitions split between the three members")
        print("three members on three agents share the partitions:",
              [sorted(m.assigned) for m in members])

        # 2. One owner; the other agents forward.
        owners = [a for a in agents if GROUP in owned_groups(a)]
        check(len(owners) == 1, f"owners of the group: {len(owners)}")
        owner = owners[0]
        expected_members = sorted((f"member-{i}", "/127.0.0.1") for i in range(3))
        for agent in agents:
            error, state, described = describe_group(agent)
            check(error == 0 and state == "Stable" and described == expected_members,
                  f"DescribeGroups at agent {agents.index(agent)}: {error} {state} {described}")
            listed = list_groups(agent)
            check(listed.count(GROUP) == 1, f"ListGroups at agent {agents.index(agent)}: {listed}")
        print("every agent describes the same three members and lists the group once")

        def consumed_count():
            return len({v for m in members for _, _, v in m.records})
        wait_until(lambda: consumed_count() >= PER_PHASE, 60, "the first phase consumed")
        survivors = [a for a in agents if a is not owner]
        before = committed(survivors[0].bootstrap)

        # 3. The owner dies; the group carries on through the survivors.
        owner.kill()
        produce(survivors[0].bootstrap, "two", PER_PHASE)
        wait_until(lambda: consumed_count() >= 2 * PER_PHASE, 120,
                   "every message consumed after the owner died")
        wait_until(lambda: any(GROUP in owned_groups(a) for a in survivors), 30,
                   "a survivor owns the group")
        for m in members:
            m.stop_flag.set()
        for m in members:
            m.join(30)
        after = committed(survivors[1].bootstrap)

        records = [r for m in members for r in m.records]
        by_partition = {p: set() for p in range(PARTITIONS)}
        for p, offset, _ in records:
            by_partition[p].add(offset)
        per_partition = 2 * PER_PHASE // PARTITIONS
        for p in range(PARTITIONS):
            check(by_partition[p] == set(range(per_partition)),
                  f"partition {p}: {per_partition - len(by_partition[p])} offsets never consumed")
            check(after[p] == per_partition, f"partition {p}: committed {after[p]} at the end")
            check(after[p] >= before[p] >= 0, f"partition {p}: committed {before[p]} -> {after[p]}")
        values = {v for _, _, v in records}
        check(len(values) == 2 * PER_PHASE, f"{2 * PER_PHASE - len(values)} messages missing")
        reread = len(records) - len(values)
        check(reread <= PARTITIONS * 4 * COMMIT_EVERY,
              f"{reread} messages read twice: the group did not resume from committed offsets")
        print(f"owner killed: the group carried on, {reread} re-reads, committed offsets kept")
        for agent in survivors:
            check(agent.stop() == 0, "agent exit code")
        print("PASS e2e_cluster_groups")
    except BaseException:
        for agent in agents:
            print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        for m in members:
            m.stop_flag.set()
        for agent in agents:
            agent.cleanup()
    sys.stdout.flush()
    os._exit(0)  # see e2e_confluent_kafka.py: Debian's confluent-kafka may abort at exit


if __name__ == "__main__":
    main()
