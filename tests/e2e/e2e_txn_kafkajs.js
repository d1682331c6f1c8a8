#!/usr/bin/env node
// End-to-end: KafkaJS 2.2.4 transactions (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
// TxnOffsetCommit, EndTxn v0-1). A transactional producer (idempotent, maxInFlightRequests 1)
// commits one transaction with sendOffsets, aborts one (its offsets must not stick), commits one
// that sent nothing, and commits a last one. KafkaJS's default consumer (read_committed) sees
// exactly the committed records at offsets that skip the markers; the group offsets sent in the
// committed transaction are the group's committed offsets.
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
const net = require('net');
const { startAgent } = require('./node/agent');

const TOPIC = 'txn-js';
const SOURCE = 'txn-js-src'; // the topic whose offsets the transactions send
const OFFSETS_GROUP = 'txn-js-offsets';
const PARTITIONS = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function messages(prefix, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({ partition: i % PARTITIONS, key: String(i), value: `${prefix}-${i}` });
  }
  return out;
}

async function transactions(kafka) {
  const producer = kafka.producer({ transactionalId: 'txn-js-1', idempotent: true,
    maxInFlightRequests: 1 });
  await producer.connect();
  const sendOffsets = (txn, offset) => txn.sendOffsets({ consumerGroupId: OFFSETS_GROUP,
    topics: [{ topic: SOURCE, partitions: [{ partition: 0, offset: String(offset) }] }] });

  let txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: messages('c1', 10) }); // p0/p1: 0..4, marker 5
  await sendOffsets(txn, 7);
  await txn.commit();

  txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: messages('a1', 10) }); // 6..10, marker 11
  await sendOffsets(txn, 9);
  await txn.abort();

  txn = await producer.transaction(); // sends nothing: no marker, nothing changes
  await txn.commit();

  txn = await producer.transaction();
  await txn.send({ topic: TOPIC, messages: messages('c2', 4) }); // 12..13, marker 14
  await txn.commit();
  await producer.disconnect();
  console.log('transactions: commit with sendOffsets, abort, empty commit, commit');
}

async function readCommitted(kafka) {
  const consumer = kafka.consumer({ groupId: 'txn-js-reader', maxWaitTimeInMs: 200 });
  const seen = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push([partition, Number(message.offset), message.value.toString()]);
    },
  });
  const deadline = Date.now() + 30000;
  while (seen.length < 14 && Date.now() < deadline) await sleep(100);
  await sleep(1500); // anything after the committed records would arrive now
  await consumer.disconnect();
  for (let p = 0; p < PARTITIONS; p++) {
    const got = seen.filter(([part]) => part === p).map(([, o, v]) => [o, v]);
    const want = [];
    for (let i = p; i < 10; i += PARTITIONS) want.push([want.length, `c1-${i}`]);
    for (let i = p; i < 4; i += PARTITIONS) want.push([12 + (want.length - 5), `c2-${i}`]);
    assert.deepStrictEqual(got, want, `read_committed partition ${p}`);
  }
  console.log('default consumer (read_committed): exactly the committed records, markers skipped');
}

async function offsets(admin) {
  const [src] = await admin.fetchOffsets({ groupId: OFFSETS_GROUP, topics: [SOURCE] });
  const p0 = src.partitions.find((x) => x.partition === 0);
  assert.strictEqual(p0.offset, '7', 'offset committed by the committed transaction');
  const ends = await admin.fetchTopicOffsets(TOPIC);
  for (const o of ends) {
    assert.strictEqual(o.high, '15', `partition ${o.partition}: 12 records + 3 markers`);
  }
  console.log('sendOffsets: the committed transaction\'s offset stuck, the aborted one did not');
}

// The api keys the agent advertises (raw ApiVersions v0): the test skips until EndTxn (26) is.
function advertisedApis(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const header = Buffer.alloc(14);
    header.writeInt32BE(10, 0); // size
    header.writeInt16BE(18, 4); // ApiVersions
    header.writeInt16BE(0, 6); // v0
    header.writeInt32BE(1, 8); // correlation id
    header.writeInt16BE(0, 12); // empty client id
    let data = Buffer.alloc(0);
    sock.on('connect', () => sock.write(header));
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
      sock.end();
      const keys = new Set();
      const count = data.readInt32BE(10);
      for (let i = 0; i < count; i++) keys.add(data.readInt16BE(14 + 6 * i));
      resolve(keys);
    });
    sock.on('error', reject);
  });
}

async function main() {
  const agent = await startAgent(['-groupInitialRebalanceDelay', '100ms']);
  const forced = process.env.SLUICE_E2E_TXN_FORCE === '1'; // run while the handlers are built
  if (!forced && !(await advertisedApis(agent.kafkaPort)).has(26)) {
    console.log('SKIP: the agent does not advertise the transaction APIs (EndTxn) yet');
    await agent.stop();
    agent.cleanup();
    process.exit(SKIP);
  }
  try {
    const kafka = new Kafka({ clientId: 'e2e-txn-js', brokers: [agent.bootstrap],
      logLevel: logLevel.WARN });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [
      { topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 },
      { topic: SOURCE, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await transactions(kafka);
    await readCommitted(kafka);
    await offsets(admin);
    await admin.disconnect();
    const code = await agent.stop();
    assert.strictEqual(code, 0, `agent exit code after SIGTERM: ${code}`);
    console.log('PASS e2e_txn_kafkajs');
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
