import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { deliverEvent } from '../../cli/redrive/deliverEvent.ts';
import { failureLine, RedriveError } from '../../cli/redrive/errors.ts';
import { failedBatchesFromLines, parseFailureRecord } from '../../cli/redrive/failedBatches.ts';
import { judgeResponse } from '../../cli/redrive/invokeConsumer.ts';
import { retentionLeft, streamNameOf } from '../../cli/redrive/rereadBatch.ts';
import { summarize } from '../../cli/redrive/summarize.ts';
import { parseTime } from '../../cli/redrive/times.ts';
import { hourPrefixes } from '../../cli/replay/archivedEvents.ts';
import { replayBatches } from '../../cli/replay/replayBatches.ts';
import type { ArchivedEventLine } from '../../functions/archive/planArchive.ts';
import { streamEvents } from '../../shared/consumers/streamEvents.ts';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/kinesis-pipeline-local-events';

const failureRecord = (overrides: { shardId?: string; batchSize?: number; payload?: string } = {}) => ({
  requestContext: {
    requestId: 'r-1',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kinesis-pipeline-local-aggregate',
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 6,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2026-01-02T03:04:05.000Z',
  KinesisBatchInfo: {
    shardId: overrides.shardId ?? 'shardId-000000000000',
    startSequenceNumber: '100',
    endSequenceNumber: '200',
    approximateArrivalOfFirstRecord: '2026-01-02T03:00:00.000Z',
    approximateArrivalOfLastRecord: '2026-01-02T03:00:01.000Z',
    batchSize: overrides.batchSize ?? 3,
    streamArn: STREAM_ARN,
  },
  ...(overrides.payload === undefined ? {} : { payload: overrides.payload }),
});

describe('failure records', () => {
  it('parses what Lambda writes, with or without a payload', () => {
    const withPayload = parseFailureRecord(JSON.stringify(failureRecord({ payload: '{"Records":[]}' })), 'k');
    expect(withPayload.payload).toBe('{"Records":[]}');
    const [line] = failedBatchesFromLines(`\n${JSON.stringify(failureRecord())}\n\n`, 'queue.ndjson');
    expect(line?.source).toBe('queue.ndjson:2');
    expect(line?.record.payload).toBeUndefined();
  });

  it('names the source and the missing field of something that is not one', () => {
    expect(() => parseFailureRecord('{"version":"1.0"}', 'aws/lambda/x')).toThrow(RedriveError);
    expect(() => parseFailureRecord('{"version":"1.0"}', 'aws/lambda/x')).toThrow(/aws\/lambda\/x: .*KinesisBatchInfo/);
    expect(() => parseFailureRecord('not json', 'file:3')).toThrow(/file:3: not JSON/);
  });

  it('summarizes batches, records, shards, ranges and the first error', () => {
    const batches = [
      { source: 'a', record: parseFailureRecord(JSON.stringify(failureRecord({ payload: '{}' })), 'a') },
      {
        source: 'b',
        record: parseFailureRecord(
          JSON.stringify(failureRecord({ shardId: 'shardId-000000000001', batchSize: 4 })),
          'b',
        ),
      },
    ];
    const lines = summarize(batches, 'failed-bucket');
    expect(lines[0]).toBe('2 failed batches, 7 records, 2 shards in failed-bucket');
    expect(lines[1]).toContain(
      'shardId-000000000000  100 .. 200  3 records  RetryAttemptsExhausted  functionError=Unhandled  payload',
    );
    expect(lines[2]).toContain('metadata only');
    expect(lines[3]).toBe(
      'first error: RetryAttemptsExhausted at 2026-01-02T03:04:05.000Z: the function failed (Unhandled), after 6 invokes',
    );
    expect(summarize([], 'failed-bucket')).toEqual(['no failed batches in failed-bucket']);
  });
});

describe('judging a redelivery as the event source mapping does', () => {
  it('succeeds on an empty or absent batchItemFailures, or no response', () => {
    expect(judgeResponse(undefined, '{"batchItemFailures":[]}')).toEqual({ ok: true });
    expect(judgeResponse(undefined, 'null')).toEqual({ ok: true });
    expect(judgeResponse(undefined, '')).toEqual({ ok: true });
    expect(judgeResponse(undefined, '{}')).toEqual({ ok: true });
  });

  it('fails with the sequence numbers reported, the function error, or an invalid response', () => {
    expect(judgeResponse(undefined, '{"batchItemFailures":[{"itemIdentifier":"42"},{"itemIdentifier":"43"}]}')).toEqual(
      {
        ok: false,
        reason: '2 records failed again: 42, 43',
        failedSequenceNumbers: ['42', '43'],
      },
    );
    expect(judgeResponse('Unhandled', '{"errorType":"TypeError","errorMessage":"boom"}')).toMatchObject({
      ok: false,
      reason: 'function error (Unhandled): TypeError: boom',
    });
    expect(judgeResponse(undefined, '{"batchItemFailures":[{"itemIdentifier":""}]}').ok).toBe(false);
    expect(judgeResponse(undefined, '{"batchItemFailures":"all"}').ok).toBe(false);
    expect(judgeResponse(undefined, '{not json').ok).toBe(false);
  });
});

describe('learning why records failed, from what the Invoke API answers', () => {
  /** A Lambda whose function answers each event with `answer(records' sequence numbers)`; remembers the events. */
  function fakeLambda(answer: (sequences: string[]) => { error?: string; failed?: string[] }) {
    const invoked: string[][] = [];
    const lambda = {
      async send(command: InvokeCommand) {
        const event = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8')) as {
          Records: Array<{ kinesis: { sequenceNumber: string } }>;
        };
        const sequences = event.Records.map((record) => record.kinesis.sequenceNumber);
        invoked.push(sequences);
        const { error, failed = [] } = answer(sequences);
        const body = error
          ? { errorType: 'FullBatchFailureError', errorMessage: error }
          : { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
        return { FunctionError: error ? 'Unhandled' : undefined, Payload: Buffer.from(JSON.stringify(body)) };
      },
    } as unknown as Pick<LambdaClient, 'send'>;
    return { lambda, invoked };
  }
  const event = { Records: ['11', '12', '13', '14'].map((sequenceNumber) => ({ kinesis: { sequenceNumber } })) };

  it('delivers the first failed record (in the event, not the answer) again alone, and gives its error', async () => {
    const { lambda, invoked } = fakeLambda((sequences) =>
      sequences.length === 1
        ? { error: `All records failed processing. ${sequences[0]}: cannot aggregate: value 1e+200 is out of range` }
        : { failed: ['14', '12'] },
    );
    const outcome = await deliverEvent(lambda, 'aggregate', event);
    expect(invoked).toEqual([['11', '12', '13', '14'], ['12']]);
    expect(outcome).toEqual({
      ok: false,
      reason: '2 records failed again: 14, 12',
      failedSequenceNumbers: ['14', '12'],
      why: '12: function error (Unhandled): FullBatchFailureError: All records failed processing. 12: cannot aggregate: value 1e+200 is out of range',
    });
  });

  it('says so when the record goes through alone, or fails alone without a reason', async () => {
    const passes = fakeLambda((sequences) => ({ failed: sequences.length === 1 ? [] : ['13'] }));
    expect(await deliverEvent(passes.lambda, 'aggregate', event)).toMatchObject({
      why: '13: delivered again alone, it went through: the failure did not repeat',
    });
    const silent = fakeLambda((sequences) => ({ failed: sequences.slice(-1) }));
    expect(await deliverEvent(silent.lambda, 'archive', event)).toMatchObject({
      why: expect.stringMatching(/^14: failed again alone, and the function's answer names no reason/),
    });
  });

  it('invokes once when the answer already says why (a function error) or all went well', async () => {
    const throws = fakeLambda(() => ({ error: 'All records failed processing. 11: not UTF-8 JSON' }));
    const outcome = await deliverEvent(throws.lambda, 'aggregate', event);
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining('11: not UTF-8 JSON') });
    expect(outcome).not.toHaveProperty('why');
    expect(throws.invoked).toHaveLength(1);
    const fine = fakeLambda(() => ({}));
    expect(await deliverEvent(fine.lambda, 'aggregate', event)).toEqual({ ok: true });
    expect(fine.invoked).toHaveLength(1);
  });
});

