#!/usr/bin/env python3
"""Operating an agent (issue 8): /metrics, /v1/status, graceful shutdown, JSON logs.

1. /metrics parses with prometheus_client's parser, follows the naming conventions of
   docs/metrics.md, and its counters move as confluent-kafka produces and consumes.
2. /v1/status reports agent id, version, roles, zone and store health; 503 while draining.
3. A producer running through SIGTERM loses no acknowledged record: every acknowledged
   (offset, value) is read back after the agent restarts on the same data directory, and the
   agent exits within -gracefulShutdownDuration. A second signal exits at once.
4. -logFormat json writes one JSON object per line, and nothing per request at the default level.
"""

import json
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_fixture import REPO_ROOT, Agent, check, require_module, wait_until  # noqa: E402

ck = require_module("confluent_kafka")
require_module("prometheus_client")
from prometheus_client import parser as prom_parser  # noqa: E402


def scrape(agent):
    """-> (raw text, {family name: family}) with the parser's family names."""
    url = f"http://127.0.0.1:{agent.http_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as resp:
        check(resp.headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              f"content type {resp.headers['Content-Type']}")
        text = resp.read().decode()
    families = {f.name: f for f in prom_parser.text_string_to_metric_families(text)}
    return text, families


def value(families, family, sample_name, **labels):
    """The value of one sample (0 when absent)."""
    f = families.get(family)
    if f is None:
        return 0.0
    for s in f.samples:
        if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0.0


def check_conventions(text, families):
    types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            check(name not in types, f"family {name} declared twice")
            types[name] = kind
    check(len(types) >= 30, f"only {len(types)} families")
    for name, kind in types.items():
        check(name.startswith("sluice_"), f"{name}: no sluice_ prefix")
        if kind == "counter":
            check(name.endswith("_total"), f"counter {name} does not end in _total")
        else:
            check(not name.endswith("_total"), f"{kind} {name} ends in _total")
        if kind == "histogram":
            check(name.endswith(("_seconds", "_bytes", "_records")),
                  f"histogram {name} has no unit suffix")
    # The parser strips _total: one family per name, no gauge shadowing a counter.
    check(len(families) == len(types), "parser saw a different family count than # TYPE lines")
    return types


def check_docs_and_dashboard(types):
    """Every exported family is in docs/metrics.md; every metric the dashboard queries exists."""
    with open(os.path.join(REPO_ROOT, "docs", "metrics.md")) as f:
        documented = set(re.findall(r"`(sluice_[a-z0-9_]+)`", f.read()))
    undocumented = sorted(set(types) - documented)
    check(not undocumented, f"families missing from docs/metrics.md: {undocumented}")
    with open(os.path.join(REPO_ROOT, "docs", "grafana", "sluice-dashboard.json")) as f:
        dashboard = json.load(f)
    queried = set(re.findall(r"sluice_[a-z0-9_]+", json.dumps(dashboard["panels"])))
    check(len(queried) >= 20, f"the dashboard queries only {len(queried)} metrics")
    for name in queried:
        family = re.sub(r"_(bucket|count|sum)$", "", name)
        check(family in types, f"the dashboard queries {name}, which the agent does not export")


def produce(bootstrap, topic, count, prefix):
    producer = ck.Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    acked = []
    for i in range(count):
        producer.produce(topic, f"{prefix}-{i}".encode(),
                         on_delivery=lambda err, msg: acked.append(msg) if err is None else None)
    producer.flush(20)
    check(len(acked) == count, f"{len(acked)} of {count} records acknowledged")
    return acked


def consume_all(bootstrap, topic, expected, group):
    consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got = {}
    deadline = time.monotonic() + 30
    while len(got) < expected and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            got[(msg.partition(), msg.offset())] = msg.value()
    return consumer, got


