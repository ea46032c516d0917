import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP/1.1 proxy in front of one emulator (the Kinesis engine, dynalite, s3rver): it
 * forwards every request and, by rule, fails some of them the way AWS does, for the emulators that
 * have no fault switch. Faults are injected BEFORE forwarding, never after a write succeeded, so
 * an injected failure always means "nothing was written" (no ambiguous outcomes: a caller that
 * retries cannot create a duplicate because of this proxy).
 *
 * For Kinesis PutRecords, throttled entries are removed from the request before it is forwarded,
 * and their failures are spliced into the emulator's response at their original indexes, exactly
 * as Kinesis reports a partial failure (HTTP 200, `FailedRecordCount`, per-entry `ErrorCode`).
 *
 * Deterministic for a given seed and request order.
 */

/** How an injected whole-call failure answers. */
export interface InjectedFailure {
  /** Name in the counters, e.g. `ProvisionedThroughputExceededException` or `SlowDown`. */
  name: string;
  status: number;
  contentType: string;
  body: string;
}

/** What a rule can look at to decide whether it applies to a request. */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FaultRules {
  /** Share (0..1) of the calls the rule applies to that fail whole, before forwarding. */
  callFailureRate: number;
  /** The failures to pick from (uniformly) for a whole-call failure. */
  callFailures: readonly InjectedFailure[];
  /** Kinesis PutRecords only: share (0..1) of the entries throttled. */
  entryFailureRate?: number;
  /** Kinesis PutRecords only: entries whose (decoded) data matches are always throttled (a hot key). */
  alwaysThrottle?: (data: Buffer) => boolean;
  /** Which requests faults may hit (default: all). Others are forwarded untouched. */
  applies?: (request: ProxiedRequest) => boolean;
}

export interface FaultCounts {
  /** Requests received. */
  requests: number;
  /** Requests the rules applied to. */
  eligible: number;
  /** Whole calls failed, by failure name. */
  failedCalls: Record<string, number>;
  /** PutRecords entries throttled (removed from the request, reported failed). */
  throttledEntries: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: give it to the functions as their endpoint. */
  url: string;
  counts: FaultCounts;
  /** Total of injected faults (whole calls + throttled entries). */
  injected(): number;
  /** Replace the rules (e.g. faults off for a clean phase). */
  setRules(rules: FaultRules): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The emulator, `http://127.0.0.1:PORT`. It need not be up yet (a refused connection is a 502). */
  target: string;
  rules: FaultRules;
  seed: number;
  /** 0 (default) picks a free port. */
  port?: number;
}

/**
 * Starts the proxy on 127.0.0.1.
 *
 * @example
 * const proxy = await startFaultProxy({
 *   target: 'http://127.0.0.1:4568',
 *   seed: 42,
 *   rules: { callFailureRate: 0.05, callFailures: kinesisCallFailures, entryFailureRate: 0.2 },
 * });
 * // KINESIS_ENDPOINT=proxy.url for the functions; proxy.counts.throttledEntries afterwards
 * await proxy.close();
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed);
  const target = new URL(options.target);
  let rules = checkRules(options.rules);
  const counts: FaultCounts = { requests: 0, eligible: 0, failedCalls: {}, throttledEntries: 0 };

  const server: Server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      counts.requests++;
      const reply = await handle(request, rules, random, counts, target);
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    } catch (error) {
      // The emulator unreachable (restarting) or a broken request: a bare 502, as a load balancer would.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  // Answers "100 Continue" itself: the body is buffered before anything is forwarded.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    injected: () => Object.values(counts.failedCalls).reduce((sum, n) => sum + n, 0) + counts.throttledEntries,
    setRules: (next) => {
      rules = checkRules(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const PUT_RECORDS_TARGET = 'Kinesis_20131202.PutRecords';

async function handle(
  request: ProxiedRequest,
  rules: FaultRules,
  random: () => number,
  counts: FaultCounts,
  target: URL,
): Promise<Reply> {
  if (!(rules.applies?.(request) ?? true)) return forward(request, request.body, target);
  counts.eligible++;
  if (random() < rules.callFailureRate && rules.callFailures.length > 0) {
    const failure = rules.callFailures[Math.floor(random() * rules.callFailures.length)] as InjectedFailure;
    counts.failedCalls[failure.name] = (counts.failedCalls[failure.name] ?? 0) + 1;
    return {
      status: failure.status,
      headers: { 'content-type': failure.contentType, 'x-amzn-requestid': `fault-${counts.requests}` },
      body: Buffer.from(failure.body),
    };
  }
  const isPutRecords = request.headers['x-amz-target'] === PUT_RECORDS_TARGET;
  if (isPutRecords && (rules.entryFailureRate || rules.alwaysThrottle)) {
    return throttleEntries(request, rules, random, counts, target);
  }
  return forward(request, request.body, target);
}

interface PutRecordsEntry {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

interface PutRecordsResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

/**
 * Removes the throttled entries from the PutRecords request, forwards the rest (when any is left)
 * and answers with the emulator's results, the throttled entries' failures spliced in at their
 * indexes.
 */
