#!/usr/bin/python3
"""End-to-end: the admin CLI (docs/cli.md) against one running agent.

Every command runs as `sluice ...` in a subprocess; text tables and --json output are both
checked, and so are the exit codes scripts rely on (0 ok, 1 failed, 2 bad command line). Records
written by `sluice produce` are read back by confluent-kafka, records written by confluent-kafka
are read by `sluice consume`, and offsets set by `groups reset-offsets` are what a confluent
consumer of the group sees.
"""

import json
import os
import struct
import subprocess
import time

import kafka_wire
from agent_fixture import check, free_port, require_module, run_with_agent, sluice_binary

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource  # noqa: E402

TOPIC = "e2e-cli"
OTHER = "e2e-cli-other"
GROUP = "e2e-cli-group"
SLUICE = sluice_binary()
ZONE = "az-cli"


def sluice(agent, *args, stdin=None, bootstrap=None, expect=0):
    """Runs `sluice args -bootstrap ...`; checks the exit code; returns (stdout, stderr)."""
    cmd = [SLUICE, *args, "-bootstrap", bootstrap or agent.bootstrap]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30)
    check(proc.returncode == expect,
          f"{' '.join(args)}: exit {proc.returncode}, expected {expect}\n"
          f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc.stdout, proc.stderr


def sluice_json(agent, *args, **kwargs):
    out, _ = sluice(agent, *args, "--json", **kwargs)
    return json.loads(out)


def murmur2_partition(key, partitions):
    """Kafka's default partitioner, to predict where `produce -key` puts records."""
    data = key.encode()
    m, r = 0x5bd1e995, 24
    h = (0x9747b28c ^ len(data)) & 0xffffffff
    for i in range(0, len(data) // 4 * 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xffffffff
        k ^= k >> r
        k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff
        h ^= k
    tail = len(data) // 4 * 4
    rest = len(data) % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    h ^= h >> 15
    return (h & 0x7fffffff) % partitions


def topics(agent):
    out, _ = sluice(agent, "topics", "create", TOPIC, "-partitions", "3",
                    "-config", "retention.ms=3600000")
    check(f"created topic {TOPIC}" in out, f"create output: {out}")
    _, err = sluice(agent, "topics", "create", TOPIC, expect=1)
    check("TOPIC_ALREADY_EXISTS" in err, f"duplicate create: {err}")
    sluice(agent, "topics", "create", OTHER, "--json")

    out, _ = sluice(agent, "topics", "list")
    rows = [line.split() for line in out.splitlines()]
    check(rows[0] == ["TOPIC", "PARTITIONS"], f"list header: {rows[0]}")
    check([TOPIC, "3"] in rows and [OTHER, "1"] in rows, f"list rows: {rows}")
    listed = {t["name"]: t["partitions"] for t in sluice_json(agent, "topics", "list")}
    check(listed.get(TOPIC) == 3 and listed.get(OTHER) == 1, f"list --json: {listed}")

    desc = sluice_json(agent, "topics", "describe", TOPIC)
    check([p["partition"] for p in desc["partitions"]] == [0, 1, 2], f"describe: {desc}")
    check(desc["configs"].get("retention.ms") == "3600000", f"configs: {desc['configs']}")
    check(desc["config_sources"]["retention.ms"] == "topic" and
          desc["config_sources"]["cleanup.policy"] == "default", f"{desc['config_sources']}")
    out, _ = sluice(agent, "topics", "describe", TOPIC)
    check("PARTITION  LEADER  START-OFFSET  END-OFFSET" in out and "retention.ms" in out,
          f"describe text: {out}")

    # Flags after the positional argument work too.
    sluice(agent, "topics", "alter", TOPIC, "-partitions", "4", "-config", "retention.ms=7200000")
    desc = sluice_json(agent, "topics", "describe", TOPIC)
    check(len(desc["partitions"]) == 4, f"after alter: {desc['partitions']}")
    check(desc["configs"].get("retention.ms") == "7200000", f"after alter: {desc['configs']}")

    deleted = sluice_json(agent, "topics", "delete", OTHER)
    check(deleted == [{"name": OTHER, "deleted": True, "error": None}], f"delete: {deleted}")
    check(OTHER not in {t["name"] for t in sluice_json(agent, "topics", "list")}, "deleted topic")


def produce_consume(agent):
    values = [f"value-{i}" for i in range(10)]
    result = sluice_json(agent, "produce", "-topic", TOPIC, "-key", "user-3", "-header", "src=cli",
                         "-header", "n=1", stdin="\n".join(values) + "\n")
    keyed = murmur2_partition("user-3", 4)
    check(result["records"] == 10 and len(result["partitions"]) == 1, f"produce: {result}")
    check(result["partitions"][0] == {"partition": keyed, "records": 10, "first_offset": 0,
                                      "last_offset": 9}, f"produce offsets: {result}")
    out, _ = sluice(agent, "produce", "-topic", TOPIC, "-partition", "0", stdin="a\nb\nc\n")
    check(keyed == 3, "the key's partition (the test writes partitions 0 and 2 itself)")
    check(out.splitlines()[1].split() == [TOPIC, "0", "3", "0", "2"], f"produce table: {out}")

    out, err = sluice(agent, "consume", "-topic", TOPIC, "-partition", str(keyed),
                      "-from-beginning", "-format", "%o|%k|%v|%h", "-count", "10")
    expected = [f"{i}|user-3|value-{i}|src=cli,n=1" for i in range(10)]
    check(out.splitlines() == expected, f"consume text: {out}")
    check("consumed 10 records" in err, f"consume summary: {err}")
    # Without -count it stops at the end of the log.
    out, _ = sluice(agent, "consume", "-topic", TOPIC, "-from-beginning", "--json", "-quiet")
    records = [json.loads(line) for line in out.splitlines()]
    check(len(records) == 13, f"consume --json count: {len(records)}")
    first = next(r for r in records if r["partition"] == keyed)
    check(first["key"] == "user-3" and first["value"] == "value-0" and first["offset"] == 0 and
          first["headers"] == [{"key": "src", "value": "cli"}, {"key": "n", "value": "1"}],
          f"consume --json record: {first}")
    out, _ = sluice(agent, "consume", "-topic", TOPIC, "-partition", str(keyed), "-offset", "7",
                    "-quiet")
    check(out.splitlines() == ["value-7", "value-8", "value-9"], f"consume -offset: {out}")

    # A real client reads what `sluice produce` wrote, keys and headers included.
    consumer = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": "e2e-cli-check",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(TOPIC, keyed, 0)])
    got = []
    deadline = time.monotonic() + 15
    while len(got) < 10 and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            got.append(msg)
    consumer.close()
    check([m.value() for m in got] == [v.encode() for v in values], "confluent values")
    check(all(m.key() == b"user-3" and m.headers() == [("src", b"cli"), ("n", b"1")]
              for m in got), f"confluent keys/headers: {got[0].key()} {got[0].headers()}")

    # And `sluice consume` reads what a real client wrote.
    producer = Producer({"bootstrap.servers": agent.bootstrap})
    for i in range(5):
        producer.produce(TOPIC, key=b"ck", value=f"from-confluent-{i}".encode(), partition=2,
                         headers=[("h", b"v")])
    check(producer.flush(15) == 0, "confluent producer delivered")
    out, _ = sluice(agent, "consume", "-topic", TOPIC, "-partition", "2", "-from-beginning",
                    "-format", "%k %v %h", "-quiet")
    check(out.splitlines() == [f"ck from-confluent-{i} h=v" for i in range(5)],
          f"consume confluent records: {out}")


def committed(agent, partitions):
    consumer = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": GROUP,
                         "enable.auto.commit": False})
    offsets = consumer.committed([TopicPartition(TOPIC, p) for p in partitions], timeout=10)
    consumer.close()
    return {tp.partition: tp.offset for tp in offsets}


