// The length-prefix codec: property tests (fast-check) that cut the encoded stream in every
// way TCP could, and hostile headers that must be refused before anything is allocated.
// The decoder is also checked against a plain reference parser on arbitrary bytes, and its
// two ways in, push() (the plain one) and scan() (the fast one), against each other.
// sticky-packets/test/decoder.test.ts holds its lesson decoder to the same frames and errors.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeFrames,
  encodeFrame,
  encodeFrameHeader,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
} from '../src/frame.js';

/** A small limit for the property tests, so "near the maximum" stays cheap. */
const MAX = 1024;
const RUNS = { numRuns: 300 };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Messages of every kind: empty, short, and within two bytes of MAX. */
const message = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: MAX - 2, max: MAX }), fc.integer({ min: 0, max: 255 }))
      .map(([n, byte]) => new Uint8Array(n).fill(byte)),
  },
);
const messages = fc.array(message, { maxLength: 12 });
/** Cut points, taken modulo the stream length; repeats make empty chunks, which must do no harm. */
const cuts = fc.array(fc.nat(), { maxLength: 30 });

/**
 * `bytes` cut at `points`, each chunk copied into its own memory, as separate socket
 * reads would be, so that a view into a chunk can be told from a copy.
 */
function cutStream(bytes: Uint8Array, points: number[]): { chunk: Buffer; start: number }[] {
  const at = [...points.map((p) => p % (bytes.length + 1)), bytes.length].sort((a, b) => a - b);
  let start = 0;
  return at.map((end) => {
    const chunk = Buffer.from(new ArrayBuffer(end - start));
    chunk.set(bytes.subarray(start, end));
    const piece = { chunk, start };
    start = end;
    return piece;
  });
}

function encodeAll(list: Uint8Array[]): Buffer {
  return Buffer.concat(list.map((m) => encodeFrame(m, MAX)));
}

/** What happened when a stream was decoded: the frames, then the error if any. */
interface Outcome {
  frames: string[];
  error?: { code: string; missingBytes: number };
}

/**
 * The obvious parser over the whole stream at once: the reference the decoder must agree
 * with, however the stream is cut.
 */
function referenceDecode(bytes: Buffer, max: number): Outcome {
  const frames: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < FRAME_HEADER_BYTES) {
      return {
        frames,
        error: { code: 'FRAME_TRUNCATED', missingBytes: FRAME_HEADER_BYTES - (bytes.length - at) },
      };
    }
    const length = bytes.readUInt32BE(at);
    if (length > max) return { frames, error: { code: 'FRAME_TOO_LARGE', missingBytes: 0 } };
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) {
      return { frames, error: { code: 'FRAME_TRUNCATED', missingBytes: end - bytes.length } };
    }
    frames.push(hex(bytes.subarray(at + FRAME_HEADER_BYTES, end)));
    at = end;
  }
  return { frames };
}

/** Feeds the chunks to a FrameDecoder, then end(); records frames and the first error. */
function decodeChunks(
  chunks: Buffer[],
  max: number,
  check?: (decoder: FrameDecoder, pushedBytes: number) => void,
): Outcome {
  const decoder = new FrameDecoder({ maxFrameBytes: max });
  const frames: string[] = [];
  let pushed = 0;
  try {
    for (const chunk of chunks) {
      for (const frame of decoder.push(chunk)) frames.push(hex(frame));
      pushed += chunk.length;
      check?.(decoder, pushed);
    }
    decoder.end();
    return { frames };
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    return { frames, error: { code: err.code, missingBytes: err.missingBytes } };
  }
}

test('any messages, cut anywhere, come out exactly as sent', () => {
  fc.assert(
    fc.property(messages, cuts, (list, points) => {
      const pieces = cutStream(encodeAll(list), points);
      const outcome = decodeChunks(
        pieces.map((p) => p.chunk),
        MAX,
      );
      expect(outcome).toEqual({ frames: list.map(hex) });
    }),
    RUNS,
  );
});

