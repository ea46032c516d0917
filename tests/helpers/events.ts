import type { OutgoingRecord } from '../../shared/kinesis/packRecords.ts';

let counter = 0;

/** A valid producer event; override any attribute. */
export function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return { type: 'page_view', source: 'web-frontend', subject: `user-${counter % 7}`, value: counter, ...overrides };
}

/** An outgoing record whose data + key is exactly `size` bytes. */
export function recordOfSize(index: number, size: number, partitionKey = 'k'): OutgoingRecord {
  const keyBytes = Buffer.byteLength(partitionKey);
  return { index, partitionKey, data: Buffer.alloc(size - keyBytes, 'x') };
}

/** An API Gateway HTTP API (payload 2.0) event for POST /events, as the authorizer leaves it. */
export function aPostEventsRequest(options: {
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  producer?: string;
  sources?: string[];
  requestId?: string;
}) {
  return {
    version: '2.0',
    routeKey: 'POST /events',
    rawPath: '/events',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/events', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: options.requestId ?? `req-${++counter}`,
      routeKey: 'POST /events',
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        lambda: {
          producer: options.producer ?? 'web',
          sources: JSON.stringify(options.sources ?? ['web-frontend']),
        },
      },
    },
  };
}

/** An event as the end-to-end tests post it. */
export interface PostedEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  value?: number;
}

/**
 * The `error` events of the end-to-end alert scenario, before `now`: bursts from `checkout` (7
 * within 7 s) and `billing` (5 within 10 s), which the shipped `error-burst` rule (5 from one
 * source within 60 s) must fire on, once each; 4 from `search` and 6 from `ios` two minutes apart,
 * which it must not.
 *
 * @example
 * const errors = errorBurstEvents(Date.now(), 'e2e'); // ids e2e-error-0 … e2e-error-21
 */
export function errorBurstEvents(now: number, idPrefix: string): PostedEvent[] {
  const minute = 60_000;
  const at = (ms: number) => new Date(ms).toISOString();
  return [
    ...Array.from({ length: 7 }, (_, k) => ({ source: 'checkout', time: at(now - 20_000 + k * 1_000) })),
    ...Array.from({ length: 5 }, (_, k) => ({ source: 'billing', time: at(now - 30_000 + k * 2_000) })),
    ...Array.from({ length: 4 }, (_, k) => ({ source: 'search', time: at(now - 40_000 + k * 3_000) })),
    ...Array.from({ length: 6 }, (_, k) => ({ source: 'ios', time: at(now - 12 * minute + k * 2 * minute) })),
  ].map((error, k) => ({ id: `${idPrefix}-error-${k}`, type: 'error', subject: `user-${k}`, value: 1, ...error }));
}
