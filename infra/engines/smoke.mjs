// Exercises each engine started by up.sh with the project's own clients and prints what answered.
// Usage: node infra/engines/smoke.mjs [redis kafka elasticsearch mongodb s3 kms]
// (default: every engine listed in $CAAS_ENGINES_STATE/engines.json). Exits non-zero on the first failure.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import kafkajs from 'kafkajs';
import { Client as ElasticClient } from '@elastic/elasticsearch';
import { MongoClient } from 'mongodb';
import { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { KMSClient, CreateKeyCommand, GenerateDataKeyCommand, DecryptCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';

const stateDir = process.env.CAAS_ENGINES_STATE ?? '/tmp/caas-engines';
const env = Object.fromEntries(
  readFileSync(`${stateDir}/env`, 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const suffix = randomUUID().slice(0, 8);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function redis() {
  const client = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const key = `smoke:${suffix}`;
    await client.set(key, 'v', 'PX', 10_000);
    check((await client.get(key)) === 'v', 'GET did not return what SET stored');
    check((await client.incr(`${key}:n`)) === 1, 'INCR of a new key is not 1');
    await client.del(key, `${key}:n`);
    const info = await client.info('server');
    return `redis ${/redis_version:(\S+)/.exec(info)?.[1]}: set/get/incr ok`;
  } finally {
    client.disconnect();
  }
}

async function kafka() {
  const { Kafka, logLevel } = kafkajs;
  const client = new Kafka({ clientId: 'smoke', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = client.admin();
  const producer = client.producer({ idempotent: true });
  const consumer = client.consumer({ groupId: `smoke-${suffix}` });
  const topic = `smoke-${suffix}`;
  await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  try {
    check(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }), 'topic not created');
    await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise((resolve, reject) => {
      const values = [];
      const timer = setTimeout(() => reject(new Error('no messages consumed within 60 s')), 60_000);
      consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value.toString());
          if (values.length === 2) { clearTimeout(timer); resolve(values.sort()); }
        },
      });
    });
    check(received.join() === 'one,two', `consumed ${received.join()}`);
    const { brokers } = await admin.describeCluster();
    return `kafka (${brokers.length} broker): create topic, idempotent produce, group consume ok`;
  } finally {
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

async function elasticsearch() {
  const client = new ElasticClient({ node: env.ELASTICSEARCH_URL });
  const index = `smoke-${suffix}`;
  try {
    // GET / (client.info) lives in the rest-root module, which the integ-test-zip leaves out.
    const nodes = await client.nodes.info({ node_id: '_local', metric: '_none' });
    const version = Object.values(nodes.nodes)[0].version;
    const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
    check(['yellow', 'green'].includes(health.status), `cluster health ${health.status}`);
    await client.indices.create({
      index,
      settings: {
        analysis: {
          analyzer: { folded_english: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding', 'porter_stem'] } },
        },
      },
      mappings: { properties: { body: { type: 'text', analyzer: 'english' }, folded: { type: 'text', analyzer: 'folded_english' } } },
    });
    await client.index({ index, id: '1', document: { body: 'Running quickly', folded: 'Crème brûlée' }, refresh: 'wait_for' });
    const stemmed = await client.search({ index, query: { match: { body: 'run' } } });
    check(stemmed.hits.hits.length === 1, 'english analyzer did not stem "Running" to "run"');
    const folded = await client.search({ index, query: { match: { folded: 'creme brulee' } } });
    check(folded.hits.hits.length === 1, 'asciifolding did not fold "Crème brûlée"');
    return `elasticsearch ${version} (${health.status}): english analyzer, asciifolding, index/search ok`;
  } finally {
    await client.indices.delete({ index }, { ignore: [404] }).catch(() => {});
    await client.close();
  }
}

async function mongodb() {
  const client = new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(`smoke_${suffix}`);
  try {
    const build = await db.admin().buildInfo();
    const items = db.collection('items');
    await items.createIndex({ email: 1 }, { unique: true });
    await items.insertOne({ email: 'a@example.test', n: 0 });
    check((await items.findOne({ email: 'a@example.test' }))?.n === 0, 'find did not return the inserted document');
    const duplicate = await items.insertOne({ email: 'a@example.test' }).then(() => null, (error) => error);
    check(duplicate?.code === 11000, `a duplicate on a unique index gave ${duplicate?.code ?? 'no error'}, not 11000`);
    const updated = await items.findOneAndUpdate({ email: 'a@example.test' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
    check(updated?.n === 1, 'findOneAndUpdate $inc did not return the incremented document');
    const ferret = build.ferretdbVersion ? ` (FerretDB ${build.ferretdbVersion})` : '';
    return `mongodb wire ${build.version}${ferret}: insert, find, unique index, findOneAndUpdate $inc ok`;
  } finally {
    await db.dropDatabase().catch(() => {});
    await client.close();
  }
}

async function s3() {
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    // Otherwise the SDK presigns a CRC32 of an empty body into the URL, and a PUT of real content
    // through that URL fails with BadDigest (on AWS and MinIO as on SeaweedFS).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
  });
  const Bucket = env.S3_BUCKET;
  const key = `smoke/${suffix}`;
  try {
    await client.send(new PutObjectCommand({ Bucket, Key: key, Body: 'hello', ContentType: 'text/plain' }));
    const got = await client.send(new GetObjectCommand({ Bucket, Key: key }));
    check((await got.Body.transformToString()) === 'hello', 'GET did not return the PUT body');
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
    check(head.ContentLength === 5, `HEAD length ${head.ContentLength}`);

    const presignedKey = `${key}-presigned`;
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket, Key: presignedKey }), { expiresIn: 60 });
    const put = await fetch(url, { method: 'PUT', body: 'via presigned url' });
    check(put.ok, `presigned PUT answered ${put.status}`);
    const presigned = await client.send(new GetObjectCommand({ Bucket, Key: presignedKey }));
    check((await presigned.Body.transformToString()) === 'via presigned url', 'presigned PUT body not stored');

    const unsigned = await fetch(`${env.S3_ENDPOINT}/${Bucket}/${key}`);
    check(unsigned.status === 403, `an unsigned GET answered ${unsigned.status}, expected 403`);
    const wrongSecret = new S3Client({
      endpoint: env.S3_ENDPOINT, region: env.S3_REGION, forcePathStyle: true,
      credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: 'wrong-secret' },
    });
    const denied = await wrongSecret.send(new HeadObjectCommand({ Bucket, Key: key })).then(() => null, (e) => e);
    check(denied?.$metadata?.httpStatusCode === 403, 'a request signed with a wrong secret was not refused');
    await client.send(new DeleteObjectCommand({ Bucket, Key: presignedKey }));
    await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    return `s3 (bucket ${Bucket}): put/get/head, presigned PUT, signature checks ok`;
  } finally {
    client.destroy();
  }
}

