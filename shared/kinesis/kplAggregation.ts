import { createHash } from 'node:crypto';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * The Kinesis Producer Library (KPL) aggregated record format: many user records packed into the
 * data of one Kinesis record
 * (https://github.com/awslabs/amazon-kinesis-producer/blob/master/aggregation-format.md).
 *
 * The data is the 4 magic bytes F3 89 9A C2, then a protobuf (proto2) `AggregatedRecord`, then the
 * 16-byte MD5 digest of that protobuf message (not of the magic):
 *
 *     message AggregatedRecord {
 *       repeated string partition_key_table = 1;
 *       repeated string explicit_hash_key_table = 2;
 *       repeated Record records = 3;
 *     }
 *     message Record {
 *       required uint64 partition_key_index = 1;
 *       optional uint64 explicit_hash_key_index = 2;
 *       required bytes data = 3;
 *       repeated Tag tags = 4; // ignored when decoding, never written
 *     }
 *
 * Each user record names its keys by index into the two tables, where each key appears once. The
 * user record at position i of `records` has sub-sequence number i.
 */

/** The bytes every aggregated record starts with. */
export const KPL_MAGIC: Uint8Array = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);

/** One record as its producer wrote it, inside an aggregated record. */
export interface UserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

/** What a Kinesis record's data holds. */
export type Deaggregation =
  /** Not an aggregated record: no magic prefix, or too short to hold the magic and the digest. */
  | { kind: 'plain' }
  /** The user records, in sub-sequence number order (at least one). */
  | { kind: 'aggregated'; records: UserRecord[] }
  /** Starts with the magic and is long enough, but cannot be read; `reason` says why. */
  | { kind: 'corrupt'; reason: string };

const DIGEST_BYTES = 16;

// Field numbers of the two messages.
const PARTITION_KEY_TABLE = 1;
const EXPLICIT_HASH_KEY_TABLE = 2;
const RECORDS = 3;
const PARTITION_KEY_INDEX = 1;
const EXPLICIT_HASH_KEY_INDEX = 2;
const DATA = 3;

/** The data cannot be an aggregated record we can read; `message` is the `corrupt` reason. */
class CorruptRecordError extends Error {}

/**
 * Splits a Kinesis record's data into the user records it aggregates. Never throws: data that is
 * not an aggregated record is `plain`, one that starts like one but cannot be read is `corrupt`.
 * The `data` of each user record is a view into `data`, not a copy. Unknown protobuf fields are
 * skipped; tags are ignored.
 *
 * @example
 * const unpacked = deaggregate(Buffer.from(record.kinesis.data, 'base64'));
 * if (unpacked.kind === 'aggregated') unpacked.records[0]?.partitionKey; // 'user-42'
 */
export function deaggregate(data: Uint8Array): Deaggregation {
  if (data.byteLength < KPL_MAGIC.byteLength + DIGEST_BYTES || !startsWithMagic(data)) return { kind: 'plain' };
  const body = data.subarray(KPL_MAGIC.byteLength, data.byteLength - DIGEST_BYTES);
  const digest = data.subarray(data.byteLength - DIGEST_BYTES);
  if (!md5(body).equals(digest)) {
    return { kind: 'corrupt', reason: 'KPL aggregated record: MD5 digest does not match its body' };
  }
  try {
    return { kind: 'aggregated', records: readAggregatedRecord(body) };
  } catch (error) {
    if (error instanceof CorruptRecordError) return { kind: 'corrupt', reason: error.message };
    // What BinaryReader throws: 'premature EOF', 'invalid varint', 'illegal tag: …'.
    const detail = error instanceof Error ? error.message : String(error);
    return { kind: 'corrupt', reason: `KPL aggregated record: body is not a valid protobuf message (${detail})` };
  }
}

/**
 * Encodes user records as one aggregated record (magic + protobuf + digest), keys deduplicated in
 * their tables in order of first appearance. Throws TypeError on an empty list.
 *
 * @example
 * const data = encodeAggregated([{ partitionKey: 'user-42', data: Buffer.from('{"type":"page_view"}') }]);
 * deaggregate(data).kind; // 'aggregated'
 */
export function encodeAggregated(records: readonly UserRecord[]): Uint8Array {
  if (records.length === 0) throw new TypeError('encodeAggregated needs at least one user record');
  const builder = new AggregatedRecordBuilder();
  for (const record of records) builder.add(record);
  return builder.encode();
}

/** A table of distinct keys, each with its index (order of first appearance). */
class KeyTable {
  readonly #indexes = new Map<string, number>();

  get keys(): IterableIterator<string> {
    return this.#indexes.keys();
  }

  /** The key's index, or the index it would get if added now. */
  indexOf(key: string): number {
    return this.#indexes.get(key) ?? this.#indexes.size;
  }

