import '../local/quietSdkNodeWarning.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildLocalTemplate } from '../local/app/buildTemplate.ts';
import { aggregationSection, benchAggregation } from './aggregationBench.ts';
import { BENCH_POLL_INTERVAL_MS, type BenchPipeline, portsOf, startBenchPipeline } from './benchPipeline.ts';
import { benchColdStart, coldStartSection } from './coldStart.ts';
import { benchContention, contentionSection } from './contention.ts';
import {
  alternativesSection,
  CONFIGURATION,
  costModel,
  costTable,
  DEFAULT_INIT,
  DEFAULT_MEASUREMENTS,
  DEFAULT_WORKLOAD,
  type DurationLine,
  describeWorkload,
  type Measurements,
  PRICES_DATE,
} from './costModel.ts';
import { runEngineBenchmarks } from './engineBenchmarks.ts';
import { benchIngestThroughput, type WriterResult } from './ingestThroughput.ts';
import { benchLatency, type LatencyResult } from './latency.ts';
import { machineDescription } from './machine.ts';
import { benchProducerCpu } from './producerCpu.ts';
import { fitLine, type Percentiles } from './stats.ts';
import { benchThroughput, CONSUMERS, type ConsumerFigures, type ThroughputResult } from './throughput.ts';

/**
 * `npm run bench`: every benchmark, each against a baseline measured in the same run, results
 * printed and written to BENCHMARKS.md. First the local Kinesis engine alone against kinesis-local,
 * then `npm start` in child processes (memory under a full stream; `npm run produce`; the highest
 * sustained rate), then KPL aggregation off and on (bench/aggregationBench.ts: the engine in this
 * process), then the in-process local pipeline (`start()` of local/runtime.ts): latency, ingest,
 * producer CPU, HTTP against raw PutRecords, the cost model (the aggregation section, which prices
 * with the cost model, is printed after it).
 *
 * Flags, for trials: `--scale <factor>` multiplies every record and event count, and the aggregation
 * section's seconds per shard-limit run (default 1: the issue's figures, about 15 minutes on 2 cores);
 * `--steps 1000,2000` sets the offered rates of the sustained-rate steps;
 * `--only engine,memory,produce,steps,storage,coldstart,contention,aggregation,pipeline` runs some
 * sections and prints them without rewriting BENCHMARKS.md (without `pipeline`, the aggregation
 * section prices with the cost model's assumptions rather than this run's measurements). `coldstart`
 * (bench/coldStart.ts) packages a baseline commit and the working tree, and times each function's
 * handler import in fresh processes; `contention` (bench/contention.ts) runs the same 32-shard load
 * through the `npm start` of a baseline commit and of the working tree, and counts write conflicts,
 * failed records and whether the aggregates are exact (its load lasts 30 s times `--scale`).
 */
