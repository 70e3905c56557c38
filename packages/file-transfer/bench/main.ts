// `pnpm --filter file-transfer bench [--size 1G] [--rounds 3] [--seed-size 4M] [--quick] [--json]`:
// one file, sent every way side by side: nc (the baseline: no protocol, no checks), ours with
// its default BLAKE3, with SHA-256 (with and without the CPU's SHA extensions), with --hash
// none, and the seed's protocol (on a text file: it sends line by line). Rounds take turns,
// each in a new order, so a busy machine slows every row alike; each row shows its median.
// Files go in a temp dir that is removed at the end. Everything runs on 127.0.0.1 with free
// ports. --json prints one JSON document on stdout (rows, the goals against nc, peak memory
// against its limit) and the tables on stderr. BENCH.md has the figures.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seededRandom, shuffled } from '@socket-lab/bench/random';
import {
  type BenchRow,
  type Comparison,
  compare,
  limit,
  printJson,
  REPORT_FLAGS,
} from '@socket-lab/bench/report';
import { FatalError, onShutdown, runCli, toBytes, toInteger } from '@socket-lab/common';
import { formatBytes } from '../src/units.js';
import { makeRandomFile, makeTextFile } from './files.js';
import {
  flushToDisk,
  hasNc,
  idleTsxPeakKb,
  killAll,
  type RunResult,
  runNc,
  runOurs,
  runSeed,
  WITHOUT_SHA_EXTENSIONS,
} from './run.js';

/** The goals (issue 13): MB/s against nc's, and each side's peak memory. */
const GOALS = { unverified: 0.9, verified: 0.8, peakRssMb: 100 };
/** --quick: a small file, one round, a short text for the seed (well under a minute). */
const QUICK = { size: 64 * 1024 * 1024, rounds: 1, seedSize: 256 * 1024 };

const NC = 'nc, file → socket → file';
const BLAKE3 = 'ours, blake3 (default)';
const NONE = 'ours, --hash none';

const spec = {
  usage: 'pnpm --filter file-transfer bench',
  role: 'client',
  summary: "Measures transfers of one generated file: MB/s and each side's peak memory, beside nc.",
  defaultPort: 0,
  flags: {
    size: { type: 'string', valueName: 'SIZE', default: '1G', description: 'file size (K, M, G)' },
    rounds: {
      type: 'string',
      valueName: 'N',
      default: '3',
      description: 'runs of each row, taking turns; the table shows the median',
    },
    'seed-size': {
      type: 'string',
      valueName: 'SIZE',
      default: '4M',
      description: 'text file for the seed protocol (one round trip per 64-byte line)',
    },
    ...REPORT_FLAGS,
  },
  notes: ['--host and --port are not used: every run binds 127.0.0.1 on a free port.'],
} as const;

