import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The plugin's bucket selection and its hook with fake AWS clients, and emptyBucket's version path
// against a fake S3 limited to that path: s3rver, which tests/integration/emptyBucketsOnRemove.test.ts
// runs the unversioned path against, has no versioning.

interface EmptiedCounts {
  versioned: boolean;
  objects: number;
  deleteMarkers: number;
}
interface StackResource {
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  ResourceStatus: string;
}
interface Template {
  Resources: Record<string, { Type: string; DeletionPolicy?: unknown }>;
}
interface Selection {
  empty: { logicalId: string; bucket: string }[];
  keep: { logicalId: string; bucket: string | undefined; reason: string }[];
}
interface Command {
  constructor: { name: string };
  input: Record<string, unknown>;
}
interface FakeClient {
  send(command: Command): Promise<unknown>;
}
interface Plugin {
  hooks: Record<string, () => Promise<void>>;
  clients: () => Promise<{ cloudFormation: FakeClient; s3: FakeClient }>;
}
type PluginModule = (new (
  serverless: unknown,
  options: unknown,
  utils: unknown,
) => Plugin) & {
  emptyBucket(
    s3: FakeClient,
    bucket: string,
    options?: { onPage?: (counts: EmptiedCounts) => void },
  ): Promise<EmptiedCounts>;
  selectBuckets(resources: StackResource[], templates: { deployed: Template; local?: Template }): Selection;
};

const EmptyBucketsOnRemovePlugin = createRequire(import.meta.url)(
  '../../deploy/emptyBucketsOnRemove.cjs',
) as PluginModule;
const { emptyBucket, selectBuckets } = EmptyBucketsOnRemovePlugin;

const summary = (logicalId: string, type = 'AWS::S3::Bucket', status = 'UPDATE_COMPLETE'): StackResource => ({
  LogicalResourceId: logicalId,
  PhysicalResourceId: `stack-${logicalId.toLowerCase()}-1a2b3c`,
  ResourceType: type,
  ResourceStatus: status,
});

describe('selectBuckets', () => {
  const compiled: Template = {
    Resources: {
      ArchiveBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
      ArchiveFailedBatchesBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Delete' },
      AggregateFailedBatchesBucket: { Type: 'AWS::S3::Bucket' },
      KeptOnceCreatedBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'RetainExceptOnCreate' },
      ConditionalBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: { 'Fn::If': ['IsProd', 'Retain', 'Delete'] } },
      GoneBucket: { Type: 'AWS::S3::Bucket' },
      NeverCreatedBucket: { Type: 'AWS::S3::Bucket' },
      ProducersTable: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain' },
      ArchiveBucketPolicy: { Type: 'AWS::S3::BucketPolicy' },
    },
  };
  const resources = [
    summary('ArchiveBucket'),
    summary('ArchiveFailedBatchesBucket'),
    summary('AggregateFailedBatchesBucket'),
    summary('KeptOnceCreatedBucket'),
    summary('ConditionalBucket'),
    summary('GoneBucket', 'AWS::S3::Bucket', 'DELETE_COMPLETE'),
    { ...summary('NeverCreatedBucket', 'AWS::S3::Bucket', 'CREATE_FAILED'), PhysicalResourceId: undefined },
    summary('UndeclaredBucket'),
    summary('ProducersTable', 'AWS::DynamoDB::Table'),
    summary('ArchiveBucketPolicy', 'AWS::S3::BucketPolicy'),
  ];

  it('empties only the buckets whose DeletionPolicy is Delete or absent (the default), and keeps every other one', () => {
    const { empty, keep } = selectBuckets(resources, { deployed: compiled });

    expect(empty).toEqual([
      { logicalId: 'ArchiveFailedBatchesBucket', bucket: 'stack-archivefailedbatchesbucket-1a2b3c' },
      { logicalId: 'AggregateFailedBatchesBucket', bucket: 'stack-aggregatefailedbatchesbucket-1a2b3c' },
    ]);
    expect(keep).toEqual([
      { logicalId: 'ArchiveBucket', bucket: 'stack-archivebucket-1a2b3c', reason: 'DeletionPolicy Retain' },
      {
        logicalId: 'KeptOnceCreatedBucket',
        bucket: 'stack-keptoncecreatedbucket-1a2b3c',
        reason: 'DeletionPolicy RetainExceptOnCreate',
      },
      {
        logicalId: 'ConditionalBucket',
        bucket: 'stack-conditionalbucket-1a2b3c',
        reason: 'DeletionPolicy {"Fn::If":["IsProd","Retain","Delete"]} (not a literal)',
      },
      { logicalId: 'NeverCreatedBucket', bucket: undefined, reason: 'no bucket was created for it' },
      {
        logicalId: 'UndeclaredBucket',
        bucket: 'stack-undeclaredbucket-1a2b3c',
        reason: 'the deployed template does not declare it',
      },
    ]);
  });

  it('keeps a bucket that serverless.yml now retains even though the deployed stack still says Delete', () => {
    const local: Template = {
      Resources: {
        ArchiveFailedBatchesBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
        // Not declared locally any more: the deployed policy decides.
        ArchiveBucket: { Type: 'AWS::S3::Bucket' },
      },
    };
    const deployed: Template = {
      Resources: {
        ArchiveBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
        ArchiveFailedBatchesBucket: { Type: 'AWS::S3::Bucket' },
        AggregateFailedBatchesBucket: { Type: 'AWS::S3::Bucket' },
      },
    };
    const { empty, keep } = selectBuckets(
      [summary('ArchiveBucket'), summary('ArchiveFailedBatchesBucket'), summary('AggregateFailedBatchesBucket')],
      { deployed, local },
    );

    expect(empty.map(({ logicalId }) => logicalId)).toEqual(['AggregateFailedBatchesBucket']);
    expect(keep).toEqual([
      { logicalId: 'ArchiveBucket', bucket: 'stack-archivebucket-1a2b3c', reason: 'DeletionPolicy Retain' },
      {
        logicalId: 'ArchiveFailedBatchesBucket',
        bucket: 'stack-archivefailedbatchesbucket-1a2b3c',
        reason: 'DeletionPolicy Retain in serverless.yml for this stage (the deployed stack still says Delete)',
      },
    ]);
  });
});

