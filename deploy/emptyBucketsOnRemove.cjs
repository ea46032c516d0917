'use strict';

/**
 * osls (Serverless Framework v3 compatible) plugin: before `serverless remove` deletes the stack,
 * empties every S3 bucket of the stack that CloudFormation is going to delete, so the removal does
 * not end in DELETE_FAILED (CloudFormation deletes only empty buckets). A bucket whose
 * DeletionPolicy is anything but Delete (Retain on prod) is never touched, only named in the log.
 *
 * serverless.yml:
 *   plugins:
 *     - ./deploy/emptyBucketsOnRemove.cjs
 *
 * A bucket is emptied when all of these hold:
 * - it is an AWS::S3::Bucket of the stack being removed (ListStackResources), not already deleted;
 * - the deployed template (GetTemplate) declares it with DeletionPolicy Delete, or with none
 *   (CloudFormation's default for a bucket is Delete);
 * - serverless.yml as resolved for this stage, when it declares the bucket too, agrees (so a
 *   policy switched to Retain but not deployed yet still protects the bucket).
 * When the stack cannot be read, the plugin empties nothing and lets the removal go on as it would
 * without it. A stack with termination protection is left alone: the framework refuses to remove it.
 *
 * The emptying itself is `emptyBucket(s3, bucket)`, usable without the framework.
 */

const {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} = require('@aws-sdk/client-cloudformation');
const {
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  ListObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} = require('@aws-sdk/client-s3');

/** DeleteObjects accepts at most this many keys per request; listings return at most as many. */
const DELETE_BATCH_SIZE = 1000;
const BUCKET_TYPE = 'AWS::S3::Bucket';

/**
 * @typedef {{ send(command: unknown): Promise<any> }} AwsClient An SDK v3 client (S3Client, CloudFormationClient) or a fake.
 * @typedef {{ versioned: boolean, objects: number, deleteMarkers: number }} EmptiedCounts
 *   `objects` counts object versions deleted (in an unversioned bucket: objects).
 * @typedef {{ LogicalResourceId?: string, PhysicalResourceId?: string, ResourceType?: string, ResourceStatus?: string }} StackResource
 * @typedef {{ Resources?: Record<string, { Type?: string, DeletionPolicy?: unknown }> }} Template
 * @typedef {{ logicalId: string, bucket: string }} BucketToEmpty
 * @typedef {{ logicalId: string, bucket: string | undefined, reason: string }} BucketKept
 */

/**
 * Whether the bucket has ever had versioning on (Enabled, or Suspended with versions left); a
 * bucket that never had it answers without a Status. An S3-compatible store without versioning
 * holds no versions, whether it answers without a Status (s3rver) or with NotImplemented.
 */
async function isVersioned(s3, bucket) {
  try {
    const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    return Status === 'Enabled' || Status === 'Suspended';
  } catch (error) {
    if (error?.name === 'NotImplemented' || error?.Code === 'NotImplemented') return false;
    throw error;
  }
}

/** Deletes the given keys (with VersionId for versions and delete markers), 1,000 per request. */
async function deleteObjects(s3, bucket, objects) {
  for (let start = 0; start < objects.length; start += DELETE_BATCH_SIZE) {
    const batch = objects.slice(start, start + DELETE_BATCH_SIZE);
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
    const errors = result?.Errors ?? [];
    if (errors.length > 0) {
      const [first] = errors;
      const version = first.VersionId ? ` (version ${first.VersionId})` : '';
      throw Object.assign(
        new Error(
          `S3 refused to delete ${errors.length} of ${batch.length} objects in bucket ${bucket}; first: ${first.Key}${version}: ${first.Code} ${first.Message ?? ''}`.trim(),
        ),
        { code: first.Code },
      );
    }
  }
}

/** The first page of what is left: versions and delete markers, or objects. */
async function firstPage(s3, bucket, versioned) {
  if (versioned) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    return {
      objects: page.Versions ?? [],
      deleteMarkers: page.DeleteMarkers ?? [],
    };
  }
  // ListObjects (v1) rather than V2: relisting from the start needs no continuation token, and
  // s3rver 3.7 (the local S3) cannot make V2 tokens on Node 17+ (a 500 for any bucket over 1,000 keys).
  const page = await s3.send(new ListObjectsCommand({ Bucket: bucket }));
  return { objects: page.Contents ?? [], deleteMarkers: [] };
}

/** Tells a listed entry from a later one under the same key (a rewrite, a new version). */
function identityOf({ Key, VersionId, ETag, LastModified }) {
  const modified = LastModified instanceof Date ? LastModified.toISOString() : String(LastModified ?? '');
  return JSON.stringify([Key, VersionId ?? null, ETag ?? null, modified]);
}

