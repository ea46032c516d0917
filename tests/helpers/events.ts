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
