#!/usr/bin/env python3
"""The REST Proxy v2 HTTP API (docs/http-api.md) against a real agent.

Runs every curl example of docs/http-api.md; produces JSON and binary records with urllib and checks
that a Kafka client (confluent-kafka) reads exactly those bytes; fetches Kafka-produced records over
HTTP; shares a group's partitions between HTTP consumer instances and resumes from committed
offsets; checks every documented error, instance expiry, roles, keep-alive and /metrics.
"""

import base64
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_fixture import (REPO_ROOT, Agent, check, require_module,  # noqa: E402
                           run_with_agent, wait_until)

ck = require_module("confluent_kafka")
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

BINARY = "application/vnd.kafka.binary.v2+json"
JSONF = "application/vnd.kafka.json.v2+json"
V2 = "application/vnd.kafka.v2+json"


def b64(data):
    return base64.b64encode(data).decode()


def call(agent, method, path, body=None, content_type=V2, accept=None, raw=None):
    """-> (status, parsed JSON or None, headers)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://127.0.0.1:{agent.http_port}{path}", data=data,
                                 method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, (json.loads(text) if text else None), resp.headers
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        return e.code, parsed, e.headers


def expect_error(agent, status, code, method, path, **kwargs):
    got_status, body, _ = call(agent, method, path, **kwargs)
    check(got_status == status and body and body.get("error_code") == code,
          f"{method} {path}: expected {status}/{code}, got {got_status} {body}")
    check(isinstance(body.get("message"), str) and body["message"], f"message in {body}")
    return body


def create_topics(agent, **topics):
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    futures = admin.create_topics([NewTopic(t, n, 1) for t, n in topics.items()])
    for f in futures.values():
        f.result(15)


def doc_commands():
    """(prelude assignments, [(command, [expected substrings])]) from the sh blocks of the doc."""
    text = open(os.path.join(REPO_ROOT, "docs", "http-api.md")).read()
    prelude, commands = [], []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        current = None
        for line in block.splitlines():
            if current is not None and current.endswith("\\"):
                current = current[:-1] + " " + line.strip()
                commands[-1] = (current, commands[-1][1])
                continue
            if line.startswith("# expect: "):
                commands[-1][1].append(line[len("# expect: "):])
            elif re.match(r"^[A-Z]+=", line):
                prelude.append(line)
                current = None
            elif line.strip():
                current = line
                commands.append((current, []))
    return prelude, commands


def run_doc_examples(agent):
    prelude, commands = doc_commands()
    check(len(commands) >= 20, f"doc examples found: {len(commands)}")
    env = dict(os.environ, HTTP=f"http://127.0.0.1:{agent.http_port}")
    for command, expected in commands:
        out = subprocess.run(["bash", "-c", "\n".join(prelude + [command])], env=env,
                             capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, f"doc example failed ({out.returncode}): {command}\n{out.stderr}")
        for want in expected:
            check(want in out.stdout, f"doc example {command!r}: {want!r} not in {out.stdout!r}")
    print(f"ok: {len(commands)} doc examples")


def kafka_read(agent, topic, count, group):
    consumer = ck.Consumer({"bootstrap.servers": agent.bootstrap, "group.id": group,
                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got = []
    deadline = time.monotonic() + 20
    while len(got) < count and time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is None:
            continue
        check(m.error() is None, f"consumer error {m.error()}")
        got.append(m)
    consumer.close()
    check(len(got) == count, f"kafka consumer read {len(got)} of {count}")
    return got


def http_to_kafka(agent):
    records = [
        {"key": b64(b"k\x00\xff1"), "value": b64(bytes(range(256))),
         "headers": [{"key": "h1", "value": b64(b"\x01\x02")}, {"key": "h2", "value": None}]},
        {"key": None, "value": b64(b""), "partition": 2},
        {"value": None, "partition": 1},
    ]
    status, body, _ = call(agent, "POST", "/topics/interop", {"records": records}, BINARY)
    check(status == 200, f"binary produce {status} {body}")
    offsets = body["offsets"]
    check(len(offsets) == 3 and all(o["error_code"] is None for o in offsets), f"{body}")
    check(offsets[1]["partition"] == 2 and offsets[2]["partition"] == 1, f"{offsets}")
    status, body, _ = call(agent, "POST", "/topics/interop/partitions/0",
                           {"records": [{"key": {"id": 7}, "value": {"name": "é", "n": [1.5]}}]},
                           JSONF)
    check(status == 200 and body["offsets"][0]["partition"] == 0, f"json produce {status} {body}")
    got = kafka_read(agent, "interop", 4, "interop-check")
    by = {(m.partition(), m.offset()): m for m in got}
    first = by[(offsets[0]["partition"], offsets[0]["offset"])]
    check(first.key() == b"k\x00\xff1" and first.value() == bytes(range(256)), "binary bytes")
    check(first.headers() == [("h1", b"\x01\x02"), ("h2", None)], f"headers {first.headers()}")
    check(by[(2, offsets[1]["offset"])].value() == b"", "empty value")
    check(by[(1, offsets[2]["offset"])].value() is None, "null value")
    json_record = [m for m in got if m.partition() == 0 and m.key() and m.key().startswith(b"{")]
    check(len(json_record) == 1, "json record on partition 0")
    check(json.loads(json_record[0].key()) == {"id": 7}, "json key")
    check(json.loads(json_record[0].value()) == {"name": "é", "n": [1.5]}, "json value")
    # A keyed record lands where a Kafka client's murmur2 partitioner puts it.
    producer = ck.Producer({"bootstrap.servers": agent.bootstrap, "partitioner": "murmur2"})
    delivered = []
    producer.produce("interop", key=b"same-key", value=b"v",
                     on_delivery=lambda e, m: delivered.append(m.partition()))
    producer.flush(10)
    status, body, _ = call(agent, "POST", "/topics/interop",
                           {"records": [{"key": b64(b"same-key"), "value": b64(b"v")}]}, BINARY)
    check(body["offsets"][0]["partition"] == delivered[0], f"keyed partition {body} {delivered}")
    print("ok: http produce -> kafka consume")


def kafka_to_http(agent):
    producer = ck.Producer({"bootstrap.servers": agent.bootstrap, "linger.ms": 5})
    sent = [(f"key-{i}".encode(), os.urandom(50 + i), [("n", str(i).encode())]) for i in range(20)]
    for key, value, headers in sent:
        producer.produce("fromkafka", key=key, value=value, headers=headers, partition=0)
    check(producer.flush(10) == 0, "kafka producer flushed")
    got = []
    while len(got) < 20:
        status, body, headers = call(agent, "GET",
                                     f"/topics/fromkafka/partitions/0/records?offset={len(got)}"
                                     f"&max_bytes=200&timeout=2000", accept=BINARY)
        check(status == 200 and body, f"fetch {status} {body}")
        check(headers["Content-Type"] == BINARY, f"content type {headers['Content-Type']}")
        got += body
    for i, (record, (key, value, hdrs)) in enumerate(zip(got, sent)):
        check(record["offset"] == i and record["partition"] == 0 and record["topic"] == "fromkafka",
              f"record {i}: {record}")
        check(base64.b64decode(record["key"]) == key, f"key {i}")
        check(base64.b64decode(record["value"]) == value, f"value {i}")
        check(record["headers"] == [{"key": "n", "value": b64(hdrs[0][1])}], f"headers {i}")
    # Long poll: a fetch at the end waits for a record produced meanwhile.
    start = time.monotonic()
    status, body, _ = call(agent, "GET", "/topics/fromkafka/partitions/0/records?offset=20&timeout=300",
                           accept=BINARY)
    check(status == 200 and body == [] and time.monotonic() - start >= 0.25, "empty long poll")
    print("ok: kafka produce -> http fetch")


def poll(agent, group, name, fmt=BINARY, timeout=500):
    status, body, _ = call(agent, "GET", f"/consumers/{group}/instances/{name}/records"
                           f"?timeout={timeout}", accept=fmt)
    check(status == 200, f"poll {group}/{name}: {status} {body}")
    return body


def assignment(agent, group, name):
    _, body, _ = call(agent, "GET", f"/consumers/{group}/instances/{name}/assignments")
    return sorted((p["topic"], p["partition"]) for p in body["partitions"])


def consumer_groups(agent):
    values = [b64(f"v{i}".encode()) for i in range(40)]
    status, _, _ = call(agent, "POST", "/topics/shared", {"records": [{"value": v} for v in values]},
                        BINARY)
    check(status == 200, "produce shared")
    for name in ("a", "b"):
        status, body, _ = call(agent, "POST", "/consumers/gshare",
                               {"name": name, "format": "binary", "auto.offset.reset": "earliest",
                                "auto.commit.enable": "false"})
        check(status == 200 and body["instance_id"] == name, f"create {name}: {body}")
        check(body["base_uri"].endswith(f"/consumers/gshare/instances/{name}"), f"{body}")
        status, _, _ = call(agent, "POST", f"/consumers/gshare/instances/{name}/subscription",
                            {"topics": ["shared"]})
        check(status == 204, f"subscribe {name}")

    def shared():
        a, b = assignment(agent, "gshare", "a"), assignment(agent, "gshare", "b")
        return len(a) == 2 and len(b) == 2 and sorted(a + b) == [("shared", p) for p in range(4)]
    wait_until(shared, 20, "two instances sharing 4 partitions")
    seen = {"a": [], "b": []}
    deadline = time.monotonic() + 20
    while len(seen["a"]) + len(seen["b"]) < 40 and time.monotonic() < deadline:
        for name in ("a", "b"):
            seen[name] += poll(agent, "gshare", name, timeout=200)
    parts = {n: {r["partition"] for r in seen[n]} for n in seen}
    check(not (parts["a"] & parts["b"]), f"instances read disjoint partitions {parts}")
    check(sorted(r["value"] for r in seen["a"] + seen["b"]) == sorted(values), "every record once")
    for name in ("a", "b"):
        status, _, _ = call(agent, "POST", f"/consumers/gshare/instances/{name}/offsets", raw=b"")
        check(status == 200, f"commit positions of {name}")
        status, _, _ = call(agent, "DELETE", f"/consumers/gshare/instances/{name}")
        check(status == 204, f"delete {name}")
    more = [b64(f"w{i}".encode()) for i in range(10)]
    call(agent, "POST", "/topics/shared", {"records": [{"value": v} for v in more]}, BINARY)
    call(agent, "POST", "/consumers/gshare", {"name": "c", "auto.offset.reset": "earliest"})
    call(agent, "POST", "/consumers/gshare/instances/c/subscription", {"topics": ["shared"]})
    got = []
    deadline = time.monotonic() + 20
    while len(got) < 10 and time.monotonic() < deadline:
        got += poll(agent, "gshare", "c")
    check(sorted(r["value"] for r in got) == sorted(more), f"resumed from committed: {got}")
    # auto.commit.enable defaults to true: the positions were committed after the poll.
    status, body, _ = call(agent, "GET", "/consumers/gshare/instances/c/offsets",
                           {"partitions": [{"topic": "shared", "partition": p} for p in range(4)]})
    total = sum(o["offset"] for o in body["offsets"])
    check(status == 200 and total == 50, f"auto-committed offsets {body}")
    call(agent, "DELETE", "/consumers/gshare/instances/c")
    print("ok: consumer instances share partitions and resume")


def errors(agent):
    path = "/topics/orders"
    expect_error(agent, 415, 415, "POST", path, body={"records": [{"value": 1}]},
                 content_type="application/json")
    expect_error(agent, 400, 400, "POST", path, raw=b'{"records":[', content_type=JSONF)
    expect_error(agent, 422, 42201, "POST", path, body={"records": []}, content_type=JSONF)
    expect_error(agent, 422, 42201, "POST", path, body={"records": [{"value": 1, "bogus": 2}]},
                 content_type=JSONF)
    expect_error(agent, 422, 42201, "POST", path, body={"records": [{"value": 5}]},
                 content_type=BINARY)
    expect_error(agent, 404, 40401, "POST", "/topics/missing", body={"records": [{"value": 1}]},
                 content_type=JSONF)
    expect_error(agent, 404, 40402, "POST", "/topics/orders/partitions/9",
                 body={"records": [{"value": 1}]}, content_type=JSONF)
    # Nothing half-written: a good record next to a bad one is not stored either.
    _, before, _ = call(agent, "GET", "/topics/orders/partitions/0/offsets")
    expect_error(agent, 404, 40402, "POST", path,
                 body={"records": [{"value": 1, "partition": 0}, {"value": 2, "partition": 7}]},
                 content_type=JSONF)
    expect_error(agent, 422, 42201, "POST", path,
                 body={"records": [{"value": b64(b"ok"), "partition": 0}, {"value": "%%"}]},
                 content_type=BINARY)
    _, after, _ = call(agent, "GET", "/topics/orders/partitions/0/offsets")
    check(before == after, f"refused requests wrote nothing: {before} {after}")
    expect_error(agent, 413, 413, "POST", path, raw=b"{" + b" " * (9 << 20) + b"}",
                 content_type=JSONF)
    fetch = "/topics/orders/partitions/0/records"
    expect_error(agent, 400, 400, "GET", fetch)
    expect_error(agent, 400, 400, "GET", fetch + "?offset=abc")
    expect_error(agent, 422, 42202, "GET", fetch + "?offset=100000")
    expect_error(agent, 404, 40402, "GET", "/topics/orders/partitions/5/records?offset=0")
    expect_error(agent, 404, 40401, "GET", "/topics/missing/partitions/0/offsets")
    expect_error(agent, 406, 406, "GET", fetch + "?offset=0", accept="text/html")
    # Binary records that are not JSON cannot be answered in the json format.
    call(agent, "POST", "/topics/errs", {"records": [{"value": b64(b"\xff not json")}]}, BINARY)
    expect_error(agent, 422, 42203, "GET", "/topics/errs/partitions/0/records?offset=0",
                 accept=JSONF)
    # Consumer instances.
    expect_error(agent, 422, 42204, "POST", "/consumers/gerr", body={"format": "avro"})
    expect_error(agent, 422, 42204, "POST", "/consumers/gerr", body={"nonsense": 1})
    call(agent, "POST", "/consumers/gerr", {"name": "x", "format": "json"})
    expect_error(agent, 409, 40902, "POST", "/consumers/gerr", body={"name": "x"})
    expect_error(agent, 409, 40903, "GET", "/consumers/gerr/instances/x/records?timeout=0",
                 accept=JSONF)
    expect_error(agent, 406, 40601, "GET", "/consumers/gerr/instances/x/records", accept=BINARY)
    expect_error(agent, 404, 40403, "GET", "/consumers/gerr/instances/nobody/assignments")
    expect_error(agent, 400, 400, "POST", "/consumers/gerr/instances/x/subscription",
                 raw=b"{nope", content_type=V2)
    # Idle instances expire and leave their group.
    call(agent, "POST", "/consumers/gerr", {"name": "brief", "consumer.instance.timeout.ms": 300})
    status, _, _ = call(agent, "GET", "/consumers/gerr/instances/brief/assignments")
    check(status == 200, "instance alive while used")
    time.sleep(1.0)  # any request would count as use: wait without asking
    expect_error(agent, 404, 40403, "GET", "/consumers/gerr/instances/brief/subscription")
    call(agent, "DELETE", "/consumers/gerr/instances/x")
    print("ok: errors")


def keep_alive_and_metrics(agent):
    conn = http.client.HTTPConnection("127.0.0.1", agent.http_port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/topics")
        resp = conn.getresponse()
        check(resp.status == 200 and "orders" in json.loads(resp.read()), "topics on one connection")
    conn.close()
    with urllib.request.urlopen(f"http://127.0.0.1:{agent.http_port}/metrics") as resp:
        text = resp.read().decode()
    check("sluice_http_requests_total{" in text and "sluice_http_request_duration_seconds" in text,
          "HTTP request metrics exported")
    print("ok: keep-alive and metrics")


def roles():
    with Agent(extra_args=["-roles", "proxy-consume"]) as consume_only:
        body = expect_error(consume_only, 421, 42101, "POST", "/topics/orders",
                            body={"records": [{"value": 1}]}, content_type=JSONF)
        check("proxy-produce" in body["message"], f"names the role that accepts it: {body}")
    with Agent(extra_args=["-roles", "proxy-produce"]) as produce_only:
        body = expect_error(produce_only, 421, 42101, "GET",
                            "/topics/orders/partitions/0/records?offset=0")
        check("proxy-consume" in body["message"], f"{body}")
        expect_error(produce_only, 421, 42101, "POST", "/consumers/g", body={})
    print("ok: roles")


def main_steps(agent):
    create_topics(agent, orders=2, interop=3, fromkafka=1, shared=4, errs=1)
    run_doc_examples(agent)
    http_to_kafka(agent)
    kafka_to_http(agent)
    consumer_groups(agent)
    errors(agent)
    keep_alive_and_metrics(agent)
    roles()


if __name__ == "__main__":
    run_with_agent("e2e_http_api", ["-groupInitialRebalanceDelay", "0s"], main_steps)
