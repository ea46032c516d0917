import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorStartError } from './errors.ts';
import { closeHttpServer, LOOPBACK, listen } from './servers.ts';
import type { RunningEmulator } from './types.ts';

/**
 * A local SNS endpoint: no npm emulator speaks SNS, so this is the smallest one that lets the
 * pipeline's own SNS code (the alert notifier's PublishCommand) run unchanged locally. It speaks
 * the SNS Query protocol (form-encoded POST, XML answers) for CreateTopic, ListTopics and Publish,
 * with AWS's error codes, and delivers every published message to a sink instead of subscribers:
 * one NDJSON file per topic, `<dir>/<topicName>.ndjson`, which tests, the CLI and people read.
 * Topics live in memory (the local runtime creates them at every start); the sink files persist.
 */

export interface SnsOptions {
  /** 0 picks a free port. */
  port: number;
  /** Sink directory; a temporary one, removed on stop, when absent. */
  dir: string | undefined;
  region: string;
  /** The account in topic ARNs (the local runtime's, so ARNs match the template's). */
  accountId: string;
}

/** One published message as the sink keeps it. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageAttributes: Record<string, { dataType: string; value: string }>;
  /** ISO 8601, when the endpoint accepted it. */
  timestamp: string;
}

export interface RunningSns extends RunningEmulator {
  /** Where the NDJSON sink files are. */
  sinkDir: string;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** SNS's limit on a message, attributes included (256 KiB). */
const MAX_MESSAGE_BYTES = 262_144;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the endpoint on 127.0.0.1.
 *
 * @example
 * const sns = await startSns({ port: 0, dir: '.local/data/sns', region: 'us-east-1', accountId: '000000000000' });
 * // SNSClient({ endpoint: sns.endpoint }) ... PublishCommand(...)
 * await readPublished(sns.sinkDir, 'kinesis-pipeline-local-alerts');
 */
export async function startSns(options: SnsOptions): Promise<RunningSns> {
  const sinkDir = options.dir ?? (await mkdtemp(join(tmpdir(), 'kinesis-pipeline-sns-')));
  await mkdir(sinkDir, { recursive: true });
  const topics = new Set<string>();
  const arnOf = (name: string) => `arn:aws:sns:${options.region}:${options.accountId}:${name}`;
  // Appends to one file are chained so concurrent publishes never interleave their lines.
  let appending: Promise<unknown> = Promise.resolve();

  const actions: Record<string, (params: URLSearchParams) => Promise<string>> = {
    CreateTopic: async (params) => {
      const name = params.get('Name') ?? '';
      if (!TOPIC_NAME.test(name)) throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Topic Name');
      topics.add(name);
      return `<CreateTopicResult><TopicArn>${escapeXml(arnOf(name))}</TopicArn></CreateTopicResult>`;
    },
    ListTopics: async () => {
      const members = [...topics].map((name) => `<member><TopicArn>${escapeXml(arnOf(name))}</TopicArn></member>`);
      return `<ListTopicsResult><Topics>${members.join('')}</Topics></ListTopicsResult>`;
    },
    Publish: async (params) => {
      const topicArn = params.get('TopicArn') ?? params.get('TargetArn') ?? '';
      const name = topicArn.startsWith(arnOf('')) ? topicArn.slice(arnOf('').length) : '';
      if (!topics.has(name)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
      const message = params.get('Message');
      if (message === null || message === '') {
        throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
      }
      const published: PublishedMessage = {
        messageId: randomUUID(),
        topicArn,
        ...(params.has('Subject') ? { subject: params.get('Subject') ?? '' } : {}),
        message,
        messageAttributes: messageAttributes(params),
        timestamp: new Date().toISOString(),
      };
      if (Buffer.byteLength(JSON.stringify(published)) > MAX_MESSAGE_BYTES) {
        throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
      }
      const line = `${JSON.stringify(published)}\n`;
      const written = appending.then(() => appendFile(join(sinkDir, `${name}.ndjson`), line));
      appending = written.catch(() => undefined);
      await written;
      return `<PublishResult><MessageId>${published.messageId}</MessageId></PublishResult>`;
    },
  };

  const server = createServer((request, response) => {
    handle(request, response, actions).catch((error: unknown) => {
      if (!response.headersSent) respond(response, 500, errorXml('InternalError', String(error), 'Receiver'));
    });
  });
  const port = await listen(server, options.port, LOOPBACK).catch((error: unknown) => {
    throw new EmulatorStartError('sns', `the local SNS endpoint could not listen on port ${options.port}`, {
      cause: error,
    });
  });
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    sinkDir,
    stop: async () => {
      if (server.listening) await closeHttpServer(server);
      await appending;
      if (!options.dir) await rm(sinkDir, { recursive: true, force: true });
    },
  };
}

/**
 * Every message published to a topic, oldest first (empty when none was).
 *
 * @example
 * const alerts = await readPublished('.local/data/sns', 'kinesis-pipeline-local-alerts');
 */
export async function readPublished(sinkDir: string, topicName: string): Promise<PublishedMessage[]> {
  const file = join(sinkDir, `${topicName}.ndjson`);
  if (!existsSync(file)) return [];
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PublishedMessage);
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  actions: Record<string, (params: URLSearchParams) => Promise<string>>,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const action = params.get('Action') ?? '';
  const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (request.method !== 'POST' || run === undefined) {
    respond(
      response,
      400,
      errorXml('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`),
    );
    return;
  }
  try {
    const result = await run(params);
    respond(
      response,
      200,
      `<${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    if (!(error instanceof SnsError)) throw error;
    respond(response, error.status, errorXml(error.code, error.message));
  }
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` (or BinaryValue). */
function messageAttributes(params: URLSearchParams): PublishedMessage['messageAttributes'] {
  const attributes: PublishedMessage['messageAttributes'] = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const dataType = params.get(`${prefix}.Value.DataType`) ?? '';
    const value = params.get(`${prefix}.Value.StringValue`) ?? params.get(`${prefix}.Value.BinaryValue`);
    if (!/^(String|Number|Binary)(\..+)?$/.test(dataType) || value === null) {
      throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' has an invalid type or value`);
    }
    attributes[name] = { dataType, value };
  }
  return attributes;
}

function respond(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml' });
  response.end(xml);
}

function errorXml(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
