import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlertDependencies } from '../../functions/alert/alertBatch.ts';
import type { AlertTableClient } from '../../functions/alert/alertTable.ts';
import { loadRules } from '../../functions/alert/rules/loadRules.ts';
import { type RunningSns, readPublished, startSns } from '../../local/emulators/sns.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import type { AlertItem, AlertMessage } from '../../shared/alerts/alertItem.ts';
import { aKinesisBatch, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createAlertsTable as createAlertsTableIn } from '../helpers/resources.ts';

const TOPIC = 'alerts-it';
const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (seconds: number) => T0 + seconds * 1000;

let emulators: Emulators;
let sns: RunningSns;
let dynamodb: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let snsClient: SNSClient;
let topicArn: string;
let alertBatch: typeof import('../../functions/alert/alertBatch.ts').alertBatch;
let BATCH_SWEEP_INTERVAL_MS: number;
let sweepAlerts: typeof import('../../functions/alert/sweepAlerts.ts').sweepAlerts;
let alertWriter: typeof import('../../functions/alert/updateAlert.ts').alertWriter;
let PENDING_LEASE_MS: number;
let tables = 0;

beforeAll(async () => {
  emulators = await startEmulators();
  sns = await startSns({ port: 0, dir: undefined, region: emulators.region, accountId: '000000000000' });
  Object.assign(process.env, emulators.env, { SNS_ENDPOINT: sns.endpoint });
  // Clients read their endpoints on first use, so import them only now.
  const clients = await import('../../shared/aws/clients.ts');
  dynamodb = clients.dynamoDbClient();
  documents = clients.dynamoDbDocumentClient();
  snsClient = clients.snsClient();
  topicArn = (await snsClient.send(new CreateTopicCommand({ Name: TOPIC }))).TopicArn ?? '';
  ({ alertBatch, BATCH_SWEEP_INTERVAL_MS } = await import('../../functions/alert/alertBatch.ts'));
  ({ sweepAlerts } = await import('../../functions/alert/sweepAlerts.ts'));
  ({ alertWriter, PENDING_LEASE_MS } = await import('../../functions/alert/updateAlert.ts'));
});

afterAll(async () => {
  await sns?.stop();
  await emulators?.stop();
});

/** A fresh AlertsTable as serverless.yml declares it (key alertKey, index byState), one per test. */
async function createAlertsTable(): Promise<string> {
  tables += 1;
  const name = `alerts-it-${tables}`;
  await createAlertsTableIn(dynamodb, name);
  return name;
}

interface Harness {
  deps: AlertDependencies;
  clock: { now: number };
  /** While true, every publish fails as a crashed or unreachable SNS call would. */
  sns: { down: boolean; attempts: number };
  /** Puts to fail before the table answers again. */
  failPuts: { remaining: number };
  tableName: string;
}

async function harness(nowSeconds: number): Promise<Harness> {
  const tableName = await createAlertsTable();
  const clock = { now: at(nowSeconds) };
  const snsState = { down: false, attempts: 0 };
  const failPuts = { remaining: 0 };
  const client = {
    send: (command: Parameters<AlertTableClient['send']>[0]) => {
      if (command instanceof PutCommand && failPuts.remaining > 0) {
        failPuts.remaining -= 1;
        return Promise.reject(Object.assign(new Error('simulated outage'), { name: 'InternalServerError' }));
      }
      return documents.send(command as never);
    },
  } as AlertTableClient;
  const publisher = {
    send: (command: PublishCommand) => {
      snsState.attempts += 1;
      if (snsState.down) return Promise.reject(Object.assign(new Error('simulated crash'), { name: 'InternalError' }));
      return snsClient.send(command);
    },
  };
  const deps: AlertDependencies = {
    table: { client, tableName },
    channel: { sns: publisher, topicArn },
    rules: loadRules(),
    defaultCooldownSeconds: 300,
    now: () => clock.now,
  };
  return { deps, clock, sns: snsState, failPuts, tableName };
}

