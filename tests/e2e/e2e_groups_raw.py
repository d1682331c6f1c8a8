#!/usr/bin/python3
"""End-to-end over the raw wire: the flexible (compact) versions of the group APIs, which none of
the installed clients sends: FindCoordinator v4 (batched keys), JoinGroup v9 with the KIP-394
member-id round trip, SyncGroup v5, Heartbeat v4, OffsetCommit v8, OffsetFetch v8 (two groups),
DescribeGroups v5 and LeaveGroup v5.
"""

import struct

import kafka_wire
from agent_fixture import check, run_with_agent
from kafka_wire import Reader, compact_string, read_response, request, uvarint

TOPIC = "e2e-groups-raw"
GROUP = "raw-flex"
TAGS = b"\x00"


def cnull(s):
    return b"\x00" if s is None else compact_string(s)


def cbytes(b):
    return uvarint(len(b) + 1) + b


def carray(items):
    return uvarint(len(items) + 1) + b"".join(items)


class Flex(Reader):
    def cbytes(self):
        n = self.uvarint() - 1
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def array(self, item):
        return [item() for _ in range(self.uvarint() - 1)]


class Conn:
    def __init__(self, port):
        self.sock = kafka_wire.connect(port, timeout=20)
        self.correlation = 0

    def call(self, api_key, version, body):
        self.correlation += 1
        self.sock.sendall(request(api_key, version, self.correlation, body, flexible=True))
        r = Flex(read_response(self.sock))
        check(r.take(">i") == self.correlation, "correlation id")
        r.skip_tagged_fields()  # response header v1
        return r


def join(c, member_id):
    metadata = struct.pack(">hi", 0, 1) + struct.pack(">h", len(TOPIC)) + TOPIC.encode() + \
        struct.pack(">i", -1)
    protocol = compact_string("range") + cbytes(metadata) + TAGS
    body = compact_string(GROUP) + struct.pack(">ii", 10000, 20000) + compact_string(member_id)
    body += cnull(None) + compact_string("consumer") + carray([protocol]) + cnull("test") + TAGS
    r = c.call(11, 9, body)
    r.take(">i")
    error, generation = r.take(">hi")
    protocol_type, protocol_name = r.compact_string(), r.compact_string()
    leader = r.compact_string()
    skip = r.take(">?")
    member = r.compact_string()

    def one():
        m, instance, meta = r.compact_string(), r.compact_string(), r.cbytes()
        r.skip_tagged_fields()
        return (m, instance, meta)
    members = r.array(one)
    r.skip_tagged_fields()
    check(r.at_end(), "JoinGroup v9 response fully read")
    return dict(error=error, generation=generation, protocol_type=protocol_type,
                protocol_name=protocol_name, leader=leader, skip=skip, member=member,
                members=members, metadata=metadata)


