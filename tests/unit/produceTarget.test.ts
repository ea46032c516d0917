import { afterEach, describe, expect, it } from 'vitest';
import { type DestinationRequest, resolveDestination } from '../../cli/produce/destination.ts';
import { Reasons, rateReport } from '../../cli/produce/report.ts';
import { pointAwsClients } from '../../cli/target.ts';
import { producersTable, type TableRequest } from '../../cli/token/table.ts';
import type { LocalEndpoints } from '../../local/endpointsFile.ts';

const local: LocalEndpoints = {
  httpApi: 'http://127.0.0.1:3000',
  kinesis: 'http://127.0.0.1:4568',
  dynamodb: 'http://127.0.0.1:8000',
  s3: 'http://127.0.0.1:4569',
  sns: 'http://127.0.0.1:4575',
  snsSinkDir: '.local/data/sns',
  region: 'us-east-1',
  streamName: 'kinesis-pipeline-local-events',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/kinesis-pipeline-local-events',
  token: 'kp_dev',
  tables: { ProducersTable: 'kinesis-pipeline-local-producers' },
  buckets: {},
  topics: {},
  lambda: 'http://127.0.0.1:3001',
  functions: {},
};
const endpointsFile = '.local/endpoints.json';

const destination = (request: Partial<DestinationRequest>) =>
  resolveDestination({ aggregate: false, env: {}, endpointsFile, ...request });

describe('where npm run produce sends (issue 13, point 1)', () => {
  it('writes --stream to the local pipeline when there is one, not to AWS', () => {
    expect(destination({ stream: 'kinesis-pipeline-local-events', local })).toMatchObject({
      kind: 'stream',
      streamName: 'kinesis-pipeline-local-events',
      endpoint: local.kinesis,
      region: 'us-east-1',
      local: true,
    });
    expect(destination({ aggregate: true, local })).toMatchObject({ streamName: local.streamName, local: true });
  });

  it("sends through the local pipeline's HTTP API with its dev token by default", () => {
    expect(destination({ local })).toMatchObject({ kind: 'http', url: local.httpApi, token: 'kp_dev', local: true });
    expect(destination({ local, env: { token: 'kp_env' } })).toMatchObject({ token: 'kp_env' });
  });

  it('goes to AWS only for --stage or --region, and names the stage stream', () => {
    const staged = destination({ stage: 'prod', env: { region: 'eu-west-1' }, local });
    expect(staged).toMatchObject({ kind: 'stream', streamName: 'kinesis-pipeline-prod-events', region: 'eu-west-1' });
    expect((staged as { endpoint?: string }).endpoint).toBeUndefined();
    expect((staged as { where: string }).where).toMatch(/^AWS: .*kinesis-pipeline-prod-events in eu-west-1/);
    expect(destination({ stream: 'theirs', region: 'ap-south-1', local })).toMatchObject({
      streamName: 'theirs',
      region: 'ap-south-1',
      local: false,
    });
    expect(destination({ stage: 'prod' })).toMatchObject({ kind: 'problem', usage: true });
    expect(destination({ region: 'eu-west-1' })).toMatchObject({ kind: 'problem', usage: true });
  });

  it('refuses to guess without a local pipeline: nothing goes to AWS unasked', () => {
    const refused = destination({ stream: 'kinesis-pipeline-dev-events' });
    expect(refused).toMatchObject({ kind: 'problem', usage: false });
    expect((refused as { message: string }).message).toMatch(/npm start.*--stage/);
  });

  it('takes an explicit endpoint over the local pipeline: --url, KINESIS_ENDPOINT', () => {
    expect(destination({ url: 'https://api.example/', token: 't', local })).toMatchObject({
      kind: 'http',
      url: 'https://api.example/',
      local: false,
    });
    expect(destination({ url: 'https://api.example/', local })).toMatchObject({ kind: 'problem', usage: true });
    expect(destination({ url: `${local.httpApi}/`, local })).toMatchObject({ token: 'kp_dev', local: true });
    const other = destination({ stream: 's', env: { kinesisEndpoint: 'http://127.0.0.1:9999' }, local });
    expect(other).toMatchObject({ endpoint: 'http://127.0.0.1:9999', local: false });
    expect(destination({ stream: 's', env: { kinesisEndpoint: local.kinesis }, local })).toMatchObject({ local: true });
    expect(destination({ url: 'https://x', stream: 's', token: 't' })).toMatchObject({ kind: 'problem', usage: true });
  });
});

const table = (request: Partial<TableRequest>) => producersTable({ env: {}, endpointsFile, ...request });