const SECTIONS = [
  'engine',
  'memory',
  'produce',
  'steps',
  'storage',
  'coldstart',
  'contention',
  'aggregation',
  'pipeline',
] as const;
const { values: flags } = parseArgs({
  options: { scale: { type: 'string', default: '1' }, steps: { type: 'string' }, only: { type: 'string' } },
});
const scale = Number(flags.scale);
if (!(scale > 0)) throw new Error(`--scale ${flags.scale}: a positive number`);
const only = new Set(flags.only ? flags.only.split(',') : SECTIONS);
for (const name of only)
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: no section ${name}`);
const scaled = (count: number, least: number) => Math.max(least, Math.round(count * scale));
const stepRates = flags.steps?.split(',').map(Number) ?? [1_000, 2_000, 3_000, 4_000, 6_000];
const STEP = { stepSeconds: scaled(20, 3) };

/**
 * The section measured by hand, kept as written: `npm test`'s wall time on fresh clones before and
 * after the local Kinesis engine (it needs two commits' clones, which this script does not make).
 */
function handMeasured(): Promise<string> {
  return readFile(new URL('./npmTestWallTime.md', import.meta.url), 'utf8');
}

/** The event loop's delay while `work` runs, p99 in ms: how busy this one process was. */
async function withLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; loopDelayP99Ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, loopDelayP99Ms: histogram.percentile(99) / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** The template's aggregate mapping with a 1 s batching window, for comparison (serverless.yml is untouched). */
async function aggregateWithOneSecondWindow(): Promise<Record<string, unknown>> {
  const { template } = await buildLocalTemplate({ stage: 'local' });
  const resources = (template as { Resources?: Record<string, { Properties?: Record<string, unknown> }> }).Resources;
  const mapping = resources?.AggregateEventSourceMapping;
  if (!mapping) throw new Error('the template has no AggregateEventSourceMapping');
  return {
    AggregateEventSourceMapping: {
      ...mapping,
      Properties: { ...mapping.Properties, MaximumBatchingWindowInSeconds: 1 },
    },
  };
}

const line = (d: { fixed: number; perUnit: number }): DurationLine => ({ fixedMs: d.fixed, perRecordMs: d.perUnit });
const ms = (value: number) => Math.round(value).toLocaleString('en-US');
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const latencyRow = (sink: string, p: Percentiles | undefined, missing: number | undefined) =>
  p ? `| ${sink} | ${p.count} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} | ${missing ?? 0} |` : '';

const began = performance.now();
const progress = (what: string) => console.error(`[${((performance.now() - began) / 1000).toFixed(0)} s] ${what}`);
const engineSections = await runEngineBenchmarks({
  only,
  scaled,
  steps: stepRates,
  stepSeconds: STEP.stepSeconds,
  progress,
});
// Child processes on a quiet machine, before anything else runs in this one.
const coldStart = only.has('coldstart') ? coldStartSection(await benchColdStart({ progress })) : undefined;
const contention = only.has('contention')
  ? contentionSection(await benchContention({ seconds: scaled(30, 5), progress }))
  : undefined;
// Before the pipeline starts: its CPU figures want a quiet process.
const aggregation = only.has('aggregation')
  ? await benchAggregation({ events: scaled(20_000, 2_000), rateSeconds: scaled(10, 3), progress })
  : undefined;
if (!only.has('pipeline')) {
  const partial = [
    ...engineSections,
    ...(coldStart ? [coldStart] : []),
    ...(contention ? [contention] : []),
    ...(aggregation
      ? [
          aggregationSection(aggregation, {
            measured: DEFAULT_MEASUREMENTS,
            from: "the model's assumed durations and sink figures (no pipeline run: `--only` without `pipeline`)",
          }),
        ]
      : []),
  ].join('\n');
  console.log(`${partial}\n(--only ${[...only].join(',')}: BENCHMARKS.md left as it was)`);
  process.exit(0);
}
let pipeline: BenchPipeline = await startBenchPipeline();
/** Stops the pipeline and starts a fresh one (new data folder: an empty stream) on the same ports. */
const restart = async (extraResources?: Record<string, unknown>) => {
  const ports = portsOf(pipeline);
  await pipeline.stop();
  pipeline = await startBenchPipeline({ ports, ...(extraResources ? { extraResources } : {}) });
};
try {
  // Latency first, on a pipeline that has carried no load yet.
  const latencyEvents = scaled(2_000, 100);
  progress(`latency: ${latencyEvents} probe events at 100/s and 30 alert probes ...`);
  const latency = await withLoopDelay(() => benchLatency(pipeline, { events: latencyEvents }));
  const l: LatencyResult = latency.result;
  const latencyRequests = pipeline.requests.filter((r) => r.path === '/events' && r.status === 200);

  progress('latency again, on a fresh pipeline whose aggregate mapping waits up to 1 s ...');
  await restart(await aggregateWithOneSecondWindow());
  const oneSecondWindow = await benchLatency(pipeline, { events: latencyEvents, archive: false, alertProbes: 10 });

  await restart();
  progress('ingest throughput: naive PutRecord loop vs producer ...');
  const writers = await benchIngestThroughput(pipeline.clients.kinesis, scaled(2_000, 500));
  const [naive, ...producers] = writers as [WriterResult, ...WriterResult[]];
  const defaultProducer = producers[producers.length - 1] as WriterResult;
  const speedup = defaultProducer.eventsPerSecond / naive.eventsPerSecond;
  progress('producer CPU: 100,000 events, no-op transport vs JSON.stringify ...');
  const cpu = await benchProducerCpu();

  const perWriter = scaled(10_000, 1_000);
  progress(
    `pipeline throughput: 2 x ${perWriter} events, raw PutRecords and HTTP ingest taking turns, three consumers ...`,
  );
  const requestsBefore = pipeline.requests.length;
  const throughput = await withLoopDelay(() => benchThroughput(pipeline, { events: perWriter }));
  const throughputNon200 = pipeline.requests
    .slice(requestsBefore)
    .filter((r) => r.path === '/events' && r.status !== 200).length;
  const t: ThroughputResult = throughput.result;
  const throughputRequests = pipeline.requests.filter((r) => r.path === '/events' && r.status === 200);
  progress('writing BENCHMARKS.md');

  const byName = (name: string) => t.consumers.find((c) => c.consumer === name) as ConsumerFigures;
  const ingestFit = fitLine([
    ...throughputRequests.map((r) => [t.batch, r.durationMs] as const),
    ...latencyRequests.map((r) => [l.sent.groupSize, r.durationMs] as const),
  ]);
  const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
  const aggregateWriteUnits =
    (t.aggregates.typeWrites * 2 * writeUnits(t.aggregates.meanTypeItemBytes) +
      t.aggregates.typeSourceWrites * writeUnits(t.aggregates.meanTypeSourceItemBytes)) /
    Math.max(1, t.aggregates.writes);
  const aggregateInvokes = byName('aggregate').invocations - byName('aggregate').failedInvocations;
  const measured: Measurements = {
    source: `this run (local durations: ${machineDescription()})`,
    // The local ingest time includes the local stream's PutRecords under load (see the fitted line);
    // on Lambda: the producer's measured CPU per event, scaled to a 512 MB share of a vCPU (1,769 MB
    // is one vCPU), plus an assumed 30 ms PutRecords round trip.
    ingest: {
      fixedMs: 30,
      perRecordMs: (1000 / cpu.producerEventsPerCpuSecond) * (1769 / CONFIGURATION.ingest.memoryMb),
    },
    archive: line(fitLine(byName('archive').invokes)),
    aggregate: line(fitLine(byName('aggregate').invokes)),
    alert: line(fitLine(byName('alert').invokes)),
    aggregateWritesPerBatch: t.aggregates.writes / Math.max(1, aggregateInvokes),
    aggregateWriteUnitsPerWrite: aggregateWriteUnits,
    alertWritesPer1000: (t.alerts.writes / t.events) * 1000,
    archiveBytesPerEvent: t.archive.storedBytes / t.events,
  };
  const costs = costModel(DEFAULT_WORKLOAD, measured);
  const aggregateP95Met = l.aggregate.p95 < 1_000;
  const aggregateP99Met = l.aggregate.p99 < 250;
  const ratio = t.http.eventsPerSecond / t.raw.eventsPerSecond;
  const per1000 = (n: number) => ((n / t.events) * 1000).toFixed(1);

  const report = `# Benchmarks

