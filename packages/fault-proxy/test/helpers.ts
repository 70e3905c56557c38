// Shared by this package's tests: fault settings with a few turned on, peers for the proxy to
// forward to (a TCP echo, a TCP server that records each read, a UDP sink that records each
// datagram, a UDP echo), a proxy started in-process with its events recorded, and cleanup of
// all of it after each test.
import dgram from 'node:dgram';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { CLI_WAIT_MS, Recorder } from '@socket-lab/common/testing';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from '../src/fault-proxy.js';
import { type Faults, NO_FAULTS } from '../src/faults.js';
import type { ProxyEvent } from '../src/trace.js';

export const HOST = '127.0.0.1';

/** Every fault off but the ones in `f`. */
export function faults(f: Partial<Faults>): Faults {
  return { ...NO_FAULTS, ...f };
}

const cleanups: (() => unknown)[] = [];

/** Closes everything the helpers opened (call it in afterEach). */
export async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Runs `fn` at cleanup. */
export function onCleanUp(fn: () => unknown): void {
  cleanups.push(fn);
}

/**
 * A list that grows, and a way to wait until a condition on it (or on anything) holds. Like
 * common's Recorder, but each new entry checks each waiter's condition once, not the whole
 * list again: these tests record thousands of events.
 */
export class Watched<T> {
  readonly entries: T[] = [];
  private waiters: { holds: () => boolean; resolve: () => void }[] = [];

  readonly push = (entry: T): void => {
    this.entries.push(entry);
    this.waiters = this.waiters.filter((w) => {
      if (!w.holds()) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once `holds()` is true, checked now and after each new entry. */
  async until(holds: () => boolean, what = 'a condition'): Promise<void> {
    if (holds()) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ holds, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `${what} did not hold within ${CLI_WAIT_MS} ms (${this.entries.length} entries)`,
                ),
              ),
            CLI_WAIT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once there are at least `n` entries. */
  count(n: number): Promise<void> {
    return this.until(() => this.entries.length >= n, `${n} entries`);
  }
}

/** A proxy in this process, its events and log lines recorded, closed after the test. */
export async function startProxy(
  opts: FaultProxyOptions,
): Promise<{ proxy: FaultProxy; events: Watched<ProxyEvent>; log: Recorder }> {
  const events = new Watched<ProxyEvent>();
  const log = new Recorder();
  const proxy = await startFaultProxy({
    seed: 1,
    log: log.push,
    onEvent: events.push,
    ...opts,
  });
  cleanups.push(() => proxy.close());
  return { proxy, events, log };
}

/** A TCP server on port 0; `onSocket` gets each connection. Closed (and its sockets) after. */
export async function tcpServer(
  onSocket: (socket: net.Socket) => void,
  host = HOST,
): Promise<{ server: net.Server; port: number; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, host);
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

/** A TCP echo server: every byte back, FIN answered with FIN. */
export function tcpEcho(host = HOST) {
  return tcpServer((socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  }, host);
}

/** What a recording server saw on one connection. */
export interface Received {
  reads: Buffer[];
  /** Resolves once at least `n` bytes have arrived. */
  arrived(n: number): Promise<void>;
  /** Resolves when the connection ends: how, and every byte that came. */
  ended: Promise<{ how: 'end' | 'reset' | 'error'; bytes: Buffer }>;
}

/**
 * A TCP server that records each read of each connection. `connections` gets a Received for
 * each, in order. It writes one byte, `.`, when its client's stream ends, to tell a FIN from
 * a RST: when a RST arrives together with the last bytes, libuv reports an end of stream
 * (POLLHUP after a short read) where Python's recv() would raise ECONNRESET. The kernel
 * knows better, and fails the next write with ECONNRESET.
 */
export async function recordingServer(host = HOST) {
  const connections = new Recorder<Received>();
  const started = await tcpServer((socket) => {
    const reads = new Watched<Buffer>();
    let total = 0;
    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      reads.push(chunk);
    });
    const ended = new Promise<{ how: 'end' | 'reset' | 'error'; bytes: Buffer }>((resolve) => {
      socket.on('end', () => {
        socket.write('.', (err) => {
          const how =
            (err as NodeJS.ErrnoException | null)?.code === 'ECONNRESET' ? 'reset' : 'end';
          resolve({ how, bytes: Buffer.concat(reads.entries) });
          if (!err) socket.end();
        });
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        const how = err.code === 'ECONNRESET' ? 'reset' : 'error';
        resolve({ how, bytes: Buffer.concat(reads.entries) });
      });
    });
    const arrived = (n: number) => reads.until(() => total >= n, `${n} bytes at the server`);
    connections.push({ reads: reads.entries, arrived, ended });
  }, host);
  return { ...started, connections };
}

