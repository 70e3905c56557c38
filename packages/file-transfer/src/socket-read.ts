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
// reader still uses it. So read(), and readStream() on it, lend their chunks (no copy): each
// stays untouched until the reader asks for more. The exact reads are small (frames, a
// preamble) and are copies. The reads themselves are common's (ChunkReader), written once.
import net from 'node:net';
import { ChunkReader, SocketReader, type SocketReaderOptions } from '@socket-lab/common';

/**
 * What a Connection reads with: a PlainReader or a RingReader. Both are common's ChunkReader
 * (exact reads, frames, streams, the end of the stream), over different buffers.
 */
export interface ByteReader extends ChunkReader {
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
 * Common's ChunkReader builds the reads on read(), which lends each chunk until the next.
 */
export class RingReader extends ChunkReader implements ByteReader {
  private readonly ring: Buffer[] = [];
  /** Per slot: bytes that arrived in it and have not been taken and given back. */
  private readonly held: number[];
  private readonly pieces: Piece[] = [];
  /** The slot the socket reads into next. */
  private next = 0;
  /** The chunk read() lent last, given back at the next read. */
  private lent: Piece | undefined;
  private socket: net.Socket | undefined;
  private stalled = false;
  private discarding = false;

  constructor(
    private readonly slots: number,
    private readonly slotBytes: number,
  ) {
    super();
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
    this.watchEnd(socket);
  }

  /**
   * Up to `maxBytes` queued bytes from one piece, lent (no copy): the reader asking for more
   * is done with the chunk before, so that one is given back first.
   */
  override async read(maxBytes: number): Promise<Buffer | null> {
    this.giveBack();
    if (!(await this.arrived())) return null;
    const first = this.pieces[0] as Piece;
    const bytes = first.bytes.length <= maxBytes ? first.bytes : first.bytes.subarray(0, maxBytes);
    if (bytes === first.bytes) this.pieces.shift();
    else first.bytes = first.bytes.subarray(maxBytes);
    this.queued -= bytes.length;
    this.lent = { slot: first.slot, bytes };
    return bytes;
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

  /** readExactly() keeps a copy, and the slot can be read into again at once. */
  protected override keep(piece: Buffer): Buffer {
    const copy = Buffer.from(piece);
    this.giveBack();
    return copy;
  }

  /** The lent chunk is no longer used: its slot may be read into once it is empty. */
  private giveBack(): void {
    if (!this.lent) return;
    const { slot, bytes } = this.lent;
    this.lent = undefined;
    this.held[slot] = (this.held[slot] as number) - bytes.length;
    if (this.stalled && this.held[this.next] === 0) {
      this.stalled = false;
      this.socket?.resume();
    }
  }
}