/**
 * Deletes every object of a bucket: every version and delete marker when versioning is or was on
 * (ListObjectVersions), every object otherwise (ListObjects). It lists the first page (up to
 * 1,000 entries), deletes it with one DeleteObjects request, and lists again from the start until
 * a listing comes back empty: no continuation token to go stale, and an object written meanwhile
 * is deleted too (as long as writes do not outpace it). The bucket itself stays. Throws on the first
 * key S3 refuses to delete (AccessDenied, Object Lock) and when an entry S3 reported deleted is
 * listed again unchanged.
 *
 * @param {AwsClient} s3 an S3Client of the bucket's region
 * @param {string} bucket
 * @param {{ onPage?: (counts: EmptiedCounts) => void }} [options] `onPage` sees the running totals after each page
 * @returns {Promise<EmptiedCounts>}
 *
 * @example
 * const { objects, deleteMarkers } = await emptyBucket(new S3Client({ region: 'eu-west-1' }), 'my-bucket');
 */
async function emptyBucket(s3, bucket, options = {}) {
  const counts = { versioned: await isVersioned(s3, bucket), objects: 0, deleteMarkers: 0 };
  let deletedBefore = new Set();
  for (;;) {
    const page = await firstPage(s3, bucket, counts.versioned);
    const entries = [...page.objects, ...page.deleteMarkers];
    if (entries.length === 0) return counts;
    const stuck = entries.find((entry) => deletedBefore.has(identityOf(entry)));
    if (stuck !== undefined) {
      const version = stuck.VersionId ? ` (version ${stuck.VersionId})` : '';
      throw new Error(`${stuck.Key}${version} is still listed in bucket ${bucket} after S3 reported it deleted`);
    }
    await deleteObjects(
      s3,
      bucket,
      entries.map(({ Key, VersionId }) => (counts.versioned ? { Key, VersionId } : { Key })),
    );
    deletedBefore = new Set(entries.map(identityOf));
    counts.objects += page.objects.length;
    counts.deleteMarkers += page.deleteMarkers.length;
    options.onPage?.({ ...counts });
  }
}

/** A resource's DeletionPolicy as CloudFormation applies it to a bucket: Delete when absent. */
function deletionPolicyOf(resource) {
  return resource.DeletionPolicy === undefined ? 'Delete' : resource.DeletionPolicy;
}

function describePolicy(policy) {
  return typeof policy === 'string' ? policy : `${JSON.stringify(policy)} (not a literal)`;
}

/**
 * Splits the stack's buckets into those to empty and those to keep. Only a bucket whose policy is
 * Delete in the deployed template, and in the local one when that declares it too, is emptied:
 * Retain, RetainExceptOnCreate, an intrinsic function or anything unexpected keeps it.
 *
 * @param {StackResource[]} stackResources the stack's resources (ListStackResources summaries)
 * @param {{ deployed: Template, local?: Template }} templates the deployed template (GetTemplate)
 *   and, optionally, the resources of serverless.yml as resolved for the stage
 * @returns {{ empty: BucketToEmpty[], keep: BucketKept[] }}
 *
 * @example
 * const { empty, keep } = selectBuckets(summaries, { deployed: JSON.parse(TemplateBody) });
 */
function selectBuckets(stackResources, templates) {
  const empty = [];
  const keep = [];
  for (const summary of stackResources) {
    if (summary.ResourceType !== BUCKET_TYPE) continue;
    const logicalId = summary.LogicalResourceId ?? '';
    const bucket = summary.PhysicalResourceId || undefined;
    const kept = (reason) => keep.push({ logicalId, bucket, reason });
    if (summary.ResourceStatus === 'DELETE_COMPLETE') continue;
    if (bucket === undefined) {
      kept('no bucket was created for it');
      continue;
    }
    const deployed = templates.deployed?.Resources?.[logicalId];
    if (deployed === undefined) {
      kept('the deployed template does not declare it');
      continue;
    }
    const deployedPolicy = deletionPolicyOf(deployed);
    if (deployedPolicy !== 'Delete') {
      kept(`DeletionPolicy ${describePolicy(deployedPolicy)}`);
      continue;
    }
    const local = templates.local?.Resources?.[logicalId];
    const localPolicy = local === undefined ? 'Delete' : deletionPolicyOf(local);
    if (localPolicy !== 'Delete') {
      kept(
        `DeletionPolicy ${describePolicy(localPolicy)} in serverless.yml for this stage (the deployed stack still says Delete)`,
      );
      continue;
    }
    empty.push({ logicalId, bucket });
  }
  return { empty, keep };
}

