// What the bytes mean, with no sockets, shared by both sides: the seed's seven messages,
// and the three ways to put them on a TCP stream. `none` sends them as they are (the
// seed), so the receiver cannot tell where one ends; `length` puts a 4-byte big-endian
// length in front of each (common's encodeFrame; receiver.ts decodes it); `line` ends each
// with `\n`, the delimiter of text protocols, and LineDecoder below finds them again.
import { encodeFrame, FrameError } from '@socket-lab/common';

export const FRAMINGS = ['none', 'length', 'line'] as const;
export type Framing = (typeof FRAMINGS)[number];

/**
 * Seed 003's messages: 17, 1, 300, 1, 200, 1 and 2000 bytes, as its packet capture shows
 * (the listing's `*30` and `*20` are OCR noise: the segments carry 300 and 200 bytes).
 */
export const SEED_MESSAGES: readonly Buffer[] = [
  Buffer.from('welcome to qytang'),
  Buffer.from('1'),
  Buffer.from('y'.repeat(300)),
  Buffer.from('2'),
  Buffer.from('c'.repeat(200)),
  Buffer.from('3'),
  Buffer.from('v'.repeat(2000)),
];

/** What `line` framing puts after each message. */
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The bytes one message becomes on the wire. Throws RangeError for a `line` message that
 * contains `\n` (a delimiter cannot be inside a message unless it is escaped) and
 * FrameError for a `length` message over `maxMessageBytes`.
 */
export function encodeMessage(framing: Framing, payload: Buffer, maxMessageBytes?: number): Buffer {
  switch (framing) {
    case 'none':
      return payload;
    case 'length':
      return encodeFrame(payload, maxMessageBytes);
    case 'line':
      if (payload.includes(NEWLINE)) {
        throw new RangeError('with --framing line a message cannot contain a newline');
      }
      return Buffer.concat([payload, Buffer.of(NEWLINE)]);
  }
}

/** Turns reads into whole messages: the receiver's LengthPrefixDecoder, or LineDecoder. */
export interface MessageDecoder {
  /**
   * The messages this read completed, in order; often none ("not a whole one yet"). A bad
   * stream sets `error`: the messages before the bad part still come out, and every later
   * call throws the error.
   */
  push(chunk: Buffer): Buffer[];
  /** At the end of the stream: throws the FrameError if it ended inside a message. */
  end(): void;
  /** Bytes held that are not yet a whole message. */
  readonly bufferedBytes: number;
  /** Set once the stream is known to be bad. */
  readonly error: FrameError | undefined;
}

/**
 * Splits a stream on `\n` (a `\r` before it is dropped too, for telnet's `\r\n`). A line
 * longer than `maxLineBytes` is an error, found as soon as that many bytes arrive without a
 * newline, so a peer that never sends one cannot make us hold its bytes forever.
 */
export class LineDecoder implements MessageDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed: FrameError | undefined;

  constructor(readonly maxLineBytes = 16 * 1024 * 1024) {}

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  get error(): FrameError | undefined {
    return this.failed;
  }

  /** The lines this chunk completed; a line past the limit sets `error` (see MessageDecoder). */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (!this.fits(this.pendingBytes + nl - start)) return lines;
      const piece = chunk.subarray(start, nl);
      // A line inside one chunk is a view into it; one that spans chunks is copied once.
      let line = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece]);
      if (line.at(-1) === CARRIAGE_RETURN) line = line.subarray(0, -1);
      lines.push(line);
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (!this.fits(this.pendingBytes + chunk.length - start)) return lines;
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
    }
    return lines;
  }

  end(): void {
    if (this.failed) throw this.failed;
    if (this.pendingBytes > 0) {
      // With a delimiter there is no way to know how much is missing, or whether the peer
      // simply forgot the last newline. A length prefix would say.
      throw new FrameError(
        'FRAME_TRUNCATED',
        `stream ended mid-line: ${this.pendingBytes} bytes after the last newline`,
      );
    }
  }

  private fits(length: number): boolean {
    if (length <= this.maxLineBytes) return true;
    this.failed = new FrameError(
      'FRAME_TOO_LARGE',
      `line longer than the ${this.maxLineBytes}-byte limit (no newline within it)`,
    );
    this.pending = [];
    this.pendingBytes = 0;
    return false;
  }
}