  has(key: string): boolean {
    return this.#indexes.has(key);
  }

  add(key: string): void {
    if (!this.#indexes.has(key)) this.#indexes.set(key, this.#indexes.size);
  }
}

interface PackedRecord {
  partitionKeyIndex: number;
  explicitHashKeyIndex: number | undefined;
  data: Uint8Array;
}

/**
 * Packs user records into one aggregated record incrementally, for producers: `sizeWith` tells,
 * exactly and without encoding, whether the next record still fits a Kinesis record. The data of
 * added records is kept by reference until `encode`.
 *
 * @example
 * const builder = new AggregatedRecordBuilder();
 * for (const record of records) {
 *   if (builder.count > 0 && builder.sizeWith(record) > 1_048_576) break;
 *   builder.add(record);
 * }
 * const data = builder.encode();
 */
export class AggregatedRecordBuilder {
  readonly #partitionKeys = new KeyTable();
  readonly #explicitHashKeys = new KeyTable();
  readonly #records: PackedRecord[] = [];
  /** Bytes of the protobuf message as it stands. */
  #bodyBytes = 0;

  /** Number of user records added. */
  get count(): number {
    return this.#records.length;
  }

  /**
   * Bytes of the aggregated record (magic + protobuf + digest) if `record` were added now; exact,
   * without encoding. Partition keys and explicit hash keys already in the tables are not counted again.
   */
  sizeWith(record: UserRecord): number {
    return this.size + this.#growth(record);
  }

  /** Bytes of the aggregated record as it stands (with no records: magic, empty body and digest). */
  get size(): number {
    return KPL_MAGIC.byteLength + this.#bodyBytes + DIGEST_BYTES;
  }

  add(record: UserRecord): void {
    this.#bodyBytes += this.#growth(record);
    this.#partitionKeys.add(record.partitionKey);
    if (record.explicitHashKey !== undefined) this.#explicitHashKeys.add(record.explicitHashKey);
    this.#records.push(this.#packed(record));
  }

  /** The aggregated record: the same bytes as `encodeAggregated` of the added records. Throws TypeError if none. */
  encode(): Uint8Array {
    if (this.#records.length === 0) {
      throw new TypeError('AggregatedRecordBuilder.encode needs at least one user record');
    }
    const writer = new BinaryWriter();
    for (const key of this.#partitionKeys.keys) writer.tag(PARTITION_KEY_TABLE, WireType.LengthDelimited).string(key);
    for (const key of this.#explicitHashKeys.keys) {
      writer.tag(EXPLICIT_HASH_KEY_TABLE, WireType.LengthDelimited).string(key);
    }
    for (const record of this.#records) {
      writer.tag(RECORDS, WireType.LengthDelimited).fork();
      writer.tag(PARTITION_KEY_INDEX, WireType.Varint).uint64(record.partitionKeyIndex);
      if (record.explicitHashKeyIndex !== undefined) {
        writer.tag(EXPLICIT_HASH_KEY_INDEX, WireType.Varint).uint64(record.explicitHashKeyIndex);
      }
      writer.tag(DATA, WireType.LengthDelimited).bytes(record.data);
      writer.join();
    }
    const body = writer.finish();
    const out = new Uint8Array(KPL_MAGIC.byteLength + body.byteLength + DIGEST_BYTES);
    out.set(KPL_MAGIC, 0);
    out.set(body, KPL_MAGIC.byteLength);
    out.set(md5(body), KPL_MAGIC.byteLength + body.byteLength);
    return out;
  }

  #packed(record: UserRecord): PackedRecord {
    const { partitionKey, explicitHashKey, data } = record;
    return {
      partitionKeyIndex: this.#partitionKeys.indexOf(partitionKey),
      explicitHashKeyIndex: explicitHashKey === undefined ? undefined : this.#explicitHashKeys.indexOf(explicitHashKey),
      data,
    };
  }

  /** Bytes the protobuf message grows by when `record` is added: its keys if new, and the record. */
  #growth(record: UserRecord): number {
    const { partitionKey, explicitHashKey } = record;
    let bytes = 0;
    if (!this.#partitionKeys.has(partitionKey)) bytes += lengthDelimitedBytes(utf8Bytes(partitionKey));
    if (explicitHashKey !== undefined && !this.#explicitHashKeys.has(explicitHashKey)) {
      bytes += lengthDelimitedBytes(utf8Bytes(explicitHashKey));
    }
    const packed = this.#packed(record);
    let recordBytes = TAG_BYTES + varintBytes(packed.partitionKeyIndex);
    if (packed.explicitHashKeyIndex !== undefined) recordBytes += TAG_BYTES + varintBytes(packed.explicitHashKeyIndex);
    recordBytes += lengthDelimitedBytes(packed.data.byteLength);
    return bytes + lengthDelimitedBytes(recordBytes);
  }
}

/** Every field number here is below 16, so each tag is a one-byte varint. */
const TAG_BYTES = 1;

/** Bytes of a non-negative integer as a varint: 7 bits a byte. */
function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes += 1;
  return bytes;
}

