#!/usr/bin/env python3
"""End-to-end: the web console (/ui) in headless Chromium against a real agent.

One agent; confluent-kafka produces known records to a 2-partition topic and commits offsets for a
group short of the end, so the lag is known. Then:
- the /v1/console/* JSON documents are parsed and their shapes and values checked;
- headless Chromium loads /ui, and the dumped DOM must show the agent, the topic's partition
  offsets and the group's lag; a screenshot must be a real PNG of the page.
Exit 77 (skip) only when Chromium is missing and cannot be installed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from agent_fixture import SKIP, Agent, require_module

ck = require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "console-orders"
GROUP = "console-readers"
PER_PARTITION = {0: 7, 1: 5}  # records produced to each partition
COMMITTED = {0: 4, 1: 5}      # committed offsets: lag 3 on partition 0, 0 on partition 1
LIVE_GROUP = "console-live"   # a subscribed member stays in it while the page is loaded


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.geteuid() == 0:  # try to install it, as scripts/install-deps.sh --test would
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        return shutil.which("chromium")
    return None


def get_json(agent, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{agent.http_port}{path}", timeout=5) as r:
        check(r.status == 200, f"{path}: HTTP {r.status}")
        check(r.headers.get("Content-Type", "").startswith("application/json"),
              f"{path}: content type {r.headers.get('Content-Type')}")
        return json.loads(r.read())


def produce_and_commit(agent):
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    for f in admin.create_topics([NewTopic(TOPIC, num_partitions=2, replication_factor=1)]).values():
        f.result(15)
    producer = Producer({"bootstrap.servers": agent.bootstrap, "acks": "all"})
    for partition, count in PER_PARTITION.items():
        for i in range(count):
            producer.produce(TOPIC, value=f"p{partition}-{i}".encode(), partition=partition)
    check(producer.flush(15) == 0, "records left unsent")
    consumer = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": GROUP,
                         "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition(TOPIC, p, o) for p, o in COMMITTED.items()],
                    asynchronous=False)
    consumer.close()


def join_live_member(agent):
    """A consumer that stays a member (heartbeats run in librdkafka's threads) with both
    partitions assigned; the caller closes it."""
    consumer = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": LIVE_GROUP,
                         "client.id": "console-live-client", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "session.timeout.ms": 30000})
    consumer.subscribe([TOPIC])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(consumer.assignment()) < 2:
        consumer.poll(0.2)
    check(len(consumer.assignment()) == 2, f"live member assignment: {consumer.assignment()}")
    return consumer


def check_live_group(agent):
    groups = {g["group_id"]: g for g in get_json(agent, "/v1/console/groups")["groups"]}
    check(LIVE_GROUP in groups, f"live group missing: {list(groups)}")
    live = groups[LIVE_GROUP]
    check(live["owned_here"] and live["state"] == "Stable" and live["generation"] >= 1,
          f"live group state: {live}")
    check(len(live["members"]) == 1, f"live members: {live['members']}")
    member = live["members"][0]
    check(member["client_id"] == "console-live-client" and member["assignment"] == {TOPIC: [0, 1]},
          f"live member: {member}")


def check_json(agent):
    agents = get_json(agent, "/v1/console/agents")
    check(len(agents["agents"]) == 1, f"agents: {agents}")
    me = agents["agents"][0]
    check(me["self"] and me["node_id"] == agents["node_id"], f"self agent: {me}")
    check(me["kafka_port"] == agent.kafka_port and me["http_port"] == agent.http_port,
          f"ports: {me}")
    check(me["host"] == "127.0.0.1" and "proxy" in me["roles"], f"host/roles: {me}")
    check(me["lease_remaining_ms"] > 0 and me["lease_expires_ms"] > agents["now_ms"] - 1,
          f"lease: {me}")

    topics = get_json(agent, "/v1/console/topics")
    by_name = {t["name"]: t for t in topics["topics"]}
    check(TOPIC in by_name, f"topics: {list(by_name)}")
    topic = by_name[TOPIC]
    check(topic["partition_count"] == 2 and len(topic["partitions"]) == 2, f"topic: {topic}")
    for p in topic["partitions"]:
        n = PER_PARTITION[p["partition"]]
        check(p["log_start_offset"] == 0 and p["high_watermark"] == n and p["records"] == n,
              f"partition offsets: {p}")
        check(p["bytes"] > 0, f"partition bytes: {p}")
    check(topic["records"] == 12 and topic["high_watermark_sum"] == 12, f"topic totals: {topic}")

    groups = get_json(agent, "/v1/console/groups")
    by_id = {g["group_id"]: g for g in groups["groups"]}
    check(GROUP in by_id, f"groups: {list(by_id)}")
    group = by_id[GROUP]
    lags = {o["partition"]: (o["committed_offset"], o["high_watermark"], o["lag"])
            for o in group["offsets"] if o["topic"] == TOPIC}
    check(lags == {0: (4, 7, 3), 1: (5, 5, 0)}, f"group offsets: {group['offsets']}")
    check(group["total_lag"] == 3, f"total lag: {group}")
    check(isinstance(group["members"], list), f"members: {group}")
    if group["owned_here"]:  # the only agent owns the group; nobody is a member after close()
        check(group["state"] == "Empty" and group["members"] == [], f"live state: {group}")

    objects = get_json(agent, "/v1/console/objects")
    check("levels" in objects, f"objects: {objects}")
    check(sum(level["objects"] for level in objects["levels"]) == objects["live_objects"] >= 1,
          f"object levels: {objects}")
    check(all(level["bytes"] > 0 for level in objects["levels"]), f"level bytes: {objects}")
    check("jobs" in objects and "by_kind" in objects["jobs"], f"jobs: {objects}")
    check(objects.get("errors") is None, f"store errors: {objects.get('errors')}")


def run_chromium(chromium, args, timeout=45):
    return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                           *args], capture_output=True, timeout=timeout)


def check_page(agent, chromium, work):
    url = f"http://127.0.0.1:{agent.http_port}/ui"
    with urllib.request.urlopen(url, timeout=5) as r:
        page = r.read().decode()
    check("<script>" in page and "http://" not in page and "https://" not in page,
          "the page must be self-contained (no external URLs)")

    env_profile = ["--user-data-dir=" + os.path.join(work, "profile")]
    result = run_chromium(chromium, env_profile + ["--dump-dom", "--virtual-time-budget=5000", url])
    dom = result.stdout.decode(errors="replace")
    check(result.returncode == 0 and "data-refreshed" in dom,
          f"chromium rc={result.returncode}, page not refreshed:\n{result.stderr.decode()[-2000:]}")
    # The agent, with its ports and roles.
    row = re.search(r'<tr data-agent="(\d+)">(.*?)</tr>', dom)
    check(row is not None, "no agent row in the DOM")
    check(f'class="num kafka-port">{agent.kafka_port}<' in row.group(2)
          and f'class="num http-port">{agent.http_port}<' in row.group(2)
          and '>127.0.0.1<' in row.group(2) and '>proxy<' in row.group(2) and '>live<' in row.group(2),
          f"agent row: {row.group(2)}")
    # The topic with each partition's offsets.
    for partition, count in PER_PARTITION.items():
        m = re.search(rf'<tr class="sub" data-topic="{TOPIC}" data-partition="{partition}">'
                      r'(.*?)</tr>', dom)
        check(m is not None, f"no row for {TOPIC}/{partition}")
        check(f'class="num log-start">0<' in m.group(1)
              and f'class="num high-watermark">{count}<' in m.group(1)
              and f'class="num records">{count}<' in m.group(1), f"partition row: {m.group(1)}")
    # The group with its lag.
    m = re.search(rf'<tr data-group="{GROUP}">(.*?)</tr>', dom)
    check(m is not None and 'class="num total-lag">3<' in m.group(1), f"group row missing lag")
    m = re.search(rf'data-group="{GROUP}" data-topic="{TOPIC}" data-partition="0">(.*?)</tr>', dom)
    check(m is not None and "committed 4" in m.group(1) and "end 7" in m.group(1)
          and "lag 3" in m.group(1), f"group partition row: {m and m.group(1)}")
    check(re.search(r'data-level="0"><td>L0</td><td class="num objects">\d+', dom) is not None,
          "objects by level missing")
    check('id="status" class="ok"' in dom, "status indicator not ok")
    # The live group's state and its member's assignment.
    m = re.search(rf'<tr data-group="{LIVE_GROUP}">(.*?)</tr>', dom)
    check(m is not None and 'class="state">Stable<' in m.group(1), "live group not Stable in DOM")
    m = re.search(rf'data-group="{LIVE_GROUP}" data-member="[^"]+">(.*?)</tr>', dom)
    check(m is not None and "console-live-client" in m.group(1)
          and f"assigned: {TOPIC} [0,1]" in m.group(1), f"member row: {m and m.group(1)}")

    png = os.path.join(work, "console.png")
    result = run_chromium(chromium, env_profile + [f"--screenshot={png}", "--window-size=1280,900",
                                                   "--virtual-time-budget=5000", url])
    check(os.path.exists(png), f"no screenshot: {result.stderr.decode()[-2000:]}")
    with open(png, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    check((width, height) == (1280, 900), f"screenshot size {width}x{height}")
    # A blank page compresses to a few KB; tables of text do not.
    check(len(data) > 20000, f"screenshot looks empty ({len(data)} bytes)")
    keep = os.environ.get("SLUICE_CONSOLE_SCREENSHOT")  # a path to keep the screenshot at
    if keep:
        shutil.copyfile(png, keep)
    print(f"screenshot: {len(data)} bytes")


def main():
    chromium = find_chromium()
    if chromium is None:
        print("SKIP: chromium not installed and cannot be installed; scripts/install-deps.sh --test")
        sys.exit(SKIP)
    work = tempfile.mkdtemp(prefix="sluice-console-")
    agent = Agent(["-groupInitialRebalanceDelay", "0s"])
    try:
        agent.start()
        produce_and_commit(agent)
        check_json(agent)
        live = join_live_member(agent)
        check_live_group(agent)
        check_page(agent, chromium, work)
        live.close()
        print("PASS e2e_console")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.stop()
        agent.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    # Debian's confluent-kafka can abort in interpreter finalization after all work is done.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
