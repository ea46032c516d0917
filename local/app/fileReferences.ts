import { posix } from 'node:path';
import { TemplateBuildError } from './errors.ts';

/**
 * `${file(./config.yml)}`, `${file(./config.yml):key}`, `${file('config/${opt:stage}.yml')}`: the
 * path ends at the first `)`, which a nested `${...}` variable does not contain.
 * https://www.serverless.com/framework/docs/guides/variables/file
 */
const FILE_VARIABLE = /\$\{file\(\s*(['"]?)([^)]+?)\1\s*\)/g;

/**
 * The inputs the `${file(...)}` variables of one service file name, relative to the service root
 * with `/` separators (the framework resolves them from the service folder). A path built from
 * variables cannot be known before the framework runs, so its whole folder up to the first `${`
 * stands in for it: more gets hashed, nothing is missed. Throws a TemplateBuildError for a path
 * outside the service folder, which the build (run in a copy of the service) would not see.
 *
 * @example
 * fileReferenceInputs('custom: ${file(./config/${opt:stage}.yml)}', 'serverless.yml'); // ['config']
 */
export function fileReferenceInputs(text: string, source: string): string[] {
  const inputs = new Set<string>();
  for (const [variable, , path = ''] of text.matchAll(FILE_VARIABLE)) {
    const variableAt = path.indexOf('${');
    const literal = variableAt === -1 ? path : posix.dirname(`${path.slice(0, variableAt)}x`);
    const input = posix.normalize(literal.trim());
    if (posix.isAbsolute(input) || input === '..' || input.startsWith('../')) {
      throw new TemplateBuildError(
        `${source}: ${variable} names a file outside the service folder, which the local template build cannot copy`,
      );
    }
    inputs.add(input === '.' ? '' : input);
  }
  return [...inputs];
}