test('a frame that lies inside one chunk is a view into it (zero-copy); others are copies', () => {
  fc.assert(
    fc.property(messages, cuts, (list, points) => {
      const pieces = cutStream(encodeAll(list), points);
      const decoder = new FrameDecoder({ maxFrameBytes: MAX });
      const got: Buffer[] = [];
      for (const { chunk } of pieces) got.push(...decoder.push(chunk));
      let payloadStart = 0;
      list.forEach((msg, i) => {
        payloadStart += FRAME_HEADER_BYTES;
        const payloadEnd = payloadStart + msg.length;
        const home = pieces.find(
          (p) => p.start <= payloadStart && payloadEnd <= p.start + p.chunk.length,
        );
        const frame = got[i] as Buffer;
        if (msg.length > 0 && home) {
          expect(frame.buffer).toBe(home.chunk.buffer);
          expect(frame.byteOffset).toBe(payloadStart - home.start);
        } else if (msg.length > 0) {
          expect(pieces.some((p) => p.chunk.buffer === frame.buffer)).toBe(false);
        }
        payloadStart = payloadEnd;
      });
    }),
    RUNS,
  );
});

test('scan() gives what push() gives, as offsets: same frames, same errors, same moment', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        messages.map((list) => encodeAll(list)),
        fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
      ),
      cuts,
      fc.integer({ min: 0, max: MAX }),
      (bytes, points, max) => {
        const chunks = cutStream(bytes, points).map((p) => p.chunk);
        const pushed = new FrameDecoder({ maxFrameBytes: max });
        const scanned = new FrameDecoder({ maxFrameBytes: max });
        for (const chunk of chunks) {
          const want = attempt(() => pushed.push(chunk).map(hex));
          const got = attempt(() => {
            const frames: string[] = [];
            const count = scanned.scan(chunk, (b, start, end) => {
              expect(0 <= start && start <= end && end <= b.length).toBe(true);
              frames.push(hex(b.subarray(start, end)));
            });
            expect(count).toBe(frames.length);
            return frames;
          });
          expect(got).toEqual(want);
          expect(scanned.bufferedBytes).toBe(pushed.bufferedBytes);
          expect(scanned.error?.message).toBe(pushed.error?.message);
        }
        expect(attempt(() => scanned.end())).toEqual(attempt(() => pushed.end()));
      },
    ),
    RUNS,
  );
});

test('push() and scan() share one state: taking turns on one decoder loses nothing', () => {
  fc.assert(
    fc.property(messages, cuts, fc.array(fc.boolean(), { minLength: 1 }), (list, points, turns) => {
      const decoder = new FrameDecoder({ maxFrameBytes: MAX });
      const got: string[] = [];
      cutStream(encodeAll(list), points).forEach(({ chunk }, i) => {
        if (turns[i % turns.length]) got.push(...decoder.push(chunk).map(hex));
        else decoder.scan(chunk, (b, start, end) => got.push(hex(b.subarray(start, end))));
      });
      decoder.end();
      expect(got).toEqual(list.map(hex));
    }),
    RUNS,
  );
});

test('scan() hands over frames inside a chunk as the chunk itself, with no Buffer made', () => {
  const chunk = Buffer.concat([encodeFrame(Buffer.from('ab')), encodeFrame(Buffer.from('cde'))]);
  const seen: [Buffer, number, number][] = [];
  const decoder = new FrameDecoder();
  expect(decoder.scan(chunk, (b, start, end) => seen.push([b, start, end]))).toBe(2);
  expect(seen).toEqual([
    [chunk, 4, 6],
    [chunk, 10, 13],
  ]);
  expect(seen[0]?.[0]).toBe(chunk);
});

test('arbitrary bytes decode the same as a reference parser, whatever the cuts and limit', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 120 }),
      cuts,
      fc.integer({ min: 0, max: 64 }),
      (bytes, points, max) => {
        const pieces = cutStream(bytes, points);
        const outcome = decodeChunks(
          pieces.map((p) => p.chunk),
          max,
          (decoder, pushed) => {
            // Never more held than has arrived, and never more than one frame's worth.
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(
              Math.min(pushed, FRAME_HEADER_BYTES + max),
            );
          },
        );
        expect(outcome).toEqual(referenceDecode(Buffer.from(bytes), max));
      },
    ),
    RUNS,
  );
});

