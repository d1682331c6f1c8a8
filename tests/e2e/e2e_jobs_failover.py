#!/usr/bin/python3
"""End-to-end: two jobs agents share the work, and one dies in the middle of a compaction.

A proxy agent receives produce and fetch; two agents with only the jobs role (J1, the planner,
and J2) share PostgreSQL and the S3 test server.
1. Produce rounds (many small objects) until both jobs agents have completed compactions.
2. J2 restarts with -faultCompactionDelay (tests only): it sleeps between writing a compaction
   output and the index swap. Produce rounds until J2 has written an output, then SIGKILL J2.
3. After J2's 3 s job lease, J1 claims the job again and commits it under its own attempt key;
   the job leaves the queue. J2's output is an orphan, which J1's orphan scan deletes once
   older than -orphanSafetyAge.
4. A consumer reads everything exactly once at the same offsets before and after, and it is
   exactly what was acknowledged.
Skips (77) outside scripts/with-postgres.sh scripts/with-s3rver.sh.
"""

import json
import os
import subprocess
import sys
import time

from agent_fixture import Agent, check, cluster_backend_args, require_module, wait_until

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "jobs-failover"
PARTITIONS = 6
COMPLETED = 'sluice_jobs_completed_total{kind="compaction"}'
PUTS = 'sluice_object_store_requests_total{operation="put"}'
JOBS_ARGS = ["-roles", "jobs", "-logFormat", "json", "-compactionInterval", "200ms",
             "-compactionMinObjects", "4", "-jobLeaseDuration", "3s",
             "-deletionGracePeriod", "2s", "-orphanScanInterval", "1s",
             "-orphanSafetyAge", "8s"]


class Produced:
    """Every value acknowledged so far, produced in rounds of small flushes."""

    def __init__(self, bootstrap):
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0,
                                  "enable.idempotence": True})
        self.acked = set()
        self.errors = []
        self.sent = 0

    def round(self, messages=240, flush_every=40):
        def on_delivery(err, msg):
            if err is None:
                self.acked.add(msg.value().decode())
            else:
                self.errors.append(str(err))
        for _ in range(messages):
            value = f"v{self.sent}"
            self.producer.produce(TOPIC, value=value.encode(), partition=self.sent % PARTITIONS,
                                  on_delivery=on_delivery)
            self.sent += 1
            if self.sent % flush_every == 0:
                self.producer.flush(30)  # one small object per flush
        check(self.producer.flush(30) == 0 and not self.errors,
              f"produce errors: {self.errors[:3]}")
        check(len(self.acked) == self.sent, f"acknowledged {len(self.acked)} of {self.sent}")


