#!/usr/bin/python3
"""End-to-end: admin APIs that none of the Debian-packaged clients send, on raw sockets.

IncrementalAlterConfigs v0 (SET and DELETE, an unknown topic) checked through confluent-kafka's
describe_configs, and DescribeCluster v0 (flexible) checked against the agent's ports.
"""

import struct
import sys

import kafka_wire
from agent_fixture import Agent, check, require_module
from kafka_wire import Reader, read_response, request, string

ck = require_module("confluent_kafka")
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic  # noqa: E402

API_INCREMENTAL_ALTER_CONFIGS, API_DESCRIBE_CLUSTER = 44, 60
RESOURCE_TOPIC = 2
OP_SET, OP_DELETE = 0, 1
UNKNOWN_TOPIC_OR_PARTITION = 3
TOPIC = "e2e-raw-configs"


def incremental_alter(sock, correlation_id, resources):
    """resources: [(topic, [(name, op, value)])] -> {topic: error code}."""
    body = struct.pack(">i", len(resources))
    for topic, ops in resources:
        body += struct.pack(">b", RESOURCE_TOPIC) + string(topic) + struct.pack(">i", len(ops))
        for name, op, value in ops:
            body += string(name) + struct.pack(">b", op) + kafka_wire.nullable_string(value)
    body += b"\x00"  # validate_only = false
    sock.sendall(request(API_INCREMENTAL_ALTER_CONFIGS, 0, correlation_id, body))
    r = Reader(read_response(sock))
    check(r.take(">i") == correlation_id, "IncrementalAlterConfigs: correlation id")
    r.take(">i")  # throttle time
    errors = {}
    for _ in range(r.take(">i")):
        error_code = r.take(">h")
        r.string()  # error message
        resource_type, name = r.take(">b"), r.string()
        check(resource_type == RESOURCE_TOPIC, f"resource type {resource_type}")
        errors[name] = error_code
    check(r.at_end(), "IncrementalAlterConfigs: trailing bytes in the response")
    return errors


def describe(admin):
    resource = ConfigResource(ConfigResource.Type.TOPIC, TOPIC)
    entries = admin.describe_configs([resource])[resource].result(timeout=20)
    return {name: entry.value for name, entry in entries.items()}


def check_incremental_alter_configs(agent):
    admin = AdminClient({"bootstrap.servers": agent.bootstrap})
    futures = admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
    futures[TOPIC].result(timeout=20)
    default_retention = describe(admin).get("retention.ms")

    sock = kafka_wire.connect(agent.kafka_port)
    errors = incremental_alter(sock, 1, [(TOPIC, [("retention.ms", OP_SET, "4242000"),
                                                  ("cleanup.policy", OP_SET, "delete")])])
    check(errors == {TOPIC: 0}, f"IncrementalAlterConfigs SET: errors {errors}")
    configs = describe(admin)
    check(configs.get("retention.ms") == "4242000",
          f"retention.ms after SET = {configs.get('retention.ms')}")
    check(configs.get("cleanup.policy") == "delete",
          f"cleanup.policy after SET = {configs.get('cleanup.policy')}")

    errors = incremental_alter(sock, 2, [(TOPIC, [("retention.ms", OP_DELETE, None)])])
    check(errors == {TOPIC: 0}, f"IncrementalAlterConfigs DELETE: errors {errors}")
    configs = describe(admin)
    check(configs.get("retention.ms") == default_retention,
          f"retention.ms after DELETE = {configs.get('retention.ms')}, "
          f"want the default {default_retention}")
    check(configs.get("cleanup.policy") == "delete", "DELETE of one key touched another")

    errors = incremental_alter(sock, 3, [("e2e-raw-no-such-topic",
                                          [("retention.ms", OP_SET, "1000")])])
    check(errors == {"e2e-raw-no-such-topic": UNKNOWN_TOPIC_OR_PARTITION},
          f"IncrementalAlterConfigs on an unknown topic: errors {errors}")
    sock.close()
    print("IncrementalAlterConfigs v0: SET, DELETE, unknown topic ok")


def check_describe_cluster(agent):
    sock = kafka_wire.connect(agent.kafka_port)
    body = b"\x00" + b"\x00"  # include_cluster_authorized_operations = false; no tagged fields
    sock.sendall(request(API_DESCRIBE_CLUSTER, 0, 9, body, flexible=True))
    r = Reader(read_response(sock))
    check(r.take(">i") == 9, "DescribeCluster: correlation id")
    r.skip_tagged_fields()  # response header v1
    r.take(">i")  # throttle time
    error_code = r.take(">h")
    r.compact_string()  # error message
    check(error_code == 0, f"DescribeCluster error {error_code}")
    cluster_id, controller_id = r.compact_string(), r.take(">i")
    check(cluster_id, "DescribeCluster: empty cluster id")
    brokers = []
    for _ in range(r.uvarint() - 1):
        broker_id, host, port = r.take(">i"), r.compact_string(), r.take(">i")
        r.compact_string()  # rack
        r.skip_tagged_fields()
        brokers.append((broker_id, host, port))
    r.take(">i")  # cluster authorized operations
    r.skip_tagged_fields()
    check(r.at_end(), "DescribeCluster: trailing bytes in the response")
    check(("127.0.0.1", agent.kafka_port) in [(h, p) for _, h, p in brokers],
          f"DescribeCluster brokers {brokers} lack 127.0.0.1:{agent.kafka_port}")
    check(controller_id in [b for b, _, _ in brokers],
          f"controller {controller_id} is not one of the brokers {brokers}")
    sock.close()
    print(f"DescribeCluster v0: cluster {cluster_id}, brokers {brokers}")


if __name__ == "__main__":
    agent = Agent()
    try:
        agent.start()
        check_incremental_alter_configs(agent)
        check_describe_cluster(agent)
        code = agent.stop()
        check(code == 0, f"agent exit code after SIGTERM: {code}")
        print("PASS e2e_raw_admin")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
