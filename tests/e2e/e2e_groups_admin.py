#!/usr/bin/python3
"""End-to-end: group administration. confluent-kafka's AdminClient.list_groups (ListGroups +
DescribeGroups), consumer lag from committed and end offsets, and over the raw wire (the 1.7
client lacks them) ListGroups v4 with a states filter, DescribeGroups of an unknown group,
DeleteGroups and OffsetDelete with their refusals.
"""

import struct

import kafka_wire
from agent_fixture import check, require_module, wait_until, run_with_agent
from kafka_wire import Reader, read_response, request, string

require_module("confluent_kafka")
from confluent_kafka import Consumer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from e2e_groups_common import Worker, create_topic, produce  # noqa: E402

TOPIC = "e2e-groups-admin"
PARTITIONS = 3
ACTIVE = "admin-active"
LAGGING = "admin-lag"
OFFSET_INVALID = -1001  # librdkafka: no committed offset


def call(agent, api_key, version, body, flexible=False):
    sock = kafka_wire.connect(agent.kafka_port)
    sock.sendall(request(api_key, version, 7, body, flexible=flexible))
    r = Reader(read_response(sock))
    sock.close()
    check(r.take(">i") == 7, "correlation id")
    if flexible:
        r.skip_tagged_fields()
    return r


def list_groups_v4(agent, states):
    body = kafka_wire.uvarint(len(states) + 1)
    for s in states:
        body += kafka_wire.compact_string(s)
    body += b"\x00"
    r = call(agent, 16, 4, body, flexible=True)
    r.take(">i")  # throttle
    check(r.take(">h") == 0, "ListGroups error")
    groups = {}
    for _ in range(r.uvarint() - 1):
        group_id, protocol_type, state = r.compact_string(), r.compact_string(), r.compact_string()
        r.skip_tagged_fields()
        groups[group_id] = (protocol_type, state)
    return groups


def describe_state(agent, group):
    body = struct.pack(">i", 1) + string(group)
    r = call(agent, 15, 0, body)
    check(r.take(">i") == 1, "one group described")
    error, group_id, state = r.take(">h"), r.string(), r.string()
    return error, group_id, state


def delete_groups(agent, groups):
    body = struct.pack(">i", len(groups)) + b"".join(string(g) for g in groups)
    r = call(agent, 42, 0, body)
    r.take(">i")  # throttle
    return {r.string(): r.take(">h") for _ in range(r.take(">i"))}


def offset_delete(agent, group, partitions):
    body = string(group) + struct.pack(">i", 1) + string(TOPIC)
    body += struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p) for p in partitions)
    r = call(agent, 47, 0, body)
    top_error = r.take(">h")
    r.take(">i")  # throttle
    errors = {}
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            p, e = r.take(">ih")
            errors[p] = e
    return top_error, errors


def offset_commit_v2(agent, group, generation, partition_metadata):
    """Raw OffsetCommit v2 of offset 3 per partition; {partition: error}."""
    body = string(group) + struct.pack(">i", generation) + string("") + struct.pack(">q", -1)
    body += struct.pack(">i", 1) + string(TOPIC) + struct.pack(">i", len(partition_metadata))
    for p, metadata in partition_metadata.items():
        body += struct.pack(">iq", p, 3) + kafka_wire.nullable_string(metadata)
    r = call(agent, 8, 2, body)
    errors = {}
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            p, e = r.take(">ih")
            errors[p] = e
    return errors


def offset_fetch_v1(agent, group, partitions):
    """Raw OffsetFetch v1; {partition: (offset, metadata, error)}."""
    body = string(group) + struct.pack(">i", 1) + string(TOPIC)
    body += struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p) for p in partitions)
    r = call(agent, 9, 1, body)
    out = {}
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            p, offset = r.take(">iq")
            metadata, error = r.string(), r.take(">h")
            out[p] = (offset, metadata, error)
    return out


def raw_offsets(agent):
    """Commit metadata round trip, the 4096-byte metadata limit, and commit rules."""
    errors = offset_commit_v2(agent, "raw-group", -1,
                              {0: "checkpoint ✓", 1: "x" * 4097, 2: None, 9: "no such partition"})
    check(errors == {0: 0, 1: 12, 2: 0, 9: 3},
          f"OffsetCommit errors {errors} (want OFFSET_METADATA_TOO_LARGE for 1, "
          "UNKNOWN_TOPIC_OR_PARTITION for 9)")
    fetched = offset_fetch_v1(agent, "raw-group", [0, 1, 2])
    check(fetched == {0: (3, "checkpoint ✓", 0), 1: (-1, "", 0), 2: (3, "", 0)},
          f"OffsetFetch v1: {fetched}")
    check(offset_commit_v2(agent, "raw-group", 5, {0: ""}) == {0: 22},
          "a generation for a group without members is ILLEGAL_GENERATION")


