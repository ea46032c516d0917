import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { BenchPipeline } from './benchPipeline.ts';

/** One archived object under `events/`: its stored (gzip) size and the event ids it holds. */
export interface ArchivedObject {
  key: string;
  bytes: number;
  ids: string[];
}

/**
 * Every object of the archive bucket under `events/`, read and decompressed.
 *
 * @example
 * const ids = (await archivedObjects(pipeline)).flatMap((o) => o.ids);
 */
export async function archivedObjects(pipeline: BenchPipeline): Promise<ArchivedObject[]> {
  const { s3 } = pipeline.clients;
  const bucket = pipeline.runtime.endpoints.buckets.ArchiveBucket ?? '';
  const objects: ArchivedObject[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: 'events/' })) {
    for (const { Key: key = '' } of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = await (object.Body?.transformToByteArray() ?? new Uint8Array());
      const lines = gunzipSync(body).toString('utf8').trimEnd().split('\n');
      objects.push({
        key,
        bytes: body.byteLength,
        ids: lines.flatMap((line) => {
          const id = (JSON.parse(line) as { event?: { id?: string } }).event?.id;
          return id === undefined ? [] : [id];
        }),
      });
    }
  }
  return objects;
}
