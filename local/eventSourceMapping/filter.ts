import type { LocalEventSourceMapping } from '../app/model.ts';
import { compilePattern, type Matcher, UnsupportedPatternError } from './filterPattern.ts';
import { configError } from './settings.ts';

/**
 * FilterCriteria of a Kinesis mapping. Lambda filters Kinesis records on the `data` key only,
 * against the base64-decoded data parsed as JSON; data that is not JSON matches only patterns
 * without a `data` key. Filters are ORed; no filter means every record is delivered. Records that
 * match none are not delivered and are checkpointed past, as on AWS.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html
 *
 * A pattern with another top-level key (`partitionKey`, ...) fails at start: Lambda documents that
 * Kinesis mappings support only `data`, so it would never behave locally as it does on AWS.
 */
export type RecordFilter = (data: Uint8Array) => boolean;

/**
 * Compiles the mapping's filter patterns (JSON strings) into one predicate over record data.
 *
 * @example
 * const deliver = compileFilter(mapping); // filterPatterns: ['{"data":{"type":["error"]}}']
 * deliver(Buffer.from('{"type":"error"}')); // true
 */
export function compileFilter(mapping: LocalEventSourceMapping): RecordFilter {
  if (mapping.filterPatterns.length === 0) return () => true;
  const filters = mapping.filterPatterns.map((text) => compileOne(mapping, text));
  return (data) => {
    const document = decodeData(data);
    return filters.some((filter) => filter(document));
  };
}

const NOT_JSON = Symbol('not JSON');

type CompiledFilter = (document: unknown) => boolean;

function compileOne(mapping: LocalEventSourceMapping, text: string): CompiledFilter {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    throw configError(mapping, `filter pattern is not JSON: ${text}`);
  }
  const keys = pattern !== null && typeof pattern === 'object' ? Object.keys(pattern) : [];
  const other = keys.find((key) => key !== 'data');
  if (other !== undefined) {
    throw configError(mapping, `filter pattern key "${other}": Kinesis mappings filter on "data" only (${text})`);
  }
  let matcher: Matcher;
  try {
    matcher = compilePattern(pattern);
  } catch (error) {
    if (error instanceof UnsupportedPatternError) throw configError(mapping, `${error.message} (${text})`);
    throw error;
  }
  const usesData = keys.includes('data');
  return (document) => (document === NOT_JSON ? !usesData : matcher({ data: document }));
}

function decodeData(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}