/** error events (`type: error`) of one source at the given event seconds; ids are unique per source and second. */
const errors = (source: string, seconds: number[]) =>
  seconds.map((s) => ({
    data: aPipelineRecordBytes({ id: `${source}-${s}`, type: 'error', source, time: new Date(at(s)).toISOString() }),
  }));

const pageView = (id: string) => ({ data: aPipelineRecordBytes({ id, type: 'page_view', source: 'web' }) });

/** The notifications the local SNS endpoint received for one group, parsed. */
async function notificationsFor(group: string): Promise<AlertMessage[]> {
  const published = await readPublished(sns.sinkDir, TOPIC);
  return published.map((message) => JSON.parse(message.message) as AlertMessage).filter((m) => m.group === group);
}

async function storedAlert(h: Harness, alertKey: string): Promise<AlertItem | undefined> {
  const output = await documents.send(
    new GetCommand({ TableName: h.tableName, Key: { alertKey }, ConsistentRead: true }),
  );
  return output.Item as AlertItem | undefined;
}

const invoke = (h: Harness, event: KinesisStreamEvent) => alertBatch(event, lambdaContext('alert'), h.deps);
const tail = (event: KinesisStreamEvent, fromSequence: number, firstSequence = 1) => ({
  Records: event.Records.slice(fromSequence - firstSequence),
});

