#!/usr/bin/python3
"""Prints every record of a topic as JSON lines, read with confluent-kafka and assign().

Used by tests whose own client cannot consume without a consumer group yet (KafkaJS).
usage: dump_partitions.py BOOTSTRAP TOPIC
Each line: {"partition", "offset", "key", "value", "headers": [[name, value]], "timestamp"}, with
key, value and header values base64-encoded (null stays null). Reads up to each partition's high
watermark as it is when the script starts.
"""

import base64
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def main(bootstrap, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "e2e-assign-only",
                         "enable.auto.commit": False, "enable.auto.offset.store": False,
                         "fetch.wait.max.ms": 100})
    metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    if metadata.error is not None:
        raise SystemExit(f"topic {topic}: {metadata.error}")
    ends = {}
    for p in metadata.partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10,
                                                 cached=False)
        ends[p] = high
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends if ends[p] > 0])
    next_offset = {p: 0 for p in ends}
    deadline = time.monotonic() + 30
    while any(next_offset[p] < ends[p] for p in ends) and time.monotonic() < deadline:
        for msg in consumer.consume(num_messages=1000, timeout=0.5):
            if msg.error():
                raise SystemExit(f"consume error: {msg.error()}")
            p = msg.partition()
            next_offset[p] = msg.offset() + 1
            print(json.dumps({"partition": p, "offset": msg.offset(), "key": b64(msg.key()),
                              "value": b64(msg.value()), "timestamp": msg.timestamp()[1],
                              "headers": [[k, b64(v)] for k, v in (msg.headers() or [])]}))
    consumer.close()
    short = {p: (next_offset[p], ends[p]) for p in ends if next_offset[p] < ends[p]}
    if short:
        raise SystemExit(f"could not read up to the high watermark (got, want): {short}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
