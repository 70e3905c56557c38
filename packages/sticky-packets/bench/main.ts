// `pnpm --filter sticky-packets bench [--time S] [--rounds N] [--lesson] [--quick] [--json]`:
// frames/s and MB/s of common's FrameDecoder (push, and scan with no Buffer per frame) and
// of a naive Buffer.concat decoder on the same randomly cut streams, small (16 B) and large
// (64 KiB) frames, with "copy each frame once" as the yardstick. --lesson adds the lesson's
// LengthPrefixDecoder (src/receiver.ts) as a last column. BENCH.md has the figures.
import {
  type BenchRow,
  type Comparison,
  compare,
  printJson,
  REPORT_FLAGS,
} from '@socket-lab/bench/report';
import { FrameDecoder, runCli, toInteger, toMilliseconds } from '@socket-lab/common';
import { LengthPrefixDecoder } from '../src/receiver.js';
import {
  copyEachFrame,
  decodeAll,
  makeStream,
  measure,
  NaiveDecoder,
  type Rate,
  scanAll,
} from './decoders.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Chunks up to 64 KiB are what a socket's reads give; 1500 B is one Ethernet frame's worth. */
const CASES = [
  { frameBytes: 16, maxChunkBytes: 64 * KiB, streamBytes: 8 * MiB },
  { frameBytes: 16, maxChunkBytes: 1500, streamBytes: 8 * MiB },
  { frameBytes: 64 * KiB, maxChunkBytes: 64 * KiB, streamBytes: 64 * MiB },
  { frameBytes: 64 * KiB, maxChunkBytes: 1500, streamBytes: 16 * MiB },
  { frameBytes: 64 * KiB, maxChunkBytes: 1 * MiB, streamBytes: 64 * MiB },
];
/**
 * The goal for the fast path (scan) on small frames: 5 times the naive decoder. Small
 * frames are where a decoder's own cost shows; large ones mostly measure memcpy.
 */
const SMALL_FRAME_GOAL = 5;
/** --quick: an eighth of each stream, fewer and shorter turns. */
const QUICK = { streamShare: 8, rounds: 2, minMs: 50 };

const spec = {
  usage: 'pnpm --filter sticky-packets bench',
  role: 'client',
  summary: 'Decodes length-prefixed frames in memory: FrameDecoder against a naive decoder.',
  defaultPort: 0,
  flags: {
    time: {
      type: 'string',
      valueName: 'SECONDS',
      default: '0.2',
      description: 'how long each turn of each measurement runs at least',
    },
    rounds: {
      type: 'string',
      valueName: 'N',
      default: '5',
      description: 'rounds; the best counts',
    },
    lesson: {
      type: 'boolean',
      description: "also time the lesson's LengthPrefixDecoder (a last column)",
    },
    ...REPORT_FLAGS,
  },
  notes: ['--host and --port are not used: everything runs in memory.'] as string[],
} as const;

await runCli(spec, async ({ flags }) => {
  const quick = flags.quick === true;
  const minMs = quick ? QUICK.minMs : toMilliseconds(flags.time, '--time', 60);
  const rounds = quick ? QUICK.rounds : toInteger(flags.rounds, '--rounds', 1, 100);
  const lesson = flags.lesson === true;
  const json = flags.json === true;
  const say = json ? () => {} : (line: string) => console.log(line);
  say(`node ${process.version}, best of ${rounds} rounds of at least ${minMs} ms each`);
  say('MB = 10^6 payload bytes; chunks cut at random sizes from 1 byte to the maximum\n');
  say(
    `| frame | chunks up to | FrameDecoder.push | naive (Buffer.concat) | push/naive | FrameDecoder.scan | scan/naive | copy each frame once |${lesson ? ' lesson decoder | lesson/naive |' : ''}`,
  );
  say(`|---:|---:|---:|---:|---:|---:|---:|---:|${lesson ? '---:|---:|' : ''}`);
  const rows: BenchRow[] = [];
  const comparisons: Comparison[] = [];
  for (const c of CASES) {
    const stream = makeStream(quick ? { ...c, streamBytes: c.streamBytes / QUICK.streamShare } : c);
    const runs = [
      () => decodeAll(new FrameDecoder(), stream, c.frameBytes),
      () => decodeAll(new NaiveDecoder(), stream, c.frameBytes),
      () => scanAll(new FrameDecoder(), stream, c.frameBytes),
      () => copyEachFrame(stream, c.frameBytes),
    ];
    if (lesson) runs.push(() => decodeAll(new LengthPrefixDecoder(), stream, c.frameBytes));
    const [ours, naive, scan, copy, taught] = measure(runs, stream, rounds, minMs) as [
      Rate,
      Rate,
      Rate,
      Rate,
      Rate | undefined,
    ];
    const ratio = (r: Rate) => `${(r.framesPerSecond / naive.framesPerSecond).toFixed(1)}x`;
    const extra = taught ? ` ${rate(taught)} | ${ratio(taught)} |` : '';
    say(
      `| ${size(c.frameBytes)} | ${size(c.maxChunkBytes)} | ${rate(ours)} | ${rate(naive)} | ${ratio(ours)} | ${rate(scan)} | ${ratio(scan)} | ${rate(copy)} |${extra}`,
    );

    // The same figures as rows for --json, each decoder compared with the naive one.
    const where = `${size(c.frameBytes)} frames, chunks up to ${size(c.maxChunkBytes)}`;
    const named: [string, Rate | undefined][] = [
      ['FrameDecoder.push', ours],
      ['naive', naive],
      ['FrameDecoder.scan', scan],
      ['copy each frame once', copy],
      ['lesson decoder', taught],
    ];
    const caseRows = named.flatMap(([name, r]) =>
      r ? [{ name: `${name}, ${where}`, figures: { 'frames/s': r.framesPerSecond } }] : [],
    );
    rows.push(...caseRows);
    for (const [name, r] of named) {
      if (!r || name === 'naive' || name === 'copy each frame once') continue;
      // The goal is for the fast path on small frames; the other ratios are for reading.
      const goal =
        name === 'FrameDecoder.scan' && c.frameBytes === 16 ? SMALL_FRAME_GOAL : undefined;
      const row = `${name}, ${where}`;
      comparisons.push(
        compare(caseRows, { figure: 'frames/s', row, anchor: `naive, ${where}`, goal }),
      );
    }
  }
  if (json) {
    const params = { quick, rounds, minMs, lesson, cases: CASES.length };
    printJson({ bench: 'sticky-packets', params, rows, comparisons });
  }
  return 0;
});

function rate(r: Rate): string {
  const frames =
    r.framesPerSecond >= 1e6
      ? `${(r.framesPerSecond / 1e6).toFixed(2)} M`
      : `${(r.framesPerSecond / 1e3).toFixed(1)} k`;
  return `${frames} frames/s, ${(r.bytesPerSecond / 1e6).toFixed(0)} MB/s`;
}

function size(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return bytes % KiB === 0 ? `${bytes / KiB} KiB` : `${bytes} B`;
}
