// `pnpm mutate [package…] [--full]`: mutation testing of the pure modules (codecs, name rules,
// flag parsing, formatters, decision logic) with Stryker, one package at a time, and one table
// at the end: module, mutants, killed, survived, score.
//
// A mutant is the code with one operator or constant changed; a test that fails on it has
// "killed" it. A survivor is a change no test noticed: either a gap in the tests or a change
// that cannot matter (an equivalent mutant, listed with its reason in the package's
// TESTING.md). Only in-process tests can see a mutant (a CLI test runs another process), so
// each target names the test files that exercise its modules.
//
// Incremental: each package's results are kept under node_modules/.cache/socket-lab-mutate/
// (a cache: a fresh clone starts with a full run), so a rerun after a small change tests only
// the mutants that change touched. `--full` ignores them.
// Not part of `pnpm test` or CI: a full run takes minutes per package.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const STRYKER = join(ROOT, 'node_modules/.bin/stryker');
const WORK_DIR = join(ROOT, 'node_modules/.cache/socket-lab-mutate');

/** Per package: the pure modules to mutate and the in-process tests that pin them. */
const TARGETS = {
  common: {
    mutate: ['src/args.ts', 'src/frame.ts', 'src/preview.ts', 'src/address.ts'],
    tests: [
      'test/args.test.ts',
      'test/frame.test.ts',
      'test/preview.test.ts',
      'test/address.test.ts',
    ],
  },
  'tcp-echo': {
    mutate: ['src/protocol.ts'],
    tests: ['test/protocol*.test.ts'],
  },
  'udp-echo': {
    mutate: ['src/protocol.ts'],
    tests: ['test/protocol*.test.ts'],
  },
  'udp-time': {
    mutate: ['src/time-format/strftime.ts', 'src/protocol.ts'],
    tests: ['test/strftime*.test.ts', 'test/protocol*.test.ts'],
  },
  'sticky-packets': {
    mutate: ['src/protocol.ts'],
    tests: ['test/protocol*.test.ts', 'test/decoder*.test.ts'],
  },
  'file-transfer': {
    mutate: ['src/names.ts', 'src/protocol.ts'],
    tests: ['test/protocol*.test.ts', 'test/names*.test.ts'],
  },
  'fault-proxy': {
    mutate: ['src/faults.ts'],
    tests: ['test/faults*.test.ts', 'test/options*.test.ts'],
  },
};

const args = process.argv.slice(2).filter((a) => a !== '--');
const full = args.includes('--full');
const unknown = args.filter((a) => a.startsWith('-') && a !== '--full');
if (unknown.length) {
  console.error(`unknown flag ${unknown[0]}; usage: pnpm mutate [package…] [--full]`);
  process.exit(2);
}
const names = args.filter((a) => !a.startsWith('-'));
for (const name of names) {
  if (!TARGETS[name]) {
    console.error(`no mutation target ${name}; known: ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
}

mkdirSync(WORK_DIR, { recursive: true });
const rows = [];
let failed = false;
for (const name of names.length ? names : Object.keys(TARGETS)) {
  const target = TARGETS[name];
  const dir = join(ROOT, 'packages', name);
  const vitestConfig = join(WORK_DIR, `${name}.vitest.config.mjs`);
  // Only the in-process tests. The root is where vitest runs: Stryker's sandbox copy of the
  // package, whose files carry the mutants (not the package itself).
  writeFileSync(
    vitestConfig,
    `export default { root: process.cwd(), test: { include: ${JSON.stringify(target.tests)}, testTimeout: 30000 } };\n`,
  );
  const report = join(WORK_DIR, `${name}.report.json`);
  const config = {
    testRunner: 'vitest',
    vitest: { configFile: vitestConfig, related: false },
    coverageAnalysis: 'perTest',
    mutate: target.mutate,
    concurrency: Math.min(2, availableParallelism()),
    incremental: !full,
    incrementalFile: join(WORK_DIR, `${name}.incremental.json`),
    reporters: ['json', 'progress'],
    jsonReporter: { fileName: report },
    tempDirName: join(WORK_DIR, `${name}.tmp`),
    cleanTempDir: true,
    timeoutMS: 10000,
    plugins: ['@stryker-mutator/vitest-runner'],
  };
  const configFile = join(WORK_DIR, `${name}.stryker.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`\n== ${name}: ${target.mutate.join(', ')}`);
  const started = Date.now();
  const run = spawnSync(STRYKER, ['run', configFile], { cwd: dir, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (run.status !== 0 || !existsSync(report)) {
    console.error(`${name}: stryker failed (exit ${run.status})`);
    failed = true;
    continue;
  }
  console.log(`${name}: ${seconds} s`);
  const { files } = JSON.parse(readFileSync(report, 'utf8'));
  for (const [file, { mutants }] of Object.entries(files)) {
    const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
    const killed = count('Killed', 'Timeout');
    const survived = count('Survived', 'NoCoverage');
    const valid = killed + survived;
    rows.push({
      module: `${name}/${file}`,
      mutants: valid,
      killed,
      survived,
      score: valid ? (100 * killed) / valid : 100,
    });
  }
}

const header = ['module', 'mutants', 'killed', 'survived', 'score'];
const cells = rows.map((r) => [
  r.module,
  String(r.mutants),
  String(r.killed),
  String(r.survived),
  `${r.score.toFixed(1)}%`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) =>
  `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
console.log(`\n${line(header)}`);
console.log(`|${widths.map((w, i) => `${'-'.repeat(w + 1)}${i === 0 ? '-' : ':'}`).join('|')}|`);
for (const c of cells) console.log(line(c));
process.exitCode = failed ? 1 : 0;
