// Reading from a TCP socket the way Python's socket does it: ask for bytes when you want
// them. Node pushes 'data' chunks at us instead, whatever their size, whenever they come;
// this class keeps them until the program asks, and plays the kernel's part in between:
//
//   recv(n)          up to n bytes of whatever has arrived (Python's `sock.recv(n)`)
//   readExactly(n)   exactly n bytes, across as many chunks as it takes
//   readLine(max)    up to the next '\n'
//   readFrame(max)   one 4-byte length-prefixed frame (frame.ts draws the bytes)
//   readStream(n)    the next n bytes as they come, for copying straight to a file
//
// It is also where backpressure starts: past `windowBytes` of unread data it pauses the
// socket, the kernel's receive buffer fills, TCP's window closes, and the sender's write()
// returns false. A slow reader costs bounded memory, however fast the sender.
//
// The reads that need only "the next chunk" (readExactly, readFrame, readStream) and the end
// of the stream are in ChunkReader, which SocketReader extends: file-transfer's receiver builds
// on it a reader whose chunks land in buffers of its own instead of Node's.
import type net from 'node:net';
import { FRAME_HEADER_BYTES, FrameError } from './frame.js';

/**
 * 64 KiB of unread bytes per connection by default: about what Linux starts a socket's
 * receive buffer at. A reader that streams to disk asks for more to keep the disk busy.
 */
export const READ_WINDOW_BYTES = 64 * 1024;

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

/** A line longer than the reader was told to accept: a peer that never sends '\n'. */
export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
  constructor(readonly maxBytes: number) {
    super(`line longer than ${maxBytes} bytes`);
  }
}

export interface SocketReaderOptions {
  /** Unread bytes held before the socket is paused. Default READ_WINDOW_BYTES. */
  windowBytes?: number;
}

/**
 * What a reader of one socket does, whatever buffers its bytes land in: it knows when the
 * stream ended and why, lets a program wait for news, and builds exact reads (n bytes, a
 * frame, the next n bytes as they come) on one primitive a subclass provides, read().
 */
export abstract class ChunkReader {
  /** Bytes that have arrived and not been read; the subclass counts them. */
  protected queued = 0;
  private done = false;
  private error: Error | undefined;
  private waiters: (() => void)[] = [];

  /**
   * Up to `maxBytes` from the next chunk that arrived, as a view (no copy) that stays valid at
   * least until the next read; null once the stream has ended and everything was read.
   */
  abstract read(maxBytes: number): Promise<Buffer | null>;

  /** Bytes that have arrived and not been read: an answer that came early shows up here. */
  get bufferedBytes(): number {
    return this.queued;
  }

  /** True once no more bytes will arrive (FIN, reset or close). Buffered bytes may remain. */
  get ended(): boolean {
    return this.done;
  }

  /** The socket error that ended the stream (a reset, a timeout), if one did. */
  get failure(): Error | undefined {
    return this.error;
  }