Produced by \`npm run bench\` (bench/run.ts). Figures are ratios against a baseline run in the same
process; absolute numbers depend on the machine.

Machine: ${machineDescription()}
Run: ${new Date().toISOString()}${scale === 1 ? '' : `\nScale: ${scale} of the default record and event counts (\`--scale\`): a trial, not the figures.`}

${engineSections.join('\n')}
${coldStart ? `${coldStart}\n` : ''}${contention ? `${contention}\n` : ''}Everything below runs in the benchmark's own process on the local pipeline (\`start()\` of
local/runtime.ts: the functions, the event source mappings, the Kinesis engine, dynalite, s3rver and
the SNS sink in this process), with a temporary data folder and free ports, started afresh (empty
stream) for the latency run, for the latency run with a 1 s aggregate batching window, and for the
rest. \`npm start\`'s defaults: **shard poll interval ${BENCH_POLL_INTERVAL_MS} ms** (\`pollIntervalMs\`, as on AWS; it bounds
polled mappings only, and the three consumers read through enhanced fan-out, pushed to them as on
AWS), and the \`local\` stage's batching windows (serverless.yml \`params.local\`): archive 1 s,
aggregate none, alert ${CONFIGURATION.alert.batchWindowSeconds} s.

## Ingest into the local Kinesis engine (a fresh 4-shard stream per writer)

| writer | events | calls | events/s | vs naive |
| --- | ---: | ---: | ---: | ---: |
${writers.map((w) => `| ${w.writer} | ${w.events} | ${w.calls} | ${w.eventsPerSecond} | ${(w.eventsPerSecond / naive.eventsPerSecond).toFixed(1)}x |`).join('\n')}

**Producer (default concurrency 4) vs naive: ${speedup.toFixed(1)}x** (target: at least 10x).
The engine runs in this same process, sharing its event loop with the writer, so extra calls in
flight buy little here; against AWS, where each call waits on the network, they do.

## Producer CPU (validate + complete + encode + pack, no-op transport)

| work on ${cpu.events} events of ~${cpu.averageRecordBytes} bytes | events per CPU-second |
| --- | ---: |
| producer path | ${cpu.producerEventsPerCpuSecond} |
| baseline: \`JSON.stringify\` of each event | ${cpu.stringifyEventsPerCpuSecond} |

**Producer: ${cpu.producerEventsPerCpuSecond} events/s per core** (target: at least 100,000), costing
${cpu.costRatio.toFixed(1)}x a plain \`JSON.stringify\` of the same events. Single-threaded, so
events per CPU-second is events per second per core. Best of 3 rounds after a warm-up.

## Pipeline throughput: HTTP ingest to three consumers at once

${int(t.events)} events of ~${t.eventBytes} bytes (Kinesis records of ~${t.recordBytes} bytes) into a pipeline that
had seen no events, from two writers taking turns in rounds of ${int(t.round)} events each (which one goes
first alternates), ${int(t.perWriter)} events each, both into the pipeline's own stream:
- POST /events: ${t.batch} events per request, ${t.concurrency} requests in flight;
- the raw baseline: the same kind of events, validated and encoded as the ingest encodes them
  (within the writer's rounds, as any producer writing to the stream must encode its events; an
  earlier version encoded them before the clock started), written with PutRecords (${t.batch} a
  call, ${t.concurrency} in flight) straight into the stream.

Every consumer reads the stream through its own mapping meanwhile. Taking turns gives both writers
the same conditions (the consumers share the machine with them), so the ratio is the cost of the
HTTP path alone (HTTP API, authorizer, ingest function).

| writer | seconds (sum of its rounds) | events/s |
| --- | ---: | ---: |
| raw PutRecords | ${t.raw.seconds.toFixed(1)} | ${int(t.raw.eventsPerSecond)} |
| POST /events (authorizer + ingest function + PutRecords; ${t.http.retries} re-sent requests) | ${t.http.seconds.toFixed(1)} | ${int(t.http.eventsPerSecond)} |
| end to end: first write until all three consumers processed every event (their checkpoints, below) | ${t.endToEnd.seconds.toFixed(1)} | ${int(t.endToEnd.eventsPerSecond)} |

**HTTP ingest: ${(ratio * 100).toFixed(1)}% of raw PutRecords** (target: at least 70%; ${ratio >= 0.7 ? 'met' : 'not met'}), **every request
answered 200: ${throughputNon200 === 0 ? 'yes' : `no (${throughputNon200} other answers)`}** (${throughputNon200 === 0 ? 'met' : 'not met'}).
Event loop delay p99 of this process (HTTP API, functions, mappings, Kinesis engine, dynalite,
s3rver) during this phase: ${throughput.loopDelayP99Ms.toFixed(0)} ms. The writers share that one process with the three consumers
reading as they write. On AWS the ingest's own cost is the producer CPU above plus one PutRecords per
request.

Checked in the sinks afterwards: ${int(t.verified.archivedUnique)} distinct events archived, ${t.verified.archivedDuplicates}
duplicates; the type-level aggregates count ${int(t.verified.aggregatedCount)} events (written: ${int(t.events)}).${
    t.verified.archivedDuplicates > 0 || t.verified.aggregatedCount !== t.events
      ? `