describe('what a failing redrive or replay prints', () => {
  const credentialsError = () =>
    Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });

  it('one line for its own errors, AWS refusals, missing credentials and an unreachable endpoint', () => {
    expect(failureLine(new RedriveError('the local pipeline has no\nAggregateFailedBatchesBucket'))).toBe(
      'the local pipeline has no AggregateFailedBatchesBucket',
    );
    expect(failureLine(credentialsError())).toMatch(
      /^no AWS credentials: Could not load credentials from any providers \(set AWS_PROFILE, .*\)$/,
    );
    expect(
      failureLine(
        new RedriveError('cannot read stack kinesis-pipeline-ci in eu-west-1: …', { cause: credentialsError() }),
      ),
    ).toMatch(/^cannot read stack kinesis-pipeline-ci in eu-west-1: … \(no AWS credentials: set AWS_PROFILE/);
    const denied = Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    expect(failureLine(denied)).toBe('AccessDeniedException: User is not authorized to perform: lambda:InvokeFunction');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4569'), { code: 'ECONNREFUSED' });
    expect(failureLine(refused)).toBe('connect ECONNREFUSED 127.0.0.1:4569');
  });

  it('nothing for a bug, which keeps its stack trace', () => {
    expect(failureLine(new TypeError("Cannot read properties of undefined (reading 'Records')"))).toBeUndefined();
    expect(failureLine('a string')).toBeUndefined();
  });
});

