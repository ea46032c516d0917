/** A value of a result cell as printed: JSON-safe. */
export type Cell = string | number | boolean | null | Cell[] | { [key: string]: Cell };

/** What a query answered, the same shape from DuckDB and from Athena. */
export interface QueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: Cell[][];
}

/** How much of the archive a query read: objects and bytes (compressed), against all there are. */
export interface ScanStats {
  objectsRead: number;
  bytesRead: number;
  objectsInArchive: number;
  /** Why every object was read, when pruning could not narrow it (no partition filter, ...). */
  unpruned?: string;
}
