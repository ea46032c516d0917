import { parseArgs } from 'node:util';
import { kinesisClient } from '../shared/aws/clients.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { uuidv7 } from '../shared/ids/uuidv7.ts';
import { DEFAULT_AGGREGATED_RECORD_BYTES, withAggregation } from '../shared/kinesis/aggregatingProducer.ts';
import { DEFAULT_PUT_RECORDS_LIMITS } from '../shared/kinesis/limits.ts';
import { createProducer } from '../shared/kinesis/producer.ts';
import { sampleEvent } from './sampleEvents.ts';
import { fail, useLocalEndpointsUnlessConfigured } from './target.ts';

const USAGE = `usage: npm run produce -- --count M [--rate N] [--type T] [--url URL | --stream NAME] [--batch B] [--token T] [--aggregate]
  --count M      events to send (default 1000)
  --rate N       events per second (default 0: as fast as possible)
  --type T       event type (default: a realistic mix)
  --url URL      send through the HTTP API (POST URL/events; token from --token or $KP_TOKEN)
  --stream NAME  write straight to the stream with the producer
  --batch B      events per request or PutRecords pack (default 500)
  --users U      distinct subjects (partition keys) of the sample events (default 500)
  --aggregate    write straight to the stream (as --stream), packing the events of one partition
                 key into KPL-format aggregated records (every consumer unpacks them)
  --aggregate-bytes N  largest aggregated record, data and partition key (default ${DEFAULT_AGGREGATED_RECORD_BYTES},
                 the KPL's; at most ${DEFAULT_PUT_RECORDS_LIMITS.maxRecordBytes})
  --concurrency C  requests in flight at most (default 4): with --rate, a slow answer does not
                 hold the next request back, so the rate holds while answers take up to C sends' time
Without --url or --stream, sends to the local pipeline started by npm start.`;

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '0' },
    type: { type: 'string' },
    url: { type: 'string' },
    stream: { type: 'string' },
    token: { type: 'string' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    users: { type: 'string', default: '500' },
    aggregate: { type: 'boolean', default: false },
    'aggregate-bytes': { type: 'string', default: String(DEFAULT_AGGREGATED_RECORD_BYTES) },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const count = Number(values.count);
const rate = Number(values.rate);
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer\n${USAGE}`);
if (!Number.isFinite(rate) || rate < 0) fail('--rate must be a number >= 0');
if (!Number.isInteger(batchSize) || batchSize < 1) fail('--batch must be a positive integer');
if (!Number.isInteger(concurrency) || concurrency < 1) fail('--concurrency must be a positive integer');
const users = Number(values.users);
if (!Number.isInteger(users) || users < 1) fail('--users must be a positive integer');
const aggregateBytes = Number(values['aggregate-bytes']);
if (
  !Number.isInteger(aggregateBytes) ||
  aggregateBytes < 1 ||
  aggregateBytes > DEFAULT_PUT_RECORDS_LIMITS.maxRecordBytes
) {
  fail(`--aggregate-bytes must be an integer from 1 to ${DEFAULT_PUT_RECORDS_LIMITS.maxRecordBytes}`);
}
if (values.aggregate && values.url) {
  fail(
    '--aggregate packs records written straight to the stream; POST /events aggregates when the stage sets ingestAggregateRecordBytes (serverless.yml params)',
  );
}

const direct = values.stream !== undefined || values.aggregate;
const local = values.url || values.stream ? undefined : useLocalEndpointsUnlessConfigured();
const url = values.url ?? (direct ? undefined : local?.httpApi);
const stream = values.stream ?? local?.streamName;
const token = values.token ?? process.env.KP_TOKEN ?? local?.token;
if (!url && !stream) fail(`nowhere to send: pass --url or --stream, or run npm start first\n${USAGE}`);
if (url && !token) fail('--url needs a producer token: --token or KP_TOKEN');

interface Tally {
  accepted: number;
  rejected: number;
  failed: number;
}
type Send = (events: Record<string, unknown>[]) => Promise<Tally>;

function viaHttp(endpoint: string, bearer: string): Send {
  const target = `${endpoint.replace(/\/$/, '')}/events`;
  return async (events) => {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify(events),
    });
    const body = (await response.json().catch(() => ({}))) as Partial<Tally> & { message?: string };
    if (response.status >= 400 && response.status !== 503) fail(`HTTP ${response.status}: ${body.message ?? ''}`);
    return { accepted: body.accepted ?? 0, rejected: body.rejected ?? 0, failed: body.failed ?? events.length };
  };
}

function viaStream(streamName: string): Send {
  const putRecords = createProducer({ client: kinesisClient(), streamName });
  const producer = values.aggregate ? withAggregation(putRecords, { maxRecordBytes: aggregateBytes }) : putRecords;
  return async (events) => {
    const context = { receivedAt: new Date().toISOString(), ingestRequestId: `cli-${uuidv7()}` };
    const outgoing = events.map((e, i) => toOutgoingRecord(i, validEvent(e), context).outgoing);
    const { outcomes } = await producer.put(outgoing);
    const tally = (status: string) => outcomes.filter((o) => o.status === status).length;
    return { accepted: tally('accepted'), rejected: tally('rejected'), failed: tally('failed') };
  };
}

function progress(done: number, tally: Tally, started: number): void {
  const width = 30;
  const filled = Math.round((done / count) * width);
  const perSecond = Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${count} ${perSecond} ev/s accepted=${tally.accepted} failed=${tally.failed}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else if (done === count || done % (perSend * 20) === 0) process.stderr.write(`${line}\n`);
}

// At a set rate, send about ten times a second rather than one large burst per batch.
const perSend = rate > 0 ? Math.max(1, Math.min(batchSize, Math.ceil(rate / 10))) : batchSize;
const send = url ? viaHttp(url, token as string) : viaStream(stream as string);
const total: Tally = { accepted: 0, rejected: 0, failed: 0 };
const started = Date.now();
const inFlight = new Set<Promise<void>>();
let answered = 0;
// Each send starts at its due time (with --rate) once fewer than --concurrency are in flight; the
// events of different sends may therefore reach the stream out of order (each send's own stay in order).
for (let sent = 0; sent < count; ) {
  const size = Math.min(perSend, count - sent);
  while (inFlight.size >= concurrency) await Promise.race(inFlight);
  const events = Array.from({ length: size }, () => sampleEvent({ type: values.type, users }));
  const sending: Promise<void> = send(events).then(
    (result) => {
      total.accepted += result.accepted;
      total.rejected += result.rejected;
      total.failed += result.failed;
      answered += size;
      progress(answered, total, started);
      inFlight.delete(sending);
    },
    (error: unknown) => fail(`sending failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  inFlight.add(sending);
  sent += size;
  if (rate > 0) {
    const due = started + (sent / rate) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
}
await Promise.all(inFlight);
const seconds = (Date.now() - started) / 1000;
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(
  `sent ${count} events to ${url ?? `stream ${stream}`} in ${seconds.toFixed(2)} s (${Math.round(count / seconds)} ev/s): ` +
    `${total.accepted} accepted, ${total.rejected} rejected, ${total.failed} failed`,
);
if (total.failed > 0 || total.rejected > 0) process.exitCode = 1;
