// The UDP half of seed 003 (and seed 002's "UDP never sticks" on 8989): the same seven
// messages, each sent as one datagram. UDP keeps message boundaries: one sendto() is one
// datagram is one recvfrom(), however long the receiver sleeps. The price is the other
// way round: a datagram longer than the buffer is cut, and Python's recvfrom(1024) on
// Linux drops the rest without a word. Node always hands us the whole datagram, so the
// receiver shows what a 1024-byte buffer would keep.
// Run: pnpm --filter sticky-packets start --udp    Poke: nc -u 127.0.0.1 6666
import dgram from 'node:dgram';
import { describeNetError, FatalError, formatHostPort, resolveFamily } from '@socket-lab/common';
import { bytesLabel, counted, withPreview } from './format.js';
import { type BeforeRead, type BeforeWrite, randomGap, randomPause } from './pacing.js';
import type { ReadProgress } from './receive-buffer.js';
import { DEFAULT_DELAY_MS, RECV_BYTES } from './receiver.js';
import { DEFAULT_GAP_MS, type SenderEvent } from './sender.js';

/**
 * 256 datagrams wait for a slow reader at most; past that they are dropped, as a full
 * kernel buffer drops them (Linux's default buffer holds a few hundred small ones).
 */
export const MAX_QUEUED_DATAGRAMS = 256;

export type DatagramEvent =
  /** `size`: the whole datagram; `kept`: what recvfrom(readBytes) would return. */
  | { type: 'datagram'; index: number; from: string; size: number; kept: Buffer }
  | { type: 'dropped'; from: string; size: number };

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

export interface DatagramSenderOptions {
  host: string;
  port: number;
  messages: Iterable<Buffer> | AsyncIterable<Buffer>;
  gapMs?: number;
  beforeWrite?: BeforeWrite;
  report?: (event: SenderEvent) => void;
}

/**
 * Sends each message as one datagram (no connection, no framing: the datagram is the
 * frame). Resolves with the count; rejects with a FatalError if a send fails. Nobody
 * listening is not a failure: UDP does not know.
 */
export async function sendDatagrams(
  opts: DatagramSenderOptions,
): Promise<{ datagrams: number; bytes: number }> {
  const report = opts.report ?? ((event) => console.log(formatSendtoEvent(event)));
  const beforeWrite = opts.beforeWrite ?? randomGap(opts.gapMs ?? DEFAULT_GAP_MS);
  const to = formatHostPort(opts.host, opts.port);
  const family = await resolveFamily(opts.host, `send to ${to}`);
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  socket.on('error', () => {}); // send errors come back through send()'s callback
  report({ type: 'connected', to });
  let datagrams = 0;
  let bytes = 0;
  try {
    for await (const payload of opts.messages) {
      await beforeWrite(datagrams);
      await new Promise<void>((resolve, reject) =>
        socket.send(payload, opts.port, opts.host, (err) => (err ? reject(err) : resolve())),
      );
      datagrams += 1;
      bytes += payload.length;
      report({ type: 'write', index: datagrams, payload, wireBytes: payload.length });
    }
  } catch (err) {
    throw new FatalError(
      describeNetError(err, { action: `send to ${to}`, host: opts.host, port: opts.port }),
    );
  } finally {
    socket.close();
  }
  report({ type: 'done', writes: datagrams, bytes });
  return { datagrams, bytes };
}

/** The line the CLI prints for a datagram sent. */
export function formatSendtoEvent(event: SenderEvent): string {
  switch (event.type) {
    case 'connected':
      return `sending to ${event.to} (no connection: each sendto() names the address)`;
    case 'write':
      return withPreview(
        `sendto ${event.index}: ${bytesLabel(event.payload.length)}`,
        event.payload,
      );
    case 'done':
      return `sent ${counted(event.writes, 'datagram')}, ${bytesLabel(event.bytes)}`;
  }
}

/** The line the CLI prints for an event. */
export function formatDatagramEvent(event: DatagramEvent): string {
  if (event.type === 'dropped') {
    return `dropped a ${bytesLabel(event.size)} datagram from ${event.from}: ${MAX_QUEUED_DATAGRAMS} already waiting`;
  }
  const { index, from, size, kept } = event;
  const cut =
    kept.length < size
      ? `; recvfrom(${kept.length}) keeps ${kept.length}, drops ${size - kept.length}`
      : '';
  return withPreview(`datagram ${index} from ${from}: ${bytesLabel(size)}${cut}`, kept);
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
        report({ type: 'dropped', from, size: data.length });
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
