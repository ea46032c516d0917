import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbType } from '../../cli/sql/eventsTable.ts';
import { archiveKey } from '../../functions/archive/archiveKey.ts';
import { ndjson, planArchive } from '../../functions/archive/planArchive.ts';
import { readLocalApp } from '../../local/app/readTemplate.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';
import eventsTable from '../../shared/sql/eventsTable.json' with { type: 'json' };
import { aKinesisRecord, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';
import {
  applyConditions,
  asArray,
  type CfnTemplate,
  flattenArn,
  literalOf,
  type OwnedStatement,
  type PackagedService,
  packageService,
  policyStatements,
  propertiesOf,
  resource,
  resourcePolicyStatements,
  resourcesOfType,
} from './cloudformation.ts';

// resources/sql.yml: the Glue table over the archive, the Athena workgroup, its results bucket, the
// analyst policy and the named queries. Packaged in copies of the service (packageService's inCopy),
// so this file runs beside stack.test.ts, which packages the repository itself.

interface Column {
  Name: string;
  Type: string;
  Comment?: string;
}

interface TableInput {
  Name: string;
  TableType: string;
  PartitionKeys: Column[];
  Parameters: Record<string, unknown>;
  StorageDescriptor: {
    Location: unknown;
    InputFormat: string;
    OutputFormat: string;
    Compressed: boolean;
    Columns: Column[];
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
  };
}

interface WorkGroupProperties {
  Name: string;
  State: string;
  RecursiveDeleteOption: boolean;
  WorkGroupConfiguration: {
    EnforceWorkGroupConfiguration: boolean;
    PublishCloudWatchMetricsEnabled: boolean;
    BytesScannedCutoffPerQuery: number | string;
    RequesterPaysEnabled: boolean;
    EngineVersion: { SelectedEngineVersion: string };
    ResultConfiguration: {
      OutputLocation: unknown;
      ExpectedBucketOwner: unknown;
      EncryptionConfiguration: { EncryptionOption: string; KmsKey?: unknown };
    };
  };
}

interface NamedQueryProperties {
  Name: string;
  WorkGroup: unknown;
  Database: unknown;
  QueryString: string;
}

const tableOf = (template: CfnTemplate) =>
  propertiesOf<{ DatabaseName: unknown; TableInput: TableInput }>(template, 'SqlEventsTable');

/** `Fn::Join ['', [...]]` with each `Ref` replaced: the string CloudFormation would make. */
const joined = (value: unknown, refs: Record<string, string>): string => {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (!join) throw new Error(`not an Fn::Join: ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string } | null)?.Ref;
      const replacement = ref === undefined ? undefined : refs[ref];
      if (replacement === undefined) throw new Error(`no value for ${JSON.stringify(part)}`);
      return replacement;
    })
    .join(join[0]);
};

describe('SQL over the archive (resources/sql.yml)', () => {
  let ci: PackagedService;
  let prod: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    [ci, prod] = (await Promise.all(
      ['ci', 'prod'].map((stage) => packageService(stage, [], { inCopy: true, timeoutMs: 240_000 })),
    )) as [PackagedService, PackagedService];
    template = applyConditions(ci.template);
  });

  afterAll(async () => {
    await Promise.all([ci?.cleanup(), prod?.cleanup()]);
  });

  describe('the Glue table', () => {
    it('lives in the database kinesis_pipeline_<stage>, hyphens turned into underscores, and is named events', () => {
      const { DatabaseInput } = propertiesOf<{ DatabaseInput: { Name: unknown } }>(template, 'SqlDatabase');
      expect(literalOf(DatabaseInput.Name)).toBe('kinesis_pipeline_ci');
      const prodName = propertiesOf<{ DatabaseInput: { Name: unknown } }>(prod.template, 'SqlDatabase').DatabaseInput;
      expect(literalOf(prodName.Name)).toBe('kinesis_pipeline_prod');
      // The same expression for a stage with hyphens (production-eu in deployRole.test.ts, packaged).
      const hyphenated = JSON.parse(JSON.stringify(DatabaseInput.Name).replace('_ci"', '_production-eu"'));
      expect(literalOf(hyphenated)).toBe('kinesis_pipeline_production_eu');
      expect(tableOf(template).DatabaseName).toEqual({ Ref: 'SqlDatabase' });
      expect(tableOf(template).TableInput.Name).toBe(eventsTable.table);
    });

    it("reads the archive's events/ prefix, gzip NDJSON text, with the OpenX JSON SerDe", () => {
      const { TableType, Parameters, StorageDescriptor } = tableOf(template).TableInput;
      expect(TableType).toBe('EXTERNAL_TABLE');
      expect(StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: 'ArchiveBucket' }, '/events/']] });
      expect(StorageDescriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
      expect(StorageDescriptor.OutputFormat).toBe('org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat');
      expect(StorageDescriptor.Compressed).toBe(true);
      expect(StorageDescriptor.SerdeInfo).toEqual({
        SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
        // camelCase keys match their lower-cased field names; a malformed line fails the query.
        Parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' },
      });
      expect(Parameters).toMatchObject({ EXTERNAL: 'TRUE', classification: 'json', compressionType: 'gzip' });
    });

    it('takes its columns and partition keys from shared/sql/eventsTable.json, as written there', () => {
      const { StorageDescriptor, PartitionKeys } = tableOf(template).TableInput;
      expect(StorageDescriptor.Columns).toEqual(eventsTable.Columns);
      expect(PartitionKeys).toEqual(eventsTable.PartitionKeys);
      expect(PartitionKeys.map(({ Name, Type }) => `${Name} ${Type}`)).toEqual([
        'year int',
        'month int',
        'day int',
        'hour int',
      ]);
    });

    it('has a column for every field of an archived line, and no field the archive never writes', () => {
      // Lines with every optional field: a KPL-aggregated record (subSequenceNumber, explicitHashKey)
      // of events carrying subject, value, data and ingest's fields.
      const full = JSON.parse(Buffer.from(aPipelineRecordBytes({ data: { page: '/' } })).toString('utf8'));
      const record = aKinesisRecord({
        sequenceNumber: sequence(1),
        data: encodeAggregated([
          { partitionKey: 'user-1', data: Buffer.from(JSON.stringify(full)) },
          { partitionKey: 'user-2', explicitHashKey: '42', data: Buffer.from(JSON.stringify(full)) },
        ]),
      });
      const lines = planArchive([record, aKinesisRecord({ sequenceNumber: sequence(2) })]).flatMap((object) =>
        object.prefix === 'events' ? object.lines.map((line) => JSON.parse(line) as Record<string, object>) : [],
      );
      expect(lines).toHaveLength(3);
      const columns = eventsTable.Columns.map(({ Name }) => Name);
      for (const line of lines) expect(Object.keys(line).sort()).toEqual([...columns].sort());
      for (const { Name, Type } of eventsTable.Columns) {
        const fields = [...Type.matchAll(/(?:<|,)(\w+):/g)].map(([, field]) => field);
        const written = new Set(lines.flatMap((line) => Object.keys(line[Name] ?? {})));
        expect([...written].sort(), Name).toEqual([...fields].sort());
      }
    });

    it('projects year, month, day and hour as integers, month, day and hour on two digits', () => {
      const { Parameters } = tableOf(template).TableInput;
      expect(Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.year.type': 'integer',
        'projection.year.range': '2024,2100',
        'projection.month.type': 'integer',
        'projection.month.range': '1,12',
        'projection.month.digits': '2',
        'projection.day.type': 'integer',
        'projection.day.range': '1,31',
        'projection.day.digits': '2',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
      });
      expect(Parameters['projection.year.digits']).toBeUndefined();
      // Every partition key has a projection, and nothing else does.
      const projected = Object.keys(Parameters)
        .filter((key) => /^projection\.\w+\.type$/.test(key))
        .map((key) => key.split('.')[1]);
      expect(projected).toEqual(eventsTable.PartitionKeys.map(({ Name }) => Name));
    });

    it('finds each object where functions/archive/archiveKey.ts writes it (storage.location.template)', () => {
      const { Parameters, StorageDescriptor } = tableOf(template).TableInput;
      const bucket = 'kinesis-pipeline-ci-archivebucket-abcdefghijkl';
      const locationTemplate = joined(Parameters['storage.location.template'], { ArchiveBucket: bucket });
      const location = joined(StorageDescriptor.Location, { ArchiveBucket: bucket });
      expect(locationTemplate.startsWith(location)).toBe(true);
      const partitions = eventsTable.PartitionKeys.map(({ Name }) => Name);
      const utc = (date: Date): Record<string, number> => ({
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: date.getUTCHours(),
      });
      const instants = [
        new Date(Date.UTC(2024, 0, 1, 0, 0, 0)), // the first projected hour
        new Date(Date.UTC(2026, 8, 9, 9, 5, 7)), // one digit month, day and hour
        new Date(Date.UTC(2028, 1, 29, 13, 59, 59, 999)), // a leap day, the last millisecond of an hour
        new Date(Date.UTC(2030, 11, 31, 23, 30)), // the last hour of a year
        new Date(), // now: the range must cover today's archive
      ];
      for (const instant of instants) {
        const key = archiveKey('events', {
          shardId: 'shardId-000000000003',
          firstSequence: sequence(10),
          lastSequence: sequence(20),
          firstArrivalMs: instant.getTime(),
        });
        const values = utc(instant);
        // Each partition as Athena projects it: in its range, with its digits.
        const projected = Object.fromEntries(
          partitions.map((name) => {
            const value = values[name] ?? Number.NaN;
            const [low, high] = String(Parameters[`projection.${name}.range`]).split(',').map(Number);
            expect(value, `${name} of ${instant.toISOString()}`).toBeGreaterThanOrEqual(low ?? Number.NaN);
            expect(value, `${name} of ${instant.toISOString()}`).toBeLessThanOrEqual(high ?? Number.NaN);
            const digits = Number(Parameters[`projection.${name}.digits`] ?? 0);
            return [name, String(value).padStart(digits, '0')];
          }),
        );
        const folder = locationTemplate.replace(/\$\{(\w+)\}/g, (_, name: string) => projected[name] ?? `<${name}?>`);
        expect(`${folder}/`, instant.toISOString()).toBe(`s3://${bucket}/${key.slice(0, key.lastIndexOf('/') + 1)}`);
        // The key's Hive partitions name the table's partition keys, in order, with these values.
        const hive = [...key.matchAll(/(\w+)=(\d+)\//g)].map(([, name, value]) => [name, Number(value)]);
        expect(hive, key).toEqual(partitions.map((name) => [name, values[name]]));
      }
    });
  });

  describe('the Athena workgroup', () => {
    it('is kinesis-pipeline-<stage>, enforcing its settings: results bucket, encryption, engine 3, a scan cutoff', () => {
      const workGroup = propertiesOf<WorkGroupProperties>(template, 'SqlWorkGroup');
      expect(workGroup).toMatchObject({ Name: 'kinesis-pipeline-ci', State: 'ENABLED', RecursiveDeleteOption: true });
      expect(propertiesOf<WorkGroupProperties>(prod.template, 'SqlWorkGroup').Name).toBe('kinesis-pipeline-prod');
      const configuration = workGroup.WorkGroupConfiguration;
      expect(configuration).toMatchObject({
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        RequesterPaysEnabled: false,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      });
      // sqlBytesScannedCutoffPerQuery: 10 GiB.
      expect(Number(configuration.BytesScannedCutoffPerQuery)).toBe(10 * 1024 ** 3);
      expect(configuration.ResultConfiguration).toEqual({
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: 'SqlResultsBucket' }, '/results/']] },
        ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
      });
    });

    it('writes results to a bucket of its own: encrypted, private, ACLs off, TLS only, expiring, deleted with the stack', () => {
      const bucket = resource(template, 'SqlResultsBucket');
      expect(bucket.DeletionPolicy ?? 'Delete').toBe('Delete');
      expect(resource(prod.template, 'SqlResultsBucket').DeletionPolicy ?? 'Delete').toBe('Delete');
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      const { LifecycleConfiguration } = propertiesOf<{
        LifecycleConfiguration: { Rules: Record<string, unknown>[] };
      }>(template, 'SqlResultsBucket');
      const [rule, ...others] = LifecycleConfiguration.Rules;
      expect(others).toEqual([]);
      // sqlResultsExpirationDays: 30.
      expect(rule).toMatchObject({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
      expect(Number(rule?.ExpirationInDays)).toBe(30);
      const tlsOnly = resourcePolicyStatements(template).filter(
        ({ owner, statement }) =>
          owner === 'SqlResultsBucketPolicy' &&
          statement.Effect === 'Deny' &&
          String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false',
      );
      expect(tlsOnly.map(({ statement }) => asArray(statement.Resource).map(flattenArn))).toEqual([
        ['<SqlResultsBucket.Arn>', '<SqlResultsBucket.Arn>/*'],
      ]);
    });

    it("is emptied on serverless remove with the stack's other Delete buckets, prod included (its archive is kept)", () => {
      const { selectBuckets } = createRequire(import.meta.url)('../../deploy/emptyBucketsOnRemove.cjs') as {
        selectBuckets(
          resources: {
            LogicalResourceId: string;
            PhysicalResourceId: string;
            ResourceType: string;
            ResourceStatus: string;
          }[],
          templates: { deployed: CfnTemplate },
        ): { empty: { logicalId: string }[]; keep: { logicalId: string }[] };
      };
      const summaries = resourcesOfType(prod.template, 'AWS::S3::Bucket').map(([logicalId]) => ({
        LogicalResourceId: logicalId,
        PhysicalResourceId: `kinesis-pipeline-prod-${logicalId.toLowerCase()}-abcdefghijkl`,
        ResourceType: 'AWS::S3::Bucket',
        ResourceStatus: 'UPDATE_COMPLETE',
      }));
      const { empty, keep } = selectBuckets(summaries, { deployed: prod.template });
      expect(empty.map(({ logicalId }) => logicalId)).toContain('SqlResultsBucket');
      expect(keep.map(({ logicalId }) => logicalId)).toEqual(['ArchiveBucket']);
    });

    it('exports the workgroup and the database the --athena client uses', () => {
      expect(template.Outputs?.SqlWorkGroup?.Value).toEqual({ Ref: 'SqlWorkGroup' });
      expect(template.Outputs?.SqlDatabase?.Value).toEqual({ Ref: 'SqlDatabase' });
      expect(template.Outputs?.SqlAnalystPolicyArn?.Value).toEqual({ Ref: 'SqlAnalystPolicy' });
    });
  });

  describe('the analyst policy', () => {
    const statements = () => policyStatements(template).filter(({ owner }) => owner === 'SqlAnalystPolicy');
    /** `action resource` for every action and resource of the statements, intrinsics flattened. */
    const grants = (owned: OwnedStatement[]) =>
      owned
        .flatMap(({ statement }) =>
          asArray(statement.Action).flatMap((action) =>
            asArray(statement.Resource).map((arn) => `${action} ${flattenArn(arn)}`),
          ),
        )
        .sort();
    const glue = (path: string) => `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:${path}`;
    /** The statements on a resource whose flattened ARN starts with `prefix`. */
    const on = (prefix: string) =>
      statements().filter(({ statement }) =>
        asArray(statement.Resource).some((arn) => flattenArn(arn).startsWith(prefix)),
      );

    it('is a managed policy named kinesis-pipeline-<stage>-sql-analyst that the stack attaches to nobody', () => {
      const policy = resource(template, 'SqlAnalystPolicy');
      expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
      expect(policy.Properties?.ManagedPolicyName).toBe('kinesis-pipeline-ci-sql-analyst');
      for (const property of ['Users', 'Groups', 'Roles']) expect(policy.Properties?.[property]).toBeUndefined();
    });

    it('runs and reads queries in the workgroup and reads the table definition, nothing more of Athena or Glue', () => {
      const workGroup = `arn:\${AWS::Partition}:athena:\${AWS::Region}:\${AWS::AccountId}:workgroup/\${SqlWorkGroup}`;
      expect(
        grants(statements().filter(({ statement }) => String(asArray(statement.Action)[0]).startsWith('athena:'))),
      ).toEqual(
        [
          'athena:BatchGetNamedQuery',
          'athena:BatchGetQueryExecution',
          'athena:GetNamedQuery',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:GetQueryResultsStream',
          'athena:GetWorkGroup',
          'athena:ListNamedQueries',
          'athena:ListQueryExecutions',
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
        ].map((action) => `${action} ${workGroup}`),
      );
      expect(
        grants(statements().filter(({ statement }) => String(asArray(statement.Action)[0]).startsWith('glue:'))),
      ).toEqual(
        [
          `glue:CreateDatabase ${glue('catalog')}`,
          `glue:CreateDatabase ${glue('database/default')}`,
          `glue:GetDatabase ${glue('catalog')}`,
          `glue:GetDatabase ${glue('catalog')}`,
          `glue:GetDatabase ${glue(`database/\${SqlDatabase}`)}`,
          `glue:GetDatabase ${glue('database/default')}`,
          `glue:GetDatabase ${glue(`table/\${SqlDatabase}/\${SqlEventsTable}`)}`,
          `glue:GetDatabases ${glue('catalog')}`,
          `glue:GetDatabases ${glue('database/default')}`,
          `glue:GetTable ${glue('catalog')}`,
          `glue:GetTable ${glue(`database/\${SqlDatabase}`)}`,
          `glue:GetTable ${glue(`table/\${SqlDatabase}/\${SqlEventsTable}`)}`,
        ].sort(),
      );
    });

    it("reads the archive's events/ only, only through Athena, and never errors/", () => {
      const onArchive = on('<ArchiveBucket.Arn>');
      expect(grants(onArchive)).toEqual([
        's3:GetBucketLocation <ArchiveBucket.Arn>',
        's3:GetObject <ArchiveBucket.Arn>/events/*',
        's3:ListBucket <ArchiveBucket.Arn>',
      ]);
      for (const { statement } of onArchive) {
        expect(statement.Condition?.['ForAnyValue:StringEquals'], statement.Sid).toEqual({
          'aws:CalledVia': 'athena.amazonaws.com',
        });
        if (asArray(statement.Action).includes('s3:ListBucket')) {
          expect(statement.Condition?.StringLike, statement.Sid).toEqual({ 's3:prefix': 'events/*' });
        }
      }
      expect(JSON.stringify(statements())).not.toContain('errors/');
    });

    it("reads and writes query results under the results bucket's results/ only", () => {
      expect(grants(on('<SqlResultsBucket.Arn>'))).toEqual([
        's3:AbortMultipartUpload <SqlResultsBucket.Arn>/results/*',
        's3:GetBucketLocation <SqlResultsBucket.Arn>',
        's3:GetObject <SqlResultsBucket.Arn>/results/*',
        's3:ListBucket <SqlResultsBucket.Arn>',
        's3:ListBucketMultipartUploads <SqlResultsBucket.Arn>',
        's3:ListMultipartUploadParts <SqlResultsBucket.Arn>/results/*',
        's3:PutObject <SqlResultsBucket.Arn>/results/*',
      ]);
    });

    it('grants nothing else: no other service, no wildcard action, every resource one of the above', () => {
      const all = statements();
      expect(all.length).toBe(8);
      for (const { statement } of all) {
        expect(statement.Effect, statement.Sid).toBe('Allow');
        for (const action of asArray(statement.Action))
          expect(action, statement.Sid).toMatch(/^(athena|glue|s3):[A-Za-z]+$/);
        for (const arn of asArray(statement.Resource).map(flattenArn)) {
          expect(arn, statement.Sid).toMatch(
            /^(<ArchiveBucket\.Arn>|<SqlResultsBucket\.Arn>|arn:\$\{AWS::Partition\}:(athena|glue):)/,
          );
        }
      }
    });
  });

  describe('the named queries', () => {
    const queries = () => resourcesOfType(template, 'AWS::Athena::NamedQuery');

    it('are saved in the workgroup, against the database, each under its own name', () => {
      expect(queries().map(([id]) => id)).toEqual([
        'SqlEventsPerTypePerHourQuery',
        'SqlTopSourcesQuery',
        'SqlErrorRateQuery',
      ]);
      const names = new Set<string>();
      for (const [id, query] of queries()) {
        const properties = query.Properties as unknown as NamedQueryProperties;
        expect(properties.WorkGroup, id).toEqual({ Ref: 'SqlWorkGroup' });
        expect(properties.Database, id).toEqual({ Ref: 'SqlDatabase' });
        names.add(properties.Name);
      }
      expect(names.size).toBe(queries().length);
    });

    it("read one day of partitions (yesterday, UTC), so Athena scans that day's objects only", () => {
      for (const [id, query] of queries()) {
        const sql = (query.Properties as unknown as NamedQueryProperties).QueryString;
        expect(sql, id).toMatch(/\bFROM events\b/);
        for (const part of ['year', 'month', 'day']) {
          expect(sql, id).toContain(`${part} = ${part}(current_date - INTERVAL '1' DAY)`);
        }
      }
    });

    it('run in DuckDB too, over the archive as the local `npm run sql` reads it, with the expected answers', async () => {
      // Objects as planArchive writes them, under the keys archiveKey gives them: two hours of
      // 2026-11-24 (the day before the pinned current_date), and one hour on each side.
      const today = '2026-11-25';
      const batches = [
        { arrival: '2026-11-23T22:10:00Z', events: [{ type: 'error', source: 'a' }] },
        {
          arrival: '2026-11-24T09:00:00Z',
          events: [
            { type: 'error', source: 'a' },
            { type: 'page_view', source: 'a' },
            { type: 'page_view', source: 'b' },
            { type: 'page_view', source: 'a' },
          ],
        },
        {
          arrival: '2026-11-24T23:59:59Z',
          events: [
            { type: 'click', source: 'c' },
            { type: 'error', source: 'b' },
          ],
        },
        { arrival: '2026-11-25T00:00:01Z', events: [{ type: 'click', source: 'c' }] },
      ];
      const folder = await mkdtemp(join(tmpdir(), 'kinesis-pipeline-sql-template-'));
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const files: string[] = [];
        for (const [b, batch] of batches.entries()) {
          const records = batch.events.map((event, i) =>
            aKinesisRecord({
              shardId: `shardId-00000000000${b}`,
              sequenceNumber: sequence(b * 10 + i + 1),
              data: aPipelineRecordBytes(event),
              arrival: new Date(new Date(batch.arrival).getTime() + i * 1000),
            }),
          );
          for (const object of planArchive(records)) {
            const file = join(folder, object.key);
            await mkdir(dirname(file), { recursive: true });
            await writeFile(file, gzipSync(ndjson(object.lines)));
            files.push(file);
          }
        }
        const list = files.map((file) => `'${file}'`).join(', ');
        const columns = eventsTable.Columns.map(({ Name, Type }) => `${Name}: '${duckDbType(Type)}'`).join(', ');
        const hiveTypes = eventsTable.PartitionKeys.map(({ Name, Type }) => `${Name}: ${duckDbType(Type)}`).join(', ');
        await connection.run(
          `CREATE VIEW events AS SELECT * FROM read_json([${list}], format = 'newline_delimited', ` +
            `columns = {${columns}}, hive_partitioning = true, hive_types = {${hiveTypes}})`,
        );
        const run = async (id: string) => {
          const sql = propertiesOf<NamedQueryProperties>(template, id).QueryString;
          // current_date pinned, so the answer does not depend on when the test runs.
          const reader = await connection.runAndReadAll(sql.replaceAll('current_date', `DATE '${today}'`));
          return reader.getRowObjectsJson();
        };
        expect(await run('SqlEventsPerTypePerHourQuery')).toEqual([
          { arrival_hour: '2026-11-24T09', type: 'page_view', events: '3' },
          { arrival_hour: '2026-11-24T09', type: 'error', events: '1' },
          { arrival_hour: '2026-11-24T23', type: 'click', events: '1' },
          // The batch that started at 23:59:59 is stored whole in hour 23; its second event arrived at 00:00:00.
          { arrival_hour: '2026-11-25T00', type: 'error', events: '1' },
        ]);
        expect(await run('SqlTopSourcesQuery')).toEqual([
          {
            source: 'a',
            events: '3',
            types: '2',
            first_arrival: '2026-11-24T09:00:00.000Z',
            last_arrival: '2026-11-24T09:00:03.000Z',
          },
          {
            source: 'b',
            events: '2',
            types: '2',
            first_arrival: '2026-11-24T09:00:02.000Z',
            last_arrival: '2026-11-25T00:00:00.000Z',
          },
          {
            source: 'c',
            events: '1',
            types: '1',
            first_arrival: '2026-11-24T23:59:59.000Z',
            last_arrival: '2026-11-24T23:59:59.000Z',
          },
        ]);
        expect(await run('SqlErrorRateQuery')).toEqual([
          { arrival_hour: '2026-11-24T09', events: '4', errors: '1', error_rate: 0.25 },
          { arrival_hour: '2026-11-24T23', events: '1', errors: '0', error_rate: 0 },
          { arrival_hour: '2026-11-25T00', events: '1', errors: '1', error_rate: 1 },
        ]);
        // And the unpinned filter is valid DuckDB: yesterday's year, month and day as integers.
        const [yesterday] = (
          await connection.runAndReadAll(
            "SELECT year(current_date - INTERVAL '1' DAY) AS y, month(current_date - INTERVAL '1' DAY) AS m",
          )
        ).getRowObjectsJson();
        expect(Object.keys(yesterday ?? {})).toEqual(['y', 'm']);
      } finally {
        connection.closeSync();
        await rm(folder, { recursive: true, force: true });
      }
    });
  });

  it('leaves the local runtime unaffected: it creates the results bucket and nothing for Glue or Athena', () => {
    const app = readLocalApp(template, { region: 'us-east-1', stage: 'ci' });
    expect(app.buckets.map(({ logicalId }) => logicalId)).toContain('SqlResultsBucket');
    expect(JSON.stringify(app)).not.toMatch(/SqlDatabase|SqlEventsTable|SqlWorkGroup|SqlAnalystPolicy|NamedQuery/);
  });
});