interface Entry {
  Key: string;
  VersionId: string;
  marker: boolean;
}

/**
 * The version path of S3, nothing else: GetBucketVersioning, ListObjectVersions (the first 1,000
 * entries, versions and delete markers together, in key order) and DeleteObjects by key and version.
 * Any other call fails the test.
 */
function fakeVersionedS3(
  entries: Entry[],
  options: { status?: string; refuse?: string; ignoreDeletes?: boolean } = {},
) {
  const left = [...entries].sort((a, b) => a.Key.localeCompare(b.Key) || a.VersionId.localeCompare(b.VersionId));
  const calls: string[] = [];
  const deleteBatches: { Key: string; VersionId?: string }[][] = [];
  const client = {
    async send(command: Command): Promise<unknown> {
      const name = command.constructor.name;
      calls.push(name);
      expect(command.input.Bucket).toBe('versioned-bucket');
      switch (name) {
        case 'GetBucketVersioningCommand':
          return options.status === undefined ? {} : { Status: options.status };
        case 'ListObjectVersionsCommand': {
          expect(command.input.KeyMarker ?? command.input.VersionIdMarker).toBeUndefined();
          const page = left.slice(0, 1000);
          const shape = ({ Key, VersionId }: Entry) => ({ Key, VersionId, LastModified: new Date(0) });
          return {
            Versions: page.filter((entry) => !entry.marker).map(shape),
            DeleteMarkers: page.filter((entry) => entry.marker).map(shape),
            IsTruncated: left.length > 1000,
          };
        }
        case 'DeleteObjectsCommand': {
          const { Objects, Quiet } = command.input.Delete as {
            Objects: { Key: string; VersionId?: string }[];
            Quiet: boolean;
          };
          expect(Quiet).toBe(true);
          deleteBatches.push(Objects);
          const refused = Objects.filter(({ Key }) => Key === options.refuse);
          if (refused.length > 0) {
            return {
              Errors: refused.map(({ Key, VersionId }) => ({
                Key,
                VersionId,
                Code: 'AccessDenied',
                Message: 'Access Denied',
              })),
            };
          }
          if (options.ignoreDeletes) return {};
          for (const { Key, VersionId } of Objects) {
            const index = left.findIndex((entry) => entry.Key === Key && entry.VersionId === VersionId);
            if (index >= 0) left.splice(index, 1);
          }
          return {};
        }
        default:
          throw new Error(`the fake S3 only knows the version path, not ${name}`);
      }
    },
  };
  return { client, left, calls, deleteBatches };
}

/** `keys` keys with two versions each; every third key deleted (a delete marker on top). */
function versionedEntries(keys: number): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < keys; i += 1) {
    const Key = `events/year=2026/object-${String(i).padStart(5, '0')}.ndjson.gz`;
    entries.push({ Key, VersionId: `v1-${i}`, marker: false }, { Key, VersionId: `v2-${i}`, marker: false });
    if (i % 3 === 0) entries.push({ Key, VersionId: `m-${i}`, marker: true });
  }
  return entries;
}

