import { invalidArgument } from './errors.ts';

/**
 * Kinesis ARNs: `arn:aws:kinesis:<region>:<account>:stream/<name>` for streams and
 * `<stream ARN>/consumer/<name>:<creation epoch seconds>` for enhanced fan-out consumers.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ConsumerDescription.html
 */
export interface ArnScope {
  region: string;
  accountId: string;
}

/**
 * @example streamArn({ region: 'us-east-1', accountId: '000000000000' }, 'events')
 * // 'arn:aws:kinesis:us-east-1:000000000000:stream/events'
 */
export function streamArn(scope: ArnScope, name: string): string {
  return `arn:aws:kinesis:${scope.region}:${scope.accountId}:stream/${name}`;
}

/**
 * @example consumerArn('arn:aws:kinesis:us-east-1:000000000000:stream/events', 'archive', 1_700_000_000_123)
 * // '.../stream/events/consumer/archive:1700000000'
 */
export function consumerArn(streamArnValue: string, consumerName: string, createdMs: number): string {
  return `${streamArnValue}/consumer/${consumerName}:${Math.floor(createdMs / 1000)}`;
}

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([^:]*):(\d{12}):stream\/([^/]+)$/;
const CONSUMER_ARN = /^(arn:aws[a-z-]*:kinesis:[^:]*:\d{12}:stream\/[^/]+)\/consumer\/([^:/]+):(\d+)$/;

/**
 * The stream name of a stream ARN of this engine's region and account; other ARNs name streams
 * that cannot exist here, which AWS answers with ResourceNotFoundException (the caller decides).
 * @example streamNameOfArn(scope, 'arn:aws:kinesis:us-east-1:000000000000:stream/events') // 'events'
 */
export function streamNameOfArn(scope: ArnScope, arn: string): string | undefined {
  const match = STREAM_ARN.exec(arn);
  if (!match) throw invalidArgument(`StreamARN ${arn} is not a valid Kinesis stream ARN.`);
  if (match[1] !== scope.region || match[2] !== scope.accountId) return undefined;
  return match[3];
}

/**
 * Splits a consumer ARN into its stream ARN and consumer name.
 * @example parseConsumerArn('arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1')
 * // { streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', consumerName: 'c' }
 */
export function parseConsumerArn(arn: string): { streamArn: string; consumerName: string } {
  const match = CONSUMER_ARN.exec(arn);
  if (!match?.[1] || !match[2]) throw invalidArgument(`ConsumerARN ${arn} is not a valid Kinesis consumer ARN.`);
  return { streamArn: match[1], consumerName: match[2] };
}
