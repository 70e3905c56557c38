// Support: how the receiver reads its sockets, tuned for speed and memory; receive.ts reads
// the same way whichever is in use. Node gives every read of a server's socket a fresh buffer,
// and V8 frees those only after tens of megabytes of them have piled up, so a server that
// reads a big file at full speed carries that much garbage, whatever it does with the bytes.
// A client socket can be told to read into buffers it is given, again and again (net.connect's
// `onread`); Node 20 ignores that option on a server. So we take the accepted socket's handle,
// which Node does not document (`_handle`), and give it to a new net.Socket that has `onread`.
// That hand-over lives here alone; where `_handle` is missing, reading is the plain 'data' kind
// (common's SocketReader, as PlainReader), and everything else works the same.
//
// Reused buffers come with one rule: a chunk handed out must not be overwritten while its
// reader still uses it. So readStream() lends its chunks (no copy): each stays untouched until
// the reader asks for more. The other reads are small (frames, a preamble) and are copies.
import net from 'node:net';
import {
  FRAME_HEADER_BYTES,
  FrameError,
  ShortReadError,
  SocketReader,
  type SocketReaderOptions,
} from '@socket-lab/common';

/** What a Connection reads with: a PlainReader or a RingReader. */
export interface ByteReader {
  /** Bytes that have arrived and not been read: an answer that came early shows up here. */
  readonly bufferedBytes: number;
  /** True once no more bytes will arrive (FIN, reset or close). Buffered bytes may remain. */
  readonly ended: boolean;
  /** The socket error that ended the stream, if one did. */
  readonly failure: Error | undefined;
  /** Exactly `n` bytes; null if the stream ended before the first; ShortReadError if midway. */
  readExactly(n: number): Promise<Buffer | null>;
  /** One frame's payload; null at a clean end between frames; FrameError if bad or cut. */
  readFrame(maxBytes: number): Promise<Buffer | null>;
  /** The next `n` bytes as they arrive, each chunk valid until the next is asked for. */
  readStream(n: number): AsyncGenerator<Buffer>;
  /** Resolves once anything changes: bytes arrive or the stream ends. */
  change(): Promise<void>;
  /**
   * From now on, read and drop whatever arrives: for a peer we are finished with, so that it
   * reads our last answer instead of losing it in a reset (unread bytes make close() send RST).
   */
  discardRest(): void;
}

/**
 * Two slots take turns: the disk writes what one holds while the socket fills the other, and a
 * slot is read into again only once all its bytes have been taken. Few and large, because each
 * chunk costs a trip to libuv's thread pool and back on its way to the disk.
 */
export const RING_SLOTS = 2;

/**
 * Reads an accepted socket (from a server made with `pauseOnConnect: true`) into `windowBytes`
 * of buffers of its own, reused for every read. Returns the socket to use from now on (a new
 * one, holding the accepted socket's handle) and its reader. The accepted socket stays as the
 * server counted it: it closes when the new one does, and passes end() and destroy() on to it.
 * Where the handle cannot be taken, returns the accepted socket itself with a PlainReader.
 */
export function readIntoOwnBuffers(
  accepted: net.Socket,
  windowBytes: number,
): { socket: net.Socket; reader: ByteReader } {
  const withHandle = accepted as net.Socket & { _handle?: object | null };
  const handle = withHandle._handle;
  if (!handle || !('readStart' in handle)) return readPlainly(accepted, windowBytes);
  const ring = new RingReader(RING_SLOTS, Math.ceil(windowBytes / RING_SLOTS));
  const options = {
    handle,
    allowHalfOpen: accepted.allowHalfOpen,
    onread: ring.onread,
  } as net.SocketConstructorOpts;
  const socket = new net.Socket(options);
  withHandle._handle = null; // the handle is the new socket's now: the old one must not close it
  ring.attach(socket);
  // The old socket is what the server counts and what shutdown code (trackConnections) holds:
  // it closes when the new one does, and its end() and destroy() reach the new one.
  socket.once('close', () => accepted.destroy());
  accepted.once('close', () => socket.destroy());
  accepted._final = (done) => {
    socket.end();
    done();
  };
  return { socket, reader: ring };
}

/** The fallback, for an accepted socket: Node's own buffers, through 'data' events. */
export function readPlainly(
  accepted: net.Socket,
  windowBytes: number,
): { socket: net.Socket; reader: ByteReader } {
  const reader = new PlainReader(accepted, { windowBytes });
  accepted.resume(); // pauseOnConnect left it paused
  return { socket: accepted, reader };
}

/** Common's SocketReader ('data' events, Node's buffers), and a way to stop reading. */
export class PlainReader extends SocketReader implements ByteReader {
  constructor(
    private readonly source: net.Socket,
    opts?: SocketReaderOptions,
  ) {
    super(source, opts);
  }