describe('emptyBucket on a versioned bucket (fake S3)', () => {
  it('deletes every version and delete marker, a page of at most 1,000 per request, until the listing is empty', async () => {
    const entries = versionedEntries(1_300); // 2,600 versions and 434 delete markers: four pages
    const s3 = fakeVersionedS3(entries, { status: 'Enabled' });
    const pages: EmptiedCounts[] = [];

    const counts = await emptyBucket(s3.client, 'versioned-bucket', { onPage: (page) => pages.push(page) });

    expect(counts).toEqual({ versioned: true, objects: 2_600, deleteMarkers: 434 });
    expect(s3.left).toEqual([]);
    expect(pages.map(({ objects, deleteMarkers }) => objects + deleteMarkers)).toEqual([1_000, 2_000, 3_000, 3_034]);
    expect(s3.deleteBatches.map((batch) => batch.length)).toEqual([1_000, 1_000, 1_000, 34]);
    expect(s3.deleteBatches.flat().every(({ VersionId }) => typeof VersionId === 'string')).toBe(true);
    expect(s3.calls.filter((name) => name === 'ListObjectVersionsCommand')).toHaveLength(5);
  });

  it('takes the version path for a bucket whose versioning is Suspended (its old versions remain)', async () => {
    const s3 = fakeVersionedS3(versionedEntries(3), { status: 'Suspended' });

    expect(await emptyBucket(s3.client, 'versioned-bucket')).toEqual({ versioned: true, objects: 6, deleteMarkers: 1 });
    expect(s3.left).toEqual([]);
  });

  it('stops at the first version S3 refuses to delete, naming it', async () => {
    const s3 = fakeVersionedS3(versionedEntries(3), {
      status: 'Enabled',
      refuse: 'events/year=2026/object-00001.ndjson.gz',
    });

    await expect(emptyBucket(s3.client, 'versioned-bucket')).rejects.toThrow(
      'S3 refused to delete 2 of 7 objects in bucket versioned-bucket; first: events/year=2026/object-00001.ndjson.gz (version v1-1): AccessDenied Access Denied',
    );
  });

  it('fails rather than loop when an entry S3 reported deleted is listed again', async () => {
    const s3 = fakeVersionedS3(versionedEntries(2), { status: 'Enabled', ignoreDeletes: true });

    await expect(emptyBucket(s3.client, 'versioned-bucket')).rejects.toThrow(
      'events/year=2026/object-00000.ndjson.gz (version v1-0) is still listed in bucket versioned-bucket after S3 reported it deleted',
    );
    expect(s3.calls.filter((name) => name === 'DeleteObjectsCommand')).toHaveLength(1);
  });

  it('lists objects, not versions, where the store does not implement versioning', async () => {
    const calls: string[] = [];
    const s3 = {
      async send(command: Command) {
        calls.push(command.constructor.name);
        if (command.constructor.name === 'GetBucketVersioningCommand') {
          throw Object.assign(new Error('not implemented'), { name: 'NotImplemented' });
        }
        return {};
      },
    };

    expect(await emptyBucket(s3, 'plain-bucket')).toEqual({ versioned: false, objects: 0, deleteMarkers: 0 });
    expect(calls).toEqual(['GetBucketVersioningCommand', 'ListObjectsCommand']);
  });
});

