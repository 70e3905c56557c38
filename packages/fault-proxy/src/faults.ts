// The fault decisions, kept pure: no sockets, no timers, no clock. Given the faults asked for
// and a source of random numbers, they say what happens to one datagram (dropped? copied?
// held back? which bit flipped? how late?) and, for TCP, how big the next write may be and
// when it may go. The proxies (src/proxy.ts, src/udp-proxy.ts, src/tcp-link.ts) carry them out.
//
// Reproducible on purpose: a datagram's random numbers come from (seed, client, direction,
// datagram number) alone, not from one generator shared by everything. So the decisions for
// client 1's 17th datagram to the server are the same whatever the other direction, or another
// client, did in between, and a learner who reruns with `--seed N` sees the same losses.
import { seededRandom } from '@socket-lab/common';

/** The faults a proxy applies. Probabilities are in 0..1, times in ms, sizes in bytes. */
export interface Faults {
  /** UDP: drop the datagram. */
  loss: number;
  /** UDP: send it twice. */
  duplicate: number;
  /** UDP: hold it back and send it after the next one. */
  reorder: number;
  /** UDP: flip one random bit. */
  corrupt: number;
  /** Both: hold every datagram, or every byte, this long. TCP keeps the bytes in order. */
  delayMs: number;
  /** UDP: add a random -jitter..+jitter to each datagram's delay (so datagrams may swap). */
  jitterMs: number;
  /** TCP: at most this many bytes a second, each direction of each connection; 0 = no limit. */
  rateBytesPerSecond: number;
  /** TCP: forward in writes of at most this many bytes, a pause between them; 0 = off. */
  splitBytes: number;
  /** TCP: after this many bytes client → server, reset both connections. */
  cutAfterBytes: number | null;
  /** TCP: after this many bytes client → server, forward nothing more, either way. */
  stallAfterBytes: number | null;
}

export const NO_FAULTS: Faults = {
  loss: 0,
  duplicate: 0,
  reorder: 0,
  corrupt: 0,
  delayMs: 0,
  jitterMs: 0,
  rateBytesPerSecond: 0,
  splitBytes: 0,
  cutAfterBytes: null,
  stallAfterBytes: null,
};

/** Which way bytes go through the proxy. Index 0 and 1 in the seeds of random streams. */
export const DIRECTIONS = ['client→server', 'server→client'] as const;
export type Direction = (typeof DIRECTIONS)[number];

// ---------------------------------------------------------------------------------------
// Random numbers

/**
 * mulberry32 (common's seededRandom): floats in [0, 1), the same sequence for the same seed.
 * Good enough to pick which datagram to drop; never for anything secret (node:crypto is).
 */
export const mulberry32: (seed: number) => () => number = seededRandom;

/**
 * One 32-bit number from several (murmur3's mixing steps over each), so that nearby inputs
 * (datagram 17 and 18) give unrelated seeds. Used to give every datagram a stream of its own.
 */