/** Bytes of a length-delimited field whose content is `length` bytes: tag, length, content. */
function lengthDelimitedBytes(length: number): number {
  return TAG_BYTES + varintBytes(length) + length;
}

/** Bytes of `text` in UTF-8, as BinaryWriter writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}

function startsWithMagic(data: Uint8Array): boolean {
  return KPL_MAGIC.every((byte, i) => data[i] === byte);
}

/** Throws CorruptRecordError unless the field has the wire type its declaration needs. */
function expectWireType(field: string, actual: WireType, expected: WireType): void {
  if (actual !== expected) {
    throw new CorruptRecordError(
      `KPL aggregated record: field ${field} has wire type ${actual}, expected ${expected} (${WireType[expected]})`,
    );
  }
}

/** The user records of an AggregatedRecord message, keys resolved; throws if it cannot be read. */
function readAggregatedRecord(body: Uint8Array): UserRecord[] {
  const reader = new BinaryReader(body);
  const partitionKeys: string[] = [];
  const explicitHashKeys: string[] = [];
  const records: Array<{ partitionKeyIndex: bigint; explicitHashKeyIndex?: bigint; data: Uint8Array }> = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    switch (fieldNo) {
      case PARTITION_KEY_TABLE:
        expectWireType('partition_key_table', wireType, WireType.LengthDelimited);
        partitionKeys.push(reader.string());
        break;
      case EXPLICIT_HASH_KEY_TABLE:
        expectWireType('explicit_hash_key_table', wireType, WireType.LengthDelimited);
        explicitHashKeys.push(reader.string());
        break;
      case RECORDS:
        expectWireType('records', wireType, WireType.LengthDelimited);
        records.push(readRecord(reader.bytes(), records.length));
        break;
      default:
        reader.skip(wireType, fieldNo);
    }
  }
  if (records.length === 0) throw new CorruptRecordError('KPL aggregated record: holds no user records');
  return records.map(({ partitionKeyIndex, explicitHashKeyIndex, data }, i) => {
    const partitionKey = lookUp(partitionKeys, partitionKeyIndex, i, 'partition key');
    if (explicitHashKeyIndex === undefined) return { partitionKey, data };
    const explicitHashKey = lookUp(explicitHashKeys, explicitHashKeyIndex, i, 'explicit hash key');
    return { partitionKey, explicitHashKey, data };
  });
}

/** One Record message (user record number `position`), indexes not yet resolved. */
function readRecord(
  bytes: Uint8Array,
  position: number,
): { partitionKeyIndex: bigint; explicitHashKeyIndex?: bigint; data: Uint8Array } {
  const reader = new BinaryReader(bytes);
  let partitionKeyIndex: bigint | undefined;
  let explicitHashKeyIndex: bigint | undefined;
  let data: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    switch (fieldNo) {
      case PARTITION_KEY_INDEX:
        expectWireType(`partition_key_index of user record ${position}`, wireType, WireType.Varint);
        partitionKeyIndex = BigInt(reader.uint64());
        break;
      case EXPLICIT_HASH_KEY_INDEX:
        expectWireType(`explicit_hash_key_index of user record ${position}`, wireType, WireType.Varint);
        explicitHashKeyIndex = BigInt(reader.uint64());
        break;
      case DATA: {
        expectWireType(`data of user record ${position}`, wireType, WireType.LengthDelimited);
        const view = reader.bytes();
        // A plain Uint8Array over the same memory, even when the input is a Buffer.
        data = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        break;
      }
      default: // tags (4) and unknown fields
        reader.skip(wireType, fieldNo);
    }
  }
  if (partitionKeyIndex === undefined) {
    throw new CorruptRecordError(`KPL aggregated record: user record ${position} has no partition key index`);
  }
  if (data === undefined) throw new CorruptRecordError(`KPL aggregated record: user record ${position} has no data`);
  return explicitHashKeyIndex === undefined
    ? { partitionKeyIndex, data }
    : { partitionKeyIndex, explicitHashKeyIndex, data };
}

/** `table[index]`, or CorruptRecordError if the index is outside the table. */
function lookUp(table: readonly string[], index: bigint, position: number, what: string): string {
  const key = table[Number(index)];
  if (key === undefined) {
    throw new CorruptRecordError(
      `KPL aggregated record: user record ${position} has ${what} index ${index}, but the ${what} table has ${table.length} entries`,
    );
  }
  return key;
}
