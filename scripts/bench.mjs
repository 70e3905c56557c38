// `pnpm bench [flags]`: each package's benchmark in turn (those that have one), flags passed on.
// `pnpm bench --quick`: each at a small size, read through its `--json` document, then one
// table: every compared figure, its anchor, the ratio, the goal, met or not.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2).filter((a) => a !== '--');
const quick = args.includes('--quick');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // loopback only; it costs time on every node start here

const benches = readdirSync('packages')
  .sort()
  .filter((name) => {
    const file = join('packages', name, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).scripts?.bench;
  });

let failed = 0;
const comparisons = [];
const started = Date.now();
for (const name of benches) {
  console.log(`\n== ${name} bench`);
  const flags = quick ? ['--quick', '--json', ...args.filter((a) => a !== '--quick')] : args;
  const run = spawnSync('pnpm', ['-s', '--filter', name, 'bench', ...flags], {
    stdio: quick ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env,
  });
  if (run.status !== 0) {
    failed += 1;
    if (quick) process.stdout.write(run.stdout ?? '');
    console.log(`${name}: bench failed (exit ${run.status})`);
    continue;
  }
  if (!quick) continue;
  const last = (run.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    const doc = JSON.parse(last);
    for (const c of doc.comparisons) comparisons.push({ bench: name, ...c });
    console.log(`${name}: ${doc.rows.length} rows, ${doc.comparisons.length} comparisons`);
  } catch {
    failed += 1;
    console.log(`${name}: no JSON document on its last line`);
  }
}

if (quick) {
  const fmt = (v) =>
    v === null || v === undefined
      ? '-'
      : Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 });
  const header = [
    'bench',
    'row',
    'figure',
    'value',
    'anchor',
    'anchor value',
    'ratio',
    'goal',
    'met',
  ];
  const rows = comparisons.map((c) => [
    c.bench,
    c.row,
    c.figure,
    fmt(c.value),
    c.anchor,
    fmt(c.anchorValue),
    c.ratio === null ? '-' : `${c.ratio.toFixed(2)}x`,
    c.goal === null ? '-' : `≥ ${c.goal}x`,
    c.met === null ? '-' : c.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  const met = comparisons.filter((c) => c.met === true).length;
  const goals = comparisons.filter((c) => c.met !== null).length;
  console.log(
    `\nbench --quick: ${benches.length} benches in ${Math.round((Date.now() - started) / 1000)} s; goals met ${met} of ${goals}`,
  );
}
process.exitCode = failed ? 1 : 0;