describe('re-reading metadata-only batches', () => {
  it('says how much retention is left, negative once expired', () => {
    const arrival = '2026-01-02T00:00:00.000Z';
    expect(retentionLeft(24, arrival, Date.parse('2026-01-02T20:00:00Z'))).toBe(4 * 3_600_000);
    expect(retentionLeft(24, arrival, Date.parse('2026-01-03T01:00:00Z'))).toBe(-3_600_000);
  });

  it('takes the stream name from a stream or consumer ARN, and refuses anything else', () => {
    expect(streamNameOf(STREAM_ARN)).toBe('kinesis-pipeline-local-events');
    expect(streamNameOf(`${STREAM_ARN}/consumer/archive:1700000000`)).toBe('kinesis-pipeline-local-events');
    expect(() => streamNameOf('arn:aws:sqs:us-east-1:000000000000:queue')).toThrow(/not a Kinesis stream ARN/);
  });
});

describe('times on the command line', () => {
  it('reads ISO 8601 dates and times, UTC unless an offset is given', () => {
    expect(parseTime('2026-01-02')).toBe(Date.UTC(2026, 0, 2));
    expect(parseTime('2026-01-02T03:04Z')).toBe(Date.UTC(2026, 0, 2, 3, 4));
    expect(parseTime('2026-01-02T03:04:05.5')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 500));
    expect(parseTime('2026-01-02T03:04:05+01:00')).toBe(Date.UTC(2026, 0, 2, 2, 4, 5));
    expect(parseTime('yesterday')).toBeUndefined();
    expect(parseTime('1767323040000')).toBeUndefined();
  });
});

describe('replay', () => {
  it('reads from the hour before --from through the hour of --to', () => {
    expect(hourPrefixes(Date.parse('2026-01-01T00:10Z'), Date.parse('2026-01-01T01:00Z'))).toEqual([
      'events/year=2025/month=12/day=31/hour=23/',
      'events/year=2026/month=01/day=01/hour=00/',
      'events/year=2026/month=01/day=01/hour=01/',
    ]);
  });

  const line = (shardId: string, sequenceNumber: string, id: string): ArchivedEventLine => ({
    kinesis: {
      shardId,
      sequenceNumber,
      partitionKey: `pk-${id}`,
      approximateArrivalTimestamp: '2026-01-02T03:04:05.678Z',
    },
    event: {
      specversion: '1.0',
      type: 'page_view',
      source: 'web',
      id,
      time: '2026-01-02T03:04:00.000Z',
      receivedAt: '2026-01-02T03:04:05.000Z',
      ingestRequestId: 'req-1',
    },
  });

  it('rebuilds Lambda records per shard in sequence order (numeric, not text), cut at the batch size, once each', () => {
    const lines = [
      line('shardId-000000000001', '30', 'c'),
      line('shardId-000000000000', '100', 'b'),
      line('shardId-000000000000', '99', 'a'),
      line('shardId-000000000000', '100', 'b'),
      line('shardId-000000000000', '1000', 'd'),
    ];
    const shards = replayBatches(lines, { streamArn: STREAM_ARN, region: 'us-east-1', roleArn: 'arn:role' }, 2);
    expect(shards.map((s) => [s.shardId, s.records, s.events.length])).toEqual([
      ['shardId-000000000000', 3, 2],
      ['shardId-000000000001', 1, 1],
    ]);
    const first = shards[0]?.events.flatMap((event) => event.Records) ?? [];
    expect(first.map((r) => r.kinesis.sequenceNumber)).toEqual(['99', '100', '1000']);
    const record = first[0];
    if (!record) throw new Error('no record');
    expect(record).toMatchObject({
      eventID: 'shardId-000000000000:99',
      eventSourceARN: STREAM_ARN,
      invokeIdentityArn: 'arn:role',
      kinesis: { partitionKey: 'pk-a', approximateArrivalTimestamp: 1767323045.678 },
    });
    const [decoded] = streamEvents(record);
    expect(decoded?.ok && decoded.event.id).toBe('a');
  });

  it('puts the archived user records of an aggregated record back into one aggregated record, in sub-sequence order', () => {
    const user = (sequenceNumber: string, sub: number, id: string): ArchivedEventLine => {
      const archived = line('shardId-000000000000', sequenceNumber, id);
      return { ...archived, kinesis: { ...archived.kinesis, subSequenceNumber: sub } };
    };
    // Sub-sequence 1 was not a valid event (archived under errors/), so it is not replayed.
    const lines = [
      user('50', 2, 'c'),
      line('shardId-000000000000', '40', 'plain'),
      user('50', 0, 'a'),
      user('50', 0, 'a'),
    ];
    const [shard] = replayBatches(lines, { streamArn: STREAM_ARN, region: 'us-east-1', roleArn: 'arn:role' }, 10);
    const records = shard?.events.flatMap((event) => event.Records) ?? [];
    expect(records.map((r) => r.kinesis.sequenceNumber)).toEqual(['40', '50']);
    expect(records[1]?.kinesis.partitionKey).toBe('pk-a');
    const events = streamEvents(records[1] as (typeof records)[number]);
    expect(events.map((e) => [e.position.subSequenceNumber, e.position.partitionKey, e.ok && e.event.id])).toEqual([
      [0, 'pk-a', 'a'],
      [1, 'pk-c', 'c'],
    ]);
    expect(streamEvents(records[0] as (typeof records)[number]).map((e) => e.ok && e.event.id)).toEqual(['plain']);
  });
});
