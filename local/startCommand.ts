import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CORE_SCHEMA, eventsToAst, type Node, parseEvents } from 'js-yaml';
import { PROJECT_ROOT } from './projectRoot.ts';

/**
 * `npm start`'s Node.js arguments, from package.json's start script (`node <args>`, or
 * `exec node <args>`, which has the shell npm runs scripts with give its place to node): what starts
 * the pipeline as users start it, V8 flags included, for the tests and benchmarks that run it in a
 * child process without npm in between.
 *
 * @example
 * spawn(process.execPath, [...(await npmStartArguments()), '--fresh']);
 */
export async function npmStartArguments(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (manifest.scripts?.start ?? '').split(/\s+/).filter(Boolean);
  const [command, ...args] = words[0] === 'exec' ? words.slice(1) : words;
  if (command !== 'node') throw new Error(`package.json's start script does not run node: ${manifest.scripts?.start}`);
  return args;
}

/**
 * The params `--param` can set for `stage`: the names under serverless.yml's `params.default` and
 * `params.<stage>`, which is where the framework resolves `${param:name}` from for that stage. The
 * framework takes any other `--param` without a word (and the template comes out unchanged), so
 * npm start checks names against these. Undefined when serverless.yml's `params` is not written
 * out in it as a mapping (a `${file(...)}` variable, say): then there is nothing to check against.
 *
 * serverless.yml is read as YAML nodes, not values: its CloudFormation tags (`!Ref`, `!If` ...)
 * need no schema that way.
 *
 * @example
 * await stageParamNames('local'); // ['streamMode', 'shardCount', ..., 'archiveBatchWindowSeconds', ...]
 */
export async function stageParamNames(stage: string, rootDir: string = PROJECT_ROOT): Promise<string[] | undefined> {
  const filename = join(rootDir, 'serverless.yml');
  const source = await readFile(filename, 'utf8');
  const [document] = eventsToAst(parseEvents(source, { filename }), { source, schema: CORE_SCHEMA });
  const params = entry(document?.contents ?? null, 'params');
  if (params?.kind !== 'mapping') return undefined;
  return [...new Set([...keys(entry(params, 'default')), ...keys(entry(params, stage))])];
}

/** The value of `key` in a YAML mapping node. */
function entry(node: Node | null | undefined, key: string): Node | undefined {
  if (node?.kind !== 'mapping') return undefined;
  return node.items.find((item) => item.key.kind === 'scalar' && item.key.value === key)?.value;
}

/** The scalar keys of a YAML mapping node; none for anything else. */
function keys(node: Node | undefined): string[] {
  if (node?.kind !== 'mapping') return [];
  return node.items.flatMap(({ key }) => (key.kind === 'scalar' ? [key.value] : []));
}