test('an oversized header is refused; the frames before it still come out, then only errors', () => {
  fc.assert(
    fc.property(
      messages,
      fc.integer({ min: MAX + 1, max: 0xffff_ffff }),
      fc.uint8Array({ maxLength: 64 }),
      cuts,
      (list, claimed, garbage, points) => {
        const bad = Buffer.alloc(FRAME_HEADER_BYTES);
        bad.writeUInt32BE(claimed);
        const stream = Buffer.concat([encodeAll(list), bad, garbage]);
        const badHeaderEnd = stream.length - garbage.length;
        const decoder = new FrameDecoder({ maxFrameBytes: MAX });
        const frames: string[] = [];
        let error: unknown;
        for (const { chunk, start } of cutStream(stream, points)) {
          try {
            for (const frame of decoder.push(chunk)) frames.push(hex(frame));
          } catch (err) {
            error = err;
            break;
          }
          // Known as soon as the chunk with the header's last byte is in, frames or not.
          if (start + chunk.length >= badHeaderEnd) expect(decoder.error).toBeDefined();
          else expect(decoder.error).toBeUndefined();
          // Nothing is kept for the bad frame: its claimed size is never allocated.
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(FRAME_HEADER_BYTES + MAX);
        }
        if (!error) error = catchError(() => decoder.end());
        expect(decoder.error).toBe(error);
        expect(frames).toEqual(list.map(hex));
        expect(error).toBeInstanceOf(FrameError);
        expect(error).toMatchObject({
          code: 'FRAME_TOO_LARGE',
          message: `frame header claims ${claimed} bytes, more than the ${MAX}-byte limit`,
        });
        // A decoder that failed stays failed: the stream has lost its boundaries.
        expect(catchError(() => decoder.push(Buffer.alloc(8)))).toBe(error);
        expect(catchError(() => decoder.end())).toBe(error);
      },
    ),
    RUNS,
  );
});

test('a stream cut mid-frame reports how many bytes never came', () => {
  fc.assert(
    fc.property(
      fc.array(message, { minLength: 1, maxLength: 8 }),
      fc.nat(),
      cuts,
      (list, cutSeed, points) => {
        const stream = encodeAll(list);
        // Frame boundaries: the stream may end at any byte except these.
        const boundaries = new Set<number>([0]);
        let at = 0;
        for (const m of list) {
          at += FRAME_HEADER_BYTES + m.length;
          boundaries.add(at);
        }
        const inside = [...Array(stream.length).keys()].filter((i) => !boundaries.has(i));
        fc.pre(inside.length > 0);
        const cutAt = inside[cutSeed % inside.length] as number;

        // The frame the cut falls in, and how far into it.
        let start = 0;
        let whole = 0;
        while (start + FRAME_HEADER_BYTES + (list[whole] as Uint8Array).length <= cutAt) {
          start += FRAME_HEADER_BYTES + (list[whole] as Uint8Array).length;
          whole += 1;
        }
        const into = cutAt - start;
        const missing =
          into < FRAME_HEADER_BYTES
            ? FRAME_HEADER_BYTES - into
            : FRAME_HEADER_BYTES + (list[whole] as Uint8Array).length - into;

        const pieces = cutStream(stream.subarray(0, cutAt), points);
        const outcome = decodeChunks(
          pieces.map((p) => p.chunk),
          MAX,
        );
        expect(outcome).toEqual({
          frames: list.slice(0, whole).map(hex),
          error: { code: 'FRAME_TRUNCATED', missingBytes: missing },
        });
      },
    ),
    RUNS,
  );
});

