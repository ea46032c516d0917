import { runStorageBench, storageBenchTable } from './kinesisStorage.ts';

/**
 * The storage benchmark's section: the engine's segment files against LevelDB on the same
 * workload, each in a child process of its own (bench/kinesisStorage.ts, also runnable alone).
 *
 * @example
 * const markdown = await storageSection();
 */
export async function storageSection(): Promise<string> {
  const result = await runStorageBench();
  return `## Kinesis storage format against LevelDB

The engine stores records in segment files of its own (local/kinesis/storage/FORMAT.md); this is the
measurement that chose them over LevelDB (\`classic-level\`, which dynalite already brings).

${storageBenchTable(result)}
`;
}
