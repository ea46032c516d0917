import type { EngineComparison, ServerRun } from './engineVsKinesisLocal.ts';
import type { PipelineMemoryResult } from './pipelineMemory.ts';
import type { ProduceCliResult } from './produceCli.ts';
import type { RateStep } from './sustainedRate.ts';
import { CONSUMERS } from './throughput.ts';

/** The BENCHMARKS.md sections of the local Kinesis engine's benchmarks (issue 9). */

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean) => (ok ? 'met' : 'not met');
const seconds = (ms: number | undefined) => (ms === undefined ? 'not caught up' : `${(ms / 1000).toFixed(2)} s`);

function serverRows(run: ServerRun): string {
  const { fill, read, rssMb } = run;
  return `| ${run.server} | ${int(fill.records)} | ${int(fill.recordsPerSecond)} | ${fill.tenths.map(int).join(' / ')} | ${int(read.recordsPerSecond)} (${read.calls} calls) | ${rssMb.idle} / ${rssMb.tenths.at(-1) ?? '-'} / ${rssMb.afterRead} |`;
}

/**
 * Engine alone against kinesis-local: put rate per tenth, GetRecords rate, RSS; targets.
 *
 * @example
 * const markdown = engineSection(await benchEngineVsKinesisLocal());
 */
export function engineSection(c: EngineComparison): string {
  const { engine, kinesisLocal, settings } = c;
  const first = engine.fill.tenths[0] ?? 0;
  const last = engine.fill.tenths.at(-1) ?? 0;
  const speedup = c.engineRateAtKinesisLocalSize / kinesisLocal.fill.recordsPerSecond;
  return `## Local Kinesis engine alone, against kinesis-local

Each server alone in a child process of the benchmark (so its VmRSS, from /proc/<pid>/status, is its
own; the engine's includes Node.js and tsx's loader, which \`npm start\` no longer carries), with a temporary data folder: the engine (\`startKinesisEngine\`, bench/engineChild.ts) and
kinesis-local (\`node main.js\`, persisting as \`npm start\` ran it: a snapshot every 5 s). The same
client script drives both (bench/kinesisLoad.ts): SDK v3 \`KinesisClient\` with \`NodeHttpHandler\`
(HTTP/1.1), a ${settings.shards}-shard stream, PutRecords of ${settings.batch} records of ~${engine.fill.meanRecordBytes} bytes (events as the
ingest encodes them), ${settings.concurrency} calls in flight; then every record read back from TRIM_HORIZON with
GetRecords of ${int(settings.readLimit)} (one call at a time per shard, the shards in parallel).

| server | records put | put records/s | records/s per tenth of the fill, first to last | GetRecords records/s | RSS MB: idle / filled / after reading |
| --- | ---: | ---: | --- | ---: | --- |
${serverRows(engine)}
${serverRows(kinesisLocal)}

- **Engine put rate: ${int(engine.fill.recordsPerSecond)} records/s** over ${int(engine.fill.records)} records (target: at least 10,000; ${met(engine.fill.recordsPerSecond >= 10_000)}).
- **Last tenth of the fill at ${first ? Math.round((last / first) * 100) : 0}% of the first** (${int(last)} against ${int(first)} records/s; target: at least 80%; ${met(last >= 0.8 * first)}).
- **Engine ${speedup.toFixed(1)}x kinesis-local** over the first ${int(kinesisLocal.fill.records)} records (${int(c.engineRateAtKinesisLocalSize)} against ${int(kinesisLocal.fill.recordsPerSecond)} records/s; target: at least 10x; ${met(speedup >= 10)}).
- Engine RSS over the fill, per tenth: ${engine.rssMb.tenths.join(', ')} MB.${engine.fill.retriedEntries + kinesisLocal.fill.retriedEntries > 0 ? `\n- Entries reported failed and put again: engine ${engine.fill.retriedEntries}, kinesis-local ${kinesisLocal.fill.retriedEntries}.` : ''}
`;
}

/**
 * RSS of the whole \`npm start\` process while its stream takes `records` records; consumer lag.
 *
 * @example
 * const markdown = pipelineMemorySection(await benchPipelineMemory());
 */
export function pipelineMemorySection(m: PipelineMemoryResult): string {
  const lagRows = CONSUMERS.map((consumer) => {
    const lag = m.lag[consumer];
    const caughtUp =
      lag.caughtUpSeconds === undefined
        ? `not within ${m.drainTimeoutSeconds} s (${int(lag.behindAtEnd)} behind then)`
        : `${lag.caughtUpSeconds.toFixed(1)} s`;
    return `| ${consumer} | ${int(lag.behindAtFillEnd)} | ${caughtUp} |`;
  }).join('\n');
  // Descendants: none expected (an esbuild service, if one were left running).
  const treeNote =
    m.rssMb.peakTree > m.rssMb.peak
      ? ` With its child processes: ${m.rssMb.afterFillTree} MB after the fill, ${m.rssMb.peakTree} MB at the peak.`
      : '';
  const atRest = m.rssMb.rest.at(-1) ?? 0;
  const rate = int(m.fill.recordsPerSecond);
  return `## Memory of the local pipeline under a full stream

\`npm start\` (\`${m.command}\`, its defaults, a fresh KP_LOCAL_DIR, free ports) in a
child process; ${int(m.fill.records)} records of ~${m.fill.meanRecordBytes} bytes put straight into its stream with the client script
above (PutRecords of 500, 4 in flight) at ${rate} records/s, while its three consumers read them; then
up to ${m.drainTimeoutSeconds} s for them to catch up, then 30 s at rest.
VmRSS of the process (everything: HTTP API, functions, mappings, Kinesis, DynamoDB, S3, SNS):

| when | RSS MB |
| --- | ---: |
| started, idle | ${m.rssMb.started} |
| per tenth of the fill | ${m.rssMb.tenths.join(', ')} |
| fill done | ${m.rssMb.afterFill} |
| end of the wait for the consumers | ${m.rssMb.end} |
| at rest, every 5 s for 30 s | ${m.rssMb.rest.join(', ')} |
| peak (sampled every second) | ${m.rssMb.peak} |

**After ${int(m.fill.records)} records, at rest: ${atRest} MB** (target: under 300 MB; ${met(atRest < 300)}).
**Peak while taking them at ${rate} records/s: ${m.rssMb.peak} MB** (${met(m.rssMb.peak < 300)} for the peak of
a burst the consumers cannot keep up with; the documented workload's peak is in the next section).${treeNote}

Caught up: the consumer's mapping checkpointed, in every shard, the last record the fill put there
(the fill's PutRecords answers give each shard's last sequence number; the checkpoints are the
pipeline's \`data/checkpoints.json\`, saved once an invoke has returned). Records behind: each shard's
records after the consumer's checkpoint, counted in the sequence numbers the fill's PutRecords got back.

| consumer | records behind when the fill ended | caught up after the fill |
| --- | ---: | --- |
${lagRows}
`;
}