  discardRest(): void {
    this.source.removeAllListeners('data');
    this.source.on('data', () => {});
    this.source.resume();
  }
}

/** A piece of a slot that has arrived and not been taken. */
interface Piece {
  slot: number;
  bytes: Buffer;
}

/**
 * A reader over a few buffers of its own, which the socket reads into in turn (`onread`). When
 * the next buffer still holds bytes nobody has taken, it stops reading the socket; the kernel's
 * buffer fills, TCP's window closes, and the sender waits. Memory: `slots` × `slotBytes`.
 */
export class RingReader implements ByteReader {
  private readonly ring: Buffer[] = [];
  /** Per slot: bytes that arrived in it and have not been taken and given back. */
  private readonly held: number[];
  private readonly pieces: Piece[] = [];
  private queued = 0;
  /** The slot the socket reads into next. */
  private next = 0;
  /** The chunk readStream() lent last, given back at the next read. */
  private lent: Piece | undefined;
  private socket: net.Socket | undefined;
  private stalled = false;
  private discarding = false;
  private done = false;
  private error: Error | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly slotBytes: number,
  ) {
    this.held = new Array<number>(slots).fill(0);
  }

  /** The `onread` option for the socket: where each read goes, and what happens after it. */
  readonly onread = {
    // Called before the first read, and after each: the buffer for the next. Allocated on
    // first use, so that a sender who only connects costs one.
    buffer: (): Buffer => {
      this.ring[this.next] ??= Buffer.allocUnsafe(this.slotBytes);
      return this.ring[this.next] as Buffer;
    },
    callback: (n: number, buffer: Uint8Array): boolean => {
      const slot = this.next;
      this.next = (slot + 1) % this.slots;
      if (this.held[slot] !== 0) {
        // Only a resume from outside (not ours) can read into a slot still in use. Bytes not
        // yet taken are lost, so the connection cannot go on.
        this.socket?.destroy(new Error('a read overwrote bytes not yet taken'));
        return false;
      }
      if (!this.discarding) {
        const bytes = (buffer as Buffer).subarray(0, n);
        this.pieces.push({ slot, bytes });
        this.held[slot] = n;
        this.queued += n;
        this.wake();
      }
      // false pauses the socket: the next slot is still in use.
      this.stalled = this.held[this.next] !== 0;
      return !this.stalled;
    },
  };

  /** Starts watching `socket` for its end; it must read with `this.onread`. */
  attach(socket: net.Socket): void {
    this.socket = socket;
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

  get bufferedBytes(): number {
    return this.queued;
  }

  get ended(): boolean {
    return this.done;
  }

  get failure(): Error | undefined {
    return this.error;
  }

  async readExactly(n: number): Promise<Buffer | null> {
    this.giveBack();
    const out = Buffer.allocUnsafe(n);
    for (let got = 0; got < n; ) {
      if (!(await this.arrived())) {
        if (got === 0) return null;
        throw new ShortReadError(got, n, this.error);
      }
      got += this.take(n - got).copy(out, got);
      this.giveBack();
    }
    return out;
  }

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

  async *readStream(n: number): AsyncGenerator<Buffer> {
    for (let got = 0; got < n; ) {
      this.giveBack(); // the reader asked for more: it is done with the chunk before
      if (!(await this.arrived())) throw new ShortReadError(got, n, this.error);
      const chunk = this.take(n - got);
      got += chunk.length;
      yield chunk;
    }
  }

  change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  discardRest(): void {
    this.discarding = true;
    this.pieces.length = 0;
    this.queued = 0;
    this.lent = undefined;
    this.held.fill(0);
    this.stalled = false;
    this.socket?.resume();
  }

  /** Waits until a byte is queued; false if the stream ended first. */
  private async arrived(): Promise<boolean> {
    while (this.queued === 0) {
      if (this.done) return false;
      await this.change();
    }
    return true;
  }

  /** Up to `max` queued bytes from one piece, lent: given back at the next giveBack(). */
  private take(max: number): Buffer {
    const first = this.pieces[0] as Piece;
    const bytes = first.bytes.length <= max ? first.bytes : first.bytes.subarray(0, max);
    if (bytes === first.bytes) this.pieces.shift();
    else first.bytes = first.bytes.subarray(max);
    this.queued -= bytes.length;
    this.lent = { slot: first.slot, bytes };
    return bytes;
  }

  /** The lent chunk is no longer used: its slot may be read into once it is empty. */
  private giveBack(): void {
    if (!this.lent) return;
    const { slot, bytes } = this.lent;
    this.lent = undefined;
    this.held[slot] = (this.held[slot] as number) - bytes.length;
    this.resumeIfStalled();
  }

  private resumeIfStalled(): void {
    if (this.stalled && this.held[this.next] === 0) {
      this.stalled = false;
      this.socket?.resume();
    }
  }

  private wake(): void {
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