/** Every resource of a stack, through ListStackResources' pages. */
async function listStackResources(cloudFormation, stackName) {
  const resources = [];
  let NextToken;
  do {
    const page = await cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return resources;
}

/** GetTemplate's body: JSON as osls deploys it (a YAML template cannot be read here). */
function parseTemplate(body) {
  if (body !== null && typeof body === 'object') return body;
  return JSON.parse(body);
}

function isMissingStack(error) {
  return error?.name === 'ValidationError' && /does not exist/.test(error.message ?? '');
}

function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function describeCounts({ versioned, objects, deleteMarkers }) {
  if (objects === 0 && deleteMarkers === 0) return 'already empty';
  if (!versioned) return `deleted ${plural(objects, 'object')}`;
  return `deleted ${plural(objects, 'object version')} and ${plural(deleteMarkers, 'delete marker')}`;
}

class EmptyBucketsOnRemovePlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options;
    const log = utils?.log;
    this.log = {
      notice: (line) => (log?.notice ? log.notice(line) : console.log(line)),
      warning: (line) => (log?.warning ? log.warning(line) : console.warn(line)),
      info: (line) => log?.info?.(line),
    };
    /** The clients used; a test may replace this with fakes or clients of local emulators. */
    this.clients = async () => {
      const config = await this.awsProvider().getAwsSdkV3Config();
      return { cloudFormation: new CloudFormationClient(config), s3: new S3Client(config) };
    };
    this.hooks = {
      'before:remove:remove': () => this.emptyBuckets(),
    };
  }

  awsProvider() {
    return this.serverless.getProvider('aws');
  }

  /** serverless.yml's resources as resolved for this stage, with the framework's own when compiled. */
  localTemplate() {
    const service = this.serverless.service ?? {};
    const compiled = service.provider?.compiledCloudFormationTemplate?.Resources ?? {};
    const custom = service.resources?.Resources ?? {};
    return { Resources: { ...compiled, ...custom } };
  }

  async emptyBuckets() {
    const stackName = this.awsProvider().naming.getStackName();
    const { cloudFormation, s3 } = await this.clients();

    let stack;
    try {
      stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (error) {
      if (isMissingStack(error)) return;
      this.log.warning(
        `Could not read stack ${stackName} (${errorMessage(error)}): its buckets are not emptied, so removing a bucket that holds objects fails.`,
      );
      return;
    }
    if (stack === undefined) return;
    if (stack.EnableTerminationProtection) {
      this.log.info(`Stack ${stackName} has termination protection: its buckets are left as they are.`);
      return;
    }

    let selection;
    try {
      const [template, resources] = await Promise.all([
        cloudFormation.send(new GetTemplateCommand({ StackName: stackName })),
        listStackResources(cloudFormation, stackName),
      ]);
      selection = selectBuckets(resources, {
        deployed: parseTemplate(template.TemplateBody),
        local: this.localTemplate(),
      });
    } catch (error) {
      this.log.warning(
        `Could not read the template or resources of stack ${stackName} (${errorMessage(error)}): its buckets are not emptied, so removing a bucket that holds objects fails.`,
      );
      return;
    }

    for (const { logicalId, bucket, reason } of selection.keep) {
      this.log.notice(`Keeping bucket ${logicalId} (${bucket ?? 'none'}): ${reason}; its objects are left untouched.`);
    }
    for (const { logicalId, bucket } of selection.empty) {
      let counts;
      try {
        counts = await emptyBucket(s3, bucket, {
          onPage: ({ objects, deleteMarkers }) =>
            this.log.info(`Emptying bucket ${logicalId} (${bucket}): ${objects + deleteMarkers} deleted so far`),
        });
      } catch (error) {
        if (error?.name === 'NoSuchBucket') {
          this.log.notice(`Bucket ${logicalId} (${bucket}) no longer exists.`);
          continue;
        }
        const ServerlessError = this.serverless.classes?.Error ?? Error;
        throw new ServerlessError(
          `Could not empty bucket ${logicalId} (${bucket}) before removing stack ${stackName}: ${errorMessage(error)}. The stack has not been touched; fix the cause (see docs/DEPLOYING.md, "Removing a stage") and run the removal again.`,
          'EMPTY_BUCKETS_ON_REMOVE_FAILED',
        );
      }
      this.log.notice(`Emptied bucket ${logicalId} (${bucket}) before removal: ${describeCounts(counts)}.`);
    }
  }
}

module.exports = EmptyBucketsOnRemovePlugin;
module.exports.emptyBucket = emptyBucket;
module.exports.selectBuckets = selectBuckets;