/**
 * `npm run produce` at a set rate against `npm start`: achieved rate, answers, consumer lag.
 *
 * @example
 * const markdown = produceSection(produced);
 */
export function produceSection(p: ProduceCliResult): string {
  const posts = Object.values(p.statuses).reduce((sum, n) => sum + n, 0);
  const all200 = (p.statuses['200'] ?? 0) === posts && posts > 0;
  const lags = CONSUMERS.map((c) => p.lagMs[c]);
  const lagOk = lags.every((ms) => ms !== undefined && ms < 2_000);
  return `## \`npm run produce\` against \`npm start\`

\`npm run produce -- --rate ${int(p.rate)} --count ${int(p.count)}\` in its own process, through the HTTP API, as a new
user runs it (endpoints and dev token from the pipeline's KP_LOCAL_DIR), against a fresh \`npm start\` in
another. Lag: from the last POST /events answer (the pipeline's request log) until each consumer had
processed every event: after that answer, one marker record (type \`bench_marker\`) is put into every
open shard, and a consumer is caught up once its mapping's checkpoint of every shard (the pipeline's
\`data/checkpoints.json\`, saved when an invoke has returned, so the sink writes are done) reached its
marker, as Lambda's IteratorAge falls to zero. A marker arriving after its shard's last batch was cut
waits for the next batch (archive: up to its 1 s window).

| figure | value |
| --- | ---: |
| achieved rate (the CLI's own count) | ${int(p.eventsPerSecond)} events/s over ${p.seconds.toFixed(1)} s |
| events accepted / rejected / failed | ${int(p.accepted)} / ${p.rejected} / ${p.failed} |
| POST /events answers | ${Object.entries(p.statuses)
    .map(([status, n]) => `${n} x ${status}`)
    .join(', ')} |
${CONSUMERS.map((c) => `| lag at the end, ${c} | ${seconds(p.lagMs[c])}${p.shardsBehind[c].length ? ` (shards behind: ${p.shardsBehind[c].join(', ')})` : ''} |`).join('\n')}

| RSS of \`npm start\`, MB: before the run / peak until caught up | ${p.rssMb.before} / ${p.rssMb.peak} |

**Achieved ${Math.round((p.eventsPerSecond / p.rate) * 100)}% of ${int(p.rate)} events/s** (target: at least 95%; ${met(p.eventsPerSecond >= 0.95 * p.rate)}),
**every request answered 200: ${all200 ? 'yes' : 'no'}** (${met(all200)}), **every consumer's lag under 2 s:
${lagOk ? 'yes' : 'no'}** (${met(lagOk)}).
`;
}

/**
 * Stepped offered rates through HTTP ingest to all three consumers: the highest step held.
 *
 * @example
 * const markdown = sustainedRateSection(steps, { stepSeconds: 20, settleMs: 5_000 });
 */
export function sustainedRateSection(steps: RateStep[], settings: { stepSeconds: number; settleMs: number }): string {
  const held = steps.filter((s) => s.held).map((s) => s.offered);
  const best = held.length ? Math.max(...held) : 0;
  const rows = steps.map((s) => {
    const non200 =
      Object.entries(s.non200)
        .map(([status, n]) => `${n} x ${status}`)
        .join(', ') || '0';
    const caughtUp = CONSUMERS.map((c) => seconds(s.caughtUpMs[c])).join(' / ');
    return `| ${int(s.offered)} | ${int(s.acceptedPerSecond)} | ${s.requests} | ${non200} | ${caughtUp} | ${s.held ? 'yes' : 'no'} |`;
  });
  return `## Highest sustained rate, HTTP ingest to all three consumers

The same \`npm start\` afterwards: POST /events from the benchmark process at a steady offered rate
(ten requests a second of rate/10 events, split at 500; not waiting for answers, at most 32 in
flight) for ${settings.stepSeconds} s per step, rising. A step is held when the accepted rate is at least 95% of
the offered one, every answer is 200, and every consumer has processed all the step's events within
${(settings.settleMs / 1000).toFixed(0)} s of its last answer (lag bounded): after that answer a marker record goes into every
shard, and the consumer's mapping must have checkpointed every marker (as above). The consumers
drain between steps; stepping stops at the first step not held.

| offered events/s | accepted events/s | requests | non-200 answers | caught up after the step: archive / aggregate / alert | held |
| ---: | ---: | ---: | --- | --- | --- |
${rows.join('\n')}

**Highest step held: ${int(best)} events/s** end to end (the kinesis-local pipeline managed 380; target: at
least 3,000; ${met(best >= 3_000)}).
`;
}