test('the header is the same bytes as Python struct.pack(">I", n)', () => {
  expect(hex(encodeFrame(Buffer.from('hello')))).toBe('0000000568656c6c6f');
  expect(hex(encodeFrameHeader(300))).toBe('0000012c'); // struct.pack('>I', 300)
  expect(hex(encodeFrameHeader(0))).toBe('00000000');
  expect(hex(encodeFrame(new Uint8Array(0)))).toBe('00000000');
});

test('the encoder refuses what the limit or 4 bytes cannot carry', () => {
  expect(catchError(() => encodeFrame(Buffer.alloc(11), 10))).toMatchObject({
    code: 'FRAME_TOO_LARGE',
    message: 'frame of 11 bytes exceeds the 10-byte limit',
  });
  expect(catchError(() => encodeFrameHeader(2 ** 32, 2 ** 40))).toMatchObject({
    code: 'FRAME_TOO_LARGE',
  });
  expect(catchError(() => encodeFrameHeader(-1))).toBeInstanceOf(RangeError);
  expect(catchError(() => encodeFrameHeader(1.5))).toBeInstanceOf(RangeError);
  expect(catchError(() => new FrameDecoder({ maxFrameBytes: 2 ** 32 }))).toBeInstanceOf(RangeError);
  expect(catchError(() => new FrameDecoder({ maxFrameBytes: -1 }))).toBeInstanceOf(RangeError);
});

test('a message of exactly the default 16 MiB limit passes; one byte more is refused', () => {
  const big = Buffer.alloc(DEFAULT_MAX_FRAME_BYTES, 0x76);
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  const stream = encodeFrame(big);
  for (let at = 0; at < stream.length; at += 65_536) {
    frames.push(...decoder.push(stream.subarray(at, at + 65_536)));
  }
  decoder.end();
  expect(frames).toHaveLength(1);
  expect((frames[0] as Buffer).equals(big)).toBe(true);

  expect(catchError(() => encodeFrameHeader(DEFAULT_MAX_FRAME_BYTES + 1))).toMatchObject({
    code: 'FRAME_TOO_LARGE',
  });
  expect(catchError(() => new FrameDecoder().push(Buffer.from('ffffffff', 'hex')))).toMatchObject({
    code: 'FRAME_TOO_LARGE',
    message: 'frame header claims 4294967295 bytes, more than the 16777216-byte limit',
  });
});

test('memory follows the bytes received, not what a header claims', () => {
  // The largest limit there is: a header claiming 4 GiB - 2 is legal here, and must still
  // cost only the 14 bytes that actually came.
  const decoder = new FrameDecoder({ maxFrameBytes: 0xffff_ffff });
  const before = process.memoryUsage().arrayBuffers;
  expect(decoder.push(Buffer.from('fffffffe', 'hex'))).toEqual([]);
  expect(decoder.push(Buffer.alloc(10, 0x61))).toEqual([]);
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  expect(decoder.bufferedBytes).toBe(14);
  expect(catchError(() => decoder.end())).toMatchObject({
    code: 'FRAME_TRUNCATED',
    missingBytes: 0xffff_fffe - 10,
    message: `stream ended mid-frame: got 10 of ${0xffff_fffe} payload bytes, ${0xffff_fffe - 10} missing`,
  });
});

test('decodeFrames reads whole messages from a real socket, and reports a cut one', async () => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const sent = ['welcome to qytang', '1', 'y'.repeat(300), '', 'v'.repeat(2000)];
    const wire = Buffer.concat(sent.map((s) => encodeFrame(Buffer.from(s))));
    const received = (async () => {
      const [socket] = (await once(server, 'connection')) as [net.Socket];
      const got: string[] = [];
      try {
        for await (const msg of decodeFrames(socket)) got.push(msg.toString());
      } catch (err) {
        return { got, err };
      }
      return { got, err: undefined };
    })();

    // All the frames, then half of one more: 4 header bytes and 3 of its 9 payload bytes.
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    client.write(wire.subarray(0, 7)); // a header and a bit: the decoder must wait
    client.write(wire.subarray(7));
    client.end(encodeFrame(Buffer.from('truncated')).subarray(0, 7));
    const { got, err } = await received;
    client.destroy();
    expect(got).toEqual(sent);
    expect(err).toMatchObject({ code: 'FRAME_TRUNCATED', missingBytes: 6 });
  } finally {
    server.close();
  }
});