def consume_all(bootstrap, expected):
    """{(partition, offset): value}; fails on a record delivered twice."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{time.time()}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    got = {}
    deadline = time.monotonic() + 60
    while len(got) < expected and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        key = (msg.partition(), msg.offset())
        check(key not in got, f"{key} delivered twice")
        got[key] = msg.value().decode()
    c.close()
    check(len(got) == expected, f"read {len(got)} of {expected}")
    for p in range(PARTITIONS):
        offsets = sorted(o for (q, o) in got if q == p)
        check(offsets == list(range(len(offsets))), f"partition {p}: offsets not 0..n-1")
    return got


def log_events(agent):
    events = []
    with open(agent.log_path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return events


def sql(url, query):
    out = subprocess.run(["psql", url, "-At", "-v", "ON_ERROR_STOP=1", "-c", query],
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, f"psql: {out.stderr}")
    return out.stdout.strip()


def main():
    backend = cluster_backend_args("e2e_jobs_failover")
    db_url = backend[backend.index("-metadataURL") + 1]
    proxy = Agent(extra_args=backend + ["-roles", "proxy"])
    j1 = Agent(extra_args=backend + JOBS_ARGS)
    j2 = Agent(extra_args=backend + JOBS_ARGS)
    agents = [proxy, j1, j2]
    try:
        proxy.start()
        j1.start()
        wait_until(lambda: j1.metrics().get("sluice_jobs_planner_leader") == 1, 20,
                   "J1 to plan jobs")
        j2.start()
        admin = AdminClient({"bootstrap.servers": proxy.bootstrap})
        for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
            f.result(15)
        produced = Produced(proxy.bootstrap)

        # 1. Both jobs agents complete compactions.
        deadline = time.monotonic() + 60
        while True:
            produced.round()
            time.sleep(0.5)
            done = (j1.metrics().get(COMPLETED, 0), j2.metrics().get(COMPLETED, 0))
            if min(done) > 0:
                break
            check(time.monotonic() < deadline, f"compactions completed by J1, J2: {done}")
        print(f"compactions completed by J1, J2: {done}")

        # 2. J2 again, now sleeping between its output and the swap; killed while it sleeps.
        check(j2.stop() == 0, "J2 exit code")
        j2.extra_args = backend + JOBS_ARGS + ["-faultCompactionDelay", "60s"]
        j2.start()
        deadline = time.monotonic() + 60
        caught = False
        while not caught:
            check(time.monotonic() < deadline, "J2 never wrote a compaction output")
            produced.round(messages=120)
            for _ in range(30):  # J1 may win this round's job; then produce another
                if j2.metrics().get(PUTS, 0) > 0:
                    j2.kill()
                    caught = True
                    break
                time.sleep(0.1)
        sleeping = [e for e in log_events(j2)
                    if e.get("msg", "").startswith("fault injection: sleeping")]
        check(len(sleeping) >= 1, "J2 did not log its fault-injection sleep")
        orphan_key = sleeping[0]["key"]
        output_id, _, attempt = orphan_key.rsplit("/", 1)[1].rpartition(".")
        print(f"J2 killed after writing {orphan_key} (attempt {attempt})")
        # J2 never swapped: the store does not know the key, nor (yet) the output.
        check(sql(db_url, f"SELECT count(*) FROM objects WHERE object_key = '{orphan_key}'") ==
              "0", "the killed attempt's output is known to the store")
        before = consume_all(proxy.bootstrap, produced.sent)
        check(sorted(before.values()) == sorted(produced.acked), "values differ from the acked")

        # 3. J1 retries the job after J2's lease and commits its own output.
        completed_j1 = j1.metrics().get(COMPLETED, 0)
        wait_until(lambda: sql(db_url, "SELECT object_key FROM objects WHERE object_id = "
                                        f"'{output_id}'") not in ("", orphan_key), 30,
                   f"another attempt to commit {output_id}")
        committed_key = sql(db_url, f"SELECT object_key FROM objects WHERE object_id = "
                                    f"'{output_id}'")
        wait_until(lambda: sql(db_url, "SELECT count(*) FROM jobs WHERE job_id = "
                                        f"'compaction/{output_id}'") == "0", 15,
                   "the job to leave the queue")
        check(j1.metrics().get(COMPLETED, 0) > completed_j1, "J1 completed no compaction")
        print(f"J1 committed {committed_key}")
        # The orphan scan deletes the killed attempt's output once it is old enough.
        wait_until(lambda: any(orphan_key in e.get("keys", "").split() for e in log_events(j1)
                               if e.get("msg", "").startswith("orphan scan deleted")), 30,
                   f"J1's orphan scan to delete {orphan_key}")
        check(j1.metrics().get("sluice_jobs_orphans_deleted_total", 0) >= 1,
              "sluice_jobs_orphans_deleted_total on J1")
        print(f"J1's orphan scan deleted {orphan_key}")

        # 4. Nothing lost or duplicated: same records at the same offsets.
        after = consume_all(proxy.bootstrap, produced.sent)
        check(after == before, "records or offsets changed across the failover")
        for agent in (proxy, j1):
            check(agent.stop() == 0, "exit code after SIGTERM")
        print("PASS e2e_jobs_failover")
    except BaseException:
        for agent in agents:
            print(agent.log_tail(40), file=sys.stderr)
        raise
    finally:
        for agent in agents:
            agent.cleanup()
    sys.stdout.flush()
    os._exit(0)  # see e2e_confluent_kafka.py: Debian's confluent-kafka may abort at exit


if __name__ == "__main__":
    main()
