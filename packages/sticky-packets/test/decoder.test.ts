// The lesson's LengthPrefixDecoder (src/receiver.ts) against common's FrameDecoder, the one
// for real use, through both its ways in (push, and scan with offsets): fast-check cuts
// streams every way TCP could, and all three must give the same messages, the same error
// at the same read, and hold the same bytes. Then the cases a learner should see spelled out.
import { encodeFrame, FrameDecoder, FrameError } from '@socket-lab/common';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { SEED_MESSAGES } from '../src/protocol.js';
import { LengthPrefixDecoder } from '../src/receiver.js';

/** A small limit, so that "near the limit" and "just over it" stay cheap. */
const MAX = 300;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** One read (or the end of the stream), as a decoder saw it. */
interface Step {
  messages: string[];
  held: number;
  error?: { code: string; message: string; missingBytes: number };
}

/** A decoder behind one face: read() gives the messages as hex, end() ends the stream. */
interface Driver {
  read(bytes: Buffer): string[];
  end(): void;
  readonly state: { readonly error: FrameError | undefined; readonly bufferedBytes: number };
}

function drivers(max: number): Record<'lesson' | 'push' | 'scan', Driver> {
  const lesson = new LengthPrefixDecoder(max);
  const pushed = new FrameDecoder({ maxFrameBytes: max });
  const scanned = new FrameDecoder({ maxFrameBytes: max });
  return {
    lesson: { read: (r) => lesson.push(r).map(hex), end: () => lesson.end(), state: lesson },
    push: { read: (r) => pushed.push(r).map(hex), end: () => pushed.end(), state: pushed },
    scan: {
      read: (r) => {
        const found: string[] = [];
        scanned.scan(r, (bytes, start, end) => found.push(hex(bytes.subarray(start, end))));
        return found;
      },
      end: () => scanned.end(),
      state: scanned,
    },
  };
}

/**
 * What a decoder made of the reads, read by read, then of the end of the stream; it stops
 * at the first error, whether thrown (FrameDecoder, when nothing came before it) or left
 * in `error` (the lesson's decoder, and FrameDecoder after the frames before it).
 */
function run(driver: Driver, reads: Buffer[]): Step[] {
  const steps: Step[] = [];
  for (const read of [...reads, undefined]) {
    let messages: string[] = [];
    let thrown: unknown;
    try {
      if (read) messages = driver.read(read);
      else driver.end();
    } catch (err) {
      thrown = err;
    }
    const err = thrown ?? driver.state.error;
    if (err !== undefined && !(err instanceof FrameError)) throw err;
    const held = driver.state.bufferedBytes;
    if (!err) {
      steps.push({ messages, held });
      continue;
    }
    steps.push({
      messages,
      held,
      error: { code: err.code, message: err.message, missingBytes: err.missingBytes },
    });
    break;
  }
  return steps;
}

/** `bytes` cut at `points` (taken modulo its length), each read in memory of its own. */
function cut(bytes: Uint8Array, points: number[]): Buffer[] {
  const at = [...points.map((p) => p % (bytes.length + 1)), bytes.length].sort((a, b) => a - b);
  let start = 0;
  return at.map((end) => {
    const read = Buffer.from(bytes.subarray(start, end));
    start = end;
    return read;
  });
}

const message = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX - 2, max: MAX }).map((n) => new Uint8Array(n)) },
);
/** Good streams, and arbitrary bytes (bad headers, cut frames) with a random limit. */
const stream = fc.oneof(
  fc
    .array(message, { maxLength: 10 })
    .map((list) => Buffer.concat(list.map((m) => encodeFrame(m)))),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
);
const cuts = fc.array(fc.nat(), { maxLength: 30 });

test('the lesson decoder, FrameDecoder.push and FrameDecoder.scan agree, read by read', () => {
  fc.assert(
    fc.property(stream, cuts, fc.integer({ min: 0, max: MAX }), (bytes, points, max) => {
      const reads = cut(bytes, points);
      const { lesson, push, scan } = drivers(max);
      const want = run(push, reads);
      expect(run(lesson, reads)).toEqual(want);
      expect(run(scan, reads)).toEqual(want);
    }),
    { numRuns: 500 },
  );
});

test("the seed's messages, framed and read 1024 bytes at a time, come back whole", () => {
  // The demo's case: read 5 (1024 bytes) completes nothing and holds all of it.
  const wire = Buffer.concat(SEED_MESSAGES.map((m) => encodeFrame(m)));
  const decoder = new LengthPrefixDecoder();
  const got: Buffer[][] = [];
  for (let at = 0; at < wire.length; at += 1024)
    got.push(decoder.push(wire.subarray(at, at + 1024)));
  decoder.end();
  expect(got.map((messages) => messages.length)).toEqual([6, 0, 1]);
  expect(got.flat().map(String)).toEqual(SEED_MESSAGES.map(String));
  expect(decoder.bufferedBytes).toBe(0);
});

test('an empty message is a message; a header split across reads is waited for', () => {
  const decoder = new LengthPrefixDecoder();
  expect(decoder.push(Buffer.from('000000', 'hex'))).toEqual([]);
  expect(decoder.bufferedBytes).toBe(3);
  expect(decoder.push(Buffer.from('0000', 'hex')).map(hex)).toEqual(['']);
  expect(decoder.bufferedBytes).toBe(1); // the first byte of the next header
  expect(decoder.push(Buffer.from('000002686900', 'hex')).map(String)).toEqual(['hi']);
  expect(() => decoder.end()).toThrow(
    'stream ended mid-header: got 1 of 4 header bytes, 3 missing',
  );
});

test('a header over the limit: the messages before it come out, nothing is kept, then it only throws', () => {
  // `ff ff ff ff` claims 4 GiB: refused as soon as its 4 bytes are in, never allocated.
  const decoder = new LengthPrefixDecoder(100);
  const read = Buffer.concat([encodeFrame(Buffer.from('fine')), Buffer.from('ffffffff00', 'hex')]);
  expect(decoder.push(read).map(String)).toEqual(['fine']);
  expect(decoder.error).toMatchObject({
    code: 'FRAME_TOO_LARGE',
    message: 'frame header claims 4294967295 bytes, more than the 100-byte limit',
  });
  expect(decoder.bufferedBytes).toBe(0);
  expect(() => decoder.push(encodeFrame(Buffer.from('more')))).toThrow(decoder.error);
  expect(() => decoder.end()).toThrow(decoder.error);
});

test('a stream cut inside a message says how many bytes never came', () => {
  const decoder = new LengthPrefixDecoder();
  decoder.push(encodeFrame(Buffer.from('truncated')).subarray(0, 7));
  expect(decoder.bufferedBytes).toBe(7);
  expect(() => decoder.end()).toThrow(
    expect.objectContaining({
      code: 'FRAME_TRUNCATED',
      missingBytes: 6,
      message: 'stream ended mid-frame: got 3 of 9 payload bytes, 6 missing',
    }),
  );
});
