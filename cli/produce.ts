import { DEFAULT_PUT_RECORDS_LIMITS } from '../shared/kinesis/limits.ts';
import { failWith, parseCommandLine, usageError } from './commandLine.ts';
import { resolveDestination } from './produce/destination.ts';
import { PRODUCE_OPTIONS, PRODUCE_USAGE as USAGE } from './produce/options.ts';
import { Reasons, rateReport, type Tally } from './produce/report.ts';
import { type Send, SendFailure, viaHttp, viaStream } from './produce/senders.ts';
import { sampleEvent } from './sampleEvents.ts';
import { findLocalPipeline, pointAwsClients, regionFor, setting } from './target.ts';

const { values } = parseCommandLine({ options: PRODUCE_OPTIONS }, USAGE);
const usage = (message: string): never => usageError(message, USAGE);

const positiveInteger = (name: keyof typeof values): number => {
  const value = Number(values[name]);
  return Number.isInteger(value) && value >= 1 ? value : usage(`--${name} must be a positive integer`);
};
const count = positiveInteger('count');
const batchSize = positiveInteger('batch');
const concurrency = positiveInteger('concurrency');
const users = positiveInteger('users');
const rate = Number(values.rate);
if (!Number.isFinite(rate) || rate < 0) usage('--rate must be a number >= 0');
if (values.type !== undefined && (values.type.length < 1 || values.type.length > 128)) {
  usage('--type must be 1 to 128 characters');
}
const aggregateBytes = Number(values['aggregate-bytes']);
const maxRecordBytes = DEFAULT_PUT_RECORDS_LIMITS.maxRecordBytes;
if (!Number.isInteger(aggregateBytes) || aggregateBytes < 1 || aggregateBytes > maxRecordBytes) {
  usage(`--aggregate-bytes must be an integer from 1 to ${maxRecordBytes}`);
}

const { local, endpointsFile } = findLocalPipeline();
const destination = resolveDestination({
  url: values.url,
  token: values.token,
  stream: values.stream,
  stage: values.stage,
  region: values.region,
  aggregate: values.aggregate,
  env: {
    token: setting('KP_TOKEN'),
    kinesisEndpoint: setting('KINESIS_ENDPOINT'),
    region: await regionFor(values),
  },
  local,
  endpointsFile,
});
if (destination.kind === 'problem') {
  if (destination.usage) usage(destination.message);
  failWith(destination.message);
}

const reasons = new Reasons();
let send: Send;
if (destination.kind === 'http') {
  send = viaHttp(destination.url, destination.token, reasons, destination.local);
} else {
  pointAwsClients(destination, local);
  send = viaStream(destination.streamName, reasons, values.aggregate ? aggregateBytes : undefined);
}
process.stderr.write(`sending ${count} events to ${destination.where}\n`);

// At a set rate, send about ten times a second rather than one large burst per batch.
const perSend = rate > 0 ? Math.max(1, Math.min(batchSize, Math.ceil(rate / 10))) : batchSize;
const total: Tally = { accepted: 0, rejected: 0, failed: 0 };
const started = Date.now();
const inFlight = new Set<Promise<void>>();
let answered = 0;
let sent = 0;
/** Why sending stopped before `count`: a request none of whose events got through. */
let stopped: string | undefined;
/** Sends that had to wait for an answer because --concurrency were in flight (the rate's usual limit). */
let heldBack = 0;

function progress(): void {
  const width = 30;
  const filled = Math.round((answered / count) * width);
  const perSecond = Math.round(answered / Math.max((Date.now() - started) / 1000, 0.001));
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${answered}/${count} ${perSecond} ev/s accepted=${total.accepted} failed=${total.failed}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else if (answered === count || answered % (perSend * 20) === 0) process.stderr.write(`${line}\n`);
}

function answeredWith(size: number, result: Tally): void {
  total.accepted += result.accepted;
  total.rejected += result.rejected;
  total.failed += result.failed;
  answered += size;
  progress();
  if (result.accepted === 0) stopped ??= `none of the ${size} events of a request got through`;
}

function sendingFailed(error: unknown): never {
  if (!(error instanceof SendFailure)) throw error;
  if (process.stderr.isTTY) process.stderr.write('\n');
  const so = `${answered} of ${count} events answered: ${total.accepted} accepted, ${total.rejected} rejected, ${total.failed} failed`;
  return failWith(`${error.message} (${so})`);
}

// Each send starts at its due time (with --rate) once fewer than --concurrency are in flight; the
// events of different sends may therefore reach the stream out of order (each send's own stay in order).
while (sent < count && stopped === undefined) {
  const size = Math.min(perSend, count - sent);
  if (inFlight.size >= concurrency) heldBack += 1;
  while (inFlight.size >= concurrency) await Promise.race(inFlight);
  if (stopped !== undefined) break;
  const events = Array.from({ length: size }, () => sampleEvent({ type: values.type, users }));
  const sending: Promise<void> = send(events)
    .then((result) => answeredWith(size, result), sendingFailed)
    .finally(() => inFlight.delete(sending));
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

const to = destination.kind === 'http' ? destination.url : `stream ${destination.streamName}`;
const events = sent === count ? `${count} events` : `${sent} of ${count} events`;
const speed = rateReport(sent, seconds, rate);
console.log(
  `sent ${events} to ${to} in ${seconds.toFixed(2)} s (${speed.perSecond} ev/s): ` +
    `${total.accepted} accepted, ${total.rejected} rejected, ${total.failed} failed`,
);
for (const line of reasons.lines()) console.log(`  ${line}`);
if (stopped !== undefined && sent < count) console.log(`  stopped: ${stopped}; ${count - sent} events were not sent`);
if (speed.verdict !== undefined) console.log(`  rate: ${speed.verdict}${speed.missed ? `: ${whyMissed()}` : ''}`);
if (total.failed > 0 || total.rejected > 0 || sent < count) process.exitCode = 1;

/** The usual reason a rate is missed: the answers, or the sender itself. */
function whyMissed(): string {
  if (heldBack === 0) return 'the sender could not keep up (raise --batch, or lower --rate)';
  return `${heldBack} sends waited for an answer with --concurrency ${concurrency} in flight (raise --concurrency or --batch)`;
}
