import '../local/quietSdkNodeWarning.ts';
import { writeFile } from 'node:fs/promises';
import { startEmulators } from '../local/emulators.ts';
import { benchIngestThroughput, type WriterResult } from './ingestThroughput.ts';
import { machineDescription } from './machine.ts';
import { benchProducerCpu } from './producerCpu.ts';

/**
 * `npm run bench`: every benchmark in one process, each against a baseline measured in the same
 * run, results printed and written to BENCHMARKS.md.
 */
const emulators = await startEmulators();
try {
  Object.assign(process.env, emulators.env);
  const { kinesisClient } = await import('../shared/aws/clients.ts');

  console.error('ingest throughput: naive PutRecord loop vs producer ...');
  const writers = await benchIngestThroughput(kinesisClient());
  const [naive, ...producers] = writers as [WriterResult, ...WriterResult[]];
  const defaultProducer = producers[producers.length - 1] as WriterResult;
  const speedup = defaultProducer.eventsPerSecond / naive.eventsPerSecond;
  console.error('producer CPU: 100,000 events, no-op transport vs JSON.stringify ...');
  const cpu = await benchProducerCpu();

  const report = `# Benchmarks

Produced by \`npm run bench\` (bench/run.ts). Figures are ratios against a baseline run in the same
process; absolute numbers depend on the machine.

Machine: ${machineDescription()}
Run: ${new Date().toISOString()}

## Ingest into local Kinesis (kinesis-local, a fresh 4-shard stream per writer)

| writer | events | calls | events/s | vs naive |
| --- | ---: | ---: | ---: | ---: |
${writers.map((w) => `| ${w.writer} | ${w.events} | ${w.calls} | ${w.eventsPerSecond} | ${(w.eventsPerSecond / naive.eventsPerSecond).toFixed(1)}x |`).join('\n')}

**Producer (default concurrency 4) vs naive: ${speedup.toFixed(1)}x** (target: at least 10x).
kinesis-local is single-threaded and shares the machine with the benchmark, so extra calls in flight
buy little here; against AWS, where each call waits on the network, they do. It also slows down as a
stream fills, which is why each writer gets a fresh stream.

## Producer CPU (validate + complete + encode + pack, no-op transport)

| work on ${cpu.events} events of ~${cpu.averageRecordBytes} bytes | events per CPU-second |
| --- | ---: |
| producer path | ${cpu.producerEventsPerCpuSecond} |
| baseline: \`JSON.stringify\` of each event | ${cpu.stringifyEventsPerCpuSecond} |

**Producer: ${cpu.producerEventsPerCpuSecond} events/s per core** (target: at least 100,000), costing
${cpu.costRatio.toFixed(1)}x a plain \`JSON.stringify\` of the same events. Single-threaded, so
events per CPU-second is events per second per core. Best of 3 rounds after a warm-up.
`;
  await writeFile('BENCHMARKS.md', report);
  console.log(report);
} finally {
  await emulators.stop();
}
