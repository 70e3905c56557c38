// Length-prefix framing: the fix for "TCP has no message boundaries" (sticky-packets).
// Each message goes on the wire as a 4-byte big-endian length and then that many bytes,
// the same header as Python's struct.pack('>I', len(payload)):
//
//   00 00 00 05  68 65 6c 6c 6f
//   └─ length ─┘ └── "hello" ──┘
//
// The decoder takes chunks as TCP delivers them (half a header, three frames and a bit,
// anything) and returns whole frames. "Not a whole frame yet" is a normal result, not an
// error. The two real errors are a header that claims more than we allow, and a stream
// that ends in the middle of a frame.
//
// FrameDecoder has two ways in, on the same state. push() is the one to read: it walks the
// chunk byte by byte through a header, then takes the payload. scan() is the fast path
// for many small frames: it finds whole frames in place and passes offsets, not Buffers.
// The tests prove the two give the same frames and errors, however the stream is cut.

/** The header: a 32-bit unsigned length, big-endian ("network byte order"). */
export const FRAME_HEADER_BYTES = 4;

/**
 * 16 MiB: far more than any message of these examples, small enough that a hostile or
 * garbled header (`ff ff ff ff` claims 4 GiB) is refused instead of trusted. Real
 * protocols pick a limit from what they carry: Redis caps bulk strings at 512 MB by default.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** The largest length 4 bytes can say (4 GiB - 1); no limit can be above it. */
const LARGEST_LENGTH = 0xffff_ffff;

export type FrameErrorCode = 'FRAME_TOO_LARGE' | 'FRAME_TRUNCATED';

/** A framing error: `code` says which, `missingBytes` how short a truncated stream was. */
export class FrameError extends Error {
  override name = 'FrameError';
  constructor(
    readonly code: FrameErrorCode,
    message: string,
    readonly missingBytes = 0,
  ) {
    super(message);
  }
}

/**
 * The 4-byte header for a payload of `length` bytes. Send it, then the payload.
 * Throws FrameError `FRAME_TOO_LARGE` above `maxFrameBytes`, RangeError if `length` is
 * not a whole number of bytes.
 */
export function encodeFrameHeader(length: number, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(checkPayloadLength(length, maxFrameBytes), 0);
  return header;
}

/**
 * Header and payload in one new buffer, ready for one `write()`. For large payloads,
 * write `encodeFrameHeader(n)` and the payload separately instead: no copy.
 */
