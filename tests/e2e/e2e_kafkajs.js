#!/usr/bin/env node
// End-to-end: KafkaJS 2.2.4 admin and producers against a real agent.
//
// The records are read back with confluent-kafka (dump_partitions.py, assign(), no group) and
// checked here field by field, so this test does not depend on consumer groups; KafkaJS's own
// group consumer is exercised by e2e_groups_kafkajs.js.
'use strict';

const assert = require('assert');
const { spawnSync } = require('child_process');
const path = require('path');

const SKIP = 77;
// Silences KafkaJS's one-time notice about its v2 default partitioner (partitions are explicit).
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let kafkajs;
try {
  kafkajs = require(path.join(__dirname, 'node', 'node_modules', 'kafkajs'));
} catch (e) {
  console.log('SKIP: kafkajs not installed (scripts/install-deps.sh --test)');
  process.exit(SKIP);
}
const { Kafka, CompressionTypes, logLevel } = kafkajs;
const { startAgent } = require('./node/agent');

const TOPIC = 'e2e-js-a';
const DOOMED = 'e2e-js-doomed';
const PARTITIONS = 3;
const PER_PRODUCER = 1000; // idempotent+gzip producer, then a plain uncompressed one: 2,000
const BASE_TS = 1720000000000;

function messageFor(producerName, i, globalIndex) {
  return {
    partition: i % PARTITIONS,
    key: i % 113 === 0 ? null : `${producerName}-key-${i}`,
    value: `${producerName}-value-${i}-`.repeat(1 + (i % 25)),
    headers: { producer: producerName, index: String(i), multi: ['one', 'two'] },
    timestamp: String(BASE_TS + globalIndex),
  };
}

async function adminChecks(admin) {
  const created = await admin.createTopics({
    topics: [
      { topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 },
      { topic: DOOMED, numPartitions: 1, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  assert.strictEqual(created, true, 'createTopics should report new topics');
  const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  assert.strictEqual(topics.length, 1);
  assert.strictEqual(topics[0].partitions.length, PARTITIONS, 'partition count in metadata');
  assert.ok((await admin.listTopics()).includes(DOOMED), 'listTopics lists created topic');

  await admin.deleteTopics({ topics: [DOOMED] });
  const deadline = Date.now() + 10000;
  while ((await admin.listTopics()).includes(DOOMED)) {
    assert.ok(Date.now() < deadline, 'deleted topic still listed after 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log('admin: createTopics/fetchTopicMetadata/listTopics/deleteTopics ok');
}

async function produce(kafka) {
  const sent = [];
  const producers = [
    { name: 'idem-gzip', config: { idempotent: true, maxInFlightRequests: 1 },
      compression: CompressionTypes.GZIP },
    { name: 'plain', config: {}, compression: CompressionTypes.None },
  ];
  for (const { name, config, compression } of producers) {
    const producer = kafka.producer({ allowAutoTopicCreation: false, ...config });
    await producer.connect();
    for (let start = 0; start < PER_PRODUCER; start += 200) {
      const messages = [];
      for (let i = start; i < start + 200; i++) {
        messages.push(messageFor(name, i, sent.length + messages.length));
      }
      const results = await producer.send({ topic: TOPIC, acks: -1, compression, messages });
      for (const r of results) {
        assert.strictEqual(r.errorCode, 0, `produce error ${JSON.stringify(r)}`);
      }
      sent.push(...messages);
    }
    await producer.disconnect();
    console.log(`produced ${PER_PRODUCER} messages with producer ${name}`);
  }
  return sent;
}

function expectedByPartition(sent) {
  const byPartition = new Map();
  for (let p = 0; p < PARTITIONS; p++) byPartition.set(p, []);
  for (const m of sent) byPartition.get(m.partition).push(m);
  return byPartition;
}

async function offsetChecks(admin, byPartition) {
  const offsets = await admin.fetchTopicOffsets(TOPIC);
  assert.strictEqual(offsets.length, PARTITIONS);
  for (const o of offsets) {
    const want = byPartition.get(o.partition).length;
    assert.strictEqual(o.low, '0', `partition ${o.partition} low offset`);
    assert.strictEqual(o.high, String(want), `partition ${o.partition} high offset`);
  }
  // Timestamps grow along each partition: the middle record's timestamp finds the middle offset.
  for (let p = 0; p < PARTITIONS; p++) {
    const records = byPartition.get(p);
    const middle = Math.floor(records.length / 2);
    const answer = await admin.fetchTopicOffsetsByTimestamp(TOPIC, Number(records[middle].timestamp));
    const forP = answer.find((a) => a.partition === p);
    assert.strictEqual(forP.offset, String(middle), `partition ${p}: offset by timestamp`);
  }
  console.log('fetchTopicOffsets and fetchTopicOffsetsByTimestamp ok');
}

function readBack(agent, byPartition) {
  const result = spawnSync('/usr/bin/python3',
    [path.join(__dirname, 'dump_partitions.py'), agent.bootstrap, TOPIC],
    { encoding: 'utf8', timeout: 60000, maxBuffer: 256 << 20 });
  assert.strictEqual(result.status, 0, `dump_partitions.py failed: ${result.stderr}`);
  const decode = (b64) => (b64 === null ? null : Buffer.from(b64, 'base64').toString());
  const got = new Map();
  for (let p = 0; p < PARTITIONS; p++) got.set(p, []);
  for (const line of result.stdout.split('\n').filter((l) => l.length > 0)) {
    const r = JSON.parse(line);
    got.get(r.partition).push(r);
  }
  let total = 0;
  for (const [p, want] of byPartition) {
    const records = got.get(p);
    assert.strictEqual(records.length, want.length, `partition ${p}: record count`);
    records.forEach((r, offset) => {
      const m = want[offset];
      const where = `partition ${p} offset ${offset}`;
      assert.strictEqual(r.offset, offset, `${where}: offset`);
      assert.strictEqual(decode(r.key), m.key, `${where}: key`);
      assert.strictEqual(decode(r.value), m.value, `${where}: value`);
      assert.strictEqual(String(r.timestamp), m.timestamp, `${where}: timestamp`);
      const headers = r.headers.map(([k, v]) => [k, decode(v)]);
      assert.deepStrictEqual(headers, [['producer', m.headers.producer],
        ['index', m.headers.index], ['multi', 'one'], ['multi', 'two']], `${where}: headers`);
      total++;
    });
  }
  console.log(`read back and verified ${total} records`);
  return total;
}

async function main() {
  const agent = await startAgent();
  try {
    const kafka = new Kafka({ clientId: 'e2e-kafkajs', brokers: [agent.bootstrap],
      logLevel: logLevel.WARN });
    const admin = kafka.admin();
    await admin.connect();
    await adminChecks(admin);
    const sent = await produce(kafka);
    const byPartition = expectedByPartition(sent);
    await offsetChecks(admin, byPartition);
    await admin.disconnect();
    assert.strictEqual(readBack(agent, byPartition), 2 * PER_PRODUCER);
    const code = await agent.stop();
    assert.strictEqual(code, 0, `agent exit code after SIGTERM: ${code}`);
    console.log('PASS e2e_kafkajs');
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