/**
 * Connects to `port` and resolves once connected; destroyed after the test. Its errors are
 * the test's to look for (`once(socket, 'error')`): one that nobody waits for is ignored.
 */
export async function connect(port: number, host = HOST): Promise<net.Socket> {
  const socket = net.connect({ port, host, noDelay: true });
  socket.on('error', () => {});
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** Resolves with exactly `n` bytes read from `socket` (the reads are recorded in `reads`). */
export function readBytes(socket: net.Socket, n: number, reads: Buffer[] = []): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (chunk: Buffer) => {
      reads.push(chunk);
      got += chunk.length;
      if (got >= n) {
        socket.off('data', onData);
        socket.off('error', reject);
        socket.pause();
        resolve(Buffer.concat(reads));
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.resume();
  });
}

/** A UDP socket bound to port 0, closed after the test. */
export async function udpSocket(host = HOST): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

/** A UDP server that records every datagram it gets, in order; `echo` sends each back. */
export async function udpPeer(opts: { echo?: boolean } = {}, host = HOST) {
  const socket = await udpSocket(host);
  const datagrams = new Watched<{ data: Buffer; from: string }>();
  socket.on('message', (data, rinfo) => {
    datagrams.push({ data, from: `${rinfo.address}:${rinfo.port}` });
    if (opts.echo) socket.send(data, rinfo.port, rinfo.address);
  });
  return { socket, port: socket.address().port, datagrams };
}

/**
 * Sends datagrams `first`..`last` (each its number as text, padded to `size` bytes) from
 * `client` through the proxy to `sink`, in batches that the kernel's buffers hold, waiting
 * after each batch until the proxy has decided them all and the sink has received what the
 * proxy sent: a fast loop would lose datagrams in the kernel (a full receive buffer drops
 * them, silently), and the counts would measure the machine, not the proxy.
 */
export async function sendNumbered(
  client: dgram.Socket,
  proxy: FaultProxy,
  events: Watched<ProxyEvent>,
  sink: { datagrams: Pick<Watched<unknown>, 'entries' | 'until'> },
  first: number,
  last: number,
  size = 64,
): Promise<void> {
  const BATCH = 40;
  const c = proxy.counters['client→server'];
  const base = c.received;
  for (let start = first; start <= last; start += BATCH) {
    const end = Math.min(last, start + BATCH - 1);
    for (let i = start; i <= end; i++) client.send(numbered(i, size), proxy.port, HOST);
    const sent = end - first + 1;
    await events.until(() => c.received >= base + sent, `datagram ${end} at the proxy`);
    await sink.datagrams.until(
      () => sink.datagrams.entries.length >= c.bytes / size,
      `datagrams up to ${end} at the sink`,
    );
  }
}

/** Datagram `i`: its number, then spaces up to `size` bytes. */
export function numbered(i: number, size = 64): Buffer {
  return Buffer.from(String(i).padEnd(size, ' '));
}

/** The number a datagram from `numbered` carries. */
export function numberOf(data: Buffer): number {
  return Number(data.toString().trim());
}
