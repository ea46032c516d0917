import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ArchiveWriteError } from '../../shared/errors.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { type ArchiveObject, ndjson } from './planArchive.ts';

const gzipAsync = promisify(gzip);

/** What writing needs of an S3 client: one PutObject call (the shared client, or a fake in tests). */
export interface ObjectWriter {
  send(command: PutObjectCommand): Promise<unknown>;
}

/**
 * Writes each object as gzip-compressed NDJSON, in parallel, and returns the write error of every
 * record whose object could not be written, by sequence number (empty when all were written).
 * A PUT replaces the whole object atomically, so an object is either the full batch or absent.
 * Node's gzip writes no timestamp in its header: the same lines give the same bytes.
 *
 * @example
 * const failed = await writeArchive(planArchive(event.Records), { s3: s3Client(), bucket: 'archive' });
 */
export async function writeArchive(
  objects: readonly ArchiveObject[],
  deps: { s3: ObjectWriter; bucket: string },
): Promise<Map<string, ArchiveWriteError>> {
  const results = await Promise.allSettled(objects.map((object) => putObject(object, deps)));
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
  return failed;
}

async function putObject(object: ArchiveObject, deps: { s3: ObjectWriter; bucket: string }): Promise<void> {
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
