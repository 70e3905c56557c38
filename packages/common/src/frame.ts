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

/** The header: a 32-bit unsigned length, big-endian ("network byte order"). */
export const FRAME_HEADER_BYTES = 4;

/**
 * 16 MiB: far more than any message of these examples, small enough that a hostile or
 * garbled header (`ff ff ff ff` claims 4 GiB) is refused instead of trusted. Real
 * protocols pick a limit from what they carry: Redis caps bulk strings at 512 MB by default.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

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

/** The 4-byte header for a payload of `length` bytes. Send it, then the payload. */
export function encodeFrameHeader(length: number, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
  if (!Number.isInteger(length) || length < 0 || length > maxFrameBytes) {
    throw new FrameError(
      'FRAME_TOO_LARGE',
      `frame of ${length} bytes exceeds the ${maxFrameBytes}-byte limit`,
    );
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  return header;
}

/**
 * Header and payload in one new buffer, ready for one `write()`. For large payloads,
 * write `encodeFrameHeader(n)` and the payload separately instead: no copy.
 */
export function encodeFrame(payload: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  encodeFrameHeader(payload.byteLength, maxFrameBytes).copy(frame, 0);
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
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** Payload length of the frame being gathered, or -1 while reading a header. */
  private expected = -1;
  private pieces: Buffer[] = [];
  private gathered = 0;
  private failed: FrameError | undefined;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.expected < 0 ? this.headerFilled : FRAME_HEADER_BYTES + this.gathered;
  }

  /** Feeds one chunk; returns the whole frames it completed. Throws FrameError on a bad header. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    const frames: Buffer[] = [];
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.expected < 0) {
        // Fast path: a whole header in this chunk, and nothing half-read before it.
        if (this.headerFilled === 0 && end - offset >= FRAME_HEADER_BYTES) {
          const length = chunk.readUInt32BE(offset);
          offset += FRAME_HEADER_BYTES;
          this.checkLength(length);
          if (end - offset >= length) {
            frames.push(chunk.subarray(offset, offset + length)); // zero-copy
            offset += length;
            continue;
          }
          this.expected = length;
        } else {
          // A header split across chunks: collect its bytes one chunk at a time.
          const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, end - offset);
          chunk.copy(this.header, this.headerFilled, offset, offset + take);
          this.headerFilled += take;
          offset += take;
          if (this.headerFilled < FRAME_HEADER_BYTES) break;
          this.headerFilled = 0;
          const length = this.header.readUInt32BE(0);
          this.checkLength(length);
          this.expected = length;
          if (length === 0) {
            frames.push(Buffer.alloc(0));
            this.expected = -1;
          }
          continue;
        }
      }
      // Gathering a frame that spans chunks.
      const take = Math.min(this.expected - this.gathered, end - offset);
      if (take === 0) break;
      this.pieces.push(chunk.subarray(offset, offset + take));
      this.gathered += take;
      offset += take;
      if (this.gathered === this.expected) {
        frames.push(
          this.pieces.length === 1
            ? (this.pieces[0] as Buffer)
            : Buffer.concat(this.pieces, this.expected),
        );
        this.pieces = [];
        this.gathered = 0;
        this.expected = -1;
      }
    }
    return frames;
  }

  /**
   * Call when the stream has ended. Throws FrameError `FRAME_TRUNCATED` if it ended in the
   * middle of a header or payload, with `missingBytes` set to how many never came.
   */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.expected >= 0) {
      const missing = this.expected - this.gathered;
      throw new FrameError(
        'FRAME_TRUNCATED',
        `stream ended mid-frame: got ${this.gathered} of ${this.expected} payload bytes, ${missing} missing`,
        missing,
      );
    }
    if (this.headerFilled > 0) {
      const missing = FRAME_HEADER_BYTES - this.headerFilled;
      throw new FrameError(
        'FRAME_TRUNCATED',
        `stream ended mid-header: got ${this.headerFilled} of ${FRAME_HEADER_BYTES} header bytes, ${missing} missing`,
        missing,
      );
    }
  }

  private checkLength(length: number): void {
    if (length > this.maxFrameBytes) {
      this.failed = new FrameError(
        'FRAME_TOO_LARGE',
        `frame header claims ${length} bytes, more than the ${this.maxFrameBytes}-byte limit`,
      );
      throw this.failed;
    }
  }
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
  for await (const chunk of source) yield* decoder.push(chunk);
  decoder.end();
}