export function encodeFrame(payload: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const length = checkPayloadLength(payload.byteLength, maxFrameBytes);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export interface FrameDecoderOptions {
  /** Largest payload accepted, checked from the header before anything is kept. */
  maxFrameBytes?: number;
}

/**
 * A streaming decoder. `push(chunk)` returns the frames completed by that chunk. A frame
 * that lies inside one chunk is returned as a view into it (no copy); a frame that spans
 * chunks is gathered and copied once, when its last byte arrives, so memory grows with
 * the bytes received, never with what a header claims.
 *
 * Views share memory with the chunks: don't reuse or change a chunk after pushing it (a
 * socket's 'data' chunks are fresh each time; `onread`'s single buffer is not).
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** Header bytes seen so far of a header split across chunks (0 to 3). */
  private headerFilled = 0;
  /** Their value, built up byte by byte, most significant first. */
  private headerValue = 0;
  /** Payload length of the frame being gathered, or -1 while between frames. */
  private expected = -1;
  /** The payload so far, as the chunks cut it, and how many bytes that is. */
  private pieces: Buffer[] = [];
  private gathered = 0;
  private failed: FrameError | undefined;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxFrameBytes = checkLimit(opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  }

  /** Bytes held that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.expected < 0 ? this.headerFilled : FRAME_HEADER_BYTES + this.gathered;
  }

  /**
   * The FrameError this decoder failed with, once a header was refused. push() and end()
   * throw it; check it after a push() that returned frames to stop at once rather than at
   * the next call (a peer may send nothing more).
   */
  get error(): FrameError | undefined {
    return this.failed;
  }

  /**
   * Feeds one chunk; returns the whole frames it completed, in order (often none).
   * Throws FrameError `FRAME_TOO_LARGE` on a header above the limit. Frames that came
   * before that header in the same chunk are returned first, with `error` set, and the
   * error is thrown by the next call to push() or end(); after it, the decoder only
   * throws. So the frames a stream yields never depend on how it was cut.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.expected < 0) {
        // Between frames: the next byte is a header byte. A header can be split too.
        this.headerValue = this.headerValue * 256 + (chunk[at++] as number);
        this.headerFilled += 1;
        if (this.headerFilled < FRAME_HEADER_BYTES) continue;
        const length = this.headerValue;
        this.headerFilled = 0;
        this.headerValue = 0;
        if (!this.accept(length, frames.length)) return frames;
        this.expected = length;
      }
      // Inside a frame: take as much of its payload as this chunk has.
      const take = Math.min(this.expected - this.gathered, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      if (take === this.expected) {
        frames.push(piece); // all of it was in this chunk: a view, no copy
        this.expected = -1;
      } else {
        // Part of it: keep the piece; the chunk with the last one completes the frame.
        if (take > 0) this.pieces.push(piece);
        this.gathered += take;
        if (this.gathered === this.expected) frames.push(this.completeFrame());
      }
    }
    return frames;
  }

  /**
   * push() without a Buffer per frame: calls `onFrame(bytes, start, end)` for each whole
   * frame, whose payload is `bytes[start..end)`, and returns how many there were. Creating
   * a view is most of what push() spends on a small frame, so a consumer that reads each
   * frame during the call (a counter, a parser that copies out its fields) goes much
   * faster this way. `bytes` is the chunk itself, or the one copy of a frame that spanned
   * chunks; read it during the call, or take `bytes.subarray(start, end)` to keep it.
   * Errors as push(). If `onFrame` throws, the rest of that chunk is lost: don't use the
   * decoder again.
   */
  scan(chunk: Buffer, onFrame: (bytes: Buffer, start: number, end: number) => void): number {
    if (this.failed) throw this.failed;
    const end = chunk.length;
    let offset = 0;
    let count = 0;
    if (end === 0) return count;

    // 1. Finish what earlier chunks started: the rest of a header, then of a payload.
    if (this.headerFilled > 0) {
      while (this.headerFilled < FRAME_HEADER_BYTES && offset < end) {
        this.headerValue = this.headerValue * 256 + (chunk[offset++] as number);
        this.headerFilled += 1;
      }
      if (this.headerFilled < FRAME_HEADER_BYTES) return count;
      const length = this.headerValue;
      this.headerFilled = 0;
      this.headerValue = 0;
      if (!this.accept(length, count)) return count;
      this.expected = length;
    }
    if (this.expected >= 0) {
      const take = Math.min(this.expected - this.gathered, end - offset);
      if (take > 0) this.pieces.push(chunk.subarray(offset, offset + take));
      this.gathered += take;
      offset += take;
      if (this.gathered < this.expected) return count;
      const frame = this.completeFrame();
      onFrame(frame, 0, frame.length);
      count += 1;
    }

    // 2. Every whole frame inside this chunk, found in place: no copy, no Buffer. This loop
    // is why scan() exists; everything else here is the same bookkeeping as push().
    while (end - offset >= FRAME_HEADER_BYTES) {
      const length = chunk.readUInt32BE(offset);
      if (!this.accept(length, count)) return count;
      const start = offset + FRAME_HEADER_BYTES;
      if (end - start < length) {
        // 3a. The start of a frame that goes on in the next chunks.
        this.expected = length;
        if (end > start) this.pieces.push(chunk.subarray(start));
        this.gathered = end - start;
        return count;
      }
      offset = start + length;
      onFrame(chunk, start, offset);
      count += 1;
    }

    // 3b. Or the first 1 to 3 bytes of a header.
    while (offset < end) {
      this.headerValue = this.headerValue * 256 + (chunk[offset++] as number);
      this.headerFilled += 1;
    }
    return count;
  }

  /**
   * Call when the stream has ended. Throws FrameError `FRAME_TRUNCATED` if it ended in the
   * middle of a header or payload, with `missingBytes` set to how many never came (for a
   * cut header, the header bytes missing: the payload's size was never known).
   */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.bufferedBytes > 0) throw frameTruncatedError(this.bufferedBytes, this.expected);
  }

  /**
   * The frame whose last byte just came: its one piece as is (a view into the chunk), or
   * its pieces copied into one Buffer. The decoder is then between frames again.
   */
  private completeFrame(): Buffer {
    const frame =
      this.pieces.length === 1
        ? (this.pieces[0] as Buffer)
        : Buffer.concat(this.pieces, this.expected);
    this.pieces = [];
    this.gathered = 0;
    this.expected = -1;
    return frame;
  }

  /**
   * Checks a header's length before anything of its payload is kept. Too large: throws at
   * once if this call has given no frames yet, otherwise remembers the error for the next
   * call and returns false, so the good frames before the bad header are not lost.
   */
  private accept(length: number, framesSoFar: number): boolean {
    if (length <= this.maxFrameBytes) return true;
    this.failed = frameTooLargeError(length, this.maxFrameBytes);
    if (framesSoFar === 0) throw this.failed;
    return false;
  }
}

