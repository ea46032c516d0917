import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';

/**
 * The AWS event stream frames of a SubscribeToShard answer (prelude, typed headers, payload, CRCs),
 * encoded with the SDK's own codec. Payloads are JSON, as the JSON 1.1 protocol's events are.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html
 */

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

const JSON_PAYLOAD = { type: 'string', value: 'application/json' } as const;

function eventHeaders(eventType: string): MessageHeaders {
  return {
    ':message-type': { type: 'string', value: 'event' },
    ':event-type': { type: 'string', value: eventType },
    ':content-type': JSON_PAYLOAD,
  };
}

/**
 * The first frame: the operation's (empty) output, which the SDK reads before the events.
 *
 * @example
 * res.write(initialResponseFrame());
 */
export function initialResponseFrame(): Uint8Array {
  return codec.encode({ headers: eventHeaders('initial-response'), body: Buffer.from('{}') });
}

/**
 * One `SubscribeToShardEvent` frame; `payloadJson` is the event already in its wire JSON form.
 *
 * @example
 * res.write(subscribeToShardEventFrame(JSON.stringify(toWire(event))));
 */
export function subscribeToShardEventFrame(payloadJson: string): Uint8Array {
  return codec.encode({ headers: eventHeaders('SubscribeToShardEvent'), body: Buffer.from(payloadJson, 'utf8') });
}

/**
 * An exception frame: the SDK throws the modeled exception of that name from the event iterator
 * (ResourceNotFoundException, ResourceInUseException, KMS...Exception, InternalFailureException),
 * or a generic error carrying the name for codes outside the event stream's union.
 *
 * @example
 * res.end(exceptionFrame('InternalFailureException', 'The subscription failed'));
 */
export function exceptionFrame(code: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: code },
      ':content-type': JSON_PAYLOAD,
    },
    body: Buffer.from(JSON.stringify({ message }), 'utf8'),
  });
}
