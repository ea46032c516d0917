import eventsTable from '../../shared/sql/eventsTable.json' with { type: 'json' };

/**
 * The table `events` as both engines see it: shared/sql/eventsTable.json declares its columns once,
 * in Glue's shape (Hive types), for the Glue table Athena reads (resources/sql.yml) and for the
 * DuckDB table `npm run sql` builds locally, which takes the same columns in DuckDB's types.
 */

export interface TableColumn {
  name: string;
  /** Hive type as Glue stores it: `string`, `int`, `double`, `struct<name:type,...>`. */
  type: string;
}

/** The archived line's columns, then the partition columns (year, month, day, hour of arrival). */
export const EVENTS_COLUMNS: readonly TableColumn[] = eventsTable.Columns.map(({ Name, Type }) => ({
  name: Name,
  type: Type,
}));
export const EVENTS_PARTITIONS: readonly TableColumn[] = eventsTable.PartitionKeys.map(({ Name, Type }) => ({
  name: Name,
  type: Type,
}));
export const EVENTS_TABLE = eventsTable.table;

const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
};

/**
 * A Hive type in DuckDB's syntax. Struct field names are quoted, so `type` or `value` stay names.
 *
 * @example
 * duckDbType('struct<type:string,value:double>'); // 'STRUCT("type" VARCHAR, "value" DOUBLE)'
 */
export function duckDbType(hiveType: string): string {
  const type = hiveType.trim();
  const primitive = PRIMITIVES[type.toLowerCase()];
  if (primitive) return primitive;
  const struct = /^struct<(.*)>$/is.exec(type);
  if (!struct) throw new Error(`eventsTable.json: type ${hiveType} has no DuckDB equivalent here`);
  const fields = splitTopLevel(struct[1] ?? '').map((field) => {
    const colon = field.indexOf(':');
    if (colon <= 0) throw new Error(`eventsTable.json: struct field "${field}" is not name:type`);
    return `"${field.slice(0, colon).trim()}" ${duckDbType(field.slice(colon + 1))}`;
  });
  return `STRUCT(${fields.join(', ')})`;
}

/** Splits `a:int,b:struct<c:int,d:int>` at the commas outside angle brackets. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i += 1) {
    const char = list[i];
    if (char === '<') depth += 1;
    else if (char === '>') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.filter((part) => part.trim() !== '');
}
