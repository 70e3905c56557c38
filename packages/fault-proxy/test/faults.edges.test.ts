// The fault decisions at their edges. The random streams are the published algorithms, value
// for value (mulberry32 as its C reference computes it, murmur3's mixing steps), so that
// `--seed N` drops the same datagrams in every version: checked against python3 running the
// reference, and a few values written out. Then decideDatagram with chosen draws: the order
// it draws them in, a draw exactly at a rate (a rate of 0 never fires, of 1 always), the
// first and last bit, the ends of the jitter; and the TCP arithmetic and the description at
// their boundaries.
import { spawnSync } from 'node:child_process';
import { hasPython3 } from '@socket-lab/common/testing';
import { describe, expect, test } from 'vitest';
import {
  bytesWithinLimit,
  DIRECTIONS,
  datagramRandom,
  decideDatagram,
  describeFaults,
  flipBit,
  mixSeed,
  mulberry32,
  NO_FAULTS,
  nextWriteBytes,
  nextWriteTime,
  RATE_SLICE_MS,
  rateSliceBytes,
  SPLIT_PAUSE_MS,
} from '../src/faults.js';
import { faults } from './helpers.js';

/** A "random" source that gives these numbers in turn. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++] ?? 0.5;
};

const REFERENCE = `
import json, sys
M = 0xffffffff
def mulberry32(seed, n):
    x, out = seed & M, []
    for _ in range(n):
        x = (x + 0x6D2B79F5) & M
        z = x
        z = ((z ^ (z >> 15)) * (z | 1)) & M
        z ^= (z + (((z ^ (z >> 7)) * (z | 61)) & M)) & M
        out.append(((z ^ (z >> 14)) & M) / 4294967296)
    return out
def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M
def mix(words):
    h = 0x9e3779b9
    for w in words:
        k = rotl(((w & M) * 0xcc9e2d51) & M, 15) * 0x1b873593 & M
        h = (rotl(h ^ k, 13) * 5 + 0xe6546b64) & M
    h ^= h >> 16; h = (h * 0x85ebca6b) & M; h ^= h >> 13; h = (h * 0xc2b2ae35) & M
    return h ^ (h >> 16)
job = json.load(sys.stdin)
json.dump({'streams': [mulberry32(s, 200) for s in job['seeds']],
           'mixed': [mix(w) for w in job['words']]}, sys.stdout)
`;

describe('random streams are the published algorithms', () => {
  test.skipIf(!hasPython3())('mulberry32 and the seed mixing agree with python3', () => {
    const seeds = [0, 1, 2, 42, 0x6d2b79f5, 0x7fffffff, 0x80000000, 0xffffffff, -1, 2 ** 32 + 5];
    const words = [
      [],
      [0],
      [1],
      [1, 2, 3],
      [3, 2, 1],
      [7, 1, 0, 17],
      [0xffffffff],
      [-1, 2 ** 32 + 1, 123_456_789, 0x80000000],
      [5, 1, 1, 17],
    ];
    const run = spawnSync('python3', ['-c', REFERENCE], {
      input: JSON.stringify({
        seeds: seeds.map((s) => s >>> 0),
        words: words.map((w) => w.map((x) => x >>> 0)),
      }),
    });
    const want = JSON.parse(run.stdout.toString());
    expect(seeds.map((s) => Array.from({ length: 200 }, mulberry32(s)))).toEqual(want.streams);
    expect(words.map((w) => mixSeed(...w))).toEqual(want.mixed);
  });

  test('a few values, written out (from the same reference)', () => {
    const first = (seed: number) => Array.from({ length: 3 }, mulberry32(seed));
    expect(first(1)).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(first(42)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    expect(first(0xffffffff)).toEqual([0.8964226141106337, 0.189478256739676, 0.7156526781618595]);
    expect([mixSeed(), mixSeed(0), mixSeed(1, 2, 3), mixSeed(7, 1, 0, 17)]).toEqual([
      2462723854, 387082432, 3906383291, 3918122888,
    ]);
  });

  test("a datagram's stream is mulberry32 seeded with (seed, client, direction index, n)", () => {
    expect(DIRECTIONS).toEqual(['client→server', 'server→client']);
    const take = (g: () => number) => Array.from({ length: 5 }, g);
    expect(take(datagramRandom(5, 1, 'server→client', 17))).toEqual(
      take(mulberry32(mixSeed(5, 1, 1, 17))),
    );
    expect(take(datagramRandom(5, 1, 'client→server', 17))).toEqual(
      take(mulberry32(mixSeed(5, 1, 0, 17))),
    );
  });
});

describe('decideDatagram, draw by draw', () => {
  test('it draws loss, duplicate, reorder, corrupt, bit and jitter, in that order', () => {
    const all = faults({
      loss: 0.5,
      duplicate: 0.5,
      reorder: 0.5,
      corrupt: 0.5,
      delayMs: 100,
      jitterMs: 10,
    });
    // loss no, duplicate yes, reorder no, corrupt yes, bit 0.5 of 16, jitter at its top.
    expect(decideDatagram(all, draws(0.9, 0.1, 0.9, 0.1, 0.5, 0.75), 2)).toEqual({
      drop: false,
      duplicate: true,
      reorder: false,
      corruptBit: 8,
      delayMs: 105,
    });
    expect(decideDatagram(all, draws(0.9, 0.9, 0.1, 0.9, 0.5, 0.25), 2)).toEqual({
      drop: false,
      duplicate: false,
      reorder: true,
      corruptBit: null,
      delayMs: 95,
    });
    // It draws six numbers even when the first one drops the datagram.
    let calls = 0;
    const counting = () => {
      calls += 1;
      return 0;
    };
    expect(decideDatagram(all, counting, 2).drop).toBe(true);
    expect(calls).toBe(6);
  });

  test('a rate of 0 never fires, even on a draw of 0; a rate of 1 always does', () => {
    expect(decideDatagram(NO_FAULTS, draws(0, 0, 0, 0, 0, 0), 10)).toEqual({
      drop: false,
      duplicate: false,
      reorder: false,
      corruptBit: null,
      delayMs: 0,
    });
    const certain = faults({ duplicate: 1, reorder: 1, corrupt: 1 });
    const near1 = 1 - 2 ** -53;
    expect(decideDatagram(certain, draws(near1, near1, near1, near1, near1, near1), 10)).toEqual({
      drop: false,
      duplicate: true,
      reorder: true,
      corruptBit: 79, // the last bit of 10 bytes
      delayMs: 0,
    });
    expect(decideDatagram(faults({ loss: 1 }), draws(near1), 10).drop).toBe(true);
  });

  test('a draw exactly at the rate does not fire: a rate p fires on draws in [0, p)', () => {
    const p = 0.25;
    const f = faults({ loss: p, duplicate: p, reorder: p, corrupt: p });
    expect(decideDatagram(f, draws(p, p, p, p, 0, 0.5), 4)).toMatchObject({
      drop: false,
      duplicate: false,
      reorder: false,
      corruptBit: null,
    });
    expect(decideDatagram(f, draws(0.2499, 0), 4).drop).toBe(true);
  });

  test('the flipped bit: a draw of 0 is bit 0, and it scales with the datagram size', () => {
    const f = faults({ corrupt: 1 });
    expect(decideDatagram(f, draws(0.5, 0.5, 0.5, 0, 0), 1).corruptBit).toBe(0);
    expect(decideDatagram(f, draws(0.5, 0.5, 0.5, 0, 0.999), 1).corruptBit).toBe(7);
    expect(decideDatagram(f, draws(0.5, 0.5, 0.5, 0, 0.5), 100).corruptBit).toBe(400);
    expect(decideDatagram(f, draws(0.5, 0.5, 0.5, 0, 0.5), 0).corruptBit).toBeNull();
  });

  test('jitter: a draw of 0 is delay − jitter, 0.5 is the delay, and never below 0', () => {
    const f = faults({ delayMs: 50, jitterMs: 20 });
    const delay = (jitterDraw: number, ff = f) =>
      decideDatagram(ff, draws(0.5, 0.5, 0.5, 0.5, 0.5, jitterDraw), 8).delayMs;
    expect(delay(0)).toBe(30);
    expect(delay(0.5)).toBe(50);
    expect(delay(1)).toBe(70);
    expect(delay(0, faults({ delayMs: 5, jitterMs: 20 }))).toBe(0);
    expect(delay(0.9, faults({ jitterMs: 10 }))).toBeCloseTo(8);
    expect(delay(0.1, faults({ jitterMs: 10 }))).toBe(0);
  });

  test('a dropped datagram is held for no time at all, whatever the delay', () => {
    const f = faults({ loss: 1, delayMs: 100, jitterMs: 50, corrupt: 1, duplicate: 1 });
    expect(decideDatagram(f, draws(0, 0, 0, 0, 0, 1), 8)).toEqual({
      drop: true,
      duplicate: false,
      reorder: false,
      corruptBit: null,
      delayMs: 0,
    });
  });
});

describe('flipBit', () => {
  test('every bit of a byte, most significant first', () => {
    const zero = Buffer.alloc(2);
    const flipped = Array.from({ length: 16 }, (_, bit) => flipBit(zero, bit).toString('hex'));
    expect(flipped).toEqual([
      '8000',
      '4000',
      '2000',
      '1000',
      '0800',
      '0400',
      '0200',
      '0100',
      '0080',
      '0040',
      '0020',
      '0010',
      '0008',
      '0004',
      '0002',
      '0001',
    ]);
    expect(flipBit(Buffer.from([0xff]), 7).toString('hex')).toBe('fe');
    expect(flipBit(Buffer.alloc(0), 0)).toEqual(Buffer.alloc(0));
  });
});

describe('TCP writes', () => {
  test('a write is cut by --split and by --rate, whichever is smaller', () => {
    expect(nextWriteBytes(100, faults({ rateBytesPerSecond: 1000, splitBytes: 50 }))).toBe(20);
    expect(nextWriteBytes(100, faults({ rateBytesPerSecond: 100_000, splitBytes: 50 }))).toBe(50);
    expect(nextWriteBytes(10, faults({ rateBytesPerSecond: 100_000 }))).toBe(10);
    expect(nextWriteBytes(0, faults({ splitBytes: 7 }))).toBe(0);
  });

  test('a slice is 20 ms worth of the rate, rounded down, and never 0', () => {
    expect(RATE_SLICE_MS).toBe(20);
    expect(rateSliceBytes(1000)).toBe(20);
    expect(rateSliceBytes(1049)).toBe(20);
    expect(rateSliceBytes(1050)).toBe(21);
    expect(rateSliceBytes(49)).toBe(1);
    expect(rateSliceBytes(1)).toBe(1);
  });

  test('--rate: the next write waits for this one to have gone out at the rate', () => {
    const f = faults({ rateBytesPerSecond: 1000 });
    // Early or on time: counted from when this write was due.
    expect(nextWriteTime(5, 20, 10, f)).toBe(30);
    // Late, but by less than a slice: still from when it was due.
    expect(nextWriteTime(25, 20, 10, f)).toBe(30);
    // Exactly a slice late: the same.
    expect(nextWriteTime(30, 20, 10, f)).toBe(30);
    // Later than that: from one slice ago.
    expect(nextWriteTime(35, 20, 10, f)).toBe(35);
    // A big write at a low rate: its own time at the rate.
    expect(nextWriteTime(0, 500, 0, faults({ rateBytesPerSecond: 100 }))).toBe(5000);
    // Never before now.
    expect(nextWriteTime(100, 0, 0, f)).toBe(100);
  });

  test('--rate and --split together: the later of the two waits', () => {
    expect(SPLIT_PAUSE_MS).toBe(5);
    const both = faults({ rateBytesPerSecond: 1000, splitBytes: 1 });
    expect(nextWriteTime(0, 1, 0, both)).toBe(SPLIT_PAUSE_MS); // 1 ms at the rate, 5 paused
    expect(nextWriteTime(0, 20, 0, both)).toBe(20); // 20 ms at the rate
  });

  test('a limit past what has passed lets nothing more through', () => {
    expect(bytesWithinLimit(1200, 600, 1000)).toBe(0);
    expect(bytesWithinLimit(999, 600, 1000)).toBe(1);
    expect(bytesWithinLimit(0, 0, 1000)).toBe(0);
  });
});

describe('describeFaults', () => {
  test('rates as percentages to three decimals, times in seconds to the millisecond', () => {
    expect(describeFaults(faults({ loss: 0.123456 }))).toBe('loss 12.346%');
    expect(describeFaults(faults({ loss: 1e-6 }))).toBe('loss 0%');
    expect(describeFaults(faults({ delayMs: 1234.5678 }))).toBe('delay 1.235 s');
    expect(describeFaults(faults({ delayMs: 250 }))).toBe('delay 0.25 s');
  });

  test('jitter alone still names the (zero) delay it spreads', () => {
    expect(describeFaults(faults({ jitterMs: 10 }))).toBe('delay 0 s ± 0.01 s');
  });

  test('every fault at once, in a fixed order', () => {
    const all = faults({
      loss: 0.1,
      duplicate: 0.2,
      reorder: 0.3,
      corrupt: 0.4,
      delayMs: 500,
      jitterMs: 100,
      rateBytesPerSecond: 2048,
      splitBytes: 3,
      cutAfterBytes: 10,
      stallAfterBytes: 20,
    });
    expect(describeFaults(all)).toBe(
      'loss 10%, duplicate 20%, reorder 30%, corrupt 40%, delay 0.5 s ± 0.1 s, ' +
        'rate 2048 B/s, split 3 B, cut after 10 B, stall after 20 B',
    );
  });
});
