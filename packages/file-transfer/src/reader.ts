// The receiver's reading side of a connection. Its stream mixes two kinds of bytes: frames
// (OFFER, START, DONE) and, between START and DONE, the file itself, unframed. A decoder that
// takes every chunk (common's FrameDecoder) would read the first bytes of the file as the next
// frame header. So this reader hands out exactly what is asked: 5 bytes, one frame, or the
// next `n` bytes of file, and keeps the rest of a chunk for the next call.
//
// It is also where backpressure starts: past WINDOW_BYTES of unread data it pauses the socket,
// the kernel's receive buffer fills, TCP's window closes, and the sender's write() returns false.
import type net from 'node:net';
import { FRAME_HEADER_BYTES, FrameError } from '@socket-lab/common';

/**
 * 1 MiB read ahead per connection: enough to keep the disk busy, flat whatever the file size.
 * Reading resumes only once half of it has been taken, so that a reader a little slower than
 * the network does not stop and start the socket (two system calls) on every chunk.
 */
export const WINDOW_BYTES = 1024 * 1024;

/** The stream ended before the bytes a reader was promised; `got` says how far it came. */
export class ShortReadError extends Error {
  override name = 'ShortReadError';
  constructor(
    readonly got: number,
    readonly wanted: number,
    /** The socket error behind it (a reset), if there was one. */
    readonly reason?: Error,
  ) {
    super(`connection closed after ${got} of ${wanted} bytes`);
  }
}

export class SocketReader {
  private chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** Starts reading `socket` now. The caller keeps its own 'error' listener on the socket. */
  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queued += chunk.length;
      if (this.queued >= WINDOW_BYTES) socket.pause();
      this.wake?.();
    });
    // 'end' is a FIN; 'close' also covers a reset. What has arrived can still be read.
    const finish = (err?: Error) => {
      this.ended = true;
      this.failure ??= err instanceof Error ? err : undefined;
      this.wake?.();
    };
    socket.once('end', () => finish());
    socket.once('error', finish);
    socket.once('close', () => finish());
  }

  /** Bytes that have arrived and not been read: a reply that came early shows up here. */
  get bufferedBytes(): number {
    return this.queued;
  }

  /**
   * Up to `maxBytes` from the next chunk that arrived, as a view (no copy); null once the
   * stream has ended and everything was read.
   */
  async read(maxBytes: number): Promise<Buffer | null> {
    while (this.queued === 0) {
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    const first = this.chunks[0] as Buffer;
    const piece = first.length <= maxBytes ? first : first.subarray(0, maxBytes);
    if (piece === first) this.chunks.shift();
    else this.chunks[0] = first.subarray(maxBytes);
    this.queued -= piece.length;
    if (this.queued <= WINDOW_BYTES / 2 && this.socket.isPaused()) this.socket.resume();
    return piece;
  }

  /**
   * Python's `sock.recv(maxBytes)`: up to maxBytes of *everything* that has arrived, across
   * chunks (two small writes that both arrived come out as one read). Null at the end.
   */
  async recv(maxBytes: number): Promise<Buffer | null> {
    const first = await this.read(maxBytes);
    if (!first || first.length === maxBytes || this.queued === 0) return first;
    const pieces = [first];
    let got = first.length;
    while (got < maxBytes && this.queued > 0) {
      const piece = (await this.read(maxBytes - got)) as Buffer;
      pieces.push(piece);
      got += piece.length;
    }
    return Buffer.concat(pieces, got);
  }

  /** Exactly `n` bytes; null if the stream ended before the first; ShortReadError if midway. */
  async readExactly(n: number): Promise<Buffer | null> {
    const pieces: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const piece = await this.read(n - got);
      if (!piece) {
        if (got === 0) return null;
        throw new ShortReadError(got, n, this.failure);
      }
      pieces.push(piece);
      got += piece.length;
    }
    return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, n);
  }

  /**
   * One frame's payload; null at a clean end between frames. Throws FrameError if the header
   * claims more than `maxBytes` or the stream stops inside the frame.
   */
  async readFrame(maxBytes: number): Promise<Buffer | null> {
    const header = await this.readFrameBytes(FRAME_HEADER_BYTES, true);
    if (!header) return null;
    const length = header.readUInt32BE(0);
    if (length > maxBytes) {
      throw new FrameError(
        'FRAME_TOO_LARGE',
        `frame header claims ${length} bytes, more than the ${maxBytes}-byte limit`,
      );
    }
    return (await this.readFrameBytes(length, false)) ?? Buffer.alloc(0);
  }

  /** The next `n` bytes of the stream, chunk by chunk as they arrive (views, no copies). */
  async *readStream(n: number): AsyncGenerator<Buffer> {
    for (let got = 0; got < n; ) {
      const piece = await this.read(n - got);
      if (!piece) throw new ShortReadError(got, n, this.failure);
      got += piece.length;
      yield piece;
    }
  }

  private async readFrameBytes(n: number, atStart: boolean): Promise<Buffer | null> {
    try {
      const bytes = await this.readExactly(n);
      if (!bytes && !atStart && n > 0) throw new ShortReadError(0, n);
      return bytes;
    } catch (err) {
      if (!(err instanceof ShortReadError)) throw err;
      const where = atStart ? 'header' : 'frame';
      throw new FrameError(
        'FRAME_TRUNCATED',
        `stream ended mid-${where}: got ${err.got} of ${err.wanted} bytes`,
        err.wanted - err.got,
      );
    }
  }
}
