// The write side of one direction of a proxied TCP connection, where the TCP faults happen.
// The relay in src/proxy.ts writes every chunk it reads to a Link, as it would to a socket:
// write() returns false when the Link holds enough, and 'drain' says when to read again.
// With no faults a Link is socket.write() and nothing more. With faults, each chunk waits in
// a queue until its time (--delay), goes out in pieces (--split), at a pace (--rate), and the
// client → server Link counts bytes towards --cut-after or --stall-after.
//
// Bytes keep their order: the queue is first in, first out, and every chunk waits the same
// --delay, so a TCP stream through the proxy is late, slow or chopped, never shuffled.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Alarm } from './alarm.js';
import {
  bytesWithinLimit,
  type Direction,
  type Faults,
  nextWriteBytes,
  nextWriteTime,
  shapesTcp,
} from './faults.js';
import type { ProxyEvent } from './trace.js';

/**
 * At most 1 MiB waits in a Link's queue; then the relay stops reading until half of it has
 * gone out. A real path holds about rate × delay bytes in flight (the bandwidth-delay
 * product); a proxy that held whatever came would let one fast sender behind --delay fill
 * its memory. The price is visible: with --delay 0.1 one connection moves at most 10 MiB/s.
 */
export const MAX_HELD_BYTES = 1024 * 1024;

/** Where the relay writes: a socket, or a Link in front of one. */
export interface Outlet {
  write(chunk: Buffer): boolean;
  end(): void;
  on(event: 'drain', listener: () => void): unknown;
}

export interface LinkOptions {
  faults: Faults;
  direction: Direction;
  /** The client's number, for the events. */
  client: number;
  record: (event: ProxyEvent) => void;
}

interface Queued {
  bytes: Buffer;
  /** When it may go out (performance.now() ms). */
  due: number;
  /** Which read it came from. */
  n: number;
}

/**
 * One direction's faults in front of the socket `to`. Emits 'drain' (read again), and on the
 * client → server Link 'cut' or 'stall' once the bytes up to the limit have been written.
 */
export class Link extends EventEmitter implements Outlet {
  /** Bytes written to the socket so far. */
  bytes = 0;
  private readonly shaped: boolean;
  private readonly limit: number | null;
  private queue: Queued[] = [];
  private held = 0;
  private reads = 0;
  private passed = 0;
  private earliest = 0;
  private alarm: Alarm | undefined;
  private blocked = false; // the socket's write() said false; wait for its 'drain'
  private owesDrain = false; // our write() said false; emit 'drain' when there is room
  private ending = false;
  private limitReached = false;
  private stopped = false;
  private resetting = false;

  constructor(
    private readonly to: net.Socket,
    private readonly opts: LinkOptions,
  ) {
    super();
    const { faults, direction } = opts;
    this.limit =
      direction === 'client→server' ? (faults.cutAfterBytes ?? faults.stallAfterBytes) : null;
    this.shaped =
      direction === 'client→server'
        ? shapesTcp(faults)
        : faults.delayMs > 0 || faults.rateBytesPerSecond > 0 || faults.splitBytes > 0;
    to.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    // --cut-after 0 / --stall-after 0: the limit is reached before the first byte. Tell the
    // proxy once it has had a chance to listen.
    if (this.limit === 0) {
      this.limitReached = true;
      setImmediate(() => this.reachLimit());
    }
  }

  /** Takes a chunk read from the other side. False: stop reading until 'drain'. */
  write(chunk: Buffer): boolean {
    if (this.limitReached || this.stopped) return false;
    const n = ++this.reads;
    const { client, direction, record, faults } = this.opts;
    record({ kind: 'receive', client, direction, n, bytes: chunk.length });
    if (!this.shaped) {
      // No faults: straight through, and the socket's own answer is ours.
      this.send(chunk, n);
      if (this.blocked) this.owesDrain = true;
      return !this.blocked;
    }
    const allowed = bytesWithinLimit(this.passed, chunk.length, this.limit);
    this.passed += allowed;
    if (allowed > 0) {
      const bytes = allowed === chunk.length ? chunk : chunk.subarray(0, allowed);
      if (faults.delayMs > 0) {
        record({ kind: 'delay', client, direction, n, bytes: allowed, ms: faults.delayMs });
      }
      if (faults.splitBytes > 0 && allowed > faults.splitBytes) {
        const writes = Math.ceil(allowed / faults.splitBytes);
        record({ kind: 'split', client, direction, n, bytes: allowed, writes });
      }
      this.queue.push({ bytes, due: performance.now() + faults.delayMs, n });
      this.held += allowed;
    }
    if (this.limit !== null && this.passed >= this.limit) this.limitReached = true;
    this.pump();
    if (this.held >= MAX_HELD_BYTES || this.limitReached) this.owesDrain = true;
    return !this.owesDrain;
  }

