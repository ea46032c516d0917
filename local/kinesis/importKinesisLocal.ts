import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil } from '../emulators/poll.ts';
import { streamArn } from './engine/arns.ts';
import {
  KINESIS_LOCAL_SNAPSHOT_FILE,
  KinesisLocalSnapshotError,
  parseKinesisLocalSnapshot,
  type SnapshotStream,
} from './kinesisLocalSnapshot.ts';
import { type ReplayApi, type ReplayedShard, replayStream } from './replayStream.ts';
import { type CheckpointFileContent, translateCheckpoints } from './translateCheckpoints.ts';

export interface ImportOptions {
  /** The engine, opened on `kinesisDir`, before anything else uses it. */
  engine: ReplayApi & Pick<import('./engine/api.ts').KinesisApi, 'listStreams' | 'deleteStream'>;
  /** The engine's data directory, where kinesis-local kept its snapshot too (`.local/data/kinesis`). */
  kinesisDir: string;
  /** The event source mappings' checkpoints (`.local/data/checkpoints.json`), translated too. */
  checkpointsFile: string;
  region: string;
  accountId: string;
  log: (line: string) => void;
}

export interface ImportResult {
  streams: Array<{ name: string; shards: number; records: number; consumers: number }>;
  /** Where the snapshot was moved once imported. */
  importedSnapshot: string;
}

/** The snapshot cannot be imported; the message says what to do. */
export class KinesisLocalImportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Present while an import runs: a start that finds it redoes the import from the beginning. */
/** Present while an import runs; found with the snapshot at a start, it means the import was cut short. */
export const IMPORTING_MARKER = `${KINESIS_LOCAL_SNAPSHOT_FILE}.importing`;
/** The checkpoints as kinesis-local's numbers had them, kept for a redo (and for the curious). */
const CHECKPOINTS_BEFORE = '.kinesis-local';

/**
 * The upgrade from kinesis-local: when `kinesisDir` holds kinesis-local's snapshot and the engine
 * holds no stream, re-creates every stream (shard layout, retention, tags, max record size,
 * encryption, stream mode, consumers) and re-appends its records per shard in order through the
 * engine's API, translates the checkpoints to the new sequence numbers, and renames the snapshot
 * `kinesis-data.json.imported`. Returns undefined when there is nothing to import.
 *
 * A crash mid-import is redone at the next start (a marker file says an import was under way: its
 * streams are deleted and imported again, the checkpoints translated from their saved original).
 * An unreadable snapshot, or one found beside streams the engine already holds, is refused with a
 * KinesisLocalImportError that says what to do.
 *
 * @example
 * await importKinesisLocal({ engine, kinesisDir: '.local/data/kinesis', checkpointsFile: '.local/data/checkpoints.json', region, accountId, log });
 */
