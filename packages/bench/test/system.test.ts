// What the benches read from /proc: a process's resident memory now, and its peak.
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { readPeakRss, readRss } from '../src/system.js';

const hasProc = existsSync('/proc/self/status');

// The peak is the kernel's high-water mark: never below the memory held now, and it keeps a
// peak that has already passed (64 MiB touched, then let go).
test.skipIf(!hasProc)('peak RSS is at least the RSS now, and remembers a passed peak', () => {
  const now = readRss(process.pid);
  expect(readPeakRss(process.pid)).toBeGreaterThanOrEqual(now); // a peak read later: never lower
  let block: Buffer | null = Buffer.alloc(64 * 1024 * 1024, 1); // touched: every page resident
  expect(readPeakRss(process.pid)).toBeGreaterThanOrEqual(now + block.length * 0.9);
  block = null;
  expect(readPeakRss(process.pid)).toBeGreaterThanOrEqual(now + 64 * 1024 * 1024 * 0.9);
});

// A process that is gone has no figures: the caller decides what its last sample means.
test.skipIf(!hasProc)('a process that is gone throws', () => {
  expect(() => readPeakRss(2 ** 22 + 12345)).toThrow();
});
