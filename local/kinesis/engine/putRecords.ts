import type * as K from '@aws-sdk/client-kinesis';
import type { AppendEntry } from '../storage/types.ts';
import { dataStream, type EngineState } from './engineState.ts';
import { invalidArgument, throughputExceeded } from './errors.ts';
import { explicitHashKeyHex, partitionKeyHashHex } from './hashKeys.ts';
import { MAX_PUT_RECORDS_ENTRIES, PUT_RECORDS_BYTES, PUT_RECORDS_BYTES_LARGE } from './limits.ts';
import type { ShardMeta } from './model.ts';
import { sequenceFromPrefix, sequencePrefix } from './sequenceNumbers.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/**
 * The write path (PutRecord, PutRecords): size checks, routing by hash key, per-shard write limits,
 * one storage append per call, sequence numbers from the positions storage returns.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */

interface Entry {
  data: Uint8Array;
  partitionKey: string;
  explicitHashKey?: string | undefined;
}

interface Written {
  shard: ShardMeta;
  /** Undefined when the shard's write limit refused it. */
  sequenceNumber: string | undefined;
}

const MIB = 1024 * 1024;

/** Checks sizes against the stream's record limit and the request cap, and parses hash keys. */
function hashKeysOf(runtime: StreamRuntime, entries: readonly Entry[]): { hashes: string[]; sizes: number[] } {
  const maxRecord = runtime.meta.maxRecordSizeKiB * 1024;
  const requestCap = maxRecord > MIB ? PUT_RECORDS_BYTES_LARGE : PUT_RECORDS_BYTES;
  const hashes: string[] = new Array(entries.length);
  const sizes: number[] = new Array(entries.length);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    const size = entry.data.byteLength + Buffer.byteLength(entry.partitionKey, 'utf8');
    if (size > maxRecord) {
      throw invalidArgument(
        `Record ${i} has a size of ${size} bytes (data + partition key), over the stream's maximum record size of ${maxRecord} bytes.`,
      );
    }
    total += size;
    sizes[i] = size;
    hashes[i] =
      entry.explicitHashKey !== undefined
        ? explicitHashKeyHex(entry.explicitHashKey)
        : partitionKeyHashHex(entry.partitionKey);
  }
  if (total > requestCap) {
    throw invalidArgument(`Records size of ${total} bytes exceeds the request limit of ${requestCap} bytes.`);
  }
  return { hashes, sizes };
}

/**
 * Routes and appends entries under the stream's reshard gate (so no layout change slips between
 * routing and appending), then wakes the shards' subscribers.
 */
async function write(state: EngineState, runtime: StreamRuntime, entries: readonly Entry[]): Promise<Written[]> {
  const { hashes, sizes } = hashKeysOf(runtime, entries);
  const written = await runtime.gate.shared(async () => {
    const arrivalMs = state.ctx.now();
    const results: Written[] = new Array(entries.length);
    const batch: AppendEntry[] = [];
    const batchIndex: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      const shard = runtime.route(hashes[i] as string);
      results[i] = { shard, sequenceNumber: undefined };
      if (!runtime.limiter.tryWrite(shard.shardId, sizes[i] as number)) continue;
      const append: AppendEntry = {
        shardId: shard.shardId,
        partitionKey: entry.partitionKey,
        data: entry.data,
        arrivalMs,
      };
      if (entry.explicitHashKey !== undefined) append.explicitHashKey = entry.explicitHashKey;
      batch.push(append);
      batchIndex.push(i);
    }
    const positions = batch.length > 0 ? await runtime.store.append(batch) : [];
    const created = runtime.meta.createdMs;
    const prefixes = new Map<ShardMeta, string>();
    for (let j = 0; j < positions.length; j++) {
      const result = results[batchIndex[j] as number] as Written;
      let prefix = prefixes.get(result.shard);
      if (prefix === undefined) {
        prefix = sequencePrefix(result.shard.index, created);
        prefixes.set(result.shard, prefix);
      }
      result.sequenceNumber = sequenceFromPrefix(prefix, positions[j] as number);
    }
    return results;
  });
  runtime.notifier.notify(new Set(written.map((w) => w.shard.shardId)));
  return written;
}

const throughputMessage = (state: EngineState, runtime: StreamRuntime, shardId: string): string =>
  `Rate exceeded for shard ${shardId} in stream ${runtime.meta.name} under account ${state.ctx.accountId}.`;

export async function putRecords(state: EngineState, input: K.PutRecordsInput): Promise<K.PutRecordsOutput> {
  const runtime = dataStream(state, input);
  const records = input.Records ?? [];
  if (records.length === 0 || records.length > MAX_PUT_RECORDS_ENTRIES) {
    throw invalidArgument(`Records must hold 1 to ${MAX_PUT_RECORDS_ENTRIES} entries.`);
  }
  const entries: Entry[] = records.map((r) => ({
    data: r.Data ?? new Uint8Array(),
    partitionKey: r.PartitionKey ?? '',
    explicitHashKey: r.ExplicitHashKey,
  }));
  const written = await write(state, runtime, entries);
  let failed = 0;
  const results: K.PutRecordsResultEntry[] = written.map((w) => {
    if (w.sequenceNumber !== undefined) return { SequenceNumber: w.sequenceNumber, ShardId: w.shard.shardId };
    failed++;
    return {
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: throughputMessage(state, runtime, w.shard.shardId),
    };
  });
  const output: K.PutRecordsOutput = { FailedRecordCount: failed, Records: results };
  if (runtime.meta.encryption) output.EncryptionType = 'KMS';
  return output;
}

export async function putRecord(state: EngineState, input: K.PutRecordInput): Promise<K.PutRecordOutput> {
  const runtime = dataStream(state, input);
  const ordering = input.SequenceNumberForOrdering;
  if (ordering !== undefined && !/^\d+$/.test(ordering)) {
    throw invalidArgument(`SequenceNumberForOrdering ${ordering} is not a valid sequence number.`);
  }
  // Every number this engine issues later in a shard is greater, and children outrank parents, so
  // the new record's number exceeds SequenceNumberForOrdering whenever that came from this key's shard.
  const [result] = await write(state, runtime, [
    {
      data: input.Data ?? new Uint8Array(),
      partitionKey: input.PartitionKey ?? '',
      explicitHashKey: input.ExplicitHashKey,
    },
  ]);
  if (!result?.sequenceNumber) {
    throw throughputExceeded(throughputMessage(state, runtime, result?.shard.shardId ?? ''));
  }
  const output: K.PutRecordOutput = { ShardId: result.shard.shardId, SequenceNumber: result.sequenceNumber };
  if (runtime.meta.encryption) output.EncryptionType = 'KMS';
  return output;
}
