// Reading with shard iterators, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
import {
  type _Record,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorInput,
  InvalidArgumentException,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { testClock, useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, decoded, text, uniqueName } from './streamFixtures.ts';

const SHARD = 'shardId-000000000000';

const clock = testClock();
const kinesis = useTestEngine({ now: clock.now });

/** A one-shard stream holding records `values`, with their sequence numbers. */
async function streamWith(values: string[]): Promise<{ name: string; sequences: string[] }> {
  const name = uniqueName('read');
  await createActiveStream(kinesis.client, name, 1);
  const sequences: string[] = [];
  for (const value of values) sequences.push(await put(name, value));
  return { name, sequences };
}

async function put(name: string, value: string): Promise<string> {
  const { SequenceNumber } = await kinesis.client.send(
    new PutRecordCommand({ StreamName: name, PartitionKey: 'pk', Data: text(value) }),
  );
  return SequenceNumber ?? '';
}

async function iterator(input: Omit<GetShardIteratorInput, 'ShardId'>): Promise<string> {
  const { ShardIterator } = await kinesis.client.send(new GetShardIteratorCommand({ ShardId: SHARD, ...input }));
  expect(ShardIterator).toBeTruthy();
  return ShardIterator ?? '';
}

async function readValues(shardIterator: string): Promise<string[]> {
  const { Records = [] } = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: shardIterator }));
  return Records.map(decoded);
}

describe('GetShardIterator types', () => {
  it('TRIM_HORIZON starts at the oldest record', async () => {
    const { name } = await streamWith(['a', 'b', 'c']);
    expect(await readValues(await iterator({ StreamName: name, ShardIteratorType: 'TRIM_HORIZON' }))).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('AT_SEQUENCE_NUMBER starts at that record', async () => {
    const { name, sequences } = await streamWith(['a', 'b', 'c']);
    const at = await iterator({
      StreamName: name,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequences[1],
    });
    expect(await readValues(at)).toEqual(['b', 'c']);
  });

  it('AFTER_SEQUENCE_NUMBER starts right after that record', async () => {
    const { name, sequences } = await streamWith(['a', 'b', 'c']);
    const after = await iterator({
      StreamName: name,
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequences[1],
    });
    expect(await readValues(after)).toEqual(['c']);
  });

  it('LATEST starts just after the most recent record: only later records are read', async () => {
    const { name } = await streamWith(['a', 'b']);
    const latest = await iterator({ StreamName: name, ShardIteratorType: 'LATEST' });
    await put(name, 'c');
    expect(await readValues(latest)).toEqual(['c']);
  });

  it('AT_TIMESTAMP starts at the first record that arrived at or after the timestamp', async () => {
    const { name } = await streamWith(['old']);
    clock.advance(5_000);
    const from = new Date(clock.now());
    clock.advance(1_000);
    await put(name, 'new');
    const at = await iterator({ StreamName: name, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from });
    expect(await readValues(at)).toEqual(['new']);
  });

  it('answers InvalidArgumentException for AT_SEQUENCE_NUMBER without StartingSequenceNumber', async () => {
    const { name } = await streamWith([]);
    await expect(
      kinesis.client.send(
        new GetShardIteratorCommand({ StreamName: name, ShardId: SHARD, ShardIteratorType: 'AT_SEQUENCE_NUMBER' }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
  });
});

describe('GetRecords', () => {
  it('returns at most Limit records and a NextShardIterator that continues after them', async () => {
    const { name } = await streamWith(['1', '2', '3', '4', '5']);
    let shardIterator = await iterator({ StreamName: name, ShardIteratorType: 'TRIM_HORIZON' });
    const pages: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: 2 }));
      pages.push((page.Records ?? []).map(decoded));
      expect(page.NextShardIterator).toBeTruthy();
      shardIterator = page.NextShardIterator ?? '';
    }
    expect(pages).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('keeps answering a NextShardIterator on an open shard with nothing new', async () => {
    const { name } = await streamWith([]);
    const page = await kinesis.client.send(
      new GetRecordsCommand({ ShardIterator: await iterator({ StreamName: name, ShardIteratorType: 'LATEST' }) }),
    );
    expect(page.Records).toEqual([]);
    expect(page.NextShardIterator).toBeTruthy();
    expect(page.MillisBehindLatest).toBe(0);
  });

  it('reports MillisBehindLatest above 0 while behind the tip and 0 once caught up', async () => {
    const { name } = await streamWith(['old']);
    clock.advance(60_000);
    await put(name, 'new');
    const first = await kinesis.client.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({ StreamName: name, ShardIteratorType: 'TRIM_HORIZON' }),
        Limit: 1,
      }),
    );
    expect(first.MillisBehindLatest).toBeGreaterThan(0);
    const second = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
    expect((second.Records ?? []).map(decoded)).toEqual(['new']);
    expect(second.MillisBehindLatest).toBe(0);
  });

  it('stamps ApproximateArrivalTimestamp with the arrival time', async () => {
    const name = uniqueName('arrival');
    await createActiveStream(kinesis.client, name, 1);
    const before = clock.now();
    await put(name, 'x');
    const after = clock.now();
    const { Records = [] } = await kinesis.client.send(
      new GetRecordsCommand({ ShardIterator: await iterator({ StreamName: name, ShardIteratorType: 'TRIM_HORIZON' }) }),
    );
    const arrival = (Records[0] as _Record).ApproximateArrivalTimestamp?.getTime() ?? 0;
    // The wire carries epoch seconds with millisecond precision.
    expect(arrival).toBeGreaterThanOrEqual(before - 1);
    expect(arrival).toBeLessThanOrEqual(after + 1);
  });

  it('answers InvalidArgumentException for a Limit over 10,000', async () => {
    const { name } = await streamWith([]);
    const shardIterator = await iterator({ StreamName: name, ShardIteratorType: 'TRIM_HORIZON' });
    await expect(
      kinesis.client.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: 10_001 })),
    ).rejects.toThrow(InvalidArgumentException);
  });

  it('answers ExpiredIteratorException for an iterator older than 5 minutes', async () => {
    const { name } = await streamWith(['a']);
    const shardIterator = await iterator({ StreamName: name, ShardIteratorType: 'TRIM_HORIZON' });
    clock.advance(5 * 60_000 + 1_000);
    await expect(kinesis.client.send(new GetRecordsCommand({ ShardIterator: shardIterator }))).rejects.toThrow(
      ExpiredIteratorException,
    );
  });
});