The surplus comes from the ${t.http.retries} re-sent requests: the ingest had reported those events failed and
retryable (its PutRecords call aborted at its deadline while the stream was slow), yet Kinesis had
stored them. At-least-once: a producer that retries without an \`Idempotency-Key\` can double events the
API reported failed; the pipeline then counts them as distinct events, as it must.`
      : ''
  }

Caught up: once both writers' last write was answered, one marker record (type \`bench_marker\`) went
into every shard, and a consumer is caught up when its mapping's checkpoint of every shard reached its
marker (the pipeline's \`data/checkpoints.json\`, saved once the invoke has returned, so the sink writes
are done): what Lambda's IteratorAge measures. After the last write's answer: ${CONSUMERS.map((c) => `${c} ${(byName(c).lagAfterLastWriteMs / 1000).toFixed(2)} s`).join(', ')}.
The invokes' log cannot tell this: an invoke that answers a partial batch response has processed the
records before the failed one, and only the rest are delivered again.

Consumer lag, sampled every second: events written by both writers, and records each consumer had
processed, from its checkpoints then (each shard's records up to its checkpoint, counted in the stream
read back afterwards; the markers left out):

| s | written | archived | aggregated | alerted |
| ---: | ---: | ---: | ---: | ---: |
${t.lag.map((s) => `| ${s.second} | ${s.posted} | ${s.archived} | ${s.aggregated} | ${s.alerted} |`).join('\n')}

