// The fault decisions on their own, no sockets: the random streams, a datagram's fate at the
// rates asked for, the bit flip, and the size and time of each TCP write.
import { describe, expect, test } from 'vitest';
import {
  bytesWithinLimit,
  datagramRandom,
  decideDatagram,
  describeFaults,
  type Faults,
  flipBit,
  mixSeed,
  mulberry32,
  NO_FAULTS,
  nextWriteBytes,
  nextWriteTime,
  RATE_SLICE_MS,
  rateSliceBytes,
  SPLIT_PAUSE_MS,
  shapesTcp,
} from '../src/faults.js';
import { faults } from './helpers.js';

/** The datagrams among 1..n of client 1, client → server, that `f` drops under `seed`. */
function fates(f: Partial<Faults>, seed: number, n: number) {
  return Array.from({ length: n }, (_, i) =>
    decideDatagram(faults(f), datagramRandom(seed, 1, 'client→server', i + 1), 64),
  );
}

/** True when `observed` is within 3 standard deviations of n·p (a binomial count). */
function withinThreeSigma(observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 3 * Math.sqrt(n * p * (1 - p));
}

describe('random streams', () => {
  test('mulberry32 gives the same floats in [0, 1) for the same seed, others for another', () => {
    const a = Array.from({ length: 1000 }, mulberry32(42));
    expect(Array.from({ length: 1000 }, mulberry32(42))).toEqual(a);
    expect(Array.from({ length: 1000 }, mulberry32(43))).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // Roughly uniform: each tenth gets about a tenth.
    for (let d = 0; d < 10; d++) {
      const inDecile = a.filter((x) => x >= d / 10 && x < (d + 1) / 10).length;
      expect(withinThreeSigma(inDecile, 1000, 0.1)).toBe(true);
    }
  });

  test('mixSeed spreads nearby inputs apart and depends on every word and its place', () => {
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
    const seeds = new Set(Array.from({ length: 10_000 }, (_, n) => mixSeed(7, 1, 0, n)));
    expect(seeds.size).toBe(10_000);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(1, 0)).not.toBe(mixSeed(1));
    expect(mixSeed(0xffffffff)).toBeGreaterThanOrEqual(0);
  });

  test("a datagram's numbers depend on the seed, the client, the direction and its number only", () => {
    const draw = (
      seed: number,
      client: number,
      dir: 'client→server' | 'server→client',
      n: number,
    ) => datagramRandom(seed, client, dir, n)();
    expect(draw(5, 1, 'client→server', 17)).toBe(draw(5, 1, 'client→server', 17));
    const others = [
      draw(6, 1, 'client→server', 17),
      draw(5, 2, 'client→server', 17),
      draw(5, 1, 'server→client', 17),
      draw(5, 1, 'client→server', 18),
    ];
    for (const other of others) expect(other).not.toBe(draw(5, 1, 'client→server', 17));
  });
});

describe('what a seed means (part of the interface: the README and the demo print seeded runs)', () => {
  test('mulberry32 and mixSeed give these numbers, on every machine, for good', () => {
    const random = mulberry32(42);
    expect([random(), random(), random()]).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099,
    ]);
    expect(mixSeed(7, 1, 0, 17)).toBe(3918122888);
    expect(mixSeed(0)).toBe(387082432);
    expect(mixSeed()).toBe(2462723854);
  });

  test('--seed 7 --loss 30% drops these datagrams of client 1, as the README shows', () => {
    const dropped = (direction: 'client→server' | 'server→client') =>
      Array.from({ length: 20 }, (_, i) => i + 1).filter(
        (n) => decideDatagram(faults({ loss: 0.3 }), datagramRandom(7, 1, direction, n), 3).drop,
      );
    expect(dropped('client→server')).toEqual([1, 3, 8, 16, 17, 18, 20]);
    expect(dropped('server→client')).toEqual([1, 4, 5, 6, 10, 12]);
  });
});