describe('which producers table npm run token uses', () => {
  it("uses the local pipeline's DynamoDB for --table and PRODUCERS_TABLE when there is one", () => {
    expect(table({ local })).toMatchObject({ name: local.tables.ProducersTable, endpoint: local.dynamodb });
    expect(table({ table: 'other', local })).toMatchObject({ name: 'other', endpoint: local.dynamodb, local: true });
    expect(table({ env: { table: 'env-table' }, local })).toMatchObject({ name: 'env-table', local: true });
  });

  it('goes to AWS for --stage or --region only', () => {
    const staged = table({ stage: 'prod', env: { region: 'eu-west-1' }, local });
    expect(staged).toMatchObject({ name: 'kinesis-pipeline-prod-producers', region: 'eu-west-1', local: false });
    expect((staged as { endpoint?: string }).endpoint).toBeUndefined();
    expect(table({ table: 't', region: 'eu-west-1' })).toMatchObject({ name: 't', region: 'eu-west-1' });
    expect(table({ stage: 'prod' })).toMatchObject({ kind: 'problem', usage: true });
    expect(table({ table: 't' })).toMatchObject({ kind: 'problem', usage: false });
  });

  it('takes DYNAMODB_ENDPOINT as the endpoint when it is set', () => {
    const explicit = table({ env: { table: 'p', dynamodbEndpoint: 'http://127.0.0.1:1' }, local });
    expect(explicit).toMatchObject({ name: 'p', endpoint: 'http://127.0.0.1:1', local: false });
  });
});

describe('the summary of npm run produce', () => {
  it('counts the reasons of events not accepted by code, with a message and a hint (point 1)', () => {
    const reasons = new Reasons();
    reasons.add({ status: 'failed', code: 'CredentialsProviderError', message: 'Could not load\ncredentials' }, 10);
    reasons.add({ status: 'rejected', code: 'source_not_allowed', message: 'source mobile-app' });
    reasons.add({ status: 'rejected', code: 'source_not_allowed', message: 'source web-frontend' });
    const lines = reasons.lines();
    expect(lines[0]).toMatch(/^failed: 10 × CredentialsProviderError: Could not load credentials \(no AWS credentials/);
    expect(lines[1]).toMatch(/^rejected: 2 × source_not_allowed: source mobile-app \(the token may not/);
    expect(lines).toHaveLength(2);
  });

  it('says how many more codes there were beyond the commonest five', () => {
    const reasons = new Reasons();
    for (let code = 0; code < 7; code++) reasons.add({ status: 'failed', code: `E${code}` }, 10 - code);
    expect(reasons.lines().at(-1)).toBe('failed: 9 more (2 other codes)');
  });

  it('reports the rate reached against --rate, and says when it falls below 95% (point 8)', () => {
    expect(rateReport(1000, 8.47, 500)).toEqual({
      perSecond: 118,
      verdict: '118 ev/s of the 500 ev/s requested (23%): missed',
      missed: true,
    });
    expect(rateReport(1000, 2.08, 500)).toEqual({
      perSecond: 481,
      verdict: '481 ev/s of the 500 ev/s requested (96%): reached',
      missed: false,
    });
    expect(rateReport(1000, 2.2, 500).missed).toBe(true);
    expect(rateReport(1000, 2, 0)).toEqual({ perSecond: 500, missed: false });
  });
});

describe('pointAwsClients', () => {
  const NAMES = ['KINESIS_ENDPOINT', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'AWS_REGION'] as const;
  const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const name of NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('leaves no endpoint variable for AWS itself, even one naming the local pipeline', () => {
    process.env.DYNAMODB_ENDPOINT = local.dynamodb;
    process.env.KINESIS_ENDPOINT = '';
    pointAwsClients({ region: 'eu-west-1', local: false }, local);
    expect(process.env.DYNAMODB_ENDPOINT).toBeUndefined();
    expect(process.env.KINESIS_ENDPOINT).toBeUndefined();
    expect(process.env.AWS_REGION).toBe('eu-west-1');
  });

  it('keeps an explicit endpoint, and points every client at the local pipeline for it', () => {
    process.env.KINESIS_ENDPOINT = 'http://127.0.0.1:9999';
    pointAwsClients({ endpoint: 'http://127.0.0.1:9999', region: 'us-east-1', local: false }, local);
    expect(process.env.KINESIS_ENDPOINT).toBe('http://127.0.0.1:9999');
    pointAwsClients({ region: 'us-east-1', local: true }, local);
    expect(process.env.DYNAMODB_ENDPOINT).toBe(local.dynamodb);
  });
});
