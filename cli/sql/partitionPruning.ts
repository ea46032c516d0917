/**
 * Partition pruning for the local `events` table, as Athena prunes with partition projection: read
 * only the archive objects whose partition (year, month, day, hour of arrival, from the key) a
 * query can need. The query is parsed by DuckDB itself (`json_serialize_sql`); this module reads
 * that syntax tree.
 *
 * The rule is conservative, so a pruned read always gives the result a full read would:
 * - Every reference to the table `events` in a SELECT's FROM (directly, or through joins) is
 *   limited by the conjuncts of that SELECT's WHERE (its top-level ANDs) that compare a partition
 *   column of that reference with constants: `=`, `<>`, `<`, `<=`, `>`, `>=`, BETWEEN, IN. Those
 *   rows are dropped by the WHERE anyway, before grouping, whatever the joins are.
 * - A partition column is that reference's when qualified by its alias (or `events`), or
 *   unqualified in a SELECT whose FROM holds no other table.
 * - A reference with no such conjunct needs every partition; the query needs the partitions any
 *   of its references needs. A reference the walk cannot place (in PIVOT, say), a CTE that is
 *   itself called `events`, or a statement DuckDB cannot serialize (not a SELECT) read everything.
 */

/** One archive object's partition. */
export interface Partition {
  year: number;
  month: number;
  day: number;
  hour: number;
}

export type PartitionColumn = keyof Partition;
const PARTITION_COLUMNS: readonly PartitionColumn[] = ['year', 'month', 'day', 'hour'];

/** Which partitions a query reads: `all`, or those a predicate accepts. */
export type PartitionFilter = { kind: 'all'; reason: string } | { kind: 'some'; accepts: (p: Partition) => boolean };

type Check = (value: number) => boolean;
type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The partition of an archive key (`events/year=2026/month=12/day=03/hour=09/…`); undefined for a
 * key outside that layout.
 *
 * @example
 * partitionOfKey('events/year=2026/month=12/day=03/hour=09/shardId-000000000000-1-2.ndjson.gz');
 * // { year: 2026, month: 12, day: 3, hour: 9 }
 */
export function partitionOfKey(key: string): Partition | undefined {
  const match = /(?:^|\/)year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//.exec(key);
  if (!match) return undefined;
  const [, year, month, day, hour] = match.map(Number) as [number, number, number, number, number];
  return { year, month, day, hour };
}

/**
 * The partitions a query needs, from DuckDB's `json_serialize_sql` output for it (parsed).
 *
 * @example
 * const filter = partitionFilter(JSON.parse(serialized));
 * filter.kind === 'some' && filter.accepts({ year: 2026, month: 12, day: 3, hour: 9 });
 */
export function partitionFilter(serialized: unknown): PartitionFilter {
  if (!isNode(serialized) || serialized.error !== false || !Array.isArray(serialized.statements)) {
    const message = isNode(serialized) ? String(serialized.error_message ?? 'not serializable') : 'not serializable';
    return { kind: 'all', reason: message };
  }
  if (containsCteNamed(serialized, 'events')) return { kind: 'all', reason: 'a CTE named events' };
  const allReferences = collect(serialized, isEventsReference);
  const placed: Array<{ reference: Node; checks: Map<PartitionColumn, Check[]> }> = [];
  for (const select of collect(serialized, (node) => node.type === 'SELECT_NODE')) {
    const tables = fromTables(select.from_table);
    const events = tables.filter(isEventsReference);
    for (const reference of events) {
      placed.push({ reference, checks: checksFor(select.where_clause, reference, tables.length === 1) });
    }
  }
  if (placed.length !== allReferences.length)
    return { kind: 'all', reason: 'a reference to events in a FROM it cannot read' };
  if (placed.some(({ checks }) => checks.size === 0)) return { kind: 'all', reason: 'no partition filter' };
  return {
    kind: 'some',
    accepts: (partition) =>
      placed.some(({ checks }) =>
        [...checks].every(([column, list]) => list.every((check) => check(partition[column]))),
      ),
  };
}

/** Every node of the tree (depth first) that `match` accepts. */
function collect(root: unknown, match: (node: Node) => boolean): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (isNode(value)) {
      if (match(value)) found.push(value);
      for (const child of Object.values(value)) visit(child);
    }
  };
  visit(root);
  return found;
}

function isEventsReference(node: Node): boolean {
  return node.type === 'BASE_TABLE' && String(node.table_name).toLowerCase() === 'events';
}

function containsCteNamed(root: unknown, name: string): boolean {
  return collect(root, (node) => isNode(node.cte_map) && Array.isArray(node.cte_map.map)).some((node) =>
    ((node.cte_map as Node).map as unknown[]).some(
      (entry) => isNode(entry) && String(entry.key).toLowerCase() === name,
    ),
  );
}