describe('decideDatagram', () => {
  test('no faults: every datagram goes on at once, unchanged', () => {
    for (const fate of fates({}, 1, 500)) {
      expect(fate).toEqual({
        drop: false,
        duplicate: false,
        reorder: false,
        corruptBit: null,
        delayMs: 0,
      });
    }
  });

  test('--loss 0.3 drops within 3 standard deviations of 30% of 2,000, for any of 20 seeds', () => {
    for (let seed = 0; seed < 20; seed++) {
      const dropped = fates({ loss: 0.3 }, seed, 2000).filter((f) => f.drop).length;
      expect(withinThreeSigma(dropped, 2000, 0.3), `seed ${seed}: ${dropped}`).toBe(true);
    }
  });

  test('loss 0 drops nothing and loss 1 drops everything', () => {
    expect(fates({ loss: 0 }, 3, 1000).some((f) => f.drop)).toBe(false);
    expect(fates({ loss: 1 }, 3, 1000).every((f) => f.drop)).toBe(true);
  });

  test('the same seed drops the same datagrams; another seed drops others', () => {
    const dropped = (seed: number) =>
      fates({ loss: 0.3 }, seed, 500).flatMap((f, i) => (f.drop ? [i + 1] : []));
    expect(dropped(9)).toEqual(dropped(9));
    expect(dropped(10)).not.toEqual(dropped(9));
  });

  test('turning on another fault leaves the drops where they were', () => {
    const dropped = (f: Partial<Faults>) =>
      fates(f, 4, 500).flatMap((fate, i) => (fate.drop ? [i + 1] : []));
    const alone = dropped({ loss: 0.2 });
    expect(
      dropped({ loss: 0.2, duplicate: 0.5, reorder: 0.3, corrupt: 0.1, jitterMs: 50 }),
    ).toEqual(alone);
  });

  test('--duplicate, --reorder and --corrupt happen at their rates', () => {
    const all = fates({ duplicate: 0.1, reorder: 0.2, corrupt: 0.05 }, 11, 5000);
    expect(withinThreeSigma(all.filter((f) => f.duplicate).length, 5000, 0.1)).toBe(true);
    expect(withinThreeSigma(all.filter((f) => f.reorder).length, 5000, 0.2)).toBe(true);
    expect(withinThreeSigma(all.filter((f) => f.corruptBit !== null).length, 5000, 0.05)).toBe(
      true,
    );
  });

  test('a dropped datagram has no other fate', () => {
    const all = fates({ loss: 0.5, duplicate: 1, reorder: 1, corrupt: 1, delayMs: 100 }, 2, 500);
    for (const fate of all.filter((f) => f.drop)) {
      expect(fate).toMatchObject({
        duplicate: false,
        reorder: false,
        corruptBit: null,
        delayMs: 0,
      });
    }
    for (const fate of all.filter((f) => !f.drop)) {
      expect(fate).toMatchObject({ duplicate: true, reorder: true, delayMs: 100 });
    }
  });

  test('the flipped bit is inside the datagram, and an empty datagram is never corrupted', () => {
    for (let n = 1; n <= 500; n++) {
      const fate = decideDatagram(
        faults({ corrupt: 1 }),
        datagramRandom(1, 1, 'client→server', n),
        3,
      );
      expect(fate.corruptBit).toBeGreaterThanOrEqual(0);
      expect(fate.corruptBit).toBeLessThan(24);
    }
    const empty = decideDatagram(faults({ corrupt: 1 }), mulberry32(1), 0);
    expect(empty.corruptBit).toBeNull();
  });

  test('jitter spreads the delay over delay ± jitter, never below 0', () => {
    const delays = fates({ delayMs: 100, jitterMs: 20 }, 5, 2000).map((f) => f.delayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...delays)).toBeLessThanOrEqual(120);
    expect(Math.min(...delays)).toBeLessThan(82);
    expect(Math.max(...delays)).toBeGreaterThan(118);
    const small = fates({ delayMs: 5, jitterMs: 20 }, 5, 500).map((f) => f.delayMs);
    expect(Math.min(...small)).toBe(0);
  });
});

test('flipBit flips exactly one bit, counting from the first byte’s most significant', () => {
  const data = Buffer.from([0x00, 0xff, 0x10]);
  expect(flipBit(data, 0)).toEqual(Buffer.from([0x80, 0xff, 0x10]));
  expect(flipBit(data, 15)).toEqual(Buffer.from([0x00, 0xfe, 0x10]));
  expect(flipBit(data, 19)).toEqual(Buffer.from([0x00, 0xff, 0x00]));
  expect(data).toEqual(Buffer.from([0x00, 0xff, 0x10])); // a copy: the original is untouched
  expect(flipBit(data, 24)).toEqual(data); // past the end: nothing to flip
});

