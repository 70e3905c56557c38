// Support: the UDP half of seed 003 (and seed 002's "UDP never sticks" on 8989), receiving.
// The same seven messages arrive as seven datagrams. UDP keeps message boundaries: one
// sendto() is one datagram is one recvfrom(), however long the receiver sleeps. The price
// is the other way round: a datagram longer than the buffer is cut, and Python's
// recvfrom(1024) on Linux drops the rest without a word. Node always hands us the whole
// datagram, so the receiver shows what a 1024-byte buffer would keep.
// Run: pnpm --filter sticky-packets start --udp    Poke: nc -u 127.0.0.1 6666
import type dgram from 'node:dgram';
import { formatHostPort } from '@socket-lab/common';
import { type DatagramEvent, formatDatagramEvent } from './log.js';
import { type BeforeRead, type ReadProgress, randomPause } from './pacing.js';
import { DEFAULT_DELAY_MS, RECV_BYTES } from './receiver.js';

/**
 * 256 datagrams wait for a slow reader at most; past that they are dropped, as a full
 * kernel buffer drops them (Linux's default buffer holds a few hundred small ones).
 */
export const MAX_QUEUED_DATAGRAMS = 256;

export interface DatagramReceiverOptions {
  readBytes?: number;
  delayMs?: number;
  beforeRead?: BeforeRead;
  report?: (event: DatagramEvent) => void;
}

/**
 * Reads datagrams from a bound socket, one per read, pausing between reads like the seed.
 * Resolves when the socket is closed.
 */
export async function receiveDatagrams(
  socket: dgram.Socket,
  opts: DatagramReceiverOptions = {},
): Promise<void> {
  const report = opts.report ?? ((event) => console.log(formatDatagramEvent(event)));
  const queue = new DatagramQueue(socket, report);
  const beforeRead = opts.beforeRead ?? randomPause(opts.delayMs ?? DEFAULT_DELAY_MS);
  const readBytes = opts.readBytes ?? RECV_BYTES;
  for (let index = 1; ; index++) {
    await beforeRead(queue);
    const datagram = await queue.next();
    if (!datagram) return;
    const { data, from } = datagram;
    report({ type: 'datagram', index, from, size: data.length, kept: data.subarray(0, readBytes) });
  }
}

/** Datagrams that arrived and were not read yet: the kernel's queue, for a paused reader. */
class DatagramQueue implements ReadProgress {
  arrivedBytes = 0;
  consumedBytes = 0;
  private queue: { data: Buffer; from: string }[] = [];
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(socket: dgram.Socket, report: (event: DatagramEvent) => void) {
    socket.on('message', (data, rinfo) => {
      const from = formatHostPort(rinfo.address, rinfo.port);
      if (this.queue.length >= MAX_QUEUED_DATAGRAMS) {
        report({ type: 'dropped', from, size: data.length, queued: this.queue.length });
        return;
      }
      this.queue.push({ data, from });
      this.arrivedBytes += data.length;
      this.wake();
    });
    socket.once('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** The next datagram, whole; waits for one; undefined once the socket is closed. */
  async next(): Promise<{ data: Buffer; from: string } | undefined> {
    while (this.queue.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const datagram = this.queue.shift();
    this.consumedBytes += datagram?.data.length ?? 0;
    return datagram;
  }

  async whenArrived(bytes: number): Promise<boolean> {
    while (this.arrivedBytes < bytes) {
      if (this.closed) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return true;
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
