import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordsExpiredError } from '../../cli/redrive/errors.ts';
import type { KinesisBatchInfo } from '../../cli/redrive/failedBatches.ts';
import { rereadBatch } from '../../cli/redrive/rereadBatch.ts';
import { type Emulators, pollUntil, startEmulators } from '../../local/emulators.ts';
import { batchEvent, toShardRecord } from '../../local/eventSourceMapping/event.ts';
import { type InvokeApi, startInvokeApi } from '../../local/lambda/invokeApi.ts';
import { loadLocalLambda } from '../../local/lambda/localLambda.ts';
import { aBehaviourFunction as fn } from '../helpers/behaviourFunctions.ts';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('the local Lambda Invoke API, through the AWS SDK', () => {
  let api: InvokeApi;
  let lambda: LambdaClient;
  const functions = [fn('Echo', 'echo'), fn('Fails', 'fails')];

  beforeAll(async () => {
    const local = await loadLocalLambda(functions);
    api = await startInvokeApi({ functions, invoke: local.invoke });
    lambda = new LambdaClient({ region: 'us-east-1', endpoint: api.url, credentials: CREDENTIALS });
  });
  afterAll(async () => {
    await api?.close();
  });

  const decode = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

  it('invokes a function by name or ARN and answers with its JSON result', async () => {
    for (const FunctionName of ['local-Echo', functions[0]?.arn]) {
      const response = await lambda.send(
        new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify({ Records: [1, 2] })) }),
      );
      expect(response.StatusCode).toBe(200);
      expect(response.FunctionError).toBeUndefined();
      expect(response.ExecutedVersion).toBe('$LATEST');
      expect(response.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(decode(response.Payload)).toMatchObject({ event: { Records: [1, 2] }, functionName: 'local-Echo' });
    }
  });

  it('reports a thrown error as a function error with its type and message', async () => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: 'local-Fails', Payload: Buffer.from('{}') }));
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(decode(response.Payload)).toEqual({ errorType: 'TypeError', errorMessage: 'broken on purpose' });
  });

  it('answers a dry run with 204 without invoking, and an unknown function with ResourceNotFoundException', async () => {
    const dryRun = await lambda.send(new InvokeCommand({ FunctionName: 'local-Fails', InvocationType: 'DryRun' }));
    expect(dryRun.StatusCode).toBe(204);
    expect(dryRun.FunctionError).toBeUndefined();
    const unknown = lambda.send(new InvokeCommand({ FunctionName: 'local-Nope', Payload: Buffer.from('{}') }));
    await expect(unknown).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(unknown).rejects.toThrow(/Function not found: function local-Nope/);
  });

  it('refuses a body that is not JSON, as Lambda does', async () => {
    const invalid = lambda.send(new InvokeCommand({ FunctionName: 'local-Echo', Payload: Buffer.from('{oops') }));
    await expect(invalid).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
  });
});

describe('re-reading the records of a metadata-only failure record from the local Kinesis engine', () => {
  const streamName = 'redrive-reread';
  let emulators: Emulators;
  let kinesis: KinesisClient;
  let streamArn: string;

  beforeAll(async () => {
    emulators = await startEmulators();
    kinesis = new KinesisClient({
      region: emulators.region,
      endpoint: emulators.endpoints.kinesis,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
    streamArn = await pollUntil(
      async () => {
        const { StreamDescriptionSummary: summary } = await kinesis.send(
          new DescribeStreamSummaryCommand({ StreamName: streamName }),
        );
        return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
      },
      { what: `stream ${streamName} ACTIVE`, timeoutMs: 10_000 },
    );
    const records = Array.from({ length: 6 }, (_, i) => ({ Data: Buffer.from(`{"n":${i}}`), PartitionKey: `k${i}` }));
    for (const record of records)
      await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: [record] }));
  }, 60_000);
  afterAll(async () => {
    await emulators?.stop();
  });

  async function onStream() {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    return (await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
  }

  const batchInfo = (first: string, last: string, arrival: Date, batchSize: number): KinesisBatchInfo => ({
    shardId: 'shardId-000000000000',
    startSequenceNumber: first,
    endSequenceNumber: last,
    approximateArrivalOfFirstRecord: arrival.toISOString(),
    approximateArrivalOfLastRecord: arrival.toISOString(),
    batchSize,
    streamArn,
  });

  it('rebuilds exactly the event the event source mapping delivered, and says how long the records stay', async () => {
    const all = await onStream();
    expect(all).toHaveLength(6);
    const discarded = all.slice(1, 5);
    const [first, last] = [discarded[0], discarded.at(-1)];
    if (!first?.SequenceNumber || !last?.SequenceNumber || !first.ApproximateArrivalTimestamp)
      throw new Error('no records');
    const source = { streamArn, region: emulators.region, roleArn: 'arn:aws:iam::000000000000:role/aggregate' };
    const now = first.ApproximateArrivalTimestamp.getTime() + 3_600_000;

    const reread = await rereadBatch(
      kinesis,
      batchInfo(first.SequenceNumber, last.SequenceNumber, first.ApproximateArrivalTimestamp, 4),
      { ...source, now, pageSize: 2 },
    );

    const shardId = 'shardId-000000000000';
    expect(reread.event).toEqual(batchEvent(discarded.map((record) => toShardRecord(record, shardId, source))));
    expect(reread.found).toBe(4);
    expect(reread.expected).toBe(4);
    // The stream keeps the default retention of 24 h; the first record is an hour old.
    expect(reread.retentionLeftMs).toBe(23 * 3_600_000);
  });

  it('fails clearly when the first record is no longer on the stream', async () => {
    const all = await onStream();
    const last = all.at(-1)?.SequenceNumber ?? '';
    // A start below the shard's first record: the records there have been trimmed.
    const reread = rereadBatch(kinesis, batchInfo('1', last, new Date(Date.now() - 25 * 3_600_000), 6), {
      roleArn: '',
      region: emulators.region,
    });
    await expect(reread).rejects.toThrow(RecordsExpiredError);
  });
});