def groups(agent):
    keyed = murmur2_partition("user-3", 4)
    # A confluent consumer joins the group, reads everything and commits.
    consumer = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": GROUP,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "client.id": "cli-e2e-consumer"})
    consumer.subscribe([TOPIC])
    seen = 0
    deadline = time.monotonic() + 20
    while seen < 18 and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            seen += 1
    check(seen == 18, f"group consumer read {seen} records")
    consumer.commit(asynchronous=False)

    listed = sluice_json(agent, "groups", "list")
    check({"group": GROUP, "state": "Stable", "protocol_type": "consumer"} in listed,
          f"groups list: {listed}")
    desc = sluice_json(agent, "groups", "describe", GROUP)
    check(desc["state"] == "Stable" and len(desc["members"]) == 1, f"describe: {desc}")
    check(desc["members"][0]["client_id"] == "cli-e2e-consumer", f"member: {desc['members']}")
    assigned = sorted(a["partition"] for a in desc["members"][0]["assignment"])
    check(assigned == [0, 1, 2, 3], f"assignment: {assigned}")
    by_partition = {o["partition"]: o for o in desc["offsets"]}
    check(by_partition[keyed]["offset"] == 10 and by_partition[keyed]["lag"] == 0,
          f"describe offsets: {desc['offsets']}")
    out, _ = sluice(agent, "groups", "describe", GROUP)
    check("CURRENT-OFFSET  LOG-END-OFFSET  LAG" in out, f"describe text: {out}")

    # Offsets cannot be reset under an active member.
    _, err = sluice(agent, "groups", "reset-offsets", GROUP, "-to-earliest", "-topic", TOPIC,
                    expect=1)
    check("active members" in err, f"reset with members: {err}")
    consumer.close()

    reset = sluice_json(agent, "groups", "reset-offsets", GROUP, "-to-earliest", "-topic", TOPIC)
    check(sorted((r["partition"], r["offset"]) for r in reset) == [(p, 0) for p in range(4)],
          f"reset earliest: {reset}")
    check(committed(agent, range(4)) == {p: 0 for p in range(4)}, "confluent sees earliest")
    sluice(agent, "groups", "reset-offsets", GROUP, "-topic", TOPIC, "-partition", str(keyed),
           "-to-offset", "4")
    check(committed(agent, [keyed]) == {keyed: 4}, "confluent sees -to-offset")
    # A group consumer resumes exactly there.
    consumer = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": GROUP,
                         "enable.auto.commit": False})
    consumer.subscribe([TOPIC])
    first = None
    deadline = time.monotonic() + 20
    while first is None and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error() and msg.partition() == keyed:
            first = msg
    consumer.close()
    check(first is not None and first.offset() == 4 and first.value() == b"value-4",
          "group consumer resumed at the reset offset")
    future = str(int(time.time() * 1000) + 3600_000)
    reset = sluice_json(agent, "groups", "reset-offsets", GROUP, "-to-timestamp", future)
    ends = {r["partition"]: r["offset"] for r in reset}
    check(ends[keyed] == 10, f"reset to a future timestamp goes to the end: {reset}")
    sluice(agent, "groups", "reset-offsets", GROUP, "-to-timestamp", "0")
    check(committed(agent, [keyed]) == {keyed: 0}, "reset to timestamp 0")
    sluice(agent, "groups", "reset-offsets", GROUP, "-to-latest")
    check(committed(agent, [keyed]) == {keyed: 10}, "reset to latest")

    out, _ = sluice(agent, "groups", "delete", GROUP)
    check(f"deleted group {GROUP}" in out, f"groups delete: {out}")
    _, err = sluice(agent, "groups", "describe", GROUP, expect=1)
    check(GROUP in err, f"describe deleted group: {err}")