def metrics_and_logs():
    agent = Agent(extra_args=["-logFormat", "json", "-availabilityZone", "az-ops"])
    agent.start()
    try:
        text, before = scrape(agent)
        check_conventions(text, before)
        log_lines_before = len(open(agent.log_path).read().splitlines())

        acked = produce(agent.bootstrap, "ops", 300, "m")
        consumer, got = consume_all(agent.bootstrap, "ops", 300, "ops-group")
        check(len(got) == 300, f"consumed {len(got)} of 300")

        text, after = scrape(agent)
        check_docs_and_dashboard(check_conventions(text, after))

        def grew(family, sample, at_least=1, **labels):
            delta = value(after, family, sample, **labels) - value(before, family, sample, **labels)
            check(delta >= at_least, f"{sample}{labels} grew by {delta}, expected >= {at_least}")

        grew("sluice_kafka_requests", "sluice_kafka_requests_total", api="Produce")
        grew("sluice_kafka_requests", "sluice_kafka_requests_total", api="Fetch")
        grew("sluice_kafka_request_duration_seconds",
             "sluice_kafka_request_duration_seconds_count", api="Produce")
        grew("sluice_kafka_request_duration_seconds",
             "sluice_kafka_request_duration_seconds_count", api="Fetch")
        grew("sluice_produced_records", "sluice_produced_records_total", 300)
        grew("sluice_produced_bytes", "sluice_produced_bytes_total", 300 * 5)
        grew("sluice_fetched_records", "sluice_fetched_records_total", 300)
        grew("sluice_fetched_bytes", "sluice_fetched_bytes_total", 300 * 5)
        grew("sluice_kafka_received_bytes", "sluice_kafka_received_bytes_total", 300 * 5)
        grew("sluice_kafka_sent_bytes", "sluice_kafka_sent_bytes_total", 300 * 5)
        grew("sluice_kafka_connections_accepted", "sluice_kafka_connections_accepted_total", 2)
        grew("sluice_produce_objects_written", "sluice_produce_objects_written_total")
        grew("sluice_produce_flush_duration_seconds",
             "sluice_produce_flush_duration_seconds_count")
        grew("sluice_produce_commit_duration_seconds",
             "sluice_produce_commit_duration_seconds_count")
        grew("sluice_object_store_requests", "sluice_object_store_requests_total",
             operation="put")
        # Every metadata-store call is timed (TimedMetadataStore), the produce and fetch paths too.
        for operation in ("create_topic", "commit_object", "find_chunks", "fetch_offsets"):
            grew("sluice_metadata_store_operation_seconds",
                 "sluice_metadata_store_operation_seconds_count", operation=operation)
        check(value(after, "sluice_metadata_store_errors", "sluice_metadata_store_errors_total",
                    operation="commit_object") == 0, "a commit_object call failed")
        grew("sluice_object_store_bytes", "sluice_object_store_bytes_total", 300 * 5,
             operation="put")
        # One PUT per flush; the histogram sum is the object bytes the counter mirrors.
        check(value(after, "sluice_produce_flush_size_bytes", "sluice_produce_flush_size_bytes_sum")
              == value(after, "sluice_produce_object_written_bytes",
                       "sluice_produce_object_written_bytes_total"),
              "flush size histogram sum != object bytes written")
        check(value(after, "sluice_kafka_connections_open", "sluice_kafka_connections_open") >= 1,
              "no open connection counted while a consumer is connected")
        check(value(after, "sluice_groups", "sluice_groups") >= 1, "sluice_groups")
        check(value(after, "sluice_group_members", "sluice_group_members") >= 1,
              "sluice_group_members")
        hits = value(after, "sluice_file_cache_hits", "sluice_file_cache_hits_total")
        misses = value(after, "sluice_file_cache_misses", "sluice_file_cache_misses_total")
        check(hits + misses >= 1, "the file cache saw no read")
        consumer.close()
        print(f"metrics: {len(after)} families parse; counters moved with "
              f"{len(acked)} records")

        code, status = agent.status()
        check(code == 200, f"status {code}")
        for key in ("agent_id", "version", "roles", "availability_zone", "cluster_id", "checks"):
            check(key in status, f"/v1/status lacks {key}: {status}")
        check(status["status"] == "ready" and status["ready"] is True, f"status {status}")
        check(status["agent_id"] == status["node_id"] >= 1, f"agent id {status['agent_id']}")
        check(status["roles"] == ["proxy", "jobs"], f"roles {status['roles']}")
        check(status["availability_zone"] == "az-ops", f"zone {status['availability_zone']}")
        check(status["checks"]["metadata_store"]["ok"] is True, f"metadata check {status}")
        check(status["checks"]["bucket"]["ok"] is True, f"bucket check {status}")
        probed = status["checks"]["bucket"]["checked_at_ms"]
        _, again = agent.status()
        check(again["checks"]["bucket"]["checked_at_ms"] == probed,
              "a second status right away probed the stores again (not cached)")

        # JSON logs: every line one object; the traffic above logged (almost) nothing.
        lines = open(agent.log_path).read().splitlines()
        for line in lines:
            if line.startswith("Sluice is ready."):  # the banner on stdout, not a log line
                continue
            record = json.loads(line)
            check(isinstance(record, dict) and "level" in record and "msg" in record,
                  f"log line {line}")
        new_lines = len(lines) - log_lines_before
        check(new_lines <= 5, f"{new_lines} log lines for ~100 requests at the default level:\n"
              + "\n".join(lines[log_lines_before:]))
        print(f"logs: {len(lines)} lines, all JSON; {new_lines} during traffic")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()