async function kms() {
  const client = new KMSClient({
    endpoint: env.KMS_ENDPOINT,
    region: env.KMS_REGION,
    credentials: { accessKeyId: env.KMS_ACCESS_KEY_ID, secretAccessKey: env.KMS_SECRET_ACCESS_KEY },
  });
  try {
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: `smoke ${suffix}` }));
    const EncryptionContext = { smoke: suffix };
    const key = await client.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256', EncryptionContext }));
    const back = await client.send(new DecryptCommand({ KeyId: KeyMetadata.KeyId, CiphertextBlob: key.CiphertextBlob, EncryptionContext }));
    check(Buffer.from(back.Plaintext).equals(Buffer.from(key.Plaintext)), 'decrypted data key differs');
    const refused = await client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: { smoke: 'other' } })).then(() => false, () => true);
    check(refused, 'another encryption context was accepted');
    await client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 }));
    return 'kms: create key, data key round trip, encryption context enforced';
  } finally {
    client.destroy();
  }
}

const checks = { redis, kafka, elasticsearch, mongodb, s3, kms };
const started = JSON.parse(readFileSync(env.CAAS_ENGINES_JSON ?? `${stateDir}/engines.json`, 'utf8'));
const wanted = process.argv.length > 2 ? process.argv.slice(2) : started.map((engine) => engine.name);

let failures = 0;
for (const name of wanted) {
  const engine = started.find((candidate) => candidate.name === name);
  try {
    check(checks[name], `unknown engine ${name}`);
    check(engine, `${name} is not in engines.json; start it with up.sh ${name}`);
    console.log(`ok    ${name} ${engine.version} at ${engine.address}: ${await checks[name]()}`);
  } catch (error) {
    failures += 1;
    console.log(`FAIL  ${name}: ${error.stack ?? error}`);
  }
}
console.log(`${wanted.length - failures} passed, ${failures} failed`);
process.exitCode = failures ? 1 : 0;
