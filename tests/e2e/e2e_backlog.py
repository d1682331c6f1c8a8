#!/usr/bin/python3
"""End-to-end: the produce backlog (docs/jobs.md "Backlog").

A proxy-only agent (no jobs agent in the cluster, 5 ms batch timeout, low backlog limits) takes
an idempotent librdkafka producer's records: level-0 objects pile up, /metrics shows the agent
throttling (produce answers held, throttle_time_ms reported to the client's throttle callback)
and then refusing (NOT_ENOUGH_REPLICAS, which librdkafka retries; sluice_produce_refused_total
grows), the HTTP API refuses too (50003), and the log says a jobs agent is needed. A second agent
with -roles jobs on the same metadata store and bucket drains the backlog; the state returns to
0, the producer finishes without a delivery error, and a consumer reads every record exactly once,
in order, per partition.

The two agents share PostgreSQL and the S3 test server (scripts/with-postgres.sh and
scripts/with-s3rver.sh); outside them the test skips.
"""

import json
import os
import sys
import time
import urllib.request

from agent_fixture import Agent, check, cluster_backend_args, require_module, wait_until

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "backlog-t"
PARTITIONS = 2
MAX_MESSAGES = 200000  # the producer stops earlier: after a few seconds of refusals
# The agent refreshes its backlog state once a second, and the producer (linger.ms 20) makes at
# most ~50 objects a second: the band between the limits lasts seconds, so throttling is seen.
THROTTLE_OBJECTS, REFUSE_OBJECTS = 20, 100
PROXY_ARGS = ["-roles", "proxy", "-backlogThrottleObjects", str(THROTTLE_OBJECTS),
              "-backlogRefuseObjects", str(REFUSE_OBJECTS), "-backlogThrottleBytes", "0",
              "-backlogRefuseBytes", "0", "-backlogMaxThrottle", "200ms"]
JOBS_ARGS = ["-roles", "jobs", "-compactionInterval", "200ms", "-compactionMinObjects", "4"]
STATE = "sluice_backlog_state"
REFUSED = 'sluice_produce_refused_total{reason="uncompacted_objects"}'
THROTTLED = "sluice_produce_throttled_total"


def rest_produce(agent):
    """POST one JSON record through the HTTP API -> parsed answer."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{agent.http_port}/topics/{TOPIC}/partitions/0",
        data=json.dumps({"records": [{"value": {"rest": True}}]}).encode(), method="POST")
    req.add_header("Content-Type", "application/vnd.kafka.json.v2+json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class Producing:
    """An idempotent producer fed at a steady pace; remembers delivery errors and throttles."""

    def __init__(self, bootstrap):
        self.errors, self.throttles, self.delivered = [], [], 0
        self.producer = Producer({
            "bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20,
            "message.timeout.ms": 300000, "retry.backoff.ms": 100,
            "throttle_cb": lambda event: self.throttles.append(event.throttle_time)})
        self.sent = 0
        self.limit = MAX_MESSAGES

    def on_delivery(self, err, msg):
        if err:
            self.errors.append(str(err))
        else:
            self.delivered += 1

    def pump(self, seconds, per_tick=4):
        """Produces up to per_tick records every ~5 ms for `seconds` (or until all are sent)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for _ in range(per_tick):
                if self.sent < self.limit:
                    p = self.sent % PARTITIONS
                    seq = self.sent // PARTITIONS
                    self.producer.produce(TOPIC, value=f"{p}:{seq}:".encode() + b"x" * 200,
                                          partition=p, on_delivery=self.on_delivery)
                    self.sent += 1
            self.producer.poll(0.005)


def metric(agent, name):
    return agent.metrics().get(name, 0.0)