class BackgroundProducer(threading.Thread):
    """Produces numbered records as fast as they are acknowledged; keeps (partition, offset,
    value) of every acknowledged one."""

    def __init__(self, bootstrap, topic):
        super().__init__(daemon=True)
        self.producer = ck.Producer({"bootstrap.servers": bootstrap, "acks": "all",
                                     "linger.ms": 2, "message.timeout.ms": 8000,
                                     "reconnect.backoff.max.ms": 200})
        self.topic = topic
        self.acked = []
        self.failed = 0
        self.stop_flag = threading.Event()

    def on_delivery(self, err, msg):
        if err is None:
            self.acked.append((msg.partition(), msg.offset(), msg.value()))
        else:
            self.failed += 1

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            try:
                self.producer.produce(self.topic, f"g-{i}".encode(), on_delivery=self.on_delivery)
                i += 1
            except BufferError:
                pass
            self.producer.poll(0.001)
        self.producer.flush(10)


def graceful_shutdown():
    agent = Agent(extra_args=["-gracefulShutdownDuration", "6s",
                              "-shutdownAnnounceDuration", "1s", "-batchTimeout", "20ms"])
    agent.start()
    try:
        bg = BackgroundProducer(agent.bootstrap, "drain")
        bg.start()
        wait_until(lambda: len(bg.acked) >= 200, 20, "200 acknowledged records before SIGTERM")

        signalled = time.monotonic()
        agent.proc.send_signal(signal.SIGTERM)
        # Draining is announced while the agent still serves.
        saw_draining = False
        while time.monotonic() - signalled < 0.9 and not saw_draining:
            try:
                code, body = status_any(agent)
                saw_draining = code == 503 and body and body["status"] == "draining"
            except OSError:
                break
            time.sleep(0.05)
        check(saw_draining, "/v1/status did not answer 503 draining after SIGTERM")
        acked_at_signal = len(bg.acked)
        agent.proc.wait(10)
        took = time.monotonic() - signalled
        check(agent.proc.returncode == 0, f"exit code {agent.proc.returncode}")
        check(took < 6.0, f"exit took {took:.1f}s, over -gracefulShutdownDuration")
        bg.stop_flag.set()
        bg.join(15)
        check(len(bg.acked) > acked_at_signal, "nothing acknowledged while draining")
        acked = list(bg.acked)

        agent.start()  # same data directory and ports
        consumer, got = consume_all(agent.bootstrap, "drain", len(acked), "drain-check")
        consumer.close()
        lost = [(p, o, v) for p, o, v in acked if got.get((p, o)) != v]
        check(not lost, f"{len(lost)} of {len(acked)} acknowledged records lost or moved, "
              f"e.g. {lost[:3]}")
        print(f"shutdown: exit 0 after {took:.2f}s; all {len(acked)} acknowledged records read "
              f"back ({bg.failed} unacknowledged)")

        # A second signal during a long drain exits at once.
        agent.stop()
        agent.extra_args = ["-gracefulShutdownDuration", "60s", "-shutdownAnnounceDuration", "30s"]
        agent.start()
        agent.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: status_any(agent)[0] == 503, 5, "503 after the first SIGTERM")
        second = time.monotonic()
        agent.proc.send_signal(signal.SIGINT)
        agent.proc.wait(5)
        took = time.monotonic() - second
        check(took < 1.0, f"second signal took {took:.2f}s")
        check(agent.proc.returncode != 0, "a forced exit reported success")
        check("second signal" in open(agent.log_path).read(), "no log line for the second signal")
        print(f"second signal: exit {agent.proc.returncode} after {took:.2f}s")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()


def status_any(agent):
    """GET /v1/status -> (code, JSON body) for 200 and 503 alike."""
    url = f"http://127.0.0.1:{agent.http_port}/v1/status"
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main():
    metrics_and_logs()
    graceful_shutdown()
    print("PASS e2e_ops")
    sys.stdout.flush()
    os._exit(0)  # Debian's confluent-kafka can abort at interpreter exit


if __name__ == "__main__":
    main()
