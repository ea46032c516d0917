import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

let patched = false;

/**
 * s3rver 3.7 writes an object in place and answers the PUT as soon as the body is read, before its
 * bytes are written: a process killed then (the fault suite SIGKILLs `npm start`) leaves a cut
 * object that lists and reads like a whole one, or loses one the client was told is stored. On S3
 * a PUT is atomic and acknowledged once stored. This replaces its store's putObject, once per
 * process: the body goes to a file beside the object, which is renamed over it once every byte is
 * written, and only then are the metadata written and the PUT answered. Its metadata files
 * (`metadata.json`, `object.md5`) are written in place too: one cut by a kill is an empty or partial
 * JSON file, and from then on s3rver answers 500 to every listing of the bucket, HeadBucket
 * included (it reads every listed object's metadata). They get the same temporary file and rename.
 *
 * @example
 * makeS3rverPutsAtomic(); // before the first request
 */
export function makeS3rverPutsAtomic(): void {
  if (patched) return;
  patched = true;
  const Store = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as {
    prototype: FilesystemStore;
  };
  Store.prototype.putMetadata = async function putMetadata(this: FilesystemStore, bucket, key, metadata, md5) {
    // The same files and content as s3rver's own putMetadata, each written whole or not at all.
    const kept = Object.fromEntries(
      Object.entries(metadata).filter(([name]) => METADATA_HEADERS.has(name) || name.startsWith('x-amz-meta-')),
    );
    if (md5) await replaceFile(this.getResourcePath(bucket, key, 'object.md5'), md5);
    await replaceFile(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(kept, null, 2));
  };
  Store.prototype.putObject = async function putObject(this: FilesystemStore, object: S3rverObject) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const partial = `${objectPath}.${randomUUID()}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(source, measure, createWriteStream(partial));
      await rename(partial, objectPath);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** The metadata s3rver keeps besides `x-amz-meta-*` (its S3Object.ALLOWED_METADATA). */
const METADATA_HEADERS = new Set(
  (createRequire(import.meta.url)('s3rver/lib/models/object.js') as { ALLOWED_METADATA: string[] }).ALLOWED_METADATA,
);

/** Writes a file beside `path` and renames it there: readers see the old content or the new, never a cut one. */
async function replaceFile(path: string, content: string): Promise<void> {
  const partial = `${path}.${randomUUID()}.partial`;
  try {
    await writeFile(partial, content);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
