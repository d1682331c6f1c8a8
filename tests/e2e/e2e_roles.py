#!/usr/bin/python3
"""End-to-end: agent roles and role-targeted routing (docs/roles.md).

Four agents share one metadata store and bucket: P (proxy-produce, zone z1), C (proxy-consume,
zone z2), J (jobs) and X (proxy,jobs, zone z1).
- kcat -L with each client id sees exactly the expected brokers (targets, zones, fallbacks), and
  single_agent makes one agent lead every partition.
- J has no Kafka listener and serves /metrics and /v1/status.
- A librdkafka producer targeting proxy-produce and a consumer group targeting proxy-consume
  exchange 10,000 messages; KafkaJS does the same; afterwards Produce requests were served only by
  produce-advertised agents and Fetch requests only by consume-advertised ones.
- Roles given by flag, WARPSTREAM_AGENT_ROLES or SLUICE_AGENT_ROLES give the same agent (the flag
  wins); invalid values stop the agent with a message listing the valid ones.
Skips (77) outside scripts/with-postgres.sh scripts/with-s3rver.sh.
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

import kafka_wire
from agent_fixture import (Agent, check, cluster_backend_args, require_module, sluice_binary,
                           wait_until)

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "roles-t"
PARTITIONS = 4
COUNT = 10000
PRODUCE = ",warpstream_proxy_target=proxy-produce"
CONSUME = ",warpstream_proxy_target=proxy-consume"


def kcat_metadata(bootstrap, client_id):
    out = subprocess.run(["kcat", "-L", "-J", "-b", bootstrap, "-t", TOPIC, "-X",
                          f"client.id={client_id}", "-m", "10"],
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, f"kcat -L failed: {out.stderr}")
    md = json.loads(out.stdout)
    if os.environ.get("DEBUG_KCAT"):
        print(client_id, out.stdout)
    brokers = {b["name"].rsplit("/", 1)[0] for b in md["brokers"]}
    ids = {b["id"]: b["name"].rsplit("/", 1)[0] for b in md["brokers"]}
    topic = next(t for t in md["topics"] if t["topic"] == TOPIC)
    lead = {ids.get(p["leader"], p["leader"]) for p in topic["partitions"]}
    return brokers, lead


def api_requests(agent, api):
    return agent.metrics().get(f'sluice_kafka_requests_total{{api="{api}"}}', 0.0)


def exchange_librdkafka(bootstrap):
    p = Producer({"bootstrap.servers": bootstrap, "client.id": "roles-rd" + PRODUCE,
                  "enable.idempotence": True, "linger.ms": 5})
    errors = []
    for i in range(COUNT):
        p.produce(TOPIC, value=f"rd-{i}".encode(),
                  on_delivery=lambda err, _: errors.append(err) if err else None)
        if i % 1000 == 0:
            p.poll(0)
    check(p.flush(60) == 0 and not errors, f"produce failed: {errors[:3]}")
    c = Consumer({"bootstrap.servers": bootstrap, "client.id": "roles-rd" + CONSUME,
                  "group.id": "roles-rd-group", "auto.offset.reset": "earliest"})
    c.subscribe([TOPIC])
    seen, deadline = set(), time.monotonic() + 60
    while len(seen) < COUNT and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        value = msg.value().decode()
        check(value not in seen, f"duplicate {value}")
        seen.add(value)
    c.close()
    check(len(seen) == COUNT, f"librdkafka consumer read {len(seen)} of {COUNT}")


def find_coordinator(port, group, client_id):
    """FindCoordinator v1 over a raw socket; returns the coordinator's port."""
    with kafka_wire.connect(port) as sock:
        body = kafka_wire.string(group) + struct.pack(">b", 0)
        sock.sendall(kafka_wire.request(10, 1, 7, body, client_id=client_id.encode()))
        r = kafka_wire.Reader(kafka_wire.read_response(sock))
        (correlation, _throttle, error) = r.take(">iih")
        check(correlation == 7 and error == 0, f"FindCoordinator error {error}")
        r.string()  # error message
        r.take(">i")  # node id
        r.string()  # host
        return r.take(">i")


def start_fails(args, env=None):
    out = subprocess.run([sluice_binary(), "agent"] + args, capture_output=True, text=True,
                         timeout=20, env=dict(os.environ, **(env or {})))
    return out.returncode, out.stdout + out.stderr


def roles_of(agent):
    code, status = agent.status()
    check(code == 200, f"status {code}")
    return status["roles"]


