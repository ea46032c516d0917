import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { ArchivedEventLine } from '../../functions/archive/planArchive.ts';

const HOUR_MS = 3_600_000;
const twoDigits = (value: number) => String(value).padStart(2, '0');

/**
 * The archive's `events/` partitions (UTC hours, as functions/archive/archiveKey.ts names them) that
 * can hold records which arrived between `fromMs` and `toMs`: from the hour before `fromMs`, since
 * an object sits in the hour of its batch's first record and a batch can cross an hour, through the
 * hour of `toMs`.
 *
 * @example
 * hourPrefixes(Date.parse('2026-01-02T03:10Z'), Date.parse('2026-01-02T03:50Z'));
 * // ['events/year=2026/month=01/day=02/hour=02/', 'events/year=2026/month=01/day=02/hour=03/']
 */
export function hourPrefixes(fromMs: number, toMs: number): string[] {
  const prefixes: string[] = [];
  for (let hour = Math.floor(fromMs / HOUR_MS) * HOUR_MS - HOUR_MS; hour <= toMs; hour += HOUR_MS) {
    const at = new Date(hour);
    prefixes.push(
      `events/year=${at.getUTCFullYear()}/month=${twoDigits(at.getUTCMonth() + 1)}/day=${twoDigits(at.getUTCDate())}/hour=${twoDigits(at.getUTCHours())}/`,
    );
  }
  return prefixes;
}

/**
 * Every archived event line whose record arrived on the stream within [fromMs, toMs]
 * (`kinesis.approximateArrivalTimestamp`), read from the hour partitions that can hold one.
 *
 * @example
 * const lines = await readArchivedEvents(s3, archiveBucket, Date.parse('2026-01-02T03:00Z'), Date.parse('2026-01-02T04:00Z'));
 */
export async function readArchivedEvents(
  s3: S3Client,
  bucket: string,
  fromMs: number,
  toMs: number,
): Promise<{ lines: ArchivedEventLine[]; objects: number }> {
  const lines: ArchivedEventLine[] = [];
  let objects = 0;
  for (const prefix of hourPrefixes(fromMs, toMs)) {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const { Key: key } of page.Contents ?? []) {
        if (!key) continue;
        objects += 1;
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const text = gunzipSync(await (object.Body?.transformToByteArray() ?? new Uint8Array())).toString('utf8');
        for (const raw of text.split('\n')) {
          if (raw === '') continue;
          const line = JSON.parse(raw) as ArchivedEventLine;
          const arrival = Date.parse(line.kinesis.approximateArrivalTimestamp);
          if (line.event !== undefined && arrival >= fromMs && arrival <= toMs) lines.push(line);
        }
      }
    }
  }
  return { lines, objects };
}