describe('the plugin hook with fake AWS clients', () => {
  class ServerlessError extends Error {}
  const stackName = 'kinesis-pipeline-dev';
  const deployed: Template = {
    Resources: {
      ArchiveBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
      AlertFailedBatchesBucket: { Type: 'AWS::S3::Bucket' },
      AggregateFailedBatchesBucket: { Type: 'AWS::S3::Bucket' },
    },
  };

  function run(
    cloudFormation: Partial<Record<string, (input: Record<string, unknown>) => unknown>>,
    s3Send: (command: Command) => unknown = () => {
      throw new Error('S3 was called');
    },
  ) {
    const lines: string[] = [];
    const s3Calls: Command[] = [];
    const log = {
      notice: (line: string) => lines.push(line),
      warning: (line: string) => lines.push(`WARNING ${line}`),
      info: (line: string) => lines.push(`INFO ${line}`),
    };
    const serverless = {
      getProvider: () => ({ naming: { getStackName: () => stackName } }),
      service: { provider: { name: 'aws' } },
      classes: { Error: ServerlessError },
    };
    const plugin = new EmptyBucketsOnRemovePlugin(serverless, {}, { log });
    plugin.clients = async () => ({
      cloudFormation: {
        async send(command) {
          const answer = cloudFormation[command.constructor.name];
          if (answer === undefined) throw new Error(`unexpected ${command.constructor.name}`);
          return answer(command.input);
        },
      },
      s3: {
        async send(command) {
          s3Calls.push(command);
          return s3Send(command);
        },
      },
    });
    return { done: plugin.hooks['before:remove:remove']?.(), lines, s3Calls };
  }

  const stack =
    (protectedStack = false) =>
    () => ({
      Stacks: [{ StackName: stackName, StackStatus: 'UPDATE_COMPLETE', EnableTerminationProtection: protectedStack }],
    });
  const healthyStack = {
    DescribeStacksCommand: stack(),
    GetTemplateCommand: () => ({ TemplateBody: JSON.stringify(deployed) }),
    ListStackResourcesCommand: () => ({
      StackResourceSummaries: [
        summary('ArchiveBucket'),
        summary('AlertFailedBatchesBucket'),
        summary('AggregateFailedBatchesBucket'),
      ],
    }),
  };

  it('does nothing when the stack does not exist (the framework reports that)', async () => {
    const { done, lines, s3Calls } = run({
      DescribeStacksCommand: () => {
        throw Object.assign(new Error(`Stack with id ${stackName} does not exist`), { name: 'ValidationError' });
      },
    });
    await expect(done).resolves.toBeUndefined();
    expect(lines).toEqual([]);
    expect(s3Calls).toEqual([]);
  });

  it('touches no bucket of a stack with termination protection (the framework then refuses the removal)', async () => {
    const { done, lines, s3Calls } = run({ ...healthyStack, DescribeStacksCommand: stack(true) });
    await expect(done).resolves.toBeUndefined();
    expect(s3Calls).toEqual([]);
    expect(lines).toEqual([`INFO Stack ${stackName} has termination protection: its buckets are left as they are.`]);
  });

  it('empties nothing and warns when the deployed template cannot be read', async () => {
    const { done, lines, s3Calls } = run({
      ...healthyStack,
      GetTemplateCommand: () => {
        throw Object.assign(new Error('not authorized to perform: cloudformation:GetTemplate'), {
          name: 'AccessDenied',
        });
      },
    });
    await expect(done).resolves.toBeUndefined();
    expect(s3Calls).toEqual([]);
    expect(lines).toEqual([
      expect.stringMatching(/^WARNING Could not read the template or resources of stack .*GetTemplate/),
    ]);
  });

  it('empties nothing and warns when the deployed template is not JSON', async () => {
    const { done, lines, s3Calls } = run({
      ...healthyStack,
      GetTemplateCommand: () => ({ TemplateBody: 'Resources: {}' }),
    });
    await expect(done).resolves.toBeUndefined();
    expect(s3Calls).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^WARNING Could not read the template/)]);
  });

  it('goes on past a bucket that is already gone, and fails the removal with the framework error when S3 refuses a delete', async () => {
    const { done, lines, s3Calls } = run(healthyStack, (command) => {
      const bucket = command.input.Bucket;
      if (bucket === 'stack-alertfailedbatchesbucket-1a2b3c') {
        throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
      }
      switch (command.constructor.name) {
        case 'GetBucketVersioningCommand':
          return {};
        case 'ListObjectsCommand':
          return { Contents: [{ Key: 'aws/lambda/failure.json' }] };
        default:
          return { Errors: [{ Key: 'aws/lambda/failure.json', Code: 'AccessDenied', Message: 'Access Denied' }] };
      }
    });
    await expect(done).rejects.toBeInstanceOf(ServerlessError);
    await expect(done).rejects.toThrow(
      /^Could not empty bucket AggregateFailedBatchesBucket \(stack-aggregatefailedbatchesbucket-1a2b3c\) before removing stack kinesis-pipeline-dev: S3 refused to delete 1 of 1 objects .*AccessDenied/,
    );
    expect(lines.slice(0, 2)).toEqual([
      'Keeping bucket ArchiveBucket (stack-archivebucket-1a2b3c): DeletionPolicy Retain; its objects are left untouched.',
      'Bucket AlertFailedBatchesBucket (stack-alertfailedbatchesbucket-1a2b3c) no longer exists.',
    ]);
    expect(s3Calls.map((command) => command.input.Bucket)).not.toContain('stack-archivebucket-1a2b3c');
  });
});