def check_cluster_command(P, J, X, addr):
    """`sluice cluster` lists the advertised agents with their roles and zones; any agent
    describes any live agent's BROKER resource, the unadvertised jobs agent too."""
    out = subprocess.run([sluice_binary(), "cluster", "--json", "-bootstrap", addr[P],
                          "-clientID", "app" + PRODUCE], capture_output=True, text=True,
                         timeout=30)
    check(out.returncode == 0, f"sluice cluster: {out.stderr}")
    jobs_node = J.status()[1]["node_id"]
    listed = {(f"{b['host']}:{b['port']}" if b["port"] else b["node_id"]): (b["roles"], b["zone"])
              for b in json.loads(out.stdout)["brokers"]}
    # The jobs-only agent has no Kafka listener: listed by node id, without an address.
    check(listed == {addr[P]: (["proxy-produce"], "z1"), addr[X]: (["proxy", "jobs"], "z1"),
                     jobs_node: (["jobs"], None)},
          f"sluice cluster: {listed}")
    table = subprocess.run([sluice_binary(), "cluster", "-bootstrap", addr[P]],
                           capture_output=True, text=True, timeout=30).stdout
    jobs_row = [line.split() for line in table.splitlines() if line.split()[:1] == [str(jobs_node)]]
    check(jobs_row and jobs_row[0][1:3] == ["-", "jobs"], f"jobs agent row: {table}")
    body = (struct.pack(">ib", 1, 4) + kafka_wire.string(str(jobs_node))
            + struct.pack(">i", 1) + kafka_wire.string("sluice.agent.roles"))
    with kafka_wire.connect(P.kafka_port) as sock:
        sock.sendall(kafka_wire.request(32, 0, 3, body))
        r = kafka_wire.Reader(kafka_wire.read_response(sock))
    r.take(">iii")  # correlation id, throttle time, one result
    error_code, _ = r.take(">h"), r.string()
    r.take(">b"), r.string()
    configs = {}
    for _ in range(r.take(">i")):
        name, value = r.string(), r.string()
        r.take(">???")
        configs[name] = value
    check(error_code == 0 and configs == {"sluice.agent.roles": "jobs"},
          f"jobs agent {jobs_node} described by P: error {error_code}, {configs}")
    print("sluice cluster shows roles and zones; P describes the jobs agent's roles")


def check_role_sources(backend):
    for bad in ("bogus", "", "proxy,proxy", "proxy,,jobs"):
        code, text = start_fails(backend + ["-roles", bad])
        check(code != 0, f"-roles {bad!r} was accepted")
        check("proxy-produce" in text and "jobs" in text,
              f"-roles {bad!r}: message does not list the valid roles: {text}")
    code, text = start_fails(backend, {"WARPSTREAM_AGENT_ROLES": "proxy,nope"})
    check(code != 0 and "valid roles" in text, f"bad WARPSTREAM_AGENT_ROLES accepted: {text}")
    by_flag = Agent(extra_args=backend + ["-roles", "proxy-consume, jobs"])
    by_ws = Agent(extra_args=backend, env={"WARPSTREAM_AGENT_ROLES": "proxy-consume,jobs"})
    by_sluice = Agent(extra_args=backend, env={"SLUICE_AGENT_ROLES": "proxy-consume,jobs"})
    flag_wins = Agent(extra_args=backend + ["-roles", "jobs"],
                      env={"WARPSTREAM_AGENT_ROLES": "proxy", "SLUICE_AGENT_ROLES": "proxy"})
    try:
        seen = []
        for agent in (by_flag, by_ws, by_sluice, flag_wins):
            agent.start()
            seen.append(sorted(roles_of(agent)))
            check(agent.stop() == 0, "exit code")
        check(seen[0] == seen[1] == seen[2] == ["jobs", "proxy-consume"], f"roles differ: {seen}")
        check(seen[3] == ["jobs"], f"the flag did not win over the environment: {seen[3]}")
    finally:
        for agent in (by_flag, by_ws, by_sluice, flag_wins):
            agent.cleanup()
    print("roles by flag and both environment variables agree; invalid values refused")


