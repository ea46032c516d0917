/**
 * AWS's per-shard limits, when the engine enforces them (option `shardLimits`): writes 1 MiB/s and
 * 1,000 records/s, reads 5 GetRecords calls/s and 2 MiB/s. Counted per one-second window of the
 * engine clock, which is what AWS's "per second" amounts to for a test.
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export const SHARD_WRITE_BYTES_PER_S = 1024 * 1024;
export const SHARD_WRITE_RECORDS_PER_S = 1000;
export const SHARD_READ_CALLS_PER_S = 5;
export const SHARD_READ_BYTES_PER_S = 2 * 1024 * 1024;

interface Window {
  second: number;
  writeBytes: number;
  writeRecords: number;
  readCalls: number;
  readBytes: number;
}

export class ShardLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly enabled: boolean,
    private readonly now: () => number,
  ) {}

  private window(shardId: string): Window {
    const second = Math.floor(this.now() / 1000);
    let w = this.windows.get(shardId);
    if (!w || w.second !== second) {
      w = { second, writeBytes: 0, writeRecords: 0, readCalls: 0, readBytes: 0 };
      this.windows.set(shardId, w);
    }
    return w;
  }

  /** Takes one record of `bytes` from the shard's write budget; false when over the limit. */
  tryWrite(shardId: string, bytes: number): boolean {
    if (!this.enabled) return true;
    const w = this.window(shardId);
    if (w.writeRecords + 1 > SHARD_WRITE_RECORDS_PER_S || w.writeBytes + bytes > SHARD_WRITE_BYTES_PER_S) return false;
    w.writeRecords++;
    w.writeBytes += bytes;
    return true;
  }

  /** Counts a GetRecords call; false when the shard already had 5 this second or its bytes are spent. */
  tryRead(shardId: string): boolean {
    if (!this.enabled) return true;
    const w = this.window(shardId);
    if (w.readCalls >= SHARD_READ_CALLS_PER_S || w.readBytes >= SHARD_READ_BYTES_PER_S) return false;
    w.readCalls++;
    return true;
  }

  /** Bytes a GetRecords call may still return this second (a whole 10 MiB when limits are off). */
  readBudget(shardId: string, max: number): number {
    if (!this.enabled) return max;
    return Math.max(1, Math.min(max, SHARD_READ_BYTES_PER_S - this.window(shardId).readBytes));
  }

  /** Charges bytes a GetRecords call returned. */
  chargeRead(shardId: string, bytes: number): void {
    if (this.enabled) this.window(shardId).readBytes += bytes;
  }
}