describe('TCP writes', () => {
  test('--split caps each write at N bytes', () => {
    expect(nextWriteBytes(100, faults({ splitBytes: 7 }))).toBe(7);
    expect(nextWriteBytes(5, faults({ splitBytes: 7 }))).toBe(5);
    expect(nextWriteBytes(100_000, faults({}))).toBe(100_000);
  });

  test('--rate writes slices of 20 ms worth, at least a byte', () => {
    expect(rateSliceBytes(1024 * 1024)).toBe(Math.floor((1024 * 1024 * RATE_SLICE_MS) / 1000));
    expect(rateSliceBytes(10)).toBe(1);
    expect(nextWriteBytes(1 << 20, faults({ rateBytesPerSecond: 50_000 }))).toBe(1000);
    expect(nextWriteBytes(1 << 20, faults({ rateBytesPerSecond: 50_000, splitBytes: 7 }))).toBe(7);
  });

  test('--rate spaces writes by their size over the rate', () => {
    const f = faults({ rateBytesPerSecond: 1000 });
    expect(nextWriteTime(0, 20, 0, f)).toBe(20);
    // On time: the next one counts from when this one was due.
    expect(nextWriteTime(20.5, 20, 20, f)).toBe(40);
    // Late by more than a slice: it may catch up by one slice only.
    expect(nextWriteTime(100, 20, 20, f)).toBe(100 - RATE_SLICE_MS + 20);
  });

  test('--rate moves 2 MiB at 1 MiB/s in about 2 s of write times', () => {
    const f = faults({ rateBytesPerSecond: 1024 * 1024 });
    let now = 0;
    let earliest = 0;
    let left = 2 * 1024 * 1024;
    let lastWrite = 0;
    while (left > 0) {
      now = Math.max(now, earliest);
      const size = nextWriteBytes(left, f);
      lastWrite = now;
      earliest = nextWriteTime(now, size, earliest, f);
      left -= size;
    }
    expect(lastWrite).toBeGreaterThan(1950);
    expect(lastWrite).toBeLessThan(2000);
  });

  test('--split pauses between writes', () => {
    expect(nextWriteTime(10, 7, 10, faults({ splitBytes: 7 }))).toBe(10 + SPLIT_PAUSE_MS);
    expect(nextWriteTime(10, 7, 10, faults({}))).toBe(10);
  });

  test('a limit lets through exactly the bytes up to it', () => {
    expect(bytesWithinLimit(0, 600, 1000)).toBe(600);
    expect(bytesWithinLimit(600, 600, 1000)).toBe(400);
    expect(bytesWithinLimit(1000, 600, 1000)).toBe(0);
    expect(bytesWithinLimit(1200, 600, 1000)).toBe(0); // past it already: nothing, never less
    expect(bytesWithinLimit(5000, 600, null)).toBe(600);
    expect(bytesWithinLimit(0, 10, 0)).toBe(0);
  });

  test('only the TCP faults (and delay) send TCP through the queue', () => {
    expect(shapesTcp(NO_FAULTS)).toBe(false);
    expect(shapesTcp(faults({ loss: 0.5, jitterMs: 10 }))).toBe(false);
    for (const f of [
      { delayMs: 1 },
      { rateBytesPerSecond: 1 },
      { splitBytes: 1 },
      { cutAfterBytes: 0 },
      { stallAfterBytes: 0 },
    ]) {
      expect(shapesTcp(faults(f))).toBe(true);
    }
  });
});

test('describeFaults names the faults that are on', () => {
  expect(describeFaults(NO_FAULTS)).toBe('none');
  expect(describeFaults(faults({ loss: 0.3, delayMs: 100, jitterMs: 20 }))).toBe(
    'loss 30%, delay 0.1 s ± 0.02 s',
  );
  expect(
    describeFaults(
      faults({ duplicate: 0.01, reorder: 0.125, corrupt: 1, rateBytesPerSecond: 1024 }),
    ),
  ).toBe('duplicate 1%, reorder 12.5%, corrupt 100%, rate 1024 B/s');
  expect(describeFaults(faults({ splitBytes: 7, cutAfterBytes: 1000 }))).toBe(
    'split 7 B, cut after 1000 B',
  );
  expect(describeFaults(faults({ stallAfterBytes: 0 }))).toBe('stall after 0 B');
  expect(describeFaults(faults({ jitterMs: 20 }))).toBe('delay 0 s ± 0.02 s');
});
