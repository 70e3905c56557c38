// The benchmark's parts, checked before their numbers are trusted: every decoder it times
// returns the same frames from the same cut stream, and the cuts are the same every run.
import { FrameDecoder } from '@socket-lab/common';
import { expect, test } from 'vitest';
import {
  copyEachFrame,
  decodeAll,
  makeStream,
  measure,
  NaiveDecoder,
  scanAll,
} from '../bench/decoders.js';
import { LengthPrefixDecoder } from '../src/receiver.js';

const CASE = { frameBytes: 16, maxChunkBytes: 50, streamBytes: 20_000 };

test('the naive decoder, FrameDecoder and the lesson decoder agree, frame for frame', () => {
  const stream = makeStream(CASE);
  const decode = (decoder: { push(chunk: Buffer): Buffer[] }) =>
    stream.chunks.flatMap((chunk) => decoder.push(chunk).map((f) => f.toString('hex')));
  const ours = decode(new FrameDecoder());
  expect(ours).toHaveLength(stream.frames);
  expect(decode(new NaiveDecoder())).toEqual(ours);
  expect(decode(new LengthPrefixDecoder())).toEqual(ours);
  expect(Buffer.concat(stream.chunks).equals(stream.wire)).toBe(true);
});

test('the same seed cuts the same way; decodeAll notices a missing frame', () => {
  const sizes = (seed: number) => makeStream(CASE, seed).chunks.map((c) => c.length);
  expect(sizes(1)).toEqual(sizes(1));
  expect(sizes(1)).not.toEqual(sizes(2));
  const stream = makeStream(CASE);
  expect(() => decodeAll(new FrameDecoder(), stream, CASE.frameBytes)).not.toThrow();
  const short = { ...stream, chunks: stream.chunks.slice(0, -1) };
  expect(() => decodeAll(new FrameDecoder(), short, CASE.frameBytes)).toThrow(/frames of/);
  expect(() => scanAll(new FrameDecoder(), stream, CASE.frameBytes)).not.toThrow();
  expect(() => scanAll(new FrameDecoder(), short, CASE.frameBytes)).toThrow(/frames of/);
  expect(() => scanAll(new FrameDecoder(), stream, CASE.frameBytes + 1)).toThrow(/16-byte frame/);
});

test('measure reports frames and bytes per second for each run', () => {
  const stream = makeStream(CASE);
  const rates = measure([() => copyEachFrame(stream, CASE.frameBytes)], stream, 1, 1);
  expect(rates).toHaveLength(1);
  expect(rates[0]?.framesPerSecond).toBeGreaterThan(0);
  expect(rates[0]?.bytesPerSecond).toBeCloseTo((rates[0]?.framesPerSecond ?? 0) * 16, 0);
});