/**
 * The error for a header that claims more than `maxFrameBytes`. Every decoder of this
 * format says it the same way (sticky-packets' lesson decoder too), so tests and logs
 * can compare them.
 */
export function frameTooLargeError(length: number, maxFrameBytes: number): FrameError {
  return new FrameError(
    'FRAME_TOO_LARGE',
    `frame header claims ${length} bytes, more than the ${maxFrameBytes}-byte limit`,
  );
}

/**
 * The error for a stream that ended inside a frame, with `heldBytes` of it received: its
 * header's first bytes while `payloadLength` is still unknown (-1), or the header and
 * part of the payload. `missingBytes` says how many never came (for a cut header, the
 * header bytes missing: the payload's size was never known).
 */
export function frameTruncatedError(heldBytes: number, payloadLength: number): FrameError {
  if (payloadLength < 0) {
    const missing = FRAME_HEADER_BYTES - heldBytes;
    return new FrameError(
      'FRAME_TRUNCATED',
      `stream ended mid-header: got ${heldBytes} of ${FRAME_HEADER_BYTES} header bytes, ${missing} missing`,
      missing,
    );
  }
  const got = heldBytes - FRAME_HEADER_BYTES;
  const missing = payloadLength - got;
  return new FrameError(
    'FRAME_TRUNCATED',
    `stream ended mid-frame: got ${got} of ${payloadLength} payload bytes, ${missing} missing`,
    missing,
  );
}

/**
 * Whole frames from a byte stream such as a socket: `for await (const msg of
 * decodeFrames(socket))`. Throws FrameError on a bad header or a stream cut mid-frame.
 */
export async function* decodeFrames(
  source: AsyncIterable<Buffer>,
  opts: FrameDecoderOptions = {},
): AsyncGenerator<Buffer> {
  const decoder = new FrameDecoder(opts);
  for await (const chunk of source) {
    yield* decoder.push(chunk);
    if (decoder.error) throw decoder.error; // after the good frames before the bad header
  }
  decoder.end();
}

function checkPayloadLength(length: number, maxFrameBytes: number): number {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`a frame's length must be a whole number of bytes (got ${length})`);
  }
  if (length > Math.min(maxFrameBytes, LARGEST_LENGTH)) {
    throw new FrameError(
      'FRAME_TOO_LARGE',
      `frame of ${length} bytes exceeds the ${Math.min(maxFrameBytes, LARGEST_LENGTH)}-byte limit`,
    );
  }
  return length;
}

function checkLimit(maxFrameBytes: number): number {
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 0 || maxFrameBytes > LARGEST_LENGTH) {
    throw new RangeError(
      `maxFrameBytes must be a whole number from 0 to ${LARGEST_LENGTH} (got ${maxFrameBytes})`,
    );
  }
  return maxFrameBytes;
}