  /** Exactly `n` bytes; null if the stream ended before the first; ShortReadError if midway. */
  async readExactly(n: number): Promise<Buffer | null> {
    const pieces: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const piece = await this.read(n - got);
      if (!piece) {
        if (got === 0) return null;
        throw new ShortReadError(got, n, this.error);
      }
      pieces.push(this.keep(piece));
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

  /**
   * The next `n` bytes of the stream, chunk by chunk as they arrive (views, no copies), each
   * valid at least until the next is asked for.
   */
  async *readStream(n: number): AsyncGenerator<Buffer> {
    for (let got = 0; got < n; ) {
      const piece = await this.read(n - got);
      if (!piece) throw new ShortReadError(got, n, this.error);
      got += piece.length;
      yield piece;
    }
  }

  /** Resolves once anything changes: bytes arrive or the stream ends. */
  change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Listens for the end of `socket`'s stream. Call it after adding the listener for bytes. */
  protected watchEnd(socket: net.Socket): void {
    // 'end' is the peer's FIN; 'close' also covers a reset. Either way no more bytes come,
    // but what has arrived can still be read, as with a real socket.
    const finish = (err?: Error) => {
      this.done = true;
      this.error ??= err instanceof Error ? err : undefined;
      this.wake();
    };
    socket.once('end', () => finish());
    socket.once('error', finish);
    socket.once('close', () => finish());
  }

  /** Waits until a byte is queued; false if the stream ended first. */
  protected async arrived(): Promise<boolean> {
    while (this.queued === 0) {
      if (this.done) return false;
      await this.change();
    }
    return true;
  }

  /**
   * A piece of what readExactly() returns, made safe to keep. Node never reuses the buffer of
   * a 'data' chunk, so here the piece itself; a reader that reuses its buffers copies it.
   */
  protected keep(piece: Buffer): Buffer {
    return piece;
  }

  /** Resolves everything waiting in change(). */
  protected wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
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

/** The bytes that arrived on one socket and have not been read yet. */
export class SocketReader extends ChunkReader {
  /** Bytes that have arrived so far, read or not. */
  arrivedBytes = 0;
  /** Bytes handed out by reads so far. */
  consumedBytes = 0;
  private chunks: Buffer[] = [];
  private readonly windowBytes: number;

  /** Starts reading `socket` now. The caller keeps its own 'error' listener on the socket. */
  constructor(
    private readonly socket: net.Socket,
    opts: SocketReaderOptions = {},
  ) {
    super();
    this.windowBytes = opts.windowBytes ?? READ_WINDOW_BYTES;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queued += chunk.length;
      this.arrivedBytes += chunk.length;
      if (this.queued >= this.windowBytes) socket.pause();
      this.wake();
    });
    this.watchEnd(socket);
  }

  /**
   * Up to `maxBytes` from the next chunk that arrived, as a view (no copy); null once the
   * stream has ended and everything was read.
   */
  override async read(maxBytes: number): Promise<Buffer | null> {
    if (!(await this.arrived())) return null;
    const first = this.chunks[0] as Buffer;
    const piece = first.length <= maxBytes ? first : first.subarray(0, maxBytes);
    if (piece === first) this.chunks.shift();
    else this.chunks[0] = first.subarray(maxBytes);
    this.take(piece.length);
    return piece;
  }

  /**
   * Python's `sock.recv(maxBytes)`: up to maxBytes of *everything* that has arrived, across
   * chunks (two small writes that both arrived come out as one read), waiting only if
   * nothing has. Null once the stream has ended and everything was read.
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

  /**
   * The bytes up to the next '\n' (the '\n' itself is taken, not returned). At the end of
   * the stream, what is left without a '\n' is the last line; then null. Throws
   * LineTooLongError when `maxBytes` arrive with no '\n' among them.
   */
  async readLine(maxBytes: number): Promise<Buffer | null> {
    for (;;) {
      const at = this.indexOfNewline(maxBytes + 1);
      if (at >= 0) {
        const line = (await this.readExactly(at + 1)) as Buffer;
        return line.subarray(0, at);
      }
      if (this.queued > maxBytes) throw new LineTooLongError(maxBytes);
      if (this.ended) return this.queued === 0 ? null : this.readExactly(this.queued);
      // The line may be longer than the window: keep reading (maxBytes bounds it).
      if (this.socket.isPaused()) this.socket.resume();
      await this.change();
    }
  }

  /** Resolves true once `bytes` have arrived in all, false if the stream ends first. */
  async whenArrived(bytes: number): Promise<boolean> {
    while (this.arrivedBytes < bytes) {
      if (this.ended) return false;
      await this.change();
    }
    return true;
  }

  private take(n: number): void {
    this.queued -= n;
    this.consumedBytes += n;
    // Resume only once half the window is free, so that a reader a little slower than the
    // network does not stop and start the socket (two system calls) on every chunk.
    if (this.queued <= this.windowBytes / 2 && this.socket.isPaused()) this.socket.resume();
  }

  // Where the first '\n' among the first `limit` buffered bytes is, or -1.
  private indexOfNewline(limit: number): number {
    let offset = 0;
    for (const chunk of this.chunks) {
      if (offset >= limit) break;
      const at = chunk.indexOf(0x0a);
      if (at >= 0) return offset + at < limit ? offset + at : -1;
      offset += chunk.length;
    }
    return -1;
  }
}