## Consumer efficiency (same run)

| consumer | records | invokes | mean batch | mean invoke ms | caught up s | records/s (wall) | records/s while invoked |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${t.consumers.map((c) => `| ${c.consumer} | ${int(c.records)} | ${c.invocations}${c.failedInvocations ? ` (${c.failedInvocations} not ok)` : ''} | ${c.meanBatch.toFixed(0)} | ${ms(c.meanDurationMs)} | ${c.caughtUpSeconds.toFixed(1)} | ${int(c.recordsPerSecond)} | ${int(c.recordsPerBusySecond)} |`).join('\n')}

Records: the events written (every consumer processed each, its checkpoints say). Invokes: every
invoke, those not \`ok\` (a partial batch response, an error, a timeout) counted apart; mean batch: records
delivered per invoke, re-deliveries included. Caught up: seconds from the first write until the
checkpoints reached the markers, over which records/s (wall) is taken; records/s while invoked is over
the sum of the invoke durations. The markers add one record, and at most one invoke, per shard and
consumer; the sink figures below leave their items and objects out.

| per 1,000 records | value | how it is counted |
| --- | ---: | --- |
| DynamoDB writes, aggregate | ${per1000(t.aggregates.writes)} | sum of item versions (each PutItem raises one by one): ${int(t.aggregates.writes)} writes to ${t.aggregates.items} items, ${(t.aggregates.writes / Math.max(1, aggregateInvokes)).toFixed(1)} per invoke |
| DynamoDB writes, alert | ${per1000(t.alerts.writes)} | sum of item versions: ${t.alerts.writes} writes to ${t.alerts.items} items (1% of the events are errors; ${t.alerts.notifications} alerts fired) |
| S3 objects, archive | ${per1000(t.archive.objects)} | objects under events/: ${t.archive.objects}, ${int(t.archive.storedBytes / t.events)} gzip bytes per event |

Each aggregate write is one item per (type) and (type, source) per minute seen in a batch, whatever
the number of records: writes per 1,000 records fall as batches grow. Locally, batches are cut by each
mapping's local window (archive 1 s, aggregate none, alert 1 s); on AWS (window ${CONFIGURATION.aggregate.batchWindowSeconds} s, up to ${CONFIGURATION.aggregate.batchSize} records) they are larger. The
archive writes one object per batch (plus an errors/ object when a batch holds invalid records).

## Put-to-consumer latency

From the HTTP 200 of POST /events to the record first seen in each sink, measured from outside:
${l.sent.events} probe events in requests of ${l.sent.groupSize} (each request a fresh event type) at
${l.sent.eventsPerSecond} events/s, and ${l.sent.alertProbes} alert probes (5 \`error\` events of a fresh
source in one request, which the error-burst rule fires on) sent meanwhile (${l.sent.retries} requests re-sent
events the API had reported failed and retryable; those are timed from the accepting response). The watchers poll
DynamoDB every ${l.pollMs.dynamodb} ms (BatchGetItem of the pending aggregate and alert items), S3 every
${l.pollMs.s3} ms (ListObjectsV2, new objects read once) and the SNS sink every ${l.pollMs.sns} ms, and record
the first time they see each event: each figure includes up to one polling period.

| sink | samples | p50 ms | p95 ms | p99 ms | max ms | not seen |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${[
  latencyRow('archive (object in S3; batching window 1 s)', l.archive, l.missing.archive),
  latencyRow('aggregate (type item counts it; no batching window locally)', l.aggregate, l.missing.aggregate),
  latencyRow('alert state firing (DynamoDB)', l.alertState, l.missing.alertState),
  latencyRow('alert notification (SNS sink)', l.alertNotification, l.missing.alertNotification),
  latencyRow(
    'aggregate, mapping with a 1 s batching window (second pipeline)',
    oneSecondWindow.aggregate,
    oneSecondWindow.missing.aggregate,
  ),
]
  .filter(Boolean)
  .join('\n')}

Event loop delay p99 during the latency phase: ${latency.loopDelayP99Ms.toFixed(0)} ms.

**Aggregates at \`npm start\`'s defaults: p95 ${ms(l.aggregate.p95)} ms** (target: under 1,000 ms; ${aggregateP95Met ? 'met' : 'not met'}) and
**p99 ${ms(l.aggregate.p99)} ms** with the aggregate batching window at 0 (the \`local\` stage's
\`aggregateBatchWindowSeconds: 0\`, so the same run; target: under 250 ms; ${aggregateP99Met ? 'met' : 'not met'}). The aggregate mapping reads
through an enhanced fan-out consumer: the engine pushes a record to it as soon as it is stored, so the
poll interval does not delay it; a record then waits for the invoke and its DynamoDB writes, and, when
its shard's previous batch is still running, for that one to finish. With a 1 s batching window (the
template's aggregate mapping overridden through the runtime's \`extraResources\`): **p99 ${ms(oneSecondWindow.aggregate.p99)} ms**; on AWS
the stage default is 5 s, which trades freshness for bigger batches (fewer invokes, fewer DynamoDB writes per record).

## Cost model

Monthly AWS cost of this configuration for ${describeWorkload(DEFAULT_WORKLOAD)}, computed by
bench/costModel.ts (also runnable alone: \`npx tsx bench/costModel.ts\`) from us-east-1 list prices
written in the script, each with its source (listed under the alternatives below; checked ${PRICES_DATE}
against stored copies of the pages, not the live ones: check them before relying on a figure). Measured
inputs from this run: Lambda durations as a line (fixed + per record) fitted to the local invokes,
aggregate writes per batch, item sizes, alert writes per 1,000 events, archive bytes per event. Batch
sizes on AWS follow from the configured batch sizes and windows at ${DEFAULT_WORKLOAD.eventsPerSecond / DEFAULT_WORKLOAD.shards} events/s per shard. On-demand
bills enhanced fan-out per GB read only (no consumer-shard hours: those are provisioned mode's). Lambda
bills the INIT phase since 2025-08-01; its line takes ${DEFAULT_INIT.share * 100}% of invokes as cold starts (AWS's "typically
under 1%", a bound) at an assumed ${DEFAULT_INIT.ms} ms, not measured.

| invoke duration used | fixed ms | ms per record |
| --- | ---: | ---: |
| ingest, local (fitted to the POST /events times, PutRecords included) | ${ingestFit.fixed.toFixed(1)} | ${ingestFit.perUnit.toFixed(3)} |
${(['ingest', 'archive', 'aggregate', 'alert'] as const).map((name) => `| ${name}${name === 'ingest' ? ', in the model (30 ms PutRecords assumed + producer CPU per event at 512 MB)' : ', local (fitted to the invokes)'} | ${measured[name].fixedMs.toFixed(1)} | ${measured[name].perRecordMs.toFixed(3)} |`).join('\n')}

${costTable(costs)}

Not modelled: CloudWatch Logs and custom metrics (EMF), X-Ray traces (tracing is on; sampled),
KMS (two customer managed keys, the stream's and the alert topic's, about $1 a month each, plus
Kinesis's cached data-key requests), the authorizer (its result is cached 60 s per token), SNS (a few
notifications), DynamoDB storage (aggregates expire after 30 days), data transfer out of AWS. Local
durations come from emulators on this machine, not from Lambda; treat the Lambda lines as an order of
magnitude. The archive's storage line is one month's data kept a month; it grows each month until the
lifecycle expires it (365 days, STANDARD_IA after 30).

${alternativesSection(DEFAULT_WORKLOAD, measured)}
${
  aggregation
    ? `
${aggregationSection(aggregation, { measured, from: "this run's measured durations and sink figures (the cost model above)" })}`
    : ''
}`;
  if (only.size === SECTIONS.length) await writeFile('BENCHMARKS.md', `${report}\n${await handMeasured()}`);
  console.log(report);
  if (only.size !== SECTIONS.length) console.log(`(--only ${[...only].join(',')}: BENCHMARKS.md left as it was)`);
} finally {
  await pipeline.stop();
}
