import http from 'node:http';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jsonHeaders, sdkClient, startWireEngine, type WireEngine } from './kinesisServerWire.ts';

// The wire layer of the local Kinesis engine (local/kinesis/server): HTTP/1.1 and cleartext HTTP/2
// on one port, AWS JSON 1.1 in and out. The semantics of each action are the conformance suite's.

let kinesis: WireEngine;
const STREAM = 'wire';

beforeAll(async () => {
  kinesis = await startWireEngine();
  const client = sdkClient(kinesis.endpoint, 'http1');
  await client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
  await eventually(async () => {
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
    return StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
  });
});
afterAll(() => kinesis.cleanup());

async function readAll(protocol: 'http1' | 'http2'): Promise<string[]> {
  const client = sdkClient(kinesis.endpoint, protocol);
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: STREAM,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const { Records = [] } = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
  return Records.map((record) => Buffer.from(record.Data ?? []).toString());
}

describe('one port, two protocols', () => {
  it.each(['http1', 'http2'] as const)(
    'serves the SDK over %s with bytes and dates converted both ways',
    async (protocol) => {
      const client = sdkClient(kinesis.endpoint, protocol);
      const before = Date.now();
      const put = await client.send(
        new PutRecordCommand({ StreamName: STREAM, Data: Buffer.from(`over-${protocol}`), PartitionKey: 'p' }),
      );
      expect(put.SequenceNumber).toMatch(/^\d+$/);
      expect(await readAll(protocol)).toContain(`over-${protocol}`);
      const { Records = [] } = await client.send(
        new GetRecordsCommand({
          ShardIterator: (
            await client.send(
              new GetShardIteratorCommand({
                StreamName: STREAM,
                ShardId: put.ShardId,
                ShardIteratorType: 'AT_SEQUENCE_NUMBER',
                StartingSequenceNumber: put.SequenceNumber,
              }),
            )
          ).ShardIterator,
        }),
      );
      const arrival = Records[0]?.ApproximateArrivalTimestamp;
      expect(arrival).toBeInstanceOf(Date);
      expect(arrival?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    },
  );

  it('keeps an HTTP/1.1 connection alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i += 1) {
      await new Promise<void>((resolve, reject) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port: kinesis.port,
            method: 'POST',
            path: '/',
            agent,
            headers: jsonHeaders('ListStreams'),
          },
          (response) => {
            response.resume();
            response.on('end', resolve);
          },
        );
        request.on('error', reject);
        reused.push(request.reusedSocket);
        request.end('{}');
      });
    }
    agent.destroy();
    expect(reused).toEqual([false, true, true]);
  });

  it('answers many concurrent requests over both protocols', async () => {
    const clients = [sdkClient(kinesis.endpoint, 'http1'), sdkClient(kinesis.endpoint, 'http2')];
    const puts = Array.from({ length: 60 }, (_, i) =>
      clients[i % 2]?.send(
        new PutRecordCommand({ StreamName: STREAM, Data: Buffer.from(`c-${i}`), PartitionKey: `${i}` }),
      ),
    );
    await Promise.all(puts);
    const stored = await readAll('http2');
    expect(Array.from({ length: 60 }, (_, i) => `c-${i}`).every((data) => stored.includes(data))).toBe(true);
  });

  it.each(['http1', 'http2'] as const)('takes a PutRecords body of 10 MiB of data over %s', async (protocol) => {
    const client = sdkClient(kinesis.endpoint, protocol);
    const records = Array.from({ length: 10 }, (_, i) => ({
      Data: Buffer.alloc(1024 * 1024 - 16, i),
      PartitionKey: `big-${i}`,
    }));
    const answer = await client.send(new PutRecordsCommand({ StreamName: STREAM, Records: records })).catch((e) => e);
    // Whatever the engine decides about a 10 MiB call, the wire carried it: an answer, not a 413.
    expect(answer.$metadata.httpStatusCode).not.toBe(413);
    expect([200, 400]).toContain(answer.$metadata.httpStatusCode);
  });
});
