import type { LocalRoute } from '../app/model.ts';
import { HttpApiConfigError } from './errors.ts';

/**
 * Route selection as HTTP APIs do it: a route key is `METHOD /path` (or `ANY /path`) whose path may
 * hold `{name}` variables and one greedy `{name+}` at its end; `$default` catches the rest. When
 * several routes match, the most specific wins: full matches before greedy ones, literal segments
 * before variables, a named method before `ANY`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */

export interface RouteMatch {
  route: LocalRoute;
  /** Decoded values of the route's path variables; absent when it has none (as in the event). */
  pathParameters?: Record<string, string>;
}

export interface RouteTable {
  /** `path` is the request path without the stage prefix and query string, still URL-encoded. */
  match(method: string, path: string): RouteMatch | undefined;
}

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Segment kinds in order of specificity: a lower kind wins. */
const LITERAL = 0;
const VARIABLE = 1;
const GREEDY = 2;

type Segment = { kind: typeof LITERAL; text: string } | { kind: typeof VARIABLE | typeof GREEDY; name: string };

interface CompiledRoute {
  route: LocalRoute;
  method: string;
  segments: Segment[];
}

/**
 * Compiles the routes once, most specific first, and checks every route key.
 *
 * @example
 * const table = routeTable([{ routeKey: 'GET /pets/{id}', functionLogicalId: 'Pets', payloadFormatVersion: '2.0' }]);
 * table.match('GET', '/pets/7'); // { route, pathParameters: { id: '7' } }
 */
export function routeTable(routes: readonly LocalRoute[]): RouteTable {
  const fallback = routes.find((route) => route.routeKey === '$default');
  const compiled = routes.filter((route) => route !== fallback).map(compileRoute);
  const keys = new Set<string>();
  for (const { route } of compiled) {
    if (keys.has(route.routeKey)) throw new HttpApiConfigError(`duplicate route key "${route.routeKey}"`);
    keys.add(route.routeKey);
  }
  compiled.sort(bySpecificity);
  return {
    match(method, path) {
      const requestSegments = path === '/' ? [] : path.split('/').slice(1);
      for (const candidate of compiled) {
        if (candidate.method !== 'ANY' && candidate.method !== method) continue;
        const pathParameters = matchSegments(candidate.segments, requestSegments);
        if (pathParameters) return withParameters(candidate.route, pathParameters);
      }
      return fallback ? { route: fallback } : undefined;
    },
  };
}

function compileRoute(route: LocalRoute): CompiledRoute {
  const match = /^(\S+) (\/\S*)$/.exec(route.routeKey);
  const method = match?.[1] ?? '';
  const path = match?.[2] ?? '';
  if (!METHODS.has(method)) throw new HttpApiConfigError(`route key "${route.routeKey}" is not "METHOD /path"`);
  const parts = path === '/' ? [] : path.split('/').slice(1);
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!variable) {
      if (part === '' || /[{}]/.test(part))
        throw new HttpApiConfigError(`route key "${route.routeKey}" has a bad segment`);
      return { kind: LITERAL, text: part };
    }
    const greedy = variable[2] === '+';
    if (greedy && index !== parts.length - 1) {
      throw new HttpApiConfigError(`route key "${route.routeKey}": a greedy variable must end the path`);
    }
    return { kind: greedy ? GREEDY : VARIABLE, name: variable[1] ?? '' };
  });
  return { route, method, segments };
}

/** Full matches first, then segment by segment from the left, then a named method before ANY. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const greedy = Number(isGreedy(a)) - Number(isGreedy(b));
  if (greedy !== 0) return greedy;
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const kind = (a.segments[i]?.kind ?? -1) - (b.segments[i]?.kind ?? -1);
    if (kind !== 0) return kind;
  }
  return Number(a.method === 'ANY') - Number(b.method === 'ANY');
}

const isGreedy = (route: CompiledRoute) => route.segments.at(-1)?.kind === GREEDY;

/** The path variables when the request path fits the route's segments, else undefined. */
function matchSegments(segments: Segment[], request: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    if (segment.kind === GREEDY) {
      // A greedy variable catches one or more child segments, never nothing.
      const rest = request.slice(i).join('/');
      if (rest === '') return undefined;
      parameters[segment.name] = decodePathValue(rest);
      return parameters;
    }
    const value = request[i];
    if (value === undefined || value === '') return undefined;
    if (segment.kind === LITERAL && value !== segment.text) return undefined;
    if (segment.kind === VARIABLE) parameters[segment.name] = decodePathValue(value);
  }
  return request.length === segments.length ? parameters : undefined;
}

function withParameters(route: LocalRoute, pathParameters: Record<string, string>): RouteMatch {
  return Object.keys(pathParameters).length > 0 ? { route, pathParameters } : { route };
}

/** API Gateway decodes URL-encoded parameters before passing them on; a malformed escape stays as sent. */
function decodePathValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
