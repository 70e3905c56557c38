// `pnpm --filter file-transfer bench [--size 1G] [--rounds 3] [--seed-size 4M]`: one file,
// sent every way side by side: nc (the baseline: no protocol, no checks), ours with its
// default BLAKE3, with SHA-256 (with and without the CPU's SHA extensions), with --hash none,
// and the seed's protocol (on a text file: it sends line by line). Rounds take turns, each in
// a new order, so a busy machine slows every row alike; each row shows its median. Files go
// in a temp dir that is removed at the end. Everything runs on 127.0.0.1 with free ports.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seededRandom, shuffled } from '@socket-lab/bench/random';
import { FatalError, onShutdown, runCli, toBytes, toInteger } from '@socket-lab/common';
import { formatBytes } from '../src/units.js';
import {
  flushToDisk,
  hasNc,
  idleTsxPeakKb,
  killAll,
  makeRandomFile,
  makeTextFile,
  type RunResult,
  runNc,
  runOurs,
  runSeed,
  WITHOUT_SHA_EXTENSIONS,
} from './run.js';

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
  },
  notes: ['--host and --port are not used: every run binds 127.0.0.1 on a free port.'],
} as const;

await runCli(spec, async ({ flags }) => {
  const size = toBytes(flags.size, '--size');
  const rounds = toInteger(flags.rounds, '--rounds', 1, 20);
  const seedSize = toBytes(flags['seed-size'], '--seed-size');
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
    console.log(
      `making ${formatBytes(size)} of random bytes and ${formatBytes(seedSize)} of text in ${dir}`,
    );
    const digest = await makeRandomFile(file, size);
    const textDigest = await makeTextFile(text, seedSize);

    const nc = hasNc();
    if (!nc) console.log('nc not found (apt-get install netcat-openbsd): no baseline this time');
    const rows: { name: string; bytes: number; run: () => Promise<RunResult> }[] = [
      ...(nc
        ? [{ name: 'nc, file → socket → file', bytes: size, run: () => runNc(file, out, digest) }]
        : []),
      {
        name: 'ours, blake3 (default)',
        bytes: size,
        run: () => runOurs(file, out, digest, 'blake3'),
      },
      { name: 'ours, --hash sha256', bytes: size, run: () => runOurs(file, out, digest, 'sha256') },
      {
        name: 'ours, --hash sha256, SHA extensions off',
        bytes: size,
        run: () => runOurs(file, out, digest, 'sha256', WITHOUT_SHA_EXTENSIONS),
      },
      { name: 'ours, --hash none', bytes: size, run: () => runOurs(file, out, digest, 'none') },
      {
        name: `seed protocol (${formatBytes(seedSize)} text)`,
        bytes: seedSize,
        run: () => runSeed(text, out, textDigest),
      },
    ];
    const results = rows.map(() => [] as RunResult[]);
    // Each round runs the rows in a new order. Whichever row ran right after nc was slow,
    // whatever it was (BENCH.md has the figures), so a fixed order would pin that on one row.
    const random = seededRandom(1);
    for (let round = 1; round <= rounds; round++) {
      for (const i of shuffled([...rows.keys()], random)) {
        const row = rows[i] as (typeof rows)[number];
        flushToDisk();
        const r = await row.run();
        (results[i] as RunResult[]).push(r);
        const rate = row.bytes / r.seconds;
        console.log(
          `round ${round}: ${row.name}: ${megabytes(rate)} MB/s${r.intact ? '' : ' (RECEIVED COPY DIFFERS)'}`,
        );
      }
    }
    const loader = await idleTsxPeakKb();

    const baseline = nc ? median((results[0] as RunResult[]).map((r) => size / r.seconds)) : 0;
    console.log('');
    console.log(
      `${formatBytes(size)} file, ${rounds} round(s), median of each row; ${os.cpus().length} CPUs, loopback`,
    );
    console.log('');
    console.log('| transfer | MB/s | vs nc | sender peak RSS | receiver peak RSS | intact |');
    console.log('|---|--:|--:|--:|--:|:-:|');
    for (const [i, row] of rows.entries()) {
      const runs = results[i] as RunResult[];
      const rate = median(runs.map((r) => row.bytes / r.seconds));
      const ratio = baseline ? `${(rate / baseline).toFixed(2)}x` : '-';
      const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
      const peakS = Math.max(...runs.map((r) => r.senderPeakKb));
      const peakR = Math.max(...runs.map((r) => r.receiverPeakKb));
      const intact = runs.every((r) => r.intact) ? 'yes' : 'NO';
      console.log(
        `| ${row.name} | ${megabytes(rate)} | ${ratio} | ${mb(peakS)} | ${mb(peakR)} | ${intact} |`,
      );
    }
    console.log('');
    console.log(
      `(node --import tsx doing nothing peaks at ${Math.round(loader / 1024)} MB: the loader's share of our figures)`,
    );
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