def committed(bootstrap, group):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    parts = c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=10)
    ends = {p: c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)[1]
            for p in range(PARTITIONS)}
    c.close()
    return {tp.partition: tp.offset for tp in parts}, ends


def run(agent):
    create_topic(agent.bootstrap, TOPIC, PARTITIONS)
    produce(agent.bootstrap, TOPIC, PARTITIONS, 0, 30)  # 10 per partition
    raw_offsets(agent)

    # A simple consumer (no membership) commits chosen offsets; lag = end - committed.
    c = Consumer({"bootstrap.servers": agent.bootstrap, "group.id": LAGGING})
    c.commit(offsets=[TopicPartition(TOPIC, 0, 4), TopicPartition(TOPIC, 1, 10),
                      TopicPartition(TOPIC, 2, 0)], asynchronous=False)
    c.close()
    offsets, ends = committed(agent.bootstrap, LAGGING)
    lag = {p: ends[p] - offsets[p] for p in range(PARTITIONS)}
    check(lag == {0: 6, 1: 0, 2: 10}, f"consumer lag {lag} (committed {offsets}, ends {ends})")

    worker = Worker(agent.bootstrap, ACTIVE, TOPIC, "active")
    wait_until(lambda: len(worker.values()) == 30, 30, "the active group to consume everything")

    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    groups = {g.id: g for g in admin.list_groups(timeout=10)}
    check(ACTIVE in groups and LAGGING in groups, f"list_groups: {sorted(groups)}")
    active = groups[ACTIVE]
    check(active.state == "Stable" and active.protocol_type == "consumer",
          f"{ACTIVE}: state {active.state}, protocol type {active.protocol_type}")
    check(active.protocol == "range", f"{ACTIVE}: protocol {active.protocol}")
    check(len(active.members) == 1, f"{ACTIVE} members: {active.members}")
    member = active.members[0]
    check(member.client_host == "/127.0.0.1", f"client host {member.client_host}")
    check(len(member.assignment) > 0 and len(member.metadata) > 0, "metadata and assignment")
    check(TOPIC.encode() in member.assignment, "the assignment names the topic")
    check(groups[LAGGING].state == "Empty", f"{LAGGING}: state {groups[LAGGING].state}")

    check(list_groups_v4(agent, ["Stable"]) == {ACTIVE: ("consumer", "Stable")},
          f"ListGroups v4 states=[Stable]: {list_groups_v4(agent, ['Stable'])}")
    empty = list_groups_v4(agent, ["empty"])  # the filter ignores case, as Kafka's does
    check(LAGGING in empty and ACTIVE not in empty, f"ListGroups v4 states=[empty]: {empty}")
    check(describe_state(agent, "no-such-group") == (0, "no-such-group", "Dead"),
          "DescribeGroups of an unknown group")

    errors = delete_groups(agent, [ACTIVE, "no-such-group", LAGGING, "raw-group"])
    check(errors == {ACTIVE: 68, "no-such-group": 69, LAGGING: 0, "raw-group": 0},
          f"DeleteGroups: {errors}")
    offsets, _ = committed(agent.bootstrap, LAGGING)
    check(all(o == OFFSET_INVALID for o in offsets.values()), f"after delete: {offsets}")

    top, errors = offset_delete(agent, ACTIVE, [0, 1])
    check(top == 0 and errors == {0: 86, 1: 86},
          f"OffsetDelete on a subscribed topic: {top} {errors} (want GROUP_SUBSCRIBED_TO_TOPIC)")
    worker.stop()
    top, errors = offset_delete(agent, ACTIVE, [0, 7])
    check(top == 0 and errors == {0: 0, 7: 3}, f"OffsetDelete after the group emptied: {errors}")
    offsets, _ = committed(agent.bootstrap, ACTIVE)
    check(offsets == {0: OFFSET_INVALID, 1: 10, 2: 10}, f"offsets after OffsetDelete: {offsets}")
    check(offset_delete(agent, "no-such-group", [0])[0] == 69, "OffsetDelete of unknown group")


if __name__ == "__main__":
    run_with_agent("e2e_groups_admin", ["-groupInitialRebalanceDelay", "100ms"], run)
