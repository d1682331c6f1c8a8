#!/usr/bin/python3
"""End-to-end: the zone-wide file cache (design.md §5) across three agents.

Three agents share PostgreSQL and an S3 bucket (s3rver). One topic gets data. Three consumers
read all of it, each pinned to a different agent (client id feature single_agent, with a client
id whose chosen broker is that agent). Each object range has one owner agent in the zone, which
alone GETs it from the bucket; the other agents ask the owner over HTTP. So the object-store GETs
summed over the three agents' /metrics stay at about those of one consumer's read, not three
times as many.

Needs cluster membership (agents must see each other) and SLUICE_TEST_POSTGRES_URL and
SLUICE_TEST_S3_* (scripts/with-postgres.sh, scripts/with-s3rver.sh); skips without them.
"""

import os
import sys
import threading

from agent_fixture import Agent, check, cluster_backend_args, require_module, wait_until

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cache-t"
PARTITIONS = 4
MESSAGES = 4000
GETS = 'sluice_object_store_requests_total{operation="get"}'
PEER_OK = 'sluice_file_cache_peer_reads_total{result="ok"}'


def produce(bootstrap):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "compression.type": "lz4"})
    errors = []
    for i in range(MESSAGES):
        p.produce(TOPIC, value=f"v{i}:".encode() + b"x" * 200, partition=i % PARTITIONS,
                  on_delivery=lambda err, msg: err and errors.append(str(err)))
        if i % 500 == 0:
            p.poll(0)
    check(p.flush(30) == 0 and not errors, f"produce errors: {errors[:3]}")


def pinned_client_id(agent):
    """A client id whose single_agent broker is `agent`: Metadata names it leader of every
    partition, so the consumer fetches only from it."""
    for n in range(200):
        client_id = f"warpstream_partition_assignment_strategy=single_agent,pin={n}"
        admin = AdminClient({"bootstrap.servers": agent.bootstrap, "client.id": client_id})
        md = admin.list_topics(TOPIC, timeout=10)
        brokers = {b.id: b.port for b in md.brokers.values()}
        leaders = {brokers.get(p.leader) for p in md.topics[TOPIC].partitions.values()}
        if leaders == {agent.kafka_port}:
            return client_id, len(brokers)
    raise RuntimeError(f"no client id pins to the agent on port {agent.kafka_port}")


def consume_all(agent, client_id, out, index):
    c = Consumer({"bootstrap.servers": agent.bootstrap, "client.id": client_id,
                  "group.id": f"unused-{index}", "enable.auto.commit": False,
                  "fetch.max.bytes": 1 << 20})
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    values, idle = set(), 0
    while len(values) < MESSAGES and idle < 40:
        msg = c.poll(0.5)
        if msg is None:
            idle += 1
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        idle = 0
        values.add(msg.value().split(b":")[0].decode())
    c.close()
    out[index] = values


def total(agents, name):
    return sum(a.metrics().get(name, 0) for a in agents)


def main():
    args = cluster_backend_args("cache")
    agents = [Agent(extra_args=args) for _ in range(3)]
    try:
        for a in agents:
            a.start()
        wait_until(lambda: all(a.metrics().get("sluice_cluster_live_agents", 0) == 3
                               for a in agents), 10, "every agent to see the other two")
        admin = AdminClient({"bootstrap.servers": agents[0].bootstrap})
        for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
            f.result(15)
        produce(agents[0].bootstrap)
        pins = [pinned_client_id(a) for a in agents]
        check(all(n == 3 for _, n in pins),
              f"agents do not see each other (brokers per Metadata: {[n for _, n in pins]}):"
              " cluster membership is needed")
        expected = {f"v{i}" for i in range(MESSAGES)}

        # One consumer alone: the GETs one full read of the topic costs the zone.
        before = total(agents, GETS)
        got = {}
        consume_all(agents[0], pins[0][0], got, 0)
        check(got[0] == expected, f"consumer 0 read {len(got[0])} of {MESSAGES}")
        single = total(agents, GETS) - before
        check(single > 0, "the first read sent no GET")

        # Two more consumers, on the two other agents, at the same time.
        threads = [threading.Thread(target=consume_all, args=(agents[i], pins[i][0], got, i))
                   for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in (1, 2):
            check(got.get(i) == expected, f"consumer {i} read {len(got.get(i, ()))} of {MESSAGES}")
        all_three = total(agents, GETS) - before
        peer_reads = total(agents, PEER_OK)
        print(f"object-store GETs: one consumer {single:.0f}, three consumers {all_three:.0f};"
              f" peer reads {peer_reads:.0f}")
        check(all_three <= 1.5 * single,
              f"three consumers cost {all_three:.0f} GETs, one costs {single:.0f}: not shared")
        check(peer_reads > 0, "no agent asked a cache owner")
        for a in agents:
            check(a.stop() == 0, "agent exit code")
        print("PASS e2e_cluster_cache")
    except BaseException:
        for a in agents:
            print(a.log_tail(), file=sys.stderr)
        raise
    finally:
        for a in agents:
            a.cleanup()
    sys.stdout.flush()
    os._exit(0)  # see e2e_confluent_kafka.py: Debian's confluent-kafka may abort at exit


if __name__ == "__main__":
    main()
