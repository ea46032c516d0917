import type { LocalEndpoints } from '../../local/endpointsFile.ts';
import { NO_REGION } from '../target.ts';

/** What `npm run produce` was asked, and what it finds around it (variables, the local pipeline). */
export interface DestinationRequest {
  url?: string;
  token?: string;
  stream?: string;
  stage?: string;
  region?: string;
  aggregate: boolean;
  /** $KP_TOKEN, $KINESIS_ENDPOINT and the region variables, empty ones left out. */
  env: { token?: string; kinesisEndpoint?: string; region?: string };
  /** The local pipeline `npm start` described, if any. */
  local?: LocalEndpoints;
  /** Where it is described (`.local/endpoints.json`), for messages. */
  endpointsFile: string;
}

export type Destination =
  | { kind: 'http'; url: string; token: string; local: boolean; where: string }
  | {
      kind: 'stream';
      streamName: string;
      /** Undefined: AWS itself, in `region`. */
      endpoint?: string;
      region: string;
      local: boolean;
      where: string;
    }
  /** Nowhere to send: `usage` when the command line is at fault (exit 2), else the setup (exit 1). */
  | { kind: 'problem'; usage: boolean; message: string };

const problem = (message: string, usage = true): Destination => ({ kind: 'problem', usage, message });

/**
 * Where the events go (see PRODUCE_USAGE): `--url` first; then `--stage`/`--region`, the only way
 * to AWS; then the local pipeline, through its HTTP API or, with `--stream`/`--aggregate`, straight
 * to its stream (or to the stream at $KINESIS_ENDPOINT when that is set to another endpoint).
 *
 * @example
 * resolveDestination({ stream: 'kinesis-pipeline-local-events', aggregate: false, env: {}, ...findLocalPipeline() });
 * // { kind: 'stream', streamName: 'kinesis-pipeline-local-events', endpoint: local.kinesis, local: true, ... }
 */
export function resolveDestination(request: DestinationRequest): Destination {
  const { url, stream, stage, region, aggregate, env, local, endpointsFile } = request;
  const direct = stream !== undefined || aggregate;
  const aws = stage !== undefined || region !== undefined;
  if (url !== undefined) {
    if (aggregate) {
      return problem(
        '--aggregate packs records written straight to the stream; POST /events aggregates when the stage sets ingestAggregateRecordBytes (serverless.yml params)',
      );
    }
    if (direct || aws)
      return problem(
        '--url sends through an HTTP API; --stream, --stage and --region write to a stream: pass one or the other',
      );
    return viaUrl(url, request);
  }
  if (aws) return toAwsStream(request);
  if (direct && env.kinesisEndpoint && env.kinesisEndpoint !== local?.kinesis) {
    if (stream === undefined) return problem('KINESIS_ENDPOINT is set: name its stream with --stream NAME');
    return {
      kind: 'stream',
      streamName: stream,
      endpoint: env.kinesisEndpoint,
      region: env.region ?? local?.region ?? 'us-east-1',
      local: false,
      where: `stream ${stream} at ${env.kinesisEndpoint} (KINESIS_ENDPOINT)`,
    };
  }
  if (!local) {
    const aside = stream === undefined ? '' : ` to write to stream ${stream}`;
    return problem(
      `no local pipeline${aside} (${endpointsFile} not found): run npm start first, pass --url URL --token T for an HTTP API, or --stage S (or --stream NAME --region R) for a stream on AWS`,
      false,
    );
  }
  if (direct) {
    const streamName = stream ?? local.streamName;
    return {
      kind: 'stream',
      streamName,
      endpoint: local.kinesis,
      region: local.region,
      local: true,
      where: `the local pipeline (${endpointsFile}): straight to stream ${streamName} at ${local.kinesis}`,
    };
  }
  return {
    kind: 'http',
    url: local.httpApi,
    token: request.token ?? env.token ?? local.token,
    local: true,
    where: `the local pipeline (${endpointsFile}): POST ${eventsUrl(local.httpApi)}`,
  };
}

function viaUrl(url: string, { token, env, local }: DestinationRequest): Destination {
  const localApi = local !== undefined && sameEndpoint(url, local.httpApi);
  const bearer = token ?? env.token ?? (localApi ? local?.token : undefined);
  if (!bearer)
    return problem('--url needs a producer token: --token T or KP_TOKEN (npm run token -- create makes one)');
  const where = localApi ? `the local pipeline's HTTP API: POST ${eventsUrl(url)}` : `POST ${eventsUrl(url)}`;
  return { kind: 'http', url, token: bearer, local: localApi, where };
}

function toAwsStream({ stream, stage, region, env }: DestinationRequest): Destination {
  const streamName = stream ?? (stage === undefined ? undefined : `kinesis-pipeline-${stage}-events`);
  if (streamName === undefined)
    return problem('--region names where a stream is on AWS: add --stream NAME or --stage S');
  const awsRegion = region ?? env.region;
  if (!awsRegion) return problem(NO_REGION);
  const why = stage === undefined ? '--region' : `--stage ${stage}`;
  if (env.kinesisEndpoint) {
    const where = `stream ${streamName} at ${env.kinesisEndpoint} (KINESIS_ENDPOINT; ${why})`;
    return { kind: 'stream', streamName, endpoint: env.kinesisEndpoint, region: awsRegion, local: false, where };
  }
  const where = `AWS: straight to stream ${streamName} in ${awsRegion} (${why})`;
  return { kind: 'stream', streamName, region: awsRegion, local: false, where };
}

/** POST target of an HTTP API given by its base address. */
export function eventsUrl(base: string): string {
  return `${base.replace(/\/$/, '')}/events`;
}

function sameEndpoint(a: string, b: string): boolean {
  const strip = (url: string) => url.replace(/\/+$/, '');
  return strip(a) === strip(b);
}
