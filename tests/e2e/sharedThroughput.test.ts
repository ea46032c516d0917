import { ListStreamConsumersCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { anEvent } from '../helpers/events.ts';
import { archivedLines, clientsFor, postEvents, startTestPipeline } from '../helpers/localPipeline.ts';

// The *StreamReads params (serverless.yml) in the local runtime: a consumer set to `shared` gets no
// AWS::Kinesis::StreamConsumer, its mapping's EventSourceArn is the stream's, and the local event
// source mapping polls GetRecords for it (ShardReader) instead of subscribing (SubscriptionReader),
// beside a consumer left on enhanced fan-out.

let runtime: LocalRuntime;
const lines: string[] = [];

beforeAll(async () => {
  runtime = await startTestPipeline('shared-reads', {
    params: { archiveStreamReads: 'shared', alertStreamReads: 'shared' },
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a local stack started with --param archiveStreamReads=shared --param alertStreamReads=shared', () => {
  it('reads the template as CloudFormation would create it: one stream consumer, two mappings on the stream', () => {
    const { app } = runtime;
    expect(app.consumers.map((consumer) => consumer.logicalId)).toEqual(['AggregateStreamConsumer']);
    const sources = Object.fromEntries(
      app.eventSourceMappings.map((mapping) => [mapping.logicalId, mapping.consumerLogicalId ?? 'the stream']),
    );
    expect(sources).toEqual({
      ArchiveEventSourceMapping: 'the stream',
      AggregateEventSourceMapping: 'AggregateStreamConsumer',
      AlertEventSourceMapping: 'the stream',
    });
  });

  it('registers only the enhanced fan-out consumer with the local Kinesis', async () => {
    const { kinesis } = clientsFor(runtime.endpoints);
    const { Consumers = [] } = await kinesis.send(
      new ListStreamConsumersCommand({ StreamARN: runtime.endpoints.streamArn }),
    );
    expect(Consumers.map((consumer) => consumer.ConsumerName)).toEqual(['kinesis-pipeline-local-aggregate']);
  });

  it('delivers posted events to the shared-throughput consumers, which read with GetRecords', async () => {
    const events = Array.from({ length: 40 }, (_, i) => anEvent({ id: `shared-${i}`, subject: `user-${i % 7}` }));
    expect((await postEvents(runtime.endpoints, JSON.stringify(events))).status).toBe(200);

    // The archive has no stream consumer to subscribe through: every object it writes was polled.
    const { s3 } = clientsFor(runtime.endpoints);
    const bucket = runtime.endpoints.buckets.ArchiveBucket ?? '';
    const ids = events.map((event) => event.id as string);
    const archived = await pollUntil(
      async () => {
        const found = new Set((await archivedLines(s3, bucket)).flatMap(({ line }) => line.event?.id ?? []));
        return ids.every((id) => found.has(id)) ? found : undefined;
      },
      { what: 'the archive to hold all 40 events', timeoutMs: 60_000 },
    );
    expect([...archived].sort()).toEqual([...ids].sort());

    // The alert function ran batches from the stream too (its evaluation is tested elsewhere).
    const alertBatches = await pollUntil(
      async () => {
        const ok = lines.filter((line) => /^kinesis-pipeline-local-alert {2}shardId-\d+ {2}batch \d+ .* ok/.test(line));
        const delivered = ok.reduce((sum, line) => sum + Number(/ batch (\d+) /.exec(line)?.[1] ?? 0), 0);
        return delivered >= events.length ? ok : undefined;
      },
      { what: 'the alert consumer to be invoked with all 40 records', timeoutMs: 60_000 },
    );
    expect(alertBatches.length).toBeGreaterThan(0);
  });
});
