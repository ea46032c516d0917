// Enhanced fan-out consumers, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamConsumer.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListStreamConsumers.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeregisterStreamConsumer.html
import {
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  LimitExceededException,
  ListStreamConsumersCommand,
  RegisterStreamConsumerCommand,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, registerActiveConsumer, uniqueName, waitUntilGone } from './streamFixtures.ts';

const kinesis = useTestEngine();

async function streamArn(label: string): Promise<string> {
  const { StreamARN } = await createActiveStream(kinesis.client, uniqueName(label), 1);
  return StreamARN ?? '';
}

describe('stream consumers', () => {
  it('registers a consumer CREATING, with an ARN under the stream, that becomes ACTIVE', async () => {
    const arn = await streamArn('register');
    const { Consumer } = await kinesis.client.send(
      new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'archive' }),
    );
    expect(Consumer).toMatchObject({ ConsumerName: 'archive', ConsumerStatus: 'CREATING' });
    expect(Consumer?.ConsumerARN?.startsWith(`${arn}/consumer/archive:`)).toBe(true);
    expect(Consumer?.ConsumerCreationTimestamp).toBeInstanceOf(Date);
    const active = await registerActiveConsumer(kinesis.client, arn, 'other');
    expect(active.ConsumerStatus).toBe('ACTIVE');
  });

  it('describes a consumer by ARN and by stream ARN plus name alike', async () => {
    const arn = await streamArn('describe-consumer');
    const consumer = await registerActiveConsumer(kinesis.client, arn, 'aggregate');
    const byArn = await kinesis.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN }));
    const byName = await kinesis.client.send(
      new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'aggregate' }),
    );
    expect(byArn.ConsumerDescription).toEqual(byName.ConsumerDescription);
    expect(byArn.ConsumerDescription).toMatchObject({
      ConsumerName: 'aggregate',
      ConsumerARN: consumer.ConsumerARN,
      StreamARN: arn,
      ConsumerStatus: 'ACTIVE',
    });
  });

  it('lists the consumers of a stream, paging with MaxResults and NextToken', async () => {
    const arn = await streamArn('list-consumers');
    for (const name of ['c1', 'c2', 'c3']) await registerActiveConsumer(kinesis.client, arn, name);
    const names: string[] = [];
    let page = await kinesis.client.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 2 }));
    names.push(...(page.Consumers ?? []).map((consumer) => consumer.ConsumerName ?? ''));
    expect(page.NextToken).toBeTruthy();
    while (page.NextToken) {
      page = await kinesis.client.send(
        new ListStreamConsumersCommand({ StreamARN: arn, NextToken: page.NextToken, MaxResults: 2 }),
      );
      names.push(...(page.Consumers ?? []).map((consumer) => consumer.ConsumerName ?? ''));
    }
    expect(names.sort()).toEqual(['c1', 'c2', 'c3']);
  });

  it('refuses a second consumer of the same name on the stream with ResourceInUseException', async () => {
    const arn = await streamArn('same-name');
    await registerActiveConsumer(kinesis.client, arn, 'twin');
    await expect(
      kinesis.client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'twin' })),
    ).rejects.toThrow(ResourceInUseException);
  });

  it('deregisters a consumer: it then answers ResourceNotFoundException and leaves the list', async () => {
    const arn = await streamArn('deregister');
    const consumer = await registerActiveConsumer(kinesis.client, arn, 'leaving');
    await kinesis.client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN }));
    await waitUntilGone(
      () => kinesis.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN })),
      'consumer deregistered',
      'ResourceNotFoundException',
    );
    const { Consumers = [] } = await kinesis.client.send(new ListStreamConsumersCommand({ StreamARN: arn }));
    expect(Consumers).toEqual([]);
  });

  it('refuses a 21st consumer on a stream with LimitExceededException', async () => {
    const arn = await streamArn('twenty');
    // One at a time: at most 5 consumers may be CREATING at once, a separate limit.
    for (let i = 0; i < 20; i++) await registerActiveConsumer(kinesis.client, arn, `c${i}`);
    await expect(
      kinesis.client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'one-too-many' })),
    ).rejects.toThrow(LimitExceededException);
  });
});