def run(agent):
    from e2e_groups_common import create_topic
    create_topic(agent.bootstrap, TOPIC, 2)
    c = Conn(agent.kafka_port)

    r = c.call(10, 4, struct.pack(">b", 0) + carray([compact_string(GROUP),
                                                      compact_string("other")]) + TAGS)
    r.take(">i")

    def coordinator():
        key, node, host, port, error, message = (r.compact_string(), r.take(">i"),
                                                 r.compact_string(), r.take(">i"), r.take(">h"),
                                                 r.compact_string())
        r.skip_tagged_fields()
        return (key, node, host, port, error, message)
    found = r.array(coordinator)
    node = found[0][1] if found else -1  # this agent's node id (given by the membership)
    check(node >= 0 and found == [(GROUP, node, "127.0.0.1", agent.kafka_port, 0, None),
                                  ("other", node, "127.0.0.1", agent.kafka_port, 0, None)],
          f"FindCoordinator v4: {found}")
    r = c.call(10, 4, struct.pack(">b", 1) + carray([compact_string("txn")]) + TAGS)
    r.take(">i")
    txn = r.array(coordinator)
    # Key type 1 (transaction) is answered like a group nobody owns: this agent
    # (docs/design-transactions.md: any agent coordinates through the store).
    check(txn == [("txn", node, "127.0.0.1", agent.kafka_port, 0, None)],
          f"transaction coordinator: {txn}")

    first = join(c, "")
    check(first["error"] == 79 and first["member"], f"JoinGroup v9 without id: {first}")
    joined = join(c, first["member"])
    check(joined["error"] == 0 and joined["generation"] == 1, f"JoinGroup v9: {joined}")
    check((joined["protocol_type"], joined["protocol_name"]) == ("consumer", "range"), "protocol")
    check(joined["leader"] == first["member"] and not joined["skip"], "leader")
    check(joined["members"] == [(first["member"], None, joined["metadata"])],
          f"the leader gets every member's metadata byte for byte: {joined['members']}")
    member = first["member"]

    assignment = bytes(range(256)) * 40  # 10 KiB, relayed as is
    body = compact_string(GROUP) + struct.pack(">i", 1) + compact_string(member) + cnull(None)
    body += cnull("consumer") + cnull("range")
    body += carray([compact_string(member) + cbytes(assignment) + TAGS]) + TAGS
    r = c.call(14, 5, body)
    r.take(">i")
    error, ptype, pname, got = r.take(">h"), r.compact_string(), r.compact_string(), r.cbytes()
    check((error, ptype, pname, got == assignment) == (0, "consumer", "range", True),
          f"SyncGroup v5: error {error}, {ptype}/{pname}, {len(got)} bytes")

    def heartbeat(generation):
        body = compact_string(GROUP) + struct.pack(">i", generation) + compact_string(member)
        r = c.call(12, 4, body + cnull(None) + TAGS)
        r.take(">i")
        return r.take(">h")
    check(heartbeat(1) == 0 and heartbeat(2) == 22, "Heartbeat v4: ok, then ILLEGAL_GENERATION")

    partition = struct.pack(">iqi", 1, 42, 7) + cnull("meta-v8") + TAGS
    body = compact_string(GROUP) + struct.pack(">i", 1) + compact_string(member) + cnull(None)
    body += carray([compact_string(TOPIC) + carray([partition]) + TAGS]) + TAGS
    r = c.call(8, 8, body)
    r.take(">i")
    r.uvarint(), r.compact_string(), r.uvarint()
    check(r.take(">ih") == (1, 0), "OffsetCommit v8")

    groups = [compact_string(GROUP) + b"\x00" + TAGS,  # null topics: everything committed
              compact_string("never-committed") +
              carray([compact_string(TOPIC) + carray([struct.pack(">i", 0)]) + TAGS]) + TAGS]
    r = c.call(9, 8, carray(groups) + b"\x00" + TAGS)
    r.take(">i")

    def fetched_group():
        group_id = r.compact_string()

        def topic():
            name = r.compact_string()

            def part():
                p = r.take(">iqi") + (r.compact_string(), r.take(">h"))
                r.skip_tagged_fields()
                return p
            parts = r.array(part)
            r.skip_tagged_fields()
            return (name, parts)
        topics = r.array(topic)
        error = r.take(">h")
        r.skip_tagged_fields()
        return (group_id, topics, error)
    got = r.array(fetched_group)
    check(got == [(GROUP, [(TOPIC, [(1, 42, 7, "meta-v8", 0)])], 0),
                  ("never-committed", [(TOPIC, [(0, -1, -1, "", 0)])], 0)],
          f"OffsetFetch v8: {got}")

    r = c.call(15, 5, carray([compact_string(GROUP)]) + b"\x00" + TAGS)
    r.take(">i")
    r.uvarint()
    error, group_id, state, ptype, pdata = (r.take(">h"), r.compact_string(), r.compact_string(),
                                            r.compact_string(), r.compact_string())
    r.uvarint()
    m_id, m_instance, client_id, host = (r.compact_string(), r.compact_string(),
                                         r.compact_string(), r.compact_string())
    m_meta, m_assign = r.cbytes(), r.cbytes()
    described = (error, group_id, state, ptype, pdata, m_id, m_instance, client_id, host)
    check(described == (0, GROUP, "Stable", "consumer", "range", member, None, "e2e-raw",
                        "/127.0.0.1"), f"DescribeGroups v5: {described}")
    check(m_meta == joined["metadata"] and m_assign == assignment, "described metadata/assignment")

    body = compact_string(GROUP) + carray([compact_string(member) + cnull(None) + cnull("done") +
                                           TAGS, compact_string("ghost") + cnull(None) +
                                           cnull(None) + TAGS]) + TAGS
    r = c.call(13, 5, body)
    r.take(">i")
    top = r.take(">h")

    def left():
        m, instance, error = r.compact_string(), r.compact_string(), r.take(">h")
        r.skip_tagged_fields()
        return (m, instance, error)
    check((top, r.array(left)) == (0, [(member, None, 0), ("ghost", None, 25)]), "LeaveGroup v5")
    check(heartbeat(1) == 25, "after leaving, the member is unknown")


if __name__ == "__main__":
    run_with_agent("e2e_groups_raw", ["-groupInitialRebalanceDelay", "100ms"], run)