await runCli(spec, async ({ flags }) => {
  const quick = flags.quick === true;
  const json = flags.json === true;
  const size = quick ? QUICK.size : toBytes(flags.size, '--size');
  const rounds = quick ? QUICK.rounds : toInteger(flags.rounds, '--rounds', 1, 20);
  const seedSize = quick ? QUICK.seedSize : toBytes(flags['seed-size'], '--seed-size');
  // With --json, stdout carries the document alone; what people read goes to stderr.
  const say = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-transfer-bench-'));
  // Ctrl+C: stop the transfers, and leave no gigabytes behind in the temp folder.
  onShutdown(async () => {
    killAll();
    await fs.rm(dir, { recursive: true, force: true });
    process.exit(0);
  });
  try {
    // Room for the file, one received copy and the seed's text file (each is deleted after
    // it is checked).
    const free = await fs.statfs(dir).then((s) => s.bavail * s.bsize);
    if (free < 2 * size + seedSize + 64 * 1024 * 1024) {
      throw new FatalError(
        `${formatBytes(free)} free in ${os.tmpdir()}: not enough for --size ${flags.size}`,
      );
    }
    const file = path.join(dir, 'random.bin');
    const text = path.join(dir, 'text.log');
    const out = path.join(dir, 'received');
    await fs.mkdir(out);
    say(
      `making ${formatBytes(size)} of random bytes and ${formatBytes(seedSize)} of text in ${dir}`,
    );
    const digest = await makeRandomFile(file, size);
    const textDigest = await makeTextFile(text, seedSize);

    const nc = hasNc();
    if (!nc) say('nc not found (apt-get install netcat-openbsd): no baseline this time');
    const plan: { name: string; bytes: number; run: () => Promise<RunResult> }[] = [
      ...(nc ? [{ name: NC, bytes: size, run: () => runNc(file, out, digest) }] : []),
      { name: BLAKE3, bytes: size, run: () => runOurs(file, out, digest, 'blake3') },
      { name: 'ours, --hash sha256', bytes: size, run: () => runOurs(file, out, digest, 'sha256') },
      {
        name: 'ours, --hash sha256, SHA extensions off',
        bytes: size,
        run: () => runOurs(file, out, digest, 'sha256', WITHOUT_SHA_EXTENSIONS),
      },
      { name: NONE, bytes: size, run: () => runOurs(file, out, digest, 'none') },
      {
        name: `seed protocol (${formatBytes(seedSize)} text)`,
        bytes: seedSize,
        run: () => runSeed(text, out, textDigest),
      },
    ];
    const results = plan.map(() => [] as RunResult[]);
    // Each round runs the rows in a new order. Whichever row ran right after nc was slow,
    // whatever it was (BENCH.md has the figures), so a fixed order would pin that on one row.
    const random = seededRandom(1);
    for (let round = 1; round <= rounds; round++) {
      for (const i of shuffled([...plan.keys()], random)) {
        const row = plan[i] as (typeof plan)[number];
        flushToDisk();
        const r = await row.run();
        (results[i] as RunResult[]).push(r);
        const rate = row.bytes / r.seconds;
        say(
          `round ${round}: ${row.name}: ${megabytes(rate)} MB/s${r.intact ? '' : ' (RECEIVED COPY DIFFERS)'}`,
        );
      }
    }
    const loader = await idleTsxPeakKb();

    const baseline = nc ? median((results[0] as RunResult[]).map((r) => size / r.seconds)) : 0;
    const mb = (kb: number) => Math.round(kb / 1024);
    const rows: BenchRow[] = plan.map((row, i) => {
      const runs = results[i] as RunResult[];
      return {
        name: row.name,
        figures: {
          'MB/s': median(runs.map((r) => row.bytes / r.seconds)) / 1e6,
          'sender peak RSS MB': mb(Math.max(...runs.map((r) => r.senderPeakKb))),
          'receiver peak RSS MB': mb(Math.max(...runs.map((r) => r.receiverPeakKb))),
          intact: runs.every((r) => r.intact) ? 1 : 0,
        },
      };
    });
    say('');
    say(
      `${formatBytes(size)} file, ${rounds} round(s), median of each row; ${os.cpus().length} CPUs, loopback`,
    );
    say('');
    say('| transfer | MB/s | vs nc | sender peak RSS | receiver peak RSS | intact |');
    say('|---|--:|--:|--:|--:|:-:|');
    for (const { name, figures: f } of rows) {
      const rate = (f['MB/s'] as number) * 1e6;
      const ratio = baseline ? `${(rate / baseline).toFixed(2)}x` : '-';
      const peaks = `${f['sender peak RSS MB']} MB | ${f['receiver peak RSS MB']} MB`;
      say(`| ${name} | ${megabytes(rate)} | ${ratio} | ${peaks} | ${f.intact ? 'yes' : 'NO'} |`);
    }
    say('');
    say(
      `(node --import tsx doing nothing peaks at ${Math.round(loader / 1024)} MB: the loader's share of our figures)`,
    );

    // The goals: MB/s against nc's, and each side's peak memory for every run of ours.
    const comparisons: Comparison[] = [
      compare(rows, { figure: 'MB/s', row: NONE, anchor: NC, goal: GOALS.unverified }),
      compare(rows, { figure: 'MB/s', row: BLAKE3, anchor: NC, goal: GOALS.verified }),
    ];
    for (const row of plan.filter((r) => r.name.startsWith('ours'))) {
      for (const side of ['sender', 'receiver']) {
        const figure = `${side} peak RSS MB`;
        comparisons.push(limit(rows, { figure, row: row.name, max: GOALS.peakRssMb }));
      }
    }
    say('');
    for (const c of comparisons) {
      const met = c.met === null ? '-' : c.met ? 'met' : 'NOT MET';
      const what =
        c.anchor === NC
          ? `${c.ratio?.toFixed(2) ?? '-'}x nc (goal ${c.goal}x)`
          : `${c.value} MB (limit ${GOALS.peakRssMb})`;
      say(`${c.row}, ${c.figure}: ${what}: ${met}`);
    }
    if (json) {
      const params = { size, rounds, seedSize, quick, loaderPeakMb: mb(loader) };
      printJson({ bench: 'file-transfer', params, rows, comparisons });
    }
    return results.every((runs) => runs.every((r) => r.intact)) ? 0 : 1;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

/** Bytes a second as MB/s: whole numbers, two decimals below 10 (the seed's row). */
function megabytes(bytesPerSecond: number): string {
  const mb = bytesPerSecond / 1e6;
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(2);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
