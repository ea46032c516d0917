import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * Every CLI's command line, the same way: `--help` (or `-h`) anywhere prints the usage and exits 0;
 * an unknown or malformed option prints one line naming it, then the usage, and exits 2 (bad
 * usage), never a stack trace. Failures of the work itself exit 1 (`failWith`).
 *
 * @example
 * const { values, positionals } = parseCommandLine({ options: { count: { type: 'string' } } }, USAGE);
 */
export function parseCommandLine<const T extends ParseArgsConfig>(
  config: T,
  usage: string,
  args: string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<T & { args: string[] }>> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ ...config, args });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error), usage);
  }
}

/** Bad usage: `error: <message>`, the usage, exit code 2. */
export function usageError(message: string, usage: string): never {
  process.stderr.write(`error: ${message}\n${usage}\n`);
  process.exit(2);
}

/** The work failed: `error: <message>` on one line, exit code 1. */
export function failWith(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}