def describe_broker_raw(agent, name):
    """DescribeConfigs v0 of one BROKER resource on a raw socket: (error code, {name: value})."""
    body = (struct.pack(">i", 1) + struct.pack(">b", 4) + kafka_wire.string(name)
            + struct.pack(">i", -1))  # all configs
    sock = kafka_wire.connect(agent.kafka_port)
    try:
        sock.sendall(kafka_wire.request(32, 0, 7, body))
        r = kafka_wire.Reader(kafka_wire.read_response(sock))
    finally:
        sock.close()
    check(r.take(">i") == 7, "DescribeConfigs: correlation id")
    r.take(">i")  # throttle time
    check(r.take(">i") == 1, "DescribeConfigs: one result")
    error_code = r.take(">h")
    r.string()  # error message
    check(r.take(">b") == 4 and r.string() == name, "DescribeConfigs: the resource echoed")
    configs = {}
    for _ in range(r.take(">i")):
        key, value = r.string(), r.string()
        read_only, _, _ = r.take(">???")  # read only, is default, is sensitive (v0)
        check(read_only, f"broker config {key} is not read-only")
        configs[key] = value
    check(r.at_end(), "DescribeConfigs: trailing bytes")
    return error_code, configs


def cluster_and_objects(agent):
    info = sluice_json(agent, "cluster")
    check(len(info["brokers"]) == 1, f"cluster: {info}")
    broker = info["brokers"][0]
    check(broker["host"] == "127.0.0.1" and broker["port"] == agent.kafka_port, f"{broker}")
    check(broker["roles"] == ["proxy", "jobs"] and broker["zone"] == ZONE, f"roles: {broker}")
    node = broker["node_id"]
    out, _ = sluice(agent, "cluster", "-clientID", "warpstream_proxy_target=proxy-consume")
    lines = out.splitlines()
    check(f"127.0.0.1:{agent.kafka_port}" in out and lines[2].split() ==
          ["NODE", "ADDRESS", "ROLES", "ZONE", "CONTROLLER"], f"cluster text: {out}")
    check(lines[3].split()[:4] == [str(node), f"127.0.0.1:{agent.kafka_port}", "proxy,jobs",
                                   ZONE], f"cluster row: {out}")

    # Roles and zone are read-only configs of the agent's BROKER resource, for Kafka tools too.
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    resource = ConfigResource(ConfigResource.Type.BROKER, str(node))
    entries = admin.describe_configs([resource])[resource].result(timeout=20)
    configs = {name: entry.value for name, entry in entries.items()}
    check(configs.get("sluice.agent.roles") == "proxy,jobs", f"broker configs: {configs}")
    check(configs.get("sluice.agent.zone") == ZONE and configs.get("broker.rack") == ZONE,
          f"broker configs: {configs}")
    check(configs.get("broker.id") == str(node), f"broker configs: {configs}")
    check(configs.get("sluice.agent.kafka.port") == str(agent.kafka_port),
          f"broker configs: {configs}")
    check(all(entry.is_read_only for entry in entries.values()), "broker configs are read-only")
    code, by_self = describe_broker_raw(agent, "")  # the answering agent
    check(code == 0 and by_self.get("broker.id") == str(node)
          and by_self.get("sluice.agent.roles") == "proxy,jobs", f"empty name: {code} {by_self}")
    for unknown in (str(node + 1000), "not-a-number"):
        code, none = describe_broker_raw(agent, unknown)
        check(code == 42 and not none, f"broker {unknown}: error {code}, configs {none}")

    bucket = os.path.join(agent.data_dir, "bucket")
    keys = []
    for root, _, files in os.walk(bucket):
        for name in files:
            if not name.startswith(".sluice-tmp-"):
                keys.append(os.path.relpath(os.path.join(root, name), bucket))
    check(keys, f"no objects under {bucket}")
    total = 0
    for key in keys:
        proc = subprocess.run([SLUICE, "inspect-object", "-bucketURL", f"file://{bucket}",
                               "-key", key, "-json"], capture_output=True, text=True, timeout=30)
        if proc.returncode != 0 and "no object" in proc.stderr:
            continue  # deleted by compaction meanwhile
        check(proc.returncode == 0, f"inspect-object {key}: {proc.stderr}")
        footer = json.loads(proc.stdout)
        check(footer["key"] == key and footer["version"] == 1 and footer["chunks"], f"{footer}")
        total += sum(c["record_count"] for c in footer["chunks"] if c["topic"] == TOPIC)
    check(total >= 18, f"inspected objects hold {total} records of {TOPIC}")
    out, _ = sluice(agent, "inspect-object", "-bucketURL", f"file://{bucket}", "-key", keys[0],
                    bootstrap="unused:1", expect=2)  # -bootstrap is not an inspect-object flag
    proc = subprocess.run([SLUICE, "inspect-object", "-bucketURL", f"file://{bucket}", "-key",
                           "sluice/none"], capture_output=True, text=True)
    check(proc.returncode == 1 and "no object" in proc.stderr, f"missing object: {proc.stderr}")