async function throttleEntries(
  request: ProxiedRequest,
  rules: FaultRules,
  random: () => number,
  counts: FaultCounts,
  target: URL,
): Promise<Reply> {
  const input = JSON.parse(request.body.toString('utf8')) as { StreamName?: string; Records: PutRecordsEntry[] };
  const throttled = input.Records.map((entry) => {
    // Always draw, so one hot entry does not shift the random sequence of the others.
    const unlucky = random() < (rules.entryFailureRate ?? 0);
    return unlucky || (rules.alwaysThrottle?.(Buffer.from(entry.Data, 'base64')) ?? false);
  });
  const kept = input.Records.filter((_, i) => !throttled[i]);
  let upstream: { FailedRecordCount?: number; Records: PutRecordsResultEntry[]; EncryptionType?: string };
  let reply: Reply | undefined;
  if (kept.length > 0) {
    reply = await forward(request, Buffer.from(JSON.stringify({ ...input, Records: kept })), target);
    // An error from the emulator itself (a missing stream, say) goes back as it is: nothing was written.
    if (reply.status !== 200) return reply;
    upstream = JSON.parse(reply.body.toString('utf8'));
  } else {
    upstream = { FailedRecordCount: 0, Records: [] };
  }
  const results: PutRecordsResultEntry[] = [];
  let next = 0;
  for (const isThrottled of throttled) {
    if (isThrottled) {
      counts.throttledEntries++;
      results.push({
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard in stream ${input.StreamName ?? ''} (injected by the fault proxy).`,
      });
    } else {
      results.push(upstream.Records[next++] ?? {});
    }
  }
  const body = Buffer.from(
    JSON.stringify({
      ...upstream,
      FailedRecordCount: (upstream.FailedRecordCount ?? 0) + throttled.filter(Boolean).length,
      Records: results,
    }),
  );
  const headers = { ...(reply?.headers ?? { 'content-type': 'application/x-amz-json-1.1' }) };
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  return { status: 200, headers: { ...headers, 'content-length': String(body.length) }, body };
}

/** Sends the request on to the emulator (with `body`, possibly rewritten) and buffers its answer. */
function forward(request: ProxiedRequest, body: Buffer, target: URL): Promise<Reply> {
  const headers: IncomingHttpHeaders = { ...request.headers, host: target.host, 'content-length': String(body.length) };
  // The body is already here; the answer is read whole (and maybe rewritten): keep both plain.
  delete headers.expect;
  delete headers['transfer-encoding'];
  delete headers['accept-encoding'];
  delete headers.connection;
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { hostname: target.hostname, port: target.port, method: request.method, path: request.path, headers },
      async (response) => {
        try {
          const chunks: Buffer[] = [];
          for await (const chunk of response) chunks.push(chunk as Buffer);
          const responseHeaders: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && name !== 'connection' && name !== 'keep-alive') responseHeaders[name] = value;
          }
          resolve({ status: response.statusCode ?? 502, headers: responseHeaders, body: Buffer.concat(chunks) });
        } catch (error) {
          reject(error);
        }
      },
    );
    upstream.once('error', reject);
    upstream.end(body);
  });
}

function checkRules(rules: FaultRules): FaultRules {
  for (const [name, rate] of [
    ['callFailureRate', rules.callFailureRate],
    ['entryFailureRate', rules.entryFailureRate ?? 0],
  ] as const) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault proxy: ${name} ${rate} is not a share from 0 to 1`);
  }
  return rules;
}

/**
 * mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)), so a failing run can be replayed.
 *
 * @example
 * const random = seededRandom(42); random(); // the same sequence every time
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const json = (type: string, message: string) => JSON.stringify({ __type: type, message });

/** Whole-call failures of Kinesis (JSON 1.1 protocol): throttled (400), internal failure (500), unavailable (503). */
export const kinesisCallFailures: readonly InjectedFailure[] = Object.freeze([
  {
    name: 'ProvisionedThroughputExceededException',
    status: 400,
    contentType: 'application/x-amz-json-1.1',
    body: json('ProvisionedThroughputExceededException', 'Rate exceeded for stream (injected by the fault proxy).'),
  },
  {
    name: 'InternalFailure',
    status: 500,
    contentType: 'application/x-amz-json-1.1',
    body: json('InternalFailure', 'Internal service failure (injected by the fault proxy).'),
  },
  {
    name: 'ServiceUnavailable',
    status: 503,
    contentType: 'application/x-amz-json-1.1',
    body: json('ServiceUnavailable', 'Service unavailable (injected by the fault proxy).'),
  },
]);

const DYNAMODB_ERROR = 'com.amazonaws.dynamodb.v20120810#';

/** Whole-call failures of DynamoDB (JSON 1.0 protocol): throttled (400) and internal errors (500). */
export const dynamoDbCallFailures: readonly InjectedFailure[] = Object.freeze([
  {
    name: 'ProvisionedThroughputExceededException',
    status: 400,
    contentType: 'application/x-amz-json-1.0',
    body: json(`${DYNAMODB_ERROR}ProvisionedThroughputExceededException`, 'Throughput exceeded (injected).'),
  },
  {
    name: 'ThrottlingException',
    status: 400,
    contentType: 'application/x-amz-json-1.0',
    body: json(`${DYNAMODB_ERROR}ThrottlingException`, 'Rate of requests exceeds the allowed throughput (injected).'),
  },
  {
    name: 'InternalServerError',
    status: 500,
    contentType: 'application/x-amz-json-1.0',
    body: json(`${DYNAMODB_ERROR}InternalServerError`, 'Internal server error (injected).'),
  },
]);

const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;

/** Whole-call failures of S3 (REST-XML): SlowDown (503) and InternalError (500). */
export const s3CallFailures: readonly InjectedFailure[] = Object.freeze([
  {
    name: 'SlowDown',
    status: 503,
    contentType: 'application/xml',
    body: s3Error('SlowDown', 'Please reduce your request rate (injected).'),
  },
  {
    name: 'InternalError',
    status: 500,
    contentType: 'application/xml',
    body: s3Error('InternalError', 'We encountered an internal error. Please try again (injected).'),
  },
]);

/**
 * The DynamoDB tables a request names (TableName, BatchWriteItem/BatchGetItem's RequestItems,
 * TransactWriteItems/TransactGetItems), for rules that fault some tables only.
 *
 * @example
 * applies: (request) => dynamoDbTablesOf(request).some((table) => table.endsWith('-aggregate-parts'))
 */
export function dynamoDbTablesOf(request: ProxiedRequest): string[] {
  let input: {
    TableName?: string;
    RequestItems?: Record<string, unknown>;
    TransactItems?: Array<Record<string, { TableName?: string }>>;
  };
  try {
    input = JSON.parse(request.body.toString('utf8'));
  } catch {
    return [];
  }
  const names = new Set<string>();
  if (input.TableName) names.add(input.TableName);
  for (const name of Object.keys(input.RequestItems ?? {})) names.add(name);
  for (const item of input.TransactItems ?? []) {
    for (const operation of Object.values(item)) if (operation?.TableName) names.add(operation.TableName);
  }
  return [...names];
}
