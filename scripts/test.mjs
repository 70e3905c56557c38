// `pnpm test`: every package's vitest suite through turbo, then one plain summary line,
// `tests: N passed, N failed`, counted from each package's JSON results (CI reads the last
// line). Fails when a test or a suite failed, when turbo failed, or when no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const RESULT = '.vitest-result.json';
const packages = readdirSync('packages').map((name) => join('packages', name));
for (const dir of packages) rmSync(join(dir, RESULT), { force: true });

const turbo = spawnSync(
  'pnpm',
  [
    'exec',
    'turbo',
    'run',
    'test',
    '--continue',
    '--concurrency=2',
    '--output-logs=full',
    ...process.argv.slice(2),
    '--',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${RESULT}`,
  ],
  { stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const dir of packages) {
  const file = join(dir, RESULT);
  if (!existsSync(file)) {
    if (existsSync(join(dir, 'package.json')) && process.argv.length <= 2)
      problems.push(`${dir}: no test results`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  if (r.numTotalTests === 0) problems.push(`${dir}: no tests ran`);
  passed += r.numPassedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A file that fails to load has no tests to fail, only a failed suite: count it too.
  const brokenFiles = r.testResults.filter(
    (t) => t.status === 'failed' && t.assertionResults.length === 0,
  ).length;
  failed += r.numFailedTests + brokenFiles;
}

console.log('');
for (const p of problems) console.log(p);
if (skipped > 0) console.log(`(${skipped} skipped)`);
// turbo failed outside any test (a crash, a package with no tests): that is a failure too.
if ((turbo.status !== 0 || problems.length > 0) && failed === 0) failed += 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || problems.length > 0 || passed === 0 ? 1 : 0;