def main():
    backend = cluster_backend_args("backlog")
    proxy = Agent(extra_args=backend + PROXY_ARGS)
    jobs = Agent(extra_args=backend + JOBS_ARGS)
    try:
        proxy.start()
        admin = AdminClient({"bootstrap.servers": proxy.bootstrap})
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(30)
        check(metric(proxy, STATE) == 0, "backlog state before producing")

        # 1. No jobs agent: the backlog grows, produce is slowed, then refused.
        run = Producing(proxy.bootstrap)
        states_seen = set()
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and 2 not in states_seen:
            run.pump(0.2)
            states_seen.add(metric(proxy, STATE))
        check(1 in states_seen and 2 in states_seen,
              f"backlog states seen while producing: {sorted(states_seen)}\n{proxy.log_tail()}")
        check(metric(proxy, THROTTLED) > 0, "no produce request was throttled")
        check(metric(proxy, "sluice_backlog_uncompacted_objects") >= REFUSE_OBJECTS,
              "uncompacted objects while refusing")
        first_refused = metric(proxy, REFUSED)
        run.pump(2)
        check(metric(proxy, STATE) == 2, "still refusing without a jobs agent")
        check(metric(proxy, REFUSED) > first_refused,
              f"refusals did not grow: {first_refused} -> {metric(proxy, REFUSED)}")
        check(any(t > 0 for t in run.throttles),
              f"the producer saw no throttle_time_ms (events: {run.throttles[:5]})")
        check(not run.errors, f"delivery errors while refused: {run.errors[:3]}")
        run.limit = run.sent  # no new records from here on; the refused ones are still queued
        answer = rest_produce(proxy)
        refused = answer["offsets"][0]
        check(refused["error_code"] == 50003 and refused["offset"] is None,
              f"HTTP produce while refusing: {answer}")
        with open(proxy.log_path, "rb") as f:
            log = f.read().decode(errors="replace")
        check("a jobs agent is needed" in log, f"no warning in the log\n{proxy.log_tail()}")
        print(next(line for line in log.splitlines() if "a jobs agent is needed" in line))
        print(f"refusing: {int(metric(proxy, 'sluice_backlog_uncompacted_objects'))} objects, "
              f"{int(metric(proxy, REFUSED))} refused, {len(run.throttles)} throttle events, "
              f"{run.sent} records sent")

        # 2. A jobs agent drains the backlog; produce resumes by itself.
        jobs.start()
        drained_by = time.monotonic() + 60
        while time.monotonic() < drained_by and metric(proxy, STATE) != 0:
            run.pump(0.2)
        check(metric(proxy, STATE) == 0, f"backlog not drained\n{jobs.log_tail()}")
        run.pump(1)
        check(run.producer.flush(60) == 0, "producer did not finish after the backlog drained")
        check(not run.errors, f"delivery errors: {run.errors[:3]}")
        check(run.delivered == run.sent, f"delivered {run.delivered} of {run.sent}")

        # 3. Every record exactly once, in order, per partition.
        consumer = Consumer({"bootstrap.servers": proxy.bootstrap, "group.id": "backlog-check",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
        seqs = {p: [] for p in range(PARTITIONS)}
        read_by = time.monotonic() + 60
        while sum(len(s) for s in seqs.values()) < run.sent and time.monotonic() < read_by:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            p, seq, _ = msg.value().split(b":", 2)
            check(int(p) == msg.partition(), f"record of partition {p} in {msg.partition()}")
            seqs[msg.partition()].append(int(seq))
        consumer.close()
        for p in range(PARTITIONS):
            want = list(range((run.sent - p + PARTITIONS - 1) // PARTITIONS))
            wrong = [(i, got) for i, got in enumerate(seqs[p]) if i >= len(want) or got != want[i]]
            check(seqs[p] == want,
                  f"partition {p}: {len(seqs[p])} records, first out of place {wrong[:3]}")
        check(jobs.stop() == 0, "jobs agent exit code after SIGTERM")
        check(proxy.stop() == 0, "proxy agent exit code after SIGTERM")
        print("PASS e2e_backlog")
    except BaseException:
        print(proxy.log_tail(), file=sys.stderr)
        if jobs.proc is not None:
            print(jobs.log_tail(), file=sys.stderr)
        raise
    finally:
        proxy.cleanup()
        jobs.cleanup()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