  /** The other side finished sending (FIN): finish ours once the queue is empty. */
  end(): void {
    this.ending = true;
    this.pump();
  }

  /**
   * The other side was reset: reset this one too, once what is queued has gone out, as a
   * RST on a real path arrives behind the bytes sent before it. At once if the socket is full.
   */
  reset(): void {
    this.resetting = true;
    this.pump();
  }

  /** Forward nothing more, ever (the other direction stalled). Drops what is queued. */
  stall(): void {
    this.stopped = true;
    this.dispose();
  }

  /** Drops the queue and its timer (the socket closed). */
  dispose(): void {
    this.alarm?.cancel();
    this.alarm = undefined;
    this.queue = [];
    this.held = 0;
  }

  // Writes what is due, in pieces as the faults say, until the queue is empty, the next
  // piece is not due yet (then an alarm calls back), or the socket is full (then 'drain' does).
  private pump(): void {
    if (this.stopped || this.to.destroyed) return;
    if (this.resetting && (this.queue.length === 0 || this.blocked)) {
      this.resetNow();
      return;
    }
    if (this.alarm) return;
    const { faults } = this.opts;
    while (this.queue.length > 0 && !this.blocked) {
      const head = this.queue[0] as Queued;
      const now = performance.now();
      const at = Math.max(head.due, this.earliest);
      if (at > now) {
        this.alarm = new Alarm(at, () => {
          // With --split, one more turn of the event loop first: if this process was held up,
          // the reader's poll for the last piece runs before the next piece is written, so a
          // reader in this process (a demo, a test) does not see two pieces merge because of
          // our own lateness. (Timers run before polling in Node's loop; immediates after.)
          const next = () => {
            this.alarm = undefined;
            this.pump();
          };
          if (faults.splitBytes > 0) setImmediate(next);
          else next();
        });
        return;
      }
      const size = nextWriteBytes(head.bytes.length, faults);
      const piece = head.bytes.subarray(0, size);
      if (size === head.bytes.length) this.queue.shift();
      else head.bytes = head.bytes.subarray(size);
      this.held -= size;
      this.earliest = nextWriteTime(now, size, at, faults);
      const last = this.limitReached && this.queue.length === 0;
      // The limit's last bytes: cut or stall only once the kernel has them, so that exactly
      // `limit` bytes reach the server before the reset.
      this.send(piece, head.n, last ? () => this.reachLimit() : undefined);
    }
    if (this.resetting && (this.queue.length === 0 || this.blocked)) {
      this.resetNow();
      return;
    }
    if (this.queue.length === 0 && this.ending && !this.limitReached && !this.to.writableEnded) {
      this.to.end();
    }
    if (this.owesDrain && !this.limitReached && this.held < MAX_HELD_BYTES / 2) {
      this.owesDrain = false;
      this.emit('drain');
    }
  }

  // A RST throws away whatever the socket still holds, so first let Node hand the kernel
  // what it has (unless the peer is not reading: then nothing more would go anyway).
  private resetNow(): void {
    this.dispose();
    this.stopped = true;
    const to = this.to;
    if (this.blocked || to.writableLength === 0) to.resetAndDestroy();
    else to.write(Buffer.alloc(0), () => to.destroyed || to.resetAndDestroy());
  }

  private send(piece: Buffer, n: number, written?: () => void): void {
    const { client, direction, record } = this.opts;
    this.bytes += piece.length;
    record({ kind: 'forward', client, direction, n, bytes: piece.length });
    const done = written && ((err?: Error | null) => (err ? undefined : written()));
    if (!this.to.write(piece, done)) this.blocked = true;
  }

  private reachLimit(): void {
    const { faults, client, record } = this.opts;
    const bytes = this.limit ?? 0;
    if (faults.cutAfterBytes !== null) {
      record({ kind: 'cut', client, bytes });
      this.emit('cut');
    } else {
      this.stopped = true;
      record({ kind: 'stall', client, bytes });
      this.emit('stall');
    }
  }
}
