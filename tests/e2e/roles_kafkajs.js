#!/usr/bin/env node
// Used by e2e_roles.py: a KafkaJS producer whose client id targets proxy-produce writes COUNT
// messages, and a KafkaJS consumer group whose client id targets proxy-consume reads them all.
// Usage: roles_kafkajs.js <bootstrap,...> <topic> <count>. Prints "OK <n>" or exits non-zero.
'use strict';

const path = require('path');

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let kafkajs;
try {
  kafkajs = require(path.join(__dirname, 'node', 'node_modules', 'kafkajs'));
} catch (e) {
  console.log('SKIP: kafkajs not installed (scripts/install-deps.sh --test)');
  process.exit(77);
}
const { Kafka, logLevel } = kafkajs;

async function main() {
  const [brokers, topic, countText] = process.argv.slice(2);
  const count = Number(countText);
  const produceSide = new Kafka({
    clientId: 'roles-js,warpstream_proxy_target=proxy-produce',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = produceSide.producer();
  await producer.connect();
  for (let start = 0; start < count; start += 500) {
    const messages = [];
    for (let i = start; i < Math.min(count, start + 500); i++) messages.push({ value: `js-${i}` });
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();

  const consumeSide = new Kafka({
    clientId: 'roles-js,warpstream_proxy_target=proxy-consume',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = consumeSide.consumer({ groupId: 'roles-js-group', maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  let duplicates = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      const v = message.value.toString();
      if (!v.startsWith('js-')) return;
      if (seen.has(v)) duplicates++;
      seen.add(v);
    },
  });
  const deadline = Date.now() + 45000;
  while (seen.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  if (seen.size !== count || duplicates) {
    console.error(`read ${seen.size} of ${count} KafkaJS messages, ${duplicates} duplicates`);
    process.exit(1);
  }
  console.log(`OK ${seen.size}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
