import { writeFile } from 'node:fs/promises';
import { startEmulators } from '../local/emulators.ts';
import { createStream } from '../tests/helpers/resources.ts';
import { benchIngestThroughput } from './ingestThroughput.ts';
import { machineDescription } from './machine.ts';
import { benchProducerCpu } from './producerCpu.ts';

/**
 * `npm run bench`: every benchmark in one process, each against a baseline measured in the same
 * run, results printed and written to BENCHMARKS.md.
 */
const STREAM = 'bench';
const emulators = await startEmulators();
try {
  Object.assign(process.env, emulators.env);
  const { kinesisClient } = await import('../shared/aws/clients.ts');
  await createStream(kinesisClient(), STREAM, 4);

  console.error('ingest throughput: naive PutRecord loop vs producer ...');
  const throughput = await benchIngestThroughput(STREAM);
  console.error('producer CPU: 100,000 events, no-op transport vs JSON.stringify ...');
  const cpu = await benchProducerCpu();

  const report = `# Benchmarks

Produced by \`npm run bench\` (bench/run.ts). Figures are ratios against a baseline run in the same
process; absolute numbers depend on the machine.

Machine: ${machineDescription()}
Run: ${new Date().toISOString()}

## Ingest into local Kinesis (kinesis-local, 4 shards)

| writer | events | events/s |
| --- | ---: | ---: |
| naive: one \`PutRecord\` per event, awaited in turn | ${throughput.naiveEvents} | ${throughput.naiveEventsPerSecond} |
| producer: packed \`PutRecords\`, 4 calls in flight | ${throughput.producerEvents} | ${throughput.producerEventsPerSecond} |

**Producer vs naive: ${throughput.speedup.toFixed(1)}x** (target: at least 10x).

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
