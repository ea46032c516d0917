import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import {
  DeleteObjectCommand,
  type DeleteObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { ArchiveWriteError } from '../../shared/errors.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { ARCHIVE_PREFIXES } from './archiveKey.ts';
import { type ArchiveObject, ndjson } from './planArchive.ts';

const gzipAsync = promisify(gzip);

/** What writing needs of an S3 client (the shared client, or a fake in tests). */
export interface ObjectWriter {
  send(command: PutObjectCommand): Promise<PutObjectCommandOutput>;
  send(command: ListObjectsV2Command): Promise<ListObjectsV2CommandOutput>;
  send(command: DeleteObjectCommand): Promise<DeleteObjectCommandOutput>;
}

/**
 * Writes each object as gzip-compressed NDJSON, in parallel, and returns the write error of every
 * record whose object could not be written, by sequence number (empty when all were written).
 * A PUT replaces the whole object atomically, so an object is either the full batch or absent.
 * Node's gzip writes no timestamp in its header: the same lines give the same bytes.
 *
 * Then it removes earlier cuts: objects of a batch that started at the same record but ended
 * elsewhere. Lambda re-cuts a batch when it bisects one (after a timeout, say, once the objects
 * were written) or when a mapping restarts from its checkpoint; without this step the new pieces
 * would hold the old object's records a second time. Each piece removes the cut it replaces, so
 * the objects of a shard never overlap: the first half replaces the whole, the second half starts
 * at a record no object started at. Failing to remove counts as failing to write (the batch is
 * retried, and the retry removes it).
 *
 * The window this leaves: between the first half's write and the second half's, the second half's
 * records are in no object (they are still on the stream, and end in the failed-batches bucket if
 * that half never succeeds).
 *
 * @example
 * const failed = await writeArchive(planArchive(event.Records), { s3: s3Client(), bucket: 'archive' });
 */
export async function writeArchive(
  objects: readonly ArchiveObject[],
  deps: { s3: ObjectWriter; bucket: string },
): Promise<Map<string, ArchiveWriteError>> {
  const results = await Promise.allSettled(objects.map((object) => writeObject(object, deps)));
  const failed = new Map<string, ArchiveWriteError>();
  results.forEach((result, index) => {
    const object = objects[index] as ArchiveObject;
    if (result.status === 'fulfilled') {
      logger.info('archived batch object', { key: object.key, records: object.lines.length });
      return;
    }
    const error = new ArchiveWriteError(`could not write s3://${deps.bucket}/${object.key}`, object.key, {
      cause: result.reason,
    });
    logger.error('archive write failed; its records are reported failed', { error });
    for (const sequenceNumber of object.sequenceNumbers) failed.set(sequenceNumber, error);
  });
  // Only once the new cut is complete: removing the old one first could leave records in neither.
  if (failed.size === 0) await removeEarlierCuts(objects, deps, failed);
  return failed;
}

/**
 * Under both prefixes (a piece without invalid records writes no `errors/` object, yet must remove
 * the `errors/` object of the cut it replaces), deletes every object of a batch starting at the same
 * record other than the ones just written. A failure marks every record failed.
 */
async function removeEarlierCuts(
  objects: readonly ArchiveObject[],
  deps: { s3: ObjectWriter; bucket: string },
  failed: Map<string, ArchiveWriteError>,
): Promise<void> {
  const [first] = objects;
  if (first === undefined) return;
  const written = new Set(objects.map((object) => object.key));
  const startPrefixes = ARCHIVE_PREFIXES.map((prefix) => prefix + first.sameStartPrefix.slice(first.prefix.length));
  try {
    for (const startPrefix of startPrefixes) {
      const listed = await deps.s3.send(new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: startPrefix }));
      for (const { Key: key } of listed.Contents ?? []) {
        if (key === undefined || written.has(key)) continue;
        await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: key }));
        logger.info('removed an earlier cut of this batch', { key, replacedBy: [...written] });
      }
    }
  } catch (cause) {
    const error = new ArchiveWriteError(
      `could not remove earlier cuts under s3://${deps.bucket}/${startPrefixes[0]}`,
      first.key,
      { cause },
    );
    logger.error('archive cleanup failed; the batch is reported failed and retried', { error });
    for (const object of objects)
      for (const sequenceNumber of object.sequenceNumbers) failed.set(sequenceNumber, error);
  }
}

async function writeObject(object: ArchiveObject, deps: { s3: ObjectWriter; bucket: string }): Promise<void> {
  const body = await gzipAsync(Buffer.from(ndjson(object.lines), 'utf8'));
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: object.key,
      Body: body,
      ContentType: 'application/x-ndjson',
      ContentEncoding: 'gzip',
    }),
  );
}