describe('alert consumer against dynalite and the local SNS endpoint', () => {
  it('fires error-burst exactly once for 6 errors in 60 s, not for 4, not for 5 spread over 10 minutes', async () => {
    const h = await harness(60);
    const event = aKinesisBatch([
      ...errors('burst', [0, 10, 20, 30, 40, 50]),
      ...errors('few', [0, 10, 20, 30]),
      ...errors('spread', [0, 150, 300, 450, 600]),
      pageView('pv-1'),
    ]);

    expect(await invoke(h, event)).toEqual({ batchItemFailures: [] });

    const [firing, ...more] = await notificationsFor('burst');
    expect(more).toEqual([]);
    expect(firing).toEqual({
      alertId: `error-burst#source=burst@${new Date(at(60)).toISOString()}`,
      alertKey: 'error-burst#source=burst',
      ruleId: 'error-burst',
      severity: 'critical',
      state: 'firing',
      groupBy: 'source',
      group: 'burst',
      at: new Date(at(60)).toISOString(),
      matchedCount: 6,
      description: expect.any(String),
    });
    const published = (await readPublished(sns.sinkDir, TOPIC)).find((m) => m.message.includes('"group":"burst"'));
    expect(published?.subject).toBe('[CRITICAL] error-burst firing: source=burst');
    expect(published?.messageAttributes).toEqual({
      rule: { dataType: 'String', value: 'error-burst' },
      severity: { dataType: 'String', value: 'critical' },
      state: { dataType: 'String', value: 'firing' },
    });
    expect(await notificationsFor('few')).toEqual([]);
    expect(await notificationsFor('spread')).toEqual([]);
    expect(await storedAlert(h, 'error-burst#source=burst')).toMatchObject({
      state: 'firing',
      notification: 'sent',
      firedCount: 1,
    });
    expect(await storedAlert(h, 'error-burst#source=few')).toMatchObject({ firedCount: 0, recent: expect.any(Array) });
    expect((await storedAlert(h, 'error-burst#source=few'))?.state).toBeUndefined();
    const firingIndex = await documents.send(
      new QueryCommand({
        TableName: h.tableName,
        IndexName: 'byState',
        KeyConditionExpression: '#state = :firing',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':firing': 'firing' },
      }),
    );
    expect(firingIndex.Items?.map((item) => item.alertKey)).toEqual(['error-burst#source=burst']);
  });

  it('publishes nothing more, and writes nothing, when the same batch is delivered again', async () => {
    const h = await harness(30);
    const event = aKinesisBatch(errors('twice', [0, 5, 10, 15, 20, 25]));
    await invoke(h, event);
    const after = await storedAlert(h, 'error-burst#source=twice');
    h.clock.now = at(35);

    expect(await invoke(h, structuredClone(event))).toEqual({ batchItemFailures: [] });

    expect(await notificationsFor('twice')).toHaveLength(1);
    expect(await storedAlert(h, 'error-burst#source=twice')).toEqual(after);
  });

  it('fires exactly once when a batch fails at an invalid record and is delivered again from it', async () => {
    const h = await harness(60);
    const event = aKinesisBatch([
      ...errors('halfway', [0, 10, 20]),
      { data: '{"type":"error"' },
      ...errors('halfway', [30, 40, 50]),
    ]);

    expect(await invoke(h, event)).toEqual({ batchItemFailures: [{ itemIdentifier: sequence(4) }] });
    // Lambda checkpoints before the failed record and delivers the rest again (until retries run out).
    expect(await invoke(h, tail(event, 4))).toEqual({ batchItemFailures: [{ itemIdentifier: sequence(4) }] });
    expect(await invoke(h, tail(event, 5))).toEqual({ batchItemFailures: [] });

    expect((await notificationsFor('halfway')).map((m) => m.state)).toEqual(['firing']);
  });

  it('fires exactly once when the state write fails and the batch is delivered again from the failed record', async () => {
    const h = await harness(60);
    const event = aKinesisBatch([pageView('pv-2'), pageView('pv-3'), ...errors('outage', [0, 10, 20, 30, 40, 50])]);
    h.failPuts.remaining = 1;

    const response = await invoke(h, event);

    expect(response.batchItemFailures).toEqual([3, 4, 5, 6, 7, 8].map((n) => ({ itemIdentifier: sequence(n) })));
    expect(await notificationsFor('outage')).toEqual([]);
    expect(await invoke(h, tail(event, 3))).toEqual({ batchItemFailures: [] });
    expect(await invoke(h, tail(event, 3))).toEqual({ batchItemFailures: [] });
    expect((await notificationsFor('outage')).map((m) => m.state)).toEqual(['firing']);
  });

  it('publishes a notification left pending by a crash between state write and publish on redelivery, once', async () => {
    const h = await harness(60);
    const event = aKinesisBatch(errors('crash', [0, 10, 20, 30, 40, 50]));
    h.sns.down = true;

    const failed = await invoke(h, event).catch((error: Error) => error);

    // Every record failed, so the whole invoke fails and Lambda retries the batch.
    expect(failed).toBeInstanceOf(Error);
    expect(await storedAlert(h, 'error-burst#source=crash')).toMatchObject({
      state: 'firing',
      notification: 'pending',
    });
    expect(await notificationsFor('crash')).toEqual([]);
    h.sns.down = false;
    // Within the lease the pending notification is the failed invocation's: a redelivery (or a
    // racing shard) leaves it alone rather than risk publishing it twice.
    h.clock.now = at(61);
    expect(await invoke(h, structuredClone(event))).toEqual({ batchItemFailures: [] });
    expect(await notificationsFor('crash')).toEqual([]);
    // Once the lease is over it counts as abandoned: the next reader publishes it, once.
    h.clock.now = at(60) + PENDING_LEASE_MS;
    expect(await invoke(h, structuredClone(event))).toEqual({ batchItemFailures: [] });
    expect(await invoke(h, structuredClone(event))).toEqual({ batchItemFailures: [] });

    // The firing goes out once; by now the window has passed too, so the end-of-invocation sweep
    // resolves the alert (and says so, once).
    const notifications = await notificationsFor('crash');
    expect(notifications.map((m) => [m.state, m.at])).toEqual([
      ['firing', new Date(at(60)).toISOString()],
      ['resolved', new Date(at(60) + PENDING_LEASE_MS).toISOString()],
    ]);
    expect(await storedAlert(h, 'error-burst#source=crash')).toMatchObject({ notification: 'sent', firedCount: 1 });
  });

  it('publishes a notification whose first publish failed from the sweep at the end of the same invocation', async () => {
    const h = await harness(60);
    let failures = 1;
    const publish = h.deps.channel.sns.send.bind(h.deps.channel.sns);
    h.deps.channel.sns = {
      send: (command) => (failures-- > 0 ? Promise.reject(new Error('simulated timeout')) : publish(command)),
    };

    const response = await invoke(h, aKinesisBatch([pageView('pv-4'), ...errors('once', [0, 10, 20, 30, 40])]));

    // The records are still reported (the publish failed), but the notification is already out.
    expect(response.batchItemFailures).toHaveLength(5);
    expect((await notificationsFor('once')).map((m) => m.state)).toEqual(['firing']);
    expect(await storedAlert(h, 'error-burst#source=once')).toMatchObject({ notification: 'sent' });
  });

  it('merges the matches of two invocations racing on one alert (two shards) and fires once', async () => {
    const h = await harness(60);
    const first = aKinesisBatch(errors('race', [0, 10, 20]), { shardId: 'shardId-000000000000' });
    const second = aKinesisBatch(errors('race', [30, 40, 50]), { shardId: 'shardId-000000000001' });

    await Promise.all([invoke(h, first), invoke(h, second)]);

    expect((await notificationsFor('race')).map((m) => m.state)).toEqual(['firing']);
    const stored = await storedAlert(h, 'error-burst#source=race');
    expect(stored?.recent.map((match) => match.id).sort()).toEqual([0, 10, 20, 30, 40, 50].map((s) => `race-${s}`));
  });

  it('does not publish a firing twice when another shard reads it pending while its writer is still publishing', async () => {
    const h = await harness(60);
    // The first shard's publish is held until the second shard's batch has run completely.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const publish = h.deps.channel.sns.send.bind(h.deps.channel.sns);
    let holdNext = true;
    h.deps.channel.sns = {
      send: async (command) => {
        if (holdNext) {
          holdNext = false;
          await held;
        }
        return publish(command);
      },
    };
    const first = aKinesisBatch(errors('held', [0, 10, 20, 30, 40]), { shardId: 'shardId-000000000000' });
    const second = aKinesisBatch(errors('held', [50, 55]), { shardId: 'shardId-000000000001' });

    const firstRun = invoke(h, first);
    await vi.waitFor(async () =>
      expect(await storedAlert(h, 'error-burst#source=held')).toMatchObject({ notification: 'pending' }),
    );
    expect(await invoke(h, second)).toEqual({ batchItemFailures: [] });
    expect(await notificationsFor('held')).toEqual([]);
    release();
    expect(await firstRun).toEqual({ batchItemFailures: [] });

    expect((await notificationsFor('held')).map((m) => m.state)).toEqual(['firing']);
    // The second shard's matches were merged, and the notification is marked sent on the item as it now is.
    const stored = await storedAlert(h, 'error-burst#source=held');
    expect(stored).toMatchObject({ notification: 'sent', firedCount: 1 });
    expect(stored?.recent).toHaveLength(7);
    // Nothing pending is left for a later sweep to publish again (it only resolves the alert).
    await sweepAlerts(h.deps, alertWriter(h.deps, at(60) + PENDING_LEASE_MS));
    expect((await notificationsFor('held')).map((m) => m.state)).toEqual(['firing', 'resolved']);
  });

  it('sweeps after a batch at most every BATCH_SWEEP_INTERVAL_MS per container', async () => {
    const h = await harness(60);
    let queries = 0;
    const client = h.deps.table.client;
    h.deps.table = {
      ...h.deps.table,
      client: {
        send: ((command: Parameters<AlertTableClient['send']>[0]) => {
          if (command instanceof QueryCommand) queries += 1;
          return client.send(command as never);
        }) as AlertTableClient['send'],
      },
    };
    const sweepsDuring = async (seconds: number, source: string) => {
      const before = queries;
      h.clock.now = at(seconds);
      await invoke(h, aKinesisBatch(errors(source, [seconds])));
      return queries - before;
    };
    expect(await sweepsDuring(60, 'first')).toBeGreaterThan(0);
    expect(await sweepsDuring(61, 'second')).toBe(0);
    expect(await sweepsDuring(60 + BATCH_SWEEP_INTERVAL_MS / 1000, 'third')).toBeGreaterThan(0);
  });

  it('sweep resolves the alert once the window has passed and publishes one resolution', async () => {
    const h = await harness(50);
    await invoke(h, aKinesisBatch(errors('sweep', [0, 10, 20, 30, 40, 50])));
    const sweep = (seconds: number) => sweepAlerts(h.deps, alertWriter(h.deps, at(seconds)));

    expect(await sweep(100)).toEqual({ checked: 1, resolved: 0, failed: 0 });
    expect(await sweep(111)).toEqual({ checked: 1, resolved: 1, failed: 0 });
    expect(await sweep(200)).toEqual({ checked: 0, resolved: 0, failed: 0 });

    const notifications = await notificationsFor('sweep');
    expect(notifications.map((m) => [m.state, m.at])).toEqual([
      ['firing', new Date(at(50)).toISOString()],
      ['resolved', new Date(at(111)).toISOString()],
    ]);
    expect(notifications[1]?.alertId).toBe(notifications[0]?.alertId);
    expect(await storedAlert(h, 'error-burst#source=sweep')).toMatchObject({
      state: 'resolved',
      resolvedAt: new Date(at(111)).toISOString(),
      changedAt: new Date(at(111)).toISOString(),
      notification: 'sent',
    });
  });

  it('sweep publishes a resolution whose publish failed on its next run, once', async () => {
    const h = await harness(50);
    await invoke(h, aKinesisBatch(errors('late-resolution', [0, 10, 20, 30, 40, 50])));
    h.sns.down = true;
    const sweep = (seconds: number) => sweepAlerts(h.deps, alertWriter(h.deps, at(seconds)));

    expect(await sweep(120)).toEqual({ checked: 1, resolved: 0, failed: 1 });
    h.sns.down = false;
    expect(await sweep(180)).toEqual({ checked: 1, resolved: 0, failed: 0 });
    expect(await sweep(240)).toEqual({ checked: 0, resolved: 0, failed: 0 });

    const notifications = await notificationsFor('late-resolution');
    expect(notifications.map((m) => [m.state, m.at])).toEqual([
      ['firing', new Date(at(50)).toISOString()],
      ['resolved', new Date(at(120)).toISOString()],
    ]);
  });
});

describe('alert entry points', () => {
  it('handler and sweepHandler run from their environment with the shared clients and the local SNS endpoint', async () => {
    const tableName = await createAlertsTable();
    Object.assign(process.env, { ALERTS_TABLE: tableName, ALERT_TOPIC_ARN: topicArn, ALERT_COOLDOWN_SECONDS: '300' });
    const { handler } = await import('../../functions/alert/handler.ts');
    const { handler: sweepHandler } = await import('../../functions/alert/sweepHandler.ts');
    const now = Date.now();
    const event = aKinesisBatch(
      [50, 40, 30, 20, 10, 5].map((ago) => ({
        data: aPipelineRecordBytes({ type: 'error', source: 'entry', time: new Date(now - ago * 1000).toISOString() }),
      })),
    );

    expect(await handler(event, lambdaContext('alert'))).toEqual({ batchItemFailures: [] });
    const scheduled: ScheduledEvent = {
      version: '0',
      id: 'sweep-1',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date(now).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
    expect(await sweepHandler(scheduled, lambdaContext('alertSweep'))).toEqual({ checked: 1, resolved: 0, failed: 0 });

    expect((await notificationsFor('entry')).map((m) => [m.ruleId, m.state])).toEqual([['error-burst', 'firing']]);
  });
});
