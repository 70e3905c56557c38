// The decoder benchmark's parts: the decoder to beat, the streams, the timing. FrameDecoder
// (common/src/frame.ts) and the lesson's LengthPrefixDecoder (src/receiver.ts) race the
// decoder most people write first, which glues every chunk onto what it holds with
// Buffer.concat and cuts frames off the front. All get the same bytes, cut the same random
// way, in the same process, taking turns, so the ratio means something on a busy machine.
import { seededRandom } from '@socket-lab/bench/random';
import { encodeFrame, FRAME_HEADER_BYTES, type FrameDecoder } from '@socket-lab/common';

/**
 * The decoder to beat: correct, short, and a copy of everything it holds on every chunk
 * (so a frame that comes in n pieces is copied about n/2 times). No size limit either.
 */
export class NaiveDecoder {
  private buffered = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (this.buffered.length < 4 + length) break;
      frames.push(this.buffered.subarray(4, 4 + length));
      this.buffered = this.buffered.subarray(4 + length);
    }
    return frames;
  }
}

export interface BenchCase {
  /** Payload bytes per frame. */
  frameBytes: number;
  /** Chunks are cut at random sizes from 1 to this many bytes. */
  maxChunkBytes: number;
  /** About how many bytes the stream holds. */
  streamBytes: number;
}

/** A stream of frames, already cut into chunks, ready to be fed to a decoder. */
export interface CutStream {
  /** The encoded stream, whole. */
  wire: Buffer;
  chunks: Buffer[];
  frames: number;
  payloadBytes: number;
}

/**
 * Frames of `frameBytes` each, encoded back to back and cut at random sizes. The cuts come
 * from a seeded generator, so every run and both decoders see the same chunks.
 */
export function makeStream(c: BenchCase, seed = 1): CutStream {
  const payload = Buffer.alloc(c.frameBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const frame = encodeFrame(payload);
  const frames = Math.max(1, Math.round(c.streamBytes / frame.length));
  const wire = Buffer.alloc(frames * frame.length);
  for (let at = 0; at < wire.length; at += frame.length) frame.copy(wire, at);
  const random = seededRandom(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < wire.length; ) {
    const size = 1 + Math.floor(random() * c.maxChunkBytes);
    chunks.push(wire.subarray(at, at + size));
    at += size;
  }
  return { wire, chunks, frames, payloadBytes: frames * c.frameBytes };
}

export interface Decoder {
  push(chunk: Buffer): Buffer[];
}

/** Decodes the whole stream once; throws if a frame is missing or has the wrong size. */
export function decodeAll(decoder: Decoder, stream: CutStream, frameBytes: number): void {
  let frames = 0;
  for (const chunk of stream.chunks) {
    for (const frame of decoder.push(chunk)) {
      if (frame.length !== frameBytes) throw new Error(`a ${frame.length}-byte frame`);
      frames += 1;
    }
  }
  if (frames !== stream.frames) throw new Error(`${frames} frames of ${stream.frames}`);
}

/**
 * decodeAll through FrameDecoder.scan: each frame as (bytes, start, end), no Buffer made
 * for it. The same checks, on the offsets.
 */
export function scanAll(decoder: FrameDecoder, stream: CutStream, frameBytes: number): void {
  let frames = 0;
  const onFrame = (_bytes: Buffer, start: number, end: number) => {
    if (end - start !== frameBytes) throw new Error(`a ${end - start}-byte frame`);
    frames += 1;
  };
  for (const chunk of stream.chunks) decoder.scan(chunk, onFrame);
  if (frames !== stream.frames) throw new Error(`${frames} frames of ${stream.frames}`);
}

/** Frames and payload bytes per second: the best of the rounds. */
export interface Rate {
  framesPerSecond: number;
  bytesPerSecond: number;
}

/**
 * Times each of `runs` over the stream, taking turns within each of `rounds` rounds, each
 * turn repeating its run until `minMs` have passed. Returns the best round of each: on a
 * shared machine the other rounds measure the neighbours too, and taking turns gives every
 * run the same neighbours.
 */
export function measure(
  runs: (() => void)[],
  stream: CutStream,
  rounds: number,
  minMs: number,
): Rate[] {
  const best = runs.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    runs.forEach((run, i) => {
      let passes = 0;
      let elapsedMs = 0;
      const start = process.hrtime.bigint();
      do {
        run();
        passes += 1;
        elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      } while (elapsedMs < minMs);
      best[i] = Math.max(best[i] as number, passes / (elapsedMs / 1000));
    });
  }
  return best.map((passesPerSecond) => ({
    framesPerSecond: passesPerSecond * stream.frames,
    bytesPerSecond: passesPerSecond * stream.payloadBytes,
  }));
}

/**
 * The yardstick: each frame's payload copied once into a buffer of its own, straight from
 * the encoded stream. A decoder that must glue pieces together can do no less; one that
 * finds the frame inside a chunk can do less (a view, no copy).
 */
export function copyEachFrame(stream: CutStream, frameBytes: number): void {
  const step = FRAME_HEADER_BYTES + frameBytes;
  for (let at = FRAME_HEADER_BYTES; at < stream.wire.length; at += step) {
    stream.wire.copy(Buffer.allocUnsafe(frameBytes), 0, at, at + frameBytes);
  }
}
