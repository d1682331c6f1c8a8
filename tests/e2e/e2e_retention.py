#!/usr/bin/python3
"""End-to-end: retention by size and DeleteRecords through an admin client (docs/jobs.md).

One agent, compaction held off, so every produce flush stays its own object in the bucket:
1. retention.bytes (set with AlterConfigs) removes exactly the oldest batches Kafka would remove:
   the oldest go while what is left still holds at least retention.bytes. The earliest offset
   moves there, a consumer from earliest reads exactly the rest, and the objects of the removed
   batches leave the bucket after the grace period.
2. DeleteRecords through KafkaJS's admin client (admin.deleteTopicRecords) advances the log start
   offset; KafkaJS and librdkafka both see the new earliest offset and a consumer starts there.
(Retention by time is covered by e2e_jobs.)
"""

import json
import os
import shutil
import subprocess
import sys
import time

from agent_fixture import Agent, check, require_module, wait_until

require_module("confluent_kafka")
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic  # noqa: E402
from e2e_jobs import low_watermark, read_batches, segment_files  # noqa: E402

TOPIC = "ret-size"
BATCHES = 20
KEEP = 7
VALUE = 1000
AGENT_ARGS = ["-defaultRetentionMs", "86400000", "-defaultRetentionBytes", "1000000000",
              "-compactionInterval", "200ms", "-compactionMinObjects", "10000",
              "-retentionCheckInterval", "300ms", "-deletionGracePeriod", "1s"]
NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def produce_one_batch_each(bootstrap):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    errors = []
    for i in range(BATCHES):
        p.produce(TOPIC, value=(f"{i:04d}" * (VALUE // 4)).encode(), partition=0,
                  on_delivery=lambda err, msg: err and errors.append(str(err)))
        check(p.flush(10) == 0, "flush")  # one flush per record: one batch, one object each
    check(not errors, f"produce errors: {errors[:3]}")


def consume_from_earliest(bootstrap, expected):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ret-{time.time()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([TOPIC])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < expected and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None or msg.error():
            continue
        got.append((msg.offset(), msg.value()[:4].decode()))
    c.close()
    return got


def kafkajs_delete_records(bootstrap, offset):
    """admin.deleteTopicRecords, then admin.fetchTopicOffsets: the low watermark KafkaJS sees."""
    script = f"""
const {{ Kafka, logLevel }} = require({json.dumps(os.path.join(NODE_DIR, 'node_modules', 'kafkajs'))});
(async () => {{
  const admin = new Kafka({{ brokers: [{json.dumps(bootstrap)}], logLevel: logLevel.NOTHING }}).admin();
  await admin.connect();
  // KafkaJS looks the partition leaders up in its cached metadata (a known KafkaJS quirk).
  await admin.fetchTopicMetadata({{ topics: [{json.dumps(TOPIC)}] }});
  await admin.deleteTopicRecords({{ topic: {json.dumps(TOPIC)},
                                    partitions: [{{ partition: 0, offset: '{offset}' }}] }});
  const offsets = await admin.fetchTopicOffsets({json.dumps(TOPIC)});
  console.log(JSON.stringify(offsets));
  await admin.disconnect();
}})().catch((e) => {{ console.error(e); process.exit(1); }});
"""
    out = subprocess.run([shutil.which("node") or "node", "-e", script], capture_output=True,
                         text=True, timeout=60)
    check(out.returncode == 0, f"kafkajs deleteTopicRecords: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    with Agent(extra_args=AGENT_ARGS) as agent:
        admin = AdminClient({"bootstrap.servers": agent.bootstrap})
        for f in admin.create_topics([NewTopic(TOPIC, 1, 1)]).values():
            f.result(15)
        # The cluster defaults by flag are the topic's defaults, as Kafka's log.retention.*.
        configs = admin.describe_configs([ConfigResource("topic", TOPIC)])
        entries = list(configs.values())[0].result(15)
        check(entries["retention.ms"].value == "86400000" and entries["retention.ms"].is_default
              and entries["retention.bytes"].value == "1000000000", "retention defaults by flag")
        before = segment_files(agent)
        produce_one_batch_each(agent.bootstrap)
        objects = segment_files(agent) - before
        check(objects == BATCHES, f"{objects} objects for {BATCHES} flushes")

        # 1. retention.bytes: keep the newest KEEP batches (the smallest tail holding the limit).
        sizes = [len(b) for b in read_batches(agent.kafka_port, TOPIC, 1)[0]]
        check(len(sizes) == BATCHES, f"{len(sizes)} batches")
        limit = sum(sizes[-KEEP:]) - 1  # one byte less than KEEP batches: KEEP - 1 would not do
        resource = ConfigResource("topic", TOPIC, set_config={"retention.bytes": str(limit)})
        for f in admin.alter_configs([resource]).values():
            f.result(15)
        start = BATCHES - KEEP
        wait_until(lambda: low_watermark(agent.bootstrap, TOPIC)[0] == start, 30,
                   f"retention.bytes={limit} to move the earliest offset to {start}")
        time.sleep(1)  # a few more retention passes: the start must not move any further
        check(low_watermark(agent.bootstrap, TOPIC) == (start, BATCHES), "watermarks after")
        got = consume_from_earliest(agent.bootstrap, KEEP)
        check(got == [(o, f"{o:04d}") for o in range(start, BATCHES)], f"kept records: {got}")
        wait_until(lambda: segment_files(agent) == before + KEEP, 30,
                   f"the {start} objects of removed batches to leave the bucket")
        print(f"retention.bytes kept exactly batches {start}..{BATCHES - 1}; "
              f"{start} objects deleted")

        # 2. DeleteRecords through KafkaJS's admin client.
        if not shutil.which("node") or not os.path.isdir(os.path.join(NODE_DIR, "node_modules",
                                                                       "kafkajs")):
            print("SKIP: DeleteRecords part needs node and kafkajs (scripts/install-deps.sh)")
            return 77
        target = start + 3
        offsets = kafkajs_delete_records(agent.bootstrap, target)
        check(offsets == [{"partition": 0, "offset": str(BATCHES), "high": str(BATCHES),
                           "low": str(target)}], f"KafkaJS offsets after delete: {offsets}")
        check(low_watermark(agent.bootstrap, TOPIC) == (target, BATCHES), "librdkafka low")
        got = consume_from_earliest(agent.bootstrap, BATCHES - target)
        check(got == [(o, f"{o:04d}") for o in range(target, BATCHES)], f"after delete: {got}")
        print(f"KafkaJS deleteTopicRecords moved the earliest offset to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