/** The table references of a FROM clause, through joins (a subquery is a reference, not walked into). */
function fromTables(from: unknown): Node[] {
  if (!isNode(from)) return [];
  if (from.type === 'JOIN') return [...fromTables(from.left), ...fromTables(from.right)];
  return [from];
}

/** The checks the WHERE's top-level conjuncts put on the reference's partition columns. */
function checksFor(where: unknown, reference: Node, alone: boolean): Map<PartitionColumn, Check[]> {
  const names = new Set(['events', String(reference.alias ?? '').toLowerCase()].filter(Boolean));
  const columnOf = (expression: unknown): PartitionColumn | undefined => {
    if (!isNode(expression) || expression.class !== 'COLUMN_REF' || !Array.isArray(expression.column_names))
      return undefined;
    const path = (expression.column_names as unknown[]).map((part) => String(part).toLowerCase());
    const [first, second] = path;
    const column =
      path.length === 1 && alone ? first : path.length === 2 && names.has(first ?? '') ? second : undefined;
    return PARTITION_COLUMNS.find((name) => name === column);
  };
  const checks = new Map<PartitionColumn, Check[]>();
  const add = (column: PartitionColumn, check: Check) => checks.set(column, [...(checks.get(column) ?? []), check]);
  for (const conjunct of conjuncts(where)) {
    const check = partitionCheck(conjunct, columnOf);
    if (check) add(check.column, check.check);
  }
  return checks;
}

function conjuncts(expression: unknown): Node[] {
  if (!isNode(expression)) return [];
  if (expression.type === 'CONJUNCTION_AND' && Array.isArray(expression.children)) {
    return (expression.children as unknown[]).flatMap(conjuncts);
  }
  return [expression];
}

const COMPARE: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  COMPARE_EQUAL: (a, b) => a === b,
  COMPARE_NOTEQUAL: (a, b) => a !== b,
  COMPARE_LESSTHAN: (a, b) => a < b,
  COMPARE_GREATERTHAN: (a, b) => a > b,
  COMPARE_LESSTHANOREQUALTO: (a, b) => a <= b,
  COMPARE_GREATERTHANOREQUALTO: (a, b) => a >= b,
};
/** `constant <op> column` is `column <flipped op> constant`. */
const FLIPPED: Readonly<Record<string, string>> = {
  COMPARE_EQUAL: 'COMPARE_EQUAL',
  COMPARE_NOTEQUAL: 'COMPARE_NOTEQUAL',
  COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN',
  COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN',
  COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO',
  COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO',
};

/** A conjunct as a check on one partition column, when it is one of the forms pruning reads. */
function partitionCheck(
  conjunct: Node,
  columnOf: (expression: unknown) => PartitionColumn | undefined,
): { column: PartitionColumn; check: Check } | undefined {
  const compare = COMPARE[String(conjunct.type)];
  if (conjunct.class === 'COMPARISON' && compare) {
    const [left, right] = [conjunct.left, conjunct.right];
    const leftColumn = columnOf(left);
    const rightColumn = columnOf(right);
    if (leftColumn && !rightColumn) {
      const value = constantNumber(right);
      return value === undefined ? undefined : { column: leftColumn, check: (v) => compare(v, value) };
    }
    if (rightColumn && !leftColumn) {
      const value = constantNumber(left);
      const flipped = COMPARE[FLIPPED[String(conjunct.type)] ?? ''];
      return value === undefined || !flipped ? undefined : { column: rightColumn, check: (v) => flipped(v, value) };
    }
    return undefined;
  }
  if (conjunct.type === 'COMPARE_BETWEEN') {
    const column = columnOf(conjunct.input);
    const [lower, upper] = [constantNumber(conjunct.lower), constantNumber(conjunct.upper)];
    if (!column || lower === undefined || upper === undefined) return undefined;
    return { column, check: (v) => v >= lower && v <= upper };
  }
  if (conjunct.type === 'COMPARE_IN' && Array.isArray(conjunct.children)) {
    const [input, ...list] = conjunct.children as unknown[];
    const column = columnOf(input);
    const values = list.map(constantNumber);
    if (!column || values.some((value) => value === undefined)) return undefined;
    return { column, check: (v) => values.includes(v) };
  }
  return undefined;
}

/** A constant (or a CAST of one) whose value is a whole number or text of one (`'09'`). */
function constantNumber(expression: unknown): number | undefined {
  if (!isNode(expression)) return undefined;
  if (expression.class === 'CAST') return constantNumber(expression.child);
  if (expression.class !== 'CONSTANT' || !isNode(expression.value) || expression.value.is_null !== false)
    return undefined;
  const raw = expression.value.value;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(value) ? value : undefined;
}
