import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { readPublished } from '../../local/emulators.ts';

/**
 * Everything the three consumers leave behind, read back from the emulators: the archive bucket
 * (every key and its exact bytes), both tables (every full item, strongly consistent) and the SNS
 * topic (every notification without the fields the endpoint stamps on delivery). Two snapshots are
 * equal exactly when the sinks hold the same data.
 */
export interface SinkSnapshot {
  /** Key → base64 of the object's bytes, keys sorted. */
  objects: Record<string, string>;
  aggregates: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
  /** In publish order: subject, message and attributes (no messageId, timestamp or topic ARN). */
  notifications: Array<{ subject?: string; message: string; messageAttributes: Record<string, unknown> }>;
}

/** Where one set of consumers writes: one bucket, two tables, one topic. */
export interface Sinks {
  bucket: string;
  aggregatesTable: string;
  alertsTable: string;
  topicName: string;
}

export interface SnapshotClients {
  s3: S3Client;
  documents: DynamoDBDocumentClient;
  /** The local SNS endpoint's sink directory (`emulators.snsSinkDir`). */
  snsSinkDir: string;
}

/**
 * @example
 * const before = await snapshotSinks(sinks, { s3, documents, snsSinkDir: emulators.snsSinkDir });
 */
export async function snapshotSinks(sinks: Sinks, clients: SnapshotClients): Promise<SinkSnapshot> {
  const [objects, aggregates, alerts, published] = await Promise.all([
    bucketObjects(clients.s3, sinks.bucket),
    scanItems(clients.documents, sinks.aggregatesTable, (item) => `${item.pk}\n${item.sk}`),
    scanItems(clients.documents, sinks.alertsTable, (item) => String(item.alertKey)),
    readPublished(clients.snsSinkDir, sinks.topicName),
  ]);
  const notifications = published.map(({ subject, message, messageAttributes }) => ({
    ...(subject === undefined ? {} : { subject }),
    message,
    messageAttributes,
  }));
  return {
    objects: Object.fromEntries([...objects].map(([key, bytes]) => [key, bytes.toString('base64')])),
    aggregates,
    alerts,
    notifications,
  };
}

/** Every object of a bucket with its bytes, by key, keys sorted. */
export async function bucketObjects(s3: S3Client, bucket: string): Promise<Map<string, Buffer>> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  keys.sort();
  const objects = new Map<string, Buffer>();
  for (const key of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    objects.set(key, Buffer.from(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))));
  }
  return objects;
}

/** One archived line with the object it sits in. */
export interface ArchivedLine {
  key: string;
  shardId: string;
  sequenceNumber: string;
  /** The whole line, parsed. */
  line: Record<string, unknown>;
}

/**
 * The lines of every gzip NDJSON object of a snapshot, sorted by (shardId, sequence number, key).
 *
 * @example
 * archivedLines(snapshot.objects).filter((line) => line.key.startsWith('errors/'));
 */
export function archivedLines(objects: Record<string, string>): ArchivedLine[] {
  const lines: ArchivedLine[] = [];
  for (const [key, base64] of Object.entries(objects)) {
    const text = gunzipSync(Buffer.from(base64, 'base64')).toString('utf8');
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      const line = JSON.parse(raw) as Record<string, unknown>;
      const kinesis = line.kinesis as { shardId: string; sequenceNumber: string };
      lines.push({ key, shardId: kinesis.shardId, sequenceNumber: kinesis.sequenceNumber, line });
    }
  }
  const order = (line: ArchivedLine) => `${line.shardId} ${line.sequenceNumber.padStart(130, '0')} ${line.key}`;
  return lines.sort((a, b) => order(a).localeCompare(order(b)));
}

async function scanItems(
  documents: DynamoDBDocumentClient,
  table: string,
  keyOf: (item: Record<string, unknown>) => string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}
