import { engineSection, pipelineMemorySection, produceSection, sustainedRateSection } from './engineReport.ts';
import { benchEngineVsKinesisLocal } from './engineVsKinesisLocal.ts';
import { benchPipelineMemory } from './pipelineMemory.ts';
import { spawnPipeline } from './pipelineProcess.ts';
import { benchProduceCli } from './produceCli.ts';
import { storageSection } from './storageSection.ts';
import { benchSustainedRate } from './sustainedRate.ts';

export interface EngineBenchmarkOptions {
  /** Sections to run: `engine`, `memory`, `produce`, `steps`, `storage` (others are ignored). */
  only: ReadonlySet<string>;
  /** A default count scaled by `--scale`, never under `least`. */
  scaled: (count: number, least: number) => number;
  /** Offered rates of the sustained-rate steps, events/s. */
  steps: number[];
  stepSeconds: number;
  progress: (line: string) => void;
}

/** A consumer keeps up at a step when it has the step's events this long after the last answer. */
const SETTLE_MS = 5_000;

/**
 * The local Kinesis engine's benchmarks, each in child processes so that their memory is their own:
 * the engine alone against kinesis-local, `npm start`'s memory under a full stream, `npm run
 * produce` against `npm start`, and the highest sustained rate (those two on one fresh `npm start`),
 * then the storage benchmark when present. Returns their BENCHMARKS.md sections, in that order.
 *
 * @example
 * const sections = await runEngineBenchmarks({ only: new Set(['engine']), scaled: (n) => n, steps: [1_000], stepSeconds: 20, progress: console.error });
 */
export async function runEngineBenchmarks(options: EngineBenchmarkOptions): Promise<string[]> {
  const { only, scaled, progress } = options;
  const sections: string[] = [];
  if (only.has('engine')) {
    const comparison = await benchEngineVsKinesisLocal({
      engineRecords: scaled(1_000_000, 5_000),
      kinesisLocalRecords: scaled(30_000, 2_000),
      progress,
    });
    sections.push(engineSection(comparison));
  }
  if (only.has('memory')) {
    const records = scaled(1_000_000, 5_000);
    progress(`npm start: ${records.toLocaleString('en-US')} records into its stream, its RSS ...`);
    sections.push(pipelineMemorySection(await benchPipelineMemory({ records })));
  }
  if (only.has('produce') || only.has('steps')) {
    const npmStart = await spawnPipeline();
    try {
      if (only.has('produce')) {
        const count = scaled(60_000, 2_000);
        progress(`npm run produce -- --rate 1000 --count ${count} against npm start ...`);
        sections.push(produceSection(await benchProduceCli(npmStart, { rate: 1_000, count })));
      }
      if (only.has('steps')) {
        const step = { stepSeconds: options.stepSeconds, settleMs: SETTLE_MS };
        progress(`highest sustained rate, steps of ${step.stepSeconds} s: ${options.steps.join(', ')} events/s ...`);
        const steps = await benchSustainedRate(npmStart, { ...step, steps: options.steps, progress });
        sections.push(sustainedRateSection(steps, step));
      }
    } finally {
      await npmStart.stop();
    }
  }
  if (only.has('storage')) {
    progress('storage format against LevelDB (bench/kinesisStorage.ts) ...');
    const section = await storageSection();
    if (section) sections.push(section);
  }
  return sections;
}