export function mixSeed(...words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    let k = Math.imul(word >>> 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The random numbers of datagram `n` (1, 2, …) of `client` in `direction`, under `seed`. */
export function datagramRandom(
  seed: number,
  client: number,
  direction: Direction,
  n: number,
): () => number {
  return mulberry32(mixSeed(seed, client, DIRECTIONS.indexOf(direction), n));
}

// ---------------------------------------------------------------------------------------
// UDP: one datagram

/** What happens to one datagram. */
export interface DatagramFate {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
  /** The bit to flip (0 = the first byte's most significant bit), or null. */
  corruptBit: number | null;
  /** How long to hold it, in ms (delay ± jitter, never below 0). */
  delayMs: number;
}

/**
 * Decides one datagram's fate. It always draws the same six numbers in the same order, used
 * or not, so changing one fault (say --duplicate) leaves the others' decisions as they were:
 * the same seed still drops the same datagrams. A dropped datagram has no other fate.
 */
export function decideDatagram(faults: Faults, random: () => number, bytes: number): DatagramFate {
  const [lossDraw, duplicateDraw, reorderDraw, corruptDraw, bitDraw, jitterDraw] = [
    random(),
    random(),
    random(),
    random(),
    random(),
    random(),
  ] as [number, number, number, number, number, number];
  const drop = lossDraw < faults.loss;
  // An empty datagram has no bit to flip.
  const corrupt = !drop && bytes > 0 && corruptDraw < faults.corrupt;
  return {
    drop,
    duplicate: !drop && duplicateDraw < faults.duplicate,
    reorder: !drop && reorderDraw < faults.reorder,
    corruptBit: corrupt ? Math.floor(bitDraw * bytes * 8) : null,
    delayMs: drop ? 0 : Math.max(0, faults.delayMs + (2 * jitterDraw - 1) * faults.jitterMs),
  };
}

/** A copy of `data` with bit `bit` flipped (bit 0 is the first byte's most significant). */
export function flipBit(data: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(data);
  const byte = Math.floor(bit / 8);
  if (byte < out.length) out[byte] = (out[byte] as number) ^ (0x80 >> (bit % 8));
  return out;
}

// ---------------------------------------------------------------------------------------
// TCP: the size and time of each write

/**
 * With --split, the pause between two writes, in ms: long enough that a reader waiting on the
 * socket gets each piece on its own read, short enough that a 2 KB message still arrives
 * within a second in 7-byte pieces. A reader that is slow to read still sees pieces merge:
 * that is TCP, and the lesson.
 */
export const SPLIT_PAUSE_MS = 5;

/**
 * With --rate, bytes go out in slices of 20 ms worth: 50 writes a second is smooth enough
 * that a reader sees a steady stream and few enough that the timers cost nothing. A write
 * that comes late may catch up by one slice, no more (a token bucket one slice deep).
 */
export const RATE_SLICE_MS = 20;

/** How many bytes one write carries at `rate` bytes a second: 20 ms worth, at least 1. */
export function rateSliceBytes(rate: number): number {
  return Math.max(1, Math.floor((rate * RATE_SLICE_MS) / 1000));
}

/** The size of the next write when `available` bytes wait: cut by --split and --rate. */
export function nextWriteBytes(available: number, faults: Faults): number {
  let n = available;
  if (faults.splitBytes > 0) n = Math.min(n, faults.splitBytes);
  if (faults.rateBytesPerSecond > 0) n = Math.min(n, rateSliceBytes(faults.rateBytesPerSecond));
  return n;
}

/**
 * When the write after this one may go (a time in ms on the caller's clock), having written
 * `bytes` at `now`. `earliest` is when this one was allowed to go: with --rate the next
 * write waits until `bytes` would have gone out at the rate, counted from then (or from one
 * slice ago, if this write came late). With --split the next one waits SPLIT_PAUSE_MS.
 */
export function nextWriteTime(
  now: number,
  bytes: number,
  earliest: number,
  faults: Faults,
): number {
  let next = now;
  const rate = faults.rateBytesPerSecond;
  if (rate > 0) {
    const from = Math.max(earliest, now - RATE_SLICE_MS);
    next = Math.max(next, from + (bytes * 1000) / rate);
  }
  if (faults.splitBytes > 0) next = Math.max(next, now + SPLIT_PAUSE_MS);
  return next;
}

/**
 * How many of the `chunk` bytes that arrive after `passed` may go on when the limit
 * (--cut-after, --stall-after) is `limit` bytes; all of them when there is no limit.
 */
export function bytesWithinLimit(passed: number, chunk: number, limit: number | null): number {
  if (limit === null) return chunk;
  return Math.max(0, Math.min(chunk, limit - passed));
}

/** True when the TCP path must go through the queue (src/tcp-link.ts), not straight through. */
export function shapesTcp(faults: Faults): boolean {
  return (
    faults.delayMs > 0 ||
    faults.rateBytesPerSecond > 0 ||
    faults.splitBytes > 0 ||
    faults.cutAfterBytes !== null ||
    faults.stallAfterBytes !== null
  );
}

/** `loss 30%, delay 0.1 s ± 0.02 s`: the faults that are on, or `none`. */
export function describeFaults(faults: Faults): string {
  const parts: string[] = [];
  const percent = (p: number) => `${+(p * 100).toFixed(3)}%`;
  const seconds = (ms: number) => `${+(ms / 1000).toFixed(3)} s`;
  if (faults.loss > 0) parts.push(`loss ${percent(faults.loss)}`);
  if (faults.duplicate > 0) parts.push(`duplicate ${percent(faults.duplicate)}`);
  if (faults.reorder > 0) parts.push(`reorder ${percent(faults.reorder)}`);
  if (faults.corrupt > 0) parts.push(`corrupt ${percent(faults.corrupt)}`);
  if (faults.delayMs > 0 || faults.jitterMs > 0) {
    parts.push(
      `delay ${seconds(faults.delayMs)}${faults.jitterMs > 0 ? ` ± ${seconds(faults.jitterMs)}` : ''}`,
    );
  }
  if (faults.rateBytesPerSecond > 0) parts.push(`rate ${faults.rateBytesPerSecond} B/s`);
  if (faults.splitBytes > 0) parts.push(`split ${faults.splitBytes} B`);
  if (faults.cutAfterBytes !== null) parts.push(`cut after ${faults.cutAfterBytes} B`);
  if (faults.stallAfterBytes !== null) parts.push(`stall after ${faults.stallAfterBytes} B`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