def main():
    if not shutil.which("kcat"):
        print("SKIP: kcat not installed")
        sys.exit(77)
    backend = cluster_backend_args("roles")
    P = Agent(extra_args=backend + ["-roles", "proxy-produce", "-availabilityZone", "z1"])
    C = Agent(extra_args=backend + ["-roles", "proxy-consume", "-availabilityZone", "z2"])
    J = Agent(extra_args=backend + ["-roles", "jobs"])
    X = Agent(extra_args=backend + ["-roles", "proxy,jobs", "-availabilityZone", "z1"])
    agents = (P, C, J, X)
    try:
        for agent in agents:
            agent.start()
        addr = {a: f"127.0.0.1:{a.kafka_port}" for a in (P, C, X)}
        # J runs no Kafka listener but serves its HTTP endpoints.
        with socket.socket() as s:
            check(s.connect_ex(("127.0.0.1", J.kafka_port)) != 0, "jobs agent accepts Kafka")
        check(roles_of(J) == ["jobs"], "jobs agent roles")
        check("sluice_cluster_jobs_agents" in J.metrics(), "jobs agent /metrics")
        wait_until(lambda: all(a.metrics().get("sluice_cluster_live_agents", 0) == 4
                               for a in agents), 10, "every agent to see four live agents")
        check(P.metrics().get("sluice_cluster_jobs_agents") == 2, "jobs agents gauge")
        admin = AdminClient({"bootstrap.servers": addr[X]})
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(15)

        expectations = [
            ("app" + PRODUCE, {addr[P], addr[X]}),
            ("app" + CONSUME, {addr[C], addr[X]}),
            ("app", {addr[X]}),
            ("app" + CONSUME + ",warpstream_az=z2", {addr[C]}),
            ("app" + CONSUME + ",ws_az=z1", {addr[X]}),
            ("app" + PRODUCE + ",warpstream_az=nowhere", {addr[P], addr[X]}),
        ]
        for bootstrap in (addr[P], addr[C]):
            for client_id, expected in expectations:
                brokers, lead = kcat_metadata(bootstrap, client_id)
                check(brokers == expected, f"{client_id} via {bootstrap}: {brokers} != {expected}")
                check(lead <= expected, f"{client_id}: leaders {lead} outside {expected}")
        _, lead = kcat_metadata(addr[P], "app" + PRODUCE)
        check(len(lead) == 2, f"leaders not spread over both produce agents: {lead}")
        single = "app" + PRODUCE + ",warpstream_partition_assignment_strategy=single_agent"
        _, lead = kcat_metadata(addr[P], single)
        check(len(lead) == 1, f"single_agent: leaders {lead}")
        print("kcat -L shows the expected brokers for every client id")
        check_cluster_command(P, J, X, addr)

        before = {a: (api_requests(a, "Produce"), api_requests(a, "Fetch")) for a in (P, C, X)}
        bootstrap = ",".join(addr[a] for a in (P, C, X))
        exchange_librdkafka(bootstrap)
        print(f"librdkafka: {COUNT} messages produced and consumed through targeted agents")
        # FindCoordinator honours the target too: each side is sent to an agent it may use,
        # whichever agent it asks.
        for target, allowed in ((CONSUME, {C.kafka_port, X.kafka_port}),
                                (PRODUCE, {P.kafka_port, X.kafka_port})):
            for asked in (P, C, X):
                port = find_coordinator(asked.kafka_port, "roles-rd-group", "adm" + target)
                check(port in allowed, f"{target} via {asked.kafka_port}: coordinator {port}")
        node = shutil.which("node") or shutil.which("nodejs")
        if node:
            here = os.path.dirname(os.path.abspath(__file__))
            out = subprocess.run([node, os.path.join(here, "roles_kafkajs.js"), bootstrap, TOPIC,
                                  str(COUNT)], capture_output=True, text=True, timeout=90)
            check(out.returncode in (0, 77), f"KafkaJS: {out.stdout}{out.stderr}")
            print(f"KafkaJS: {out.stdout.strip()}")
        after = {a: (api_requests(a, "Produce"), api_requests(a, "Fetch")) for a in (P, C, X)}
        produced = {a: after[a][0] - before[a][0] for a in after}
        fetched = {a: after[a][1] - before[a][1] for a in after}
        check(produced[C] == 0, f"the consume-only agent served {produced[C]} Produce requests")
        check(fetched[P] == 0, f"the produce-only agent served {fetched[P]} Fetch requests")
        check(produced[P] > 0 and fetched[C] > 0, f"produce {produced}, fetch {fetched}")
        print(f"Produce requests: P={produced[P]} X={produced[X]} C=0; "
              f"Fetch requests: C={fetched[C]} X={fetched[X]} P=0")
        for agent in agents:
            check(agent.stop() == 0, "exit code")
        check_role_sources(backend)
        print("PASS e2e_roles")
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
