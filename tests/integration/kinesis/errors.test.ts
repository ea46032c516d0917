// Error codes on the wire and the SDK exception classes they become, checked against:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/CommonErrors.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamSummary.html#API_DescribeStreamSummary_Errors
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html#API_GetShardIterator_Errors
import { request } from 'node:http';
import {
  DescribeStreamSummaryCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  KinesisServiceException,
  PutRecordCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, text, uniqueName } from './streamFixtures.ts';

const kinesis = useTestEngine();

/** POSTs an AWS JSON 1.1 request over plain HTTP/1.1, as any non-SDK client would. */
function postJson(target: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${kinesis.endpoint}/`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': target,
          'Content-Length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('service errors', () => {
  it('answers a missing stream with ResourceNotFoundException (HTTP 400), a KinesisServiceException', async () => {
    const error = await kinesis.client
      .send(new DescribeStreamSummaryCommand({ StreamName: uniqueName('missing') }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toBeInstanceOf(KinesisServiceException);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect((error as Error).message).toBeTruthy();
  });

  it('answers a put to a missing stream with ResourceNotFoundException', async () => {
    await expect(
      kinesis.client.send(
        new PutRecordCommand({ StreamName: uniqueName('missing'), PartitionKey: 'k', Data: text('x') }),
      ),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  it('answers an unknown shard with ResourceNotFoundException', async () => {
    const name = uniqueName('no-shard');
    await createActiveStream(kinesis.client, name, 1);
    await expect(
      kinesis.client.send(
        new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000009', ShardIteratorType: 'LATEST' }),
      ),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  it("answers a sequence number that is not the shard's with InvalidArgumentException", async () => {
    const name = uniqueName('bad-sequence');
    await createActiveStream(kinesis.client, name, 1);
    await expect(
      kinesis.client.send(
        new GetShardIteratorCommand({
          StreamName: name,
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: '1',
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
  });

  it('answers an ExplicitHashKey outside 0..2^128-1 with InvalidArgumentException', async () => {
    const name = uniqueName('bad-hash');
    await createActiveStream(kinesis.client, name, 1);
    await expect(
      kinesis.client.send(
        new PutRecordCommand({
          StreamName: name,
          PartitionKey: 'k',
          ExplicitHashKey: (2n ** 128n).toString(),
          Data: text('x'),
        }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
  });
});

describe('wire protocol', () => {
  it('answers an unknown X-Amz-Target action with UnknownOperationException', async () => {
    const { status, json } = await postJson('Kinesis_20131202.MadeUpAction', {});
    expect(status).toBe(400);
    expect(String(json.__type)).toMatch(/UnknownOperationException$/);
  });

  it('serves a known action to a plain JSON 1.1 POST', async () => {
    const { status, json } = await postJson('Kinesis_20131202.ListStreams', {});
    expect(status).toBe(200);
    expect(json).toMatchObject({ StreamNames: expect.any(Array), HasMoreStreams: expect.any(Boolean) });
  });
});
