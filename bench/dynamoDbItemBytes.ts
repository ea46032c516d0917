/**
 * DynamoDB's size of an item as it bills writes (1 write unit per started KB) and reads (1 strongly
 * consistent read unit per started 4 KB), following the published rules: attribute names count in
 * UTF-8 bytes, strings in UTF-8 bytes, numbers about 1 byte per two significant digits plus 1,
 * booleans and null 1 byte, maps and lists 3 bytes plus 1 byte per element plus their contents.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 *
 * @example
 * dynamoDbItemBytes({ pk: 'T#click', count: 12 }); // 2 + 7 + 5 + 2 = 16
 */
export function dynamoDbItemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
    return Math.ceil(Math.max(1, digits) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + valueBytes(v),
        0,
      )
    );
  }
  throw new TypeError(`not a DynamoDB value: ${typeof value}`);
}
