// Python's `conn.recv(1024)`, rebuilt on a Node socket. The kernel keeps the bytes that
// have arrived in a receive buffer; each recv() hands over what is there, up to 1024
// bytes, and blocks only when nothing is. Node reads eagerly and gives us 'data' chunks
// instead, so this class plays the kernel's part: chunks pile up here while the program
// sleeps, and recv() takes at most `maxBytes` of them. That is why writes merge (three
// small ones arrived during one sleep) and split (a 2000-byte write is more than one read).
//
// (`net.connect({ onread })` gives real recv-sized reads, but on client sockets only;
// Node 20 ignores it on a server's sockets.)
import type net from 'node:net';

/**
 * 64 KiB: past this many unread bytes we stop reading the socket, the kernel's buffer
 * fills, and TCP flow control makes the sender wait (its write() returns false). A
 * slow reader then costs bounded memory. Linux starts a socket's buffer near this size.
 */
export const RECEIVE_WINDOW_BYTES = 64 * 1024;

/** How far a receiver has got: what the pacing of tests and the demo looks at. */
export interface ReadProgress {
  /** Bytes that have arrived so far (read or not). */
  readonly arrivedBytes: number;
  /** Bytes handed out by reads so far. */
  readonly consumedBytes: number;
  /** Resolves true once `bytes` have arrived in all, false if the stream ends first. */
  whenArrived(bytes: number): Promise<boolean>;
}

/** The bytes that arrived on a TCP socket and have not been read yet. */
export class ReceiveBuffer implements ReadProgress {
  arrivedBytes = 0;
  consumedBytes = 0;
  private chunks: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private waiters: (() => void)[] = [];

  /** Starts reading `socket` now. The caller keeps its own 'error' listener on it. */
  constructor(
    private readonly socket: net.Socket,
    private readonly windowBytes = RECEIVE_WINDOW_BYTES,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.queuedBytes += chunk.length;
      this.arrivedBytes += chunk.length;
      if (this.queuedBytes >= this.windowBytes) socket.pause();
      this.wake();
    });
    // 'end' is the peer's FIN; 'close' also covers a reset. Either way no more bytes come,
    // but what has arrived can still be read, as with a real socket.
    const finish = () => {
      this.ended = true;
      this.wake();
    };
    socket.once('end', finish);
    socket.once('close', finish);
  }

  /**
   * One `recv(maxBytes)`: resolves with 1 to maxBytes bytes of what has arrived, waiting
   * only if nothing has, or with null once the stream has ended and everything was read.
   */
  async recv(maxBytes: number): Promise<Buffer | null> {
    while (this.queuedBytes === 0) {
      if (this.ended) return null;
      await this.change();
    }
    const n = Math.min(maxBytes, this.queuedBytes);
    const first = this.chunks[0] as Buffer;
    let data: Buffer;
    if (first.length >= n) {
      // Inside one chunk: a view, no copy.
      data = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      // Across chunks (small writes that piled up): copy them into one read, like recv().
      data = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0] as Buffer;
        const take = Math.min(chunk.length, n - filled);
        chunk.copy(data, filled, 0, take);
        filled += take;
        if (take === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(take);
      }
    }
    this.queuedBytes -= n;
    this.consumedBytes += n;
    if (this.socket.isPaused() && this.queuedBytes < this.windowBytes) this.socket.resume();
    return data;
  }

  async whenArrived(bytes: number): Promise<boolean> {
    while (this.arrivedBytes < bytes) {
      if (this.ended) return false;
      await this.change();
    }
    return true;
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