def errors(agent):
    _, err = sluice(agent, "topics", "describe", "no-such-topic", expect=1)
    check("UNKNOWN_TOPIC_OR_PARTITION" in err, f"unknown topic: {err}")
    sluice(agent, "consume", "-topic", "no-such-topic", expect=1)
    sluice(agent, "produce", "-topic", "no-such-topic", stdin="x\n", expect=1)
    sluice(agent, "topics", "alter", "no-such-topic", "-partitions", "5", expect=1)
    _, err = sluice(agent, "topics", "list", "-bogus", expect=2)
    check("unknown flag -bogus" in err, f"bad flag: {err}")
    sluice(agent, "topics", "create", "x", "-partitions", "abc", expect=2)
    sluice(agent, "topics", "frobnicate", expect=2)
    sluice(agent, "groups", "reset-offsets", GROUP, expect=2)
    sluice(agent, "consume", "-topic", TOPIC, "-format", "%x", expect=2)
    sluice(agent, "produce", expect=2)
    sluice(agent, "topics", "list", bootstrap="no-port-here", expect=2)
    proc = subprocess.run([SLUICE, "inspect-object", "-bucketURL", "nope://x", "-key", "k"],
                          capture_output=True, text=True)
    check(proc.returncode == 2, f"bad bucket URL: {proc.returncode} {proc.stderr}")
    dead = f"127.0.0.1:{free_port()}"
    start = time.monotonic()
    _, err = sluice(agent, "topics", "list", "-timeout", "2s", bootstrap=dead, expect=1)
    check("no broker reachable" in err and dead in err, f"unreachable: {err}")
    check(time.monotonic() - start < 10, "unreachable agent reported quickly")
    for args in (["help", "topics"], ["help", "groups", "reset-offsets"], ["topics", "create",
                                                                              "-help"]):
        proc = subprocess.run([SLUICE, *args], capture_output=True, text=True)
        check(proc.returncode == 0 and proc.stdout, f"{args}: {proc.returncode}")
    proc = subprocess.run([SLUICE, "help", "groups", "reset-offsets"], capture_output=True,
                          text=True)
    check("-to-earliest" in proc.stdout, "reset-offsets help lists its flags")


if __name__ == "__main__":
    run_with_agent("e2e_admin_cli", ["-availabilityZone", ZONE], topics, produce_consume, groups, cluster_and_objects,
                   errors)
