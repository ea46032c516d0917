import type { LocalEndpoints } from '../../local/endpointsFile.ts';
import { NO_REGION } from '../target.ts';

export interface TableRequest {
  table?: string;
  stage?: string;
  region?: string;
  /** $PRODUCERS_TABLE, $DYNAMODB_ENDPOINT and the region variables, empty ones left out. */
  env: { table?: string; dynamodbEndpoint?: string; region?: string };
  local?: LocalEndpoints;
  /** Where the local pipeline is described (`.local/endpoints.json`), for messages. */
  endpointsFile: string;
}

export type ProducersTable =
  | {
      kind: 'table';
      name: string;
      /** Undefined: AWS itself, in `region`. */
      endpoint?: string;
      region: string;
      local: boolean;
      /** For messages: `table kinesis-pipeline-prod-producers on AWS (eu-west-1)`. */
      where: string;
    }
  | { kind: 'problem'; usage: boolean; message: string };

/**
 * Which producers table `npm run token` works on, by the rule of cli/target.ts: $DYNAMODB_ENDPOINT
 * when set; AWS when `--stage` or `--region` says so, and only then; otherwise the local pipeline.
 *
 * @example
 * producersTable({ stage: 'prod', env: { region: 'eu-west-1' }, endpointsFile: '.local/endpoints.json' });
 * // { kind: 'table', name: 'kinesis-pipeline-prod-producers', region: 'eu-west-1', local: false, ... }
 */
export function producersTable(request: TableRequest): ProducersTable {
  const { table, stage, region, env, local, endpointsFile } = request;
  const name = table ?? (stage === undefined ? undefined : `kinesis-pipeline-${stage}-producers`) ?? env.table;
  const aws = stage !== undefined || region !== undefined;
  if (env.dynamodbEndpoint && env.dynamodbEndpoint !== local?.dynamodb) {
    const known = name ?? local?.tables.ProducersTable;
    if (!known)
      return { kind: 'problem', usage: true, message: 'DYNAMODB_ENDPOINT is set: name the table with --table' };
    const where = `table ${known} at ${env.dynamodbEndpoint} (DYNAMODB_ENDPOINT)`;
    const inRegion = region ?? env.region ?? local?.region ?? 'us-east-1';
    return { kind: 'table', name: known, endpoint: env.dynamodbEndpoint, region: inRegion, local: false, where };
  }
  if (aws) {
    if (!name) return { kind: 'problem', usage: true, message: '--region needs --table NAME or --stage S' };
    const inRegion = region ?? env.region;
    if (!inRegion) {
      return { kind: 'problem', usage: true, message: NO_REGION };
    }
    return { kind: 'table', name, region: inRegion, local: false, where: `table ${name} on AWS (${inRegion})` };
  }
  if (!local) {
    return {
      kind: 'problem',
      usage: false,
      message: `no local pipeline (${endpointsFile} not found): run npm start first, or pass --stage S (or --table NAME --region R) for a table on AWS`,
    };
  }
  const localName = name ?? local.tables.ProducersTable;
  if (!localName) {
    return { kind: 'problem', usage: false, message: `the local pipeline (${endpointsFile}) names no ProducersTable` };
  }
  const where = `table ${localName} of the local pipeline (${endpointsFile})`;
  return { kind: 'table', name: localName, endpoint: local.dynamodb, region: local.region, local: true, where };
}
