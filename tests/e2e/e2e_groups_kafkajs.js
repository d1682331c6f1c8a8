#!/usr/bin/env node
// End-to-end: KafkaJS 2.2.4 consumer groups. Two consumers of one group share a 4-partition topic
// (each message once, no partition owned twice); after they disconnect, a new consumer of the
// group reads only what was produced since (committed offsets), and admin.fetchOffsets agrees.
'use strict';

const assert = require('assert');
const path = require('path');

const SKIP = 77;
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let kafkajs;
try {
  kafkajs = require(path.join(__dirname, 'node', 'node_modules', 'kafkajs'));
} catch (e) {
  console.log('SKIP: kafkajs not installed (scripts/install-deps.sh --test)');
  process.exit(SKIP);
}
const { Kafka, logLevel } = kafkajs;
const { startAgent } = require('./node/agent');

const TOPIC = 'e2e-groups-js';
const GROUP = 'js-group';
const PARTITIONS = 4;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function produce(kafka, start, count) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = start; i < start + count; i++) {
    messages.push({ partition: i % PARTITIONS, value: `js-${i}` });
  }
  await producer.send({ topic: TOPIC, messages });
  await producer.disconnect();
}

// Starts a group consumer; `seen` collects [partition, value]; `assigned` its partitions.
async function startConsumer(kafka, name) {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10000,
    heartbeatInterval: 500, rebalanceTimeout: 10000, maxWaitTimeInMs: 200 });
  const state = { name, consumer, seen: [], assigned: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    state.assigned = e.payload.memberAssignment[TOPIC] || [];
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      state.seen.push([partition, message.value.toString()]);
    },
  });
  return state;
}

function range(a, b) {
  return Array.from({ length: b - a }, (_, i) => `js-${a + i}`);
}

async function main() {
  const agent = await startAgent(['-groupInitialRebalanceDelay', '100ms']);
  try {
    const kafka = new Kafka({ clientId: 'e2e-groups-js', brokers: [agent.bootstrap],
      logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

    const a = await startConsumer(kafka, 'a');
    const b = await startConsumer(kafka, 'b');
    await waitFor(() => a.assigned.length === 2 && b.assigned.length === 2, 30000,
      'two KafkaJS consumers with two partitions each');
    const overlap = a.assigned.filter((p) => b.assigned.includes(p));
    assert.deepStrictEqual(overlap, [], 'a partition owned twice');

    await produce(kafka, 0, 200);
    await waitFor(() => a.seen.length + b.seen.length >= 200, 30000, '200 messages consumed');
    await sleep(500);
    for (const s of [a, b]) {
      for (const [p] of s.seen) assert.ok(s.assigned.includes(p), `${s.name} read partition ${p}`);
    }
    const values = [...a.seen, ...b.seen].map(([, v]) => v).sort();
    assert.deepStrictEqual(values, range(0, 200).sort(), 'every message exactly once');
    await a.consumer.disconnect();
    await b.consumer.disconnect();

    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const offsets = committed[0].partitions.map((p) => [p.partition, p.offset])
      .sort((x, y) => x[0] - y[0]);
    assert.deepStrictEqual(offsets, [[0, '50'], [1, '50'], [2, '50'], [3, '50']],
      'committed offsets after disconnect');

    await produce(kafka, 200, 40);
    const c = await startConsumer(kafka, 'c');
    await waitFor(() => c.seen.length >= 40, 30000, 'the resumed consumer to read 40');
    await sleep(500);
    assert.deepStrictEqual(c.seen.map(([, v]) => v).sort(), range(200, 240).sort(),
      'resumed exactly at the committed offsets');
    await c.consumer.disconnect();

    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    assert.ok(groups.includes(GROUP), `listGroups: ${groups}`);
    const described = await admin.describeGroups([GROUP]);
    assert.strictEqual(described.groups[0].state, 'Empty');
    await admin.deleteGroups([GROUP]);
    await admin.disconnect();

    const code = await agent.stop();
    assert.strictEqual(code, 0, `agent exit code after SIGTERM: ${code}`);
    console.log('PASS e2e_groups_kafkajs');
  } catch (e) {
    console.error(agent.logTail());
    throw e;
  } finally {
    agent.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
