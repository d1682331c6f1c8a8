#!/usr/bin/python3
"""Shared pieces of the consumer-group e2e tests (not a test itself).

Run as a script it is one confluent-kafka group consumer (a separate process, so a test can stop
it cleanly or SIGKILL it): it prints one line per event on stdout
  ASSIGN p,p,...   REVOKE p,p,...   MSG partition offset value   COMMITTED n   READY
and commits synchronously after every batch. Writing "stop" to its stdin closes it cleanly
(LeaveGroup); "close-no-leave" is the same for a static member (librdkafka does not leave then).
"""

import os
import subprocess
import sys
import threading
import time

from agent_fixture import check, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))


def create_topic(bootstrap, topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions,
                                            replication_factor=1)], operation_timeout=20)
    for f in futures.values():
        f.result(timeout=20)


def produce(bootstrap, topic, partitions, start, count):
    """Messages v-<i> for i in [start, start+count), round-robin over partitions."""
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(start, start + count):
        producer.produce(topic, value=f"v-{i}".encode(), partition=i % partitions)
    check(producer.flush(30) == 0, "producer did not deliver everything")


class Worker:
    """One consumer process and what it reported."""

    def __init__(self, bootstrap, group, topic, name, strategy="range", instance_id=None,
                 session_ms=6000):
        args = [sys.executable, os.path.join(HERE, "e2e_groups_common.py"), "consume",
                bootstrap, group, topic, strategy, instance_id or "", str(session_ms)]
        self.name = name
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.lock = threading.Lock()
        self.assigned = set()
        self.events = []  # (time, kind, partitions)
        self.messages = []  # (partition, offset, value)
        self.ready = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if not parts:
                continue
            with self.lock:
                kind = parts[0]
                if kind in ("ASSIGN", "REVOKE"):
                    ps = {int(p) for p in parts[1].split(",")} if len(parts) > 1 else set()
                    self.events.append((time.monotonic(), kind, ps))
                    if kind == "ASSIGN":
                        self.assigned |= ps
                    else:
                        self.assigned -= ps
                elif kind == "MSG":
                    self.messages.append((int(parts[1]), int(parts[2]), parts[3]))
                elif kind == "READY":
                    self.ready = True

    def assignment(self):
        with self.lock:
            return set(self.assigned)

    def values(self):
        with self.lock:
            return [m[2] for m in self.messages]

    def stop(self, command="stop"):
        if self.proc.poll() is None:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
            self.proc.wait(20)
        self.thread.join(5)

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def wait_for_assignments(workers, partitions, timeout, what):
    """Until the workers' assignments are disjoint, non-empty and cover every partition."""
    def balanced():
        sets = [w.assignment() for w in workers]
        union = set().union(*sets)
        return (all(sets) and sum(len(s) for s in sets) == len(union)
                and union == set(range(partitions)))
    wait_until(balanced, timeout, what)
    return [w.assignment() for w in workers]


# --- the worker process --------------------------------------------------------------------------

def consume_main(bootstrap, group, topic, strategy, instance_id, session_ms):
    from confluent_kafka import Consumer, KafkaException

    def ids(parts):
        return ",".join(str(p.partition) for p in parts)

    config = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": int(session_ms),
        "heartbeat.interval.ms": 500,
        "partition.assignment.strategy": strategy,
        "topic.metadata.refresh.interval.ms": 2000,
    }
    if instance_id:
        config["group.instance.id"] = instance_id
    consumer = Consumer(config)
    out = sys.stdout

    def on_assign(c, parts):
        out.write(f"ASSIGN {ids(parts)}\n")
        out.flush()
        if strategy == "cooperative-sticky":
            c.incremental_assign(parts)

    def on_revoke(c, parts):
        out.write(f"REVOKE {ids(parts)}\n")
        out.flush()
        if strategy == "cooperative-sticky":
            c.incremental_unassign(parts)

    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    command = []
    threading.Thread(target=lambda: command.append(sys.stdin.readline().strip()),
                     daemon=True).start()
    out.write("READY\n")
    out.flush()
    while not command:
        batch = consumer.consume(num_messages=200, timeout=0.2)
        good = [m for m in batch if m.error() is None]
        for m in good:
            out.write(f"MSG {m.partition()} {m.offset()} {m.value().decode()}\n")
        if good:
            try:
                consumer.commit(asynchronous=False)
                out.write(f"COMMITTED {len(good)}\n")
            except KafkaException as e:
                out.write(f"COMMIT_FAILED {e}\n")
        out.flush()
    consumer.close()
    out.write("CLOSED\n")
    out.flush()
    os._exit(0)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "consume":
    consume_main(*sys.argv[2:8])
