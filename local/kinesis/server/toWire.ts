/**
 * Turns an engine output (SDK shapes) into the JSON 1.1 wire form: `Uint8Array` → base64,
 * `Date` → epoch seconds with milliseconds as the fraction, `undefined` members left out. One walk,
 * building the plain value `JSON.stringify` then writes.
 *
 * @example
 * JSON.stringify(toWire({ Data: new Uint8Array([104, 105]), At: new Date(1500) })); // {"Data":"aGk=","At":1.5}
 */
export function toWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = toWire(member);
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
