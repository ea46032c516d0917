/**
 * The object without its `undefined` properties, so that spreading it over a `defaults` object
 * keeps the default where an option was passed as `undefined` (which a plain spread would not).
 *
 * @example
 * ({ ...{ port: 0 }, ...withoutUndefined({ port: undefined }) }); // { port: 0 }
 */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
