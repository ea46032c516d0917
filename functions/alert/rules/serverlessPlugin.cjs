'use strict';

/**
 * osls (Serverless Framework v3 compatible) plugin: refuses to package when
 * `alert-rules.json` does not satisfy the rule schema (`ruleSchema.ts`), listing every problem,
 * so an invalid rule never reaches a deployment (the function would fail its cold start on it).
 *
 * serverless.yml:
 *   plugins:
 *     - ./functions/alert/rules/serverlessPlugin.cjs
 *
 * The schema is the TypeScript module the function itself uses, loaded through tsx (a
 * devDependency), so there is one definition of a valid rule.
 */

const { readFile } = require('node:fs/promises');
const { join, relative } = require('node:path');
const { pathToFileURL } = require('node:url');

const RULES_FILE = join(__dirname, 'alert-rules.json');

/**
 * Every problem of a rules file, one line each (empty when it is valid).
 *
 * @example
 * const problems = await rulesFileProblems('functions/alert/rules/alert-rules.json');
 */
async function rulesFileProblems(file = RULES_FILE) {
  let document;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return [`(document): not a readable JSON file: ${error.message}`];
  }
  const { tsImport } = await import('tsx/esm/api');
  const { ruleProblems } = await tsImport('./ruleSchema.ts', pathToFileURL(__filename).href);
  return ruleProblems(document);
}

class AlertRulesPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options;
    this.log = utils?.log;
    /** The file checked; a test may point it elsewhere. */
    this.rulesFile = RULES_FILE;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.validate(),
    };
  }

  async validate() {
    const problems = await rulesFileProblems(this.rulesFile);
    const fromCwd = relative(process.cwd(), this.rulesFile);
    const shown = fromCwd.startsWith('..') || fromCwd === '' ? this.rulesFile : fromCwd;
    if (problems.length === 0) {
      this.log?.verbose?.(`alert rules: ${shown} is valid`);
      return;
    }
    const ServerlessError = this.serverless?.classes?.Error ?? Error;
    throw new ServerlessError(
      `Invalid alert rules in ${shown} (${problems.length} problem(s)):\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee functions/alert/rules/README.md.`,
    );
  }
}

module.exports = AlertRulesPlugin;
module.exports.rulesFileProblems = rulesFileProblems;
