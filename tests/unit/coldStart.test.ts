import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lambdaEnvironment, plausibleValue, readZipEntries } from '../../bench/coldStart.ts';

/** A zip archive of `files` as a zip writer lays it out: local headers and data, central directory, end record. */
function zipOf(files: { name: string; content: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, content, deflate } of files) {
    const data = deflate ? deflateRawSync(content) : content;
    const nameBytes = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('cold-start benchmark helpers', () => {
  it('reads stored and deflated zip entries by path, folders left out', () => {
    const handler = Buffer.from('export const handler = async () => 1;\n'.repeat(100));
    const zip = zipOf([
      { name: 'functions/', content: Buffer.alloc(0), deflate: false },
      { name: 'functions/ingest/handler.mjs', content: handler, deflate: true },
      { name: 'functions/ingest/handler.mjs.map', content: Buffer.from('{"version":3}'), deflate: false },
    ]);
    const entries = readZipEntries(zip);
    expect([...entries.keys()]).toEqual(['functions/ingest/handler.mjs', 'functions/ingest/handler.mjs.map']);
    expect(entries.get('functions/ingest/handler.mjs')?.equals(handler)).toBe(true);
    expect(entries.get('functions/ingest/handler.mjs.map')?.toString()).toBe('{"version":3}');
  });

  it('refuses what is not a zip archive', () => {
    expect(() => readZipEntries(Buffer.alloc(100))).toThrow(/not a zip archive/);
  });

  it('gives a Ref the name its resource declares, a topic an ARN, and literals as they are', () => {
    const template = {
      Resources: {
        ProducersTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'kinesis-pipeline-ci-producers' } },
        AlertTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
        ArchiveBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      },
    };
    expect(plausibleValue({ Ref: 'ProducersTable' }, template)).toBe('kinesis-pipeline-ci-producers');
    expect(plausibleValue({ Ref: 'AlertTopic' }, template)).toMatch(/^arn:aws:sns:us-east-1:\d{12}:AlertTopic$/);
    expect(plausibleValue({ Ref: 'ArchiveBucket' }, template)).toBe('ArchiveBucket');
    expect(plausibleValue(300, template)).toBe('300');
    expect(plausibleValue('4500000', template)).toBe('4500000');
    expect(plausibleValue({ 'Fn::GetAtt': ['Stream', 'Arn'] }, template)).toBe('placeholder');
  });

  it("sets Lambda's variables over the template's, the X-Ray ones only where tracing is active", () => {
    const base = {
      functionName: 'kinesis-pipeline-ci-ingest',
      handler: 'functions/ingest/handler.handler',
      runtime: 'nodejs22.x',
      memoryMb: 512,
      taskRoot: '/tmp/task',
      variables: { STREAM_NAME: 'stream', AWS_REGION: 'eu-west-1' },
    };
    const traced = lambdaEnvironment({ ...base, tracing: true });
    expect(traced).toMatchObject({
      STREAM_NAME: 'stream',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: 'kinesis-pipeline-ci-ingest',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      LAMBDA_TASK_ROOT: '/tmp/task',
      _HANDLER: 'functions/ingest/handler.handler',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    });
    expect(traced.NODE_OPTIONS).toBeUndefined();
    expect(lambdaEnvironment({ ...base, tracing: false }).AWS_XRAY_DAEMON_ADDRESS).toBeUndefined();
    expect(
      lambdaEnvironment({ ...base, tracing: false, variables: { NODE_OPTIONS: '--enable-source-maps' } }),
    ).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
    });
  });
});
