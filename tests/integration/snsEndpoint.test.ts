import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSns, readPublished, startSns } from '../../local/emulators/sns.ts';

const region = 'eu-west-1';
const accountId = '123456789012';
let sns: RunningSns;
let client: SNSClient;

beforeAll(async () => {
  sns = await startSns({ port: 0, dir: undefined, region, accountId });
  // The real SDK client, as the alert notifier builds it: only the endpoint differs from AWS.
  client = new SNSClient({ region, endpoint: sns.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
});

afterAll(async () => {
  await sns?.stop();
});

describe('the local SNS endpoint', () => {
  it('creates topics idempotently with ARNs in the AWS format, and lists them', async () => {
    const first = await client.send(new CreateTopicCommand({ Name: 'alerts' }));
    const again = await client.send(new CreateTopicCommand({ Name: 'alerts' }));
    expect(first.TopicArn).toBe(`arn:aws:sns:${region}:${accountId}:alerts`);
    expect(again.TopicArn).toBe(first.TopicArn);
    const listed = await client.send(new ListTopicsCommand({}));
    expect(listed.Topics?.map((topic) => topic.TopicArn)).toContain(first.TopicArn);
  });

  it('delivers every published message, subject and attributes included, to the topic sink in order', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'ordered' }));
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { MessageId } = await client.send(
        new PublishCommand({
          TopicArn,
          Subject: `alert ${n}`,
          Message: JSON.stringify({ n, text: '<&"quoted">' }),
          MessageAttributes: {
            rule: { DataType: 'String', StringValue: 'error-burst' },
            count: { DataType: 'Number', StringValue: String(n) },
          },
        }),
      );
      ids.push(MessageId ?? '');
    }
    const published = await readPublished(sns.sinkDir, 'ordered');
    expect(published.map((message) => message.messageId)).toEqual(ids);
    expect(published[2]).toMatchObject({
      topicArn: TopicArn,
      subject: 'alert 3',
      message: JSON.stringify({ n: 3, text: '<&"quoted">' }),
      messageAttributes: {
        rule: { dataType: 'String', value: 'error-burst' },
        count: { dataType: 'Number', value: '3' },
      },
    });
  });

  it('keeps concurrent publishes whole, one line each', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'busy' }));
    const message = 'x'.repeat(20_000);
    await Promise.all(
      Array.from({ length: 25 }, () => client.send(new PublishCommand({ TopicArn, Message: message }))),
    );
    const published = await readPublished(sns.sinkDir, 'busy');
    expect(published).toHaveLength(25);
    expect(published.every((entry) => entry.message === message)).toBe(true);
  });

  it('answers with the AWS error codes the SDK turns into typed exceptions', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'strict' }));
    await expect(
      client.send(new PublishCommand({ TopicArn: `arn:aws:sns:${region}:${accountId}:missing`, Message: 'm' })),
    ).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new PublishCommand({ TopicArn, Message: '' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(client.send(new CreateTopicCommand({ Name: 'no spaces allowed' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(client.send(new PublishCommand({ TopicArn, Message: 'x'.repeat(262_145) }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await readPublished(sns.sinkDir, 'strict')).toEqual([]);
  });
});