test('decodeFrames stops at a bad header at once, even if the peer then says nothing', async () => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  try {
    const [socket] = (await once(server, 'connection')) as [net.Socket];
    // One good frame and a header claiming 4 GiB, in one write; the client stays open.
    client.write(Buffer.concat([encodeFrame(Buffer.from('ok')), Buffer.from('ffffffff', 'hex')]));
    const got: string[] = [];
    let error: unknown;
    try {
      for await (const msg of decodeFrames(socket)) got.push(msg.toString());
    } catch (err) {
      error = err;
    }
    expect(got).toEqual(['ok']);
    expect(error).toMatchObject({ code: 'FRAME_TOO_LARGE' });
    expect(socket.destroyed).toBe(true); // leaving the loop closed the socket
  } finally {
    client.destroy();
    server.close();
  }
});

/** What a call gave: its value, or the FrameError it threw (as code and message). */
function attempt<T>(fn: () => T): { value: T } | { error: { code: string; message: string } } {
  try {
    return { value: fn() };
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    return { error: { code: err.code, message: err.message } };
  }
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but none was thrown');
}

test('a complete oversized frame right after a good one in the same chunk is not handed over', () => {
  // The good frame comes back, the refused one never does, whole as it is in the chunk.
  const chunk = Buffer.concat([
    encodeFrame(Buffer.from('ok')),
    encodeFrameHeader(5, 5),
    Buffer.from('12345'),
  ]);
  const decoder = new FrameDecoder({ maxFrameBytes: 4 });
  expect(decoder.push(chunk).map(String)).toEqual(['ok']);
  expect(decoder.error?.code).toBe('FRAME_TOO_LARGE');
  expect(() => decoder.push(Buffer.alloc(0))).toThrow(decoder.error as FrameError);
  const scanned: string[] = [];
  const scanner = new FrameDecoder({ maxFrameBytes: 4 });
  expect(scanner.scan(chunk, (b, s, e) => scanned.push(b.toString('utf8', s, e)))).toBe(1);
  expect(scanned).toEqual(['ok']);
  expect(scanner.error?.code).toBe('FRAME_TOO_LARGE');
});

test('a frame wholly inside one chunk is a view into it, not a copy', () => {
  const chunk = Buffer.concat([encodeFrame(Buffer.from('abc')), encodeFrame(Buffer.from('de'))]);
  const [first, second] = new FrameDecoder().push(chunk);
  expect(first?.buffer).toBe(chunk.buffer);
  expect(second?.buffer).toBe(chunk.buffer);
  chunk[4] = 0x41; // the first payload byte, seen through the view
  expect(String(first)).toBe('Abc');
});

test('errors say what was wrong in words, and are named for what they are', () => {
  const cut = new FrameDecoder();
  cut.push(Buffer.from([0, 0]));
  expect(() => cut.end()).toThrow('stream ended mid-header: got 2 of 4 header bytes, 2 missing');
  const mid = new FrameDecoder();
  mid.push(Buffer.concat([encodeFrameHeader(10), Buffer.from('abc')]));
  expect(() => mid.end()).toThrow('stream ended mid-frame: got 3 of 10 payload bytes, 7 missing');
  expect(catchError(() => mid.end())).toHaveProperty('name', 'FrameError');
  expect(() => encodeFrameHeader(1.5)).toThrow(
    "a frame's length must be a whole number of bytes (got 1.5)",
  );
  expect(() => encodeFrameHeader(-1)).toThrow(
    "a frame's length must be a whole number of bytes (got -1)",
  );
  expect(() => new FrameDecoder({ maxFrameBytes: -1 })).toThrow(
    'maxFrameBytes must be a whole number from 0 to 4294967295 (got -1)',
  );
});
