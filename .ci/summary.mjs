// Prints CI's last line, "N passed, N failed[, N skipped]", from vitest's JSON report plus the
// lint/type-check results, and exits non-zero when anything failed or the run produced no report.
import { existsSync, readFileSync } from 'node:fs';

const [file, extraPassed = '0', extraFailed = '0', testStatus = '0'] = process.argv.slice(2);
let passed = Number(extraPassed);
let failed = Number(extraFailed);
let skipped = 0;
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A suite that fails to load has no tests but still fails the run.
  failed += report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
} else {
  console.log('no test report was written');
  failed += 1;
}
if (Number(testStatus) !== 0 && failed === 0) failed += 1; // the runner failed without a failing test
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
