/** Deepest nesting an event may have: deep enough for real data, far from the JSON.stringify stack limit. */
export const MAX_JSON_DEPTH = 64;

/**
 * What makes parsed JSON unsafe to pass on, found without recursion (a recursive walk, like
 * JSON.stringify, overflows the stack on hostile nesting): a `__proto__` key, which JSON.parse
 * makes an own property that schema validation would then drop silently; a number beyond the
 * double range (`1e400`), which JSON.parse reads as ±Infinity and JSON.stringify writes as `null`,
 * so the record would not carry what was sent; or nesting deeper than `maxDepth`. Returns the
 * reason, or undefined when the value is fine.
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  // Two parallel stacks rather than one of [node, depth] pairs: no allocation per node visited.
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() as number;
    if (typeof node === 'number' && !Number.isFinite(node))
      return 'a number is beyond the range of a double (±1.8e308)';
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return `the event is nested more than ${maxDepth} levels deep`;
    if (Array.isArray(node)) {
      for (const item of node) {
        nodes.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === '__proto__') return 'the key "__proto__" is not allowed';
      nodes.push((node as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return undefined;
}
