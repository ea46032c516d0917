import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Stack traces in the sources for a deployed bundle, without `--enable-source-maps`.
 *
 * With that flag Node.js reads and parses a module's source map when it loads the module, on every
 * cold start, whether or not a stack trace is ever formatted (about 10 ms of a function's init,
 * measured by bench/coldStart.ts). Here the bundle (`moduleUrl`, `import.meta.url` of a module
 * bundled into it) installs an `Error.prepareStackTrace` that reads `<bundle>.map` the first time a
 * stack trace is formatted, and rewrites the frames that fall in the bundle to the source file,
 * line and column (`functions/ingest/handler.ts:40:12`); other frames (Node.js internals) are
 * formatted as V8 formats them. Function names come from the code, which the build does not rename.
 *
 * Does nothing, and returns false, where Node.js maps stack traces itself (`--enable-source-maps`,
 * as `npm start` runs) or the module is not a bundle with a map beside it (the sources under tsx
 * or vitest, which map their own).
 *
 * @example
 * mapStackTracesLazily(import.meta.url); // once, at module load
 */
export function mapStackTracesLazily(moduleUrl: string): boolean {
  if (process.sourceMapsEnabled || !moduleUrl.startsWith('file:')) return false;
  const bundlePath = fileURLToPath(moduleUrl);
  const mapPath = `${bundlePath}.map`;
  if (!existsSync(mapPath)) return false;

  // Node.js's own formatter (it exposes it as the default), kept for when the map cannot be read.
  const previous = Error.prepareStackTrace;
  const inBundle = (site: NodeJS.CallSite) => {
    const file = site.getFileName();
    return file === moduleUrl || file === bundlePath;
  };
  let mapFrame: FrameMapper | null | undefined;
  Error.prepareStackTrace = (error, callSites) => {
    // The map is read for the first stack trace that passes through the bundle, not before.
    if (mapFrame === undefined && callSites.some(inBundle)) mapFrame = loadFrameMapper(mapPath, inBundle);
    // A stack trace must always format: without a map, V8's positions rather than none.
    if (!mapFrame && previous) return previous(error, callSites);
    const frame = mapFrame ?? ((site: NodeJS.CallSite) => site.toString());
    return `${errorHeader(error)}${callSites.map((site) => `\n    at ${frame(site)}`).join('')}`;
  };
  return true;
}

type FrameMapper = (site: NodeJS.CallSite) => string;

function loadFrameMapper(mapPath: string, inBundle: (site: NodeJS.CallSite) => boolean): FrameMapper | null {
  let sourceMap: SourceMap;
  try {
    sourceMap = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload);
  } catch {
    return null;
  }
  const mapUrl = pathToFileURL(mapPath);
  const sourcePaths = new Map<string, string>();
  // esbuild writes each source relative to the map: ../../functions/ingest/handler.ts.
  const sourcePath = (source: string) => {
    let path = sourcePaths.get(source);
    if (path === undefined) {
      path = fileURLToPath(new URL(source, mapUrl));
      sourcePaths.set(source, path);
    }
    return path;
  };
  return (site) => {
    const text = site.toString();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (!inBundle(site) || line === null || column === null) return text;
    const entry = sourceMap.findEntry(line - 1, column - 1);
    if (!('originalSource' in entry)) return text;
    const original = `${sourcePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    return text.replace(`${site.getFileName()}:${line}:${column}`, original);
  };
}

/** The first line, as V8 writes it: `TypeError: message`. */
function errorHeader(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}
