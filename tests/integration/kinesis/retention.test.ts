// Retention period changes and trimming, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DecreaseStreamRetentionPeriod.html
import {
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  InvalidArgumentException,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../local/emulators.ts';
import { testClock, useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, decoded, text, uniqueName, waitForStream } from './streamFixtures.ts';

const HOUR_MS = 3_600_000;

const clock = testClock();
const kinesis = useTestEngine({ now: clock.now });

const retentionOf = async (name: string) =>
  (await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary
    ?.RetentionPeriodHours;

async function fromTrimHorizon(name: string): Promise<string[]> {
  const { ShardIterator } = await kinesis.client.send(
    new GetShardIteratorCommand({
      StreamName: name,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const { Records = [] } = await kinesis.client.send(new GetRecordsCommand({ ShardIterator }));
  return Records.map(decoded);
}

describe('retention period', () => {
  it('increases and decreases RetentionPeriodHours', async () => {
    const name = uniqueName('retention');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 72 }));
    await waitForStream(kinesis.client, name);
    expect(await retentionOf(name)).toBe(72);
    await kinesis.client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    await waitForStream(kinesis.client, name);
    expect(await retentionOf(name)).toBe(48);
  });

  it('refuses an "increase" to less than the current period with InvalidArgumentException', async () => {
    const name = uniqueName('not-an-increase');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    await waitForStream(kinesis.client, name);
    await expect(
      kinesis.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 30 })),
    ).rejects.toThrow(InvalidArgumentException);
  });

  it('refuses a decrease below the 24-hour minimum with InvalidArgumentException', async () => {
    const name = uniqueName('below-minimum');
    await createActiveStream(kinesis.client, name, 1);
    await expect(
      kinesis.client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 12 })),
    ).rejects.toThrow(InvalidArgumentException);
  });

  it('moves TRIM_HORIZON past records older than a decreased retention period', async () => {
    const name = uniqueName('trim');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    await waitForStream(kinesis.client, name);
    await kinesis.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: text('old') }));
    clock.advance(30 * HOUR_MS);
    await kinesis.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: text('new') }));
    // 30 hours old is within 48 hours: still there.
    expect(await fromTrimHorizon(name)).toEqual(['old', 'new']);
    await kinesis.client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 24 }));
    await waitForStream(kinesis.client, name);
    // Trimming may lag the change a little; poll with a deadline.
    await pollUntil(async () => ((await fromTrimHorizon(name))[0] === 'new' ? true : undefined), {
      what: 'TRIM_HORIZON past the 30-hour-old record',
      timeoutMs: 10_000,
    });
    expect(await fromTrimHorizon(name)).toEqual(['new']);
  });
});