export async function importKinesisLocal(options: ImportOptions): Promise<ImportResult | undefined> {
  const snapshotFile = join(options.kinesisDir, KINESIS_LOCAL_SNAPSHOT_FILE);
  const text = await readFile(snapshotFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const streams = readSnapshot(snapshotFile, text);
  const marker = join(options.kinesisDir, IMPORTING_MARKER);
  const interrupted = await exists(marker);
  await clearEngineFor(options, streams, interrupted, snapshotFile);
  await writeFile(marker, `${new Date().toISOString()}\n`);
  options.log(`kinesis: importing kinesis-local's snapshot ${snapshotFile} into the local engine`);
  const replayed: ReplayedShard[] = [];
  const summary: ImportResult['streams'] = [];
  for (const stream of streams) {
    const arn = streamArn({ region: options.region, accountId: options.accountId }, stream.name);
    replayed.push(...(await replayStream(options.engine, stream, arn)));
    const records = stream.shards.reduce((sum, shard) => sum + shard.records.length, 0);
    summary.push({ name: stream.name, shards: stream.shards.length, records, consumers: stream.consumers.length });
    options.log(`kinesis: imported stream ${stream.name}: ${stream.shards.length} shards, ${records} records`);
  }
  await translateCheckpointFile(options.checkpointsFile, replayed, interrupted, options.log);
  const importedSnapshot = `${snapshotFile}.imported`;
  await rename(snapshotFile, importedSnapshot);
  await rm(marker, { force: true });
  options.log(
    `kinesis: import done. The records have new sequence numbers and arrival times (the engine assigns them), ` +
      `consumer ARNs changed; checkpoints now hold the new numbers (the old ones are in ${options.checkpointsFile}${CHECKPOINTS_BEFORE}). ` +
      `The snapshot is kept as ${importedSnapshot}.`,
  );
  return { streams: summary, importedSnapshot };
}

function readSnapshot(snapshotFile: string, text: string): SnapshotStream[] {
  try {
    return parseKinesisLocalSnapshot(text).filter((stream) => stream.status !== 'DELETING');
  } catch (error) {
    const why = error instanceof KinesisLocalSnapshotError ? error.message : String(error);
    throw new KinesisLocalImportError(
      `Cannot import kinesis-local's snapshot ${snapshotFile}: ${why}. To start with empty streams, move it ` +
        `away (mv ${snapshotFile} ${snapshotFile}.unreadable) and start again; its records are then not imported.`,
      { cause: error },
    );
  }
}

/**
 * The engine must hold none of the snapshot's data: nothing at all on a first import; after an
 * interrupted one, the streams it had begun, which are deleted here so that it starts over.
 */
async function clearEngineFor(
  options: ImportOptions,
  streams: readonly SnapshotStream[],
  interrupted: boolean,
  snapshotFile: string,
): Promise<void> {
  const held = await listStreamNames(options.engine);
  if (held.length === 0) return;
  if (!interrupted) {
    throw new KinesisLocalImportError(
      `kinesis-local's snapshot ${snapshotFile} is still there, but the local engine already holds streams ` +
        `(${held.join(', ')}). To keep the engine's streams, move the snapshot away (mv ${snapshotFile} ` +
        `${snapshotFile}.imported); to import it instead, delete the engine's streams (or start with --fresh, which also empties the rest of the data).`,
    );
  }
  const names = new Set(streams.map((stream) => stream.name));
  const begun = held.filter((name) => names.has(name));
  options.log(`kinesis: an earlier import was interrupted; importing again (deleting ${begun.join(', ')} first)`);
  for (const StreamName of begun) await options.engine.deleteStream({ StreamName, EnforceConsumerDeletion: true });
  await pollUntil(
    async () => ((await listStreamNames(options.engine)).some((name) => names.has(name)) ? undefined : true),
    { what: 'the half-imported streams to be deleted', timeoutMs: 60_000, intervalMs: 20 },
  );
}

async function listStreamNames(engine: ImportOptions['engine']): Promise<string[]> {
  const names: string[] = [];
  let page = await engine.listStreams({});
  names.push(...(page.StreamNames ?? []));
  while (page.HasMoreStreams && page.NextToken) {
    page = await engine.listStreams({ NextToken: page.NextToken });
    names.push(...(page.StreamNames ?? []));
  }
  return names;
}

/** Translates from the saved original, so that a redo after a crash never translates twice. */
async function translateCheckpointFile(
  file: string,
  replayed: ReplayedShard[],
  interrupted: boolean,
  log: (line: string) => void,
) {
  const original = `${file}${CHECKPOINTS_BEFORE}`;
  if (!interrupted || !(await exists(original))) {
    if (!(await exists(file))) return;
    await writeFile(original, await readFile(file));
  }
  const content = JSON.parse(await readFile(original, 'utf8')) as CheckpointFileContent;
  const { content: translated, notes } = translateCheckpoints(content, replayed);
  for (const note of notes) log(`kinesis: checkpoint ${note}`);
  const partial = `${file}.import.tmp`;
  await writeFile(partial, `${JSON.stringify(translated, null, 2)}\n`);
  await rename(partial, file);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
