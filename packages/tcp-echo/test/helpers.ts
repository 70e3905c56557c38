// Small helpers for this package's tests: a server on port 0 whose log lines a test can wait
// for (common's Recorder), raw sockets read through common's SocketReader, and payloads.
import { once } from 'node:events';
import type net from 'node:net';
import { connectTcp, SocketReader } from '@socket-lab/common';
import { Recorder } from '@socket-lab/common/testing';
import { createEchoServer, type EchoServer, type EchoServerOptions } from '../src/server.js';

export const HOST = '127.0.0.1';
/** How long a helper waits for bytes or an event before failing the test. */
export const WAIT_MS = 15_000;

/** An echo server on 127.0.0.1 (or `host`), port 0, logging into a Recorder. */
export async function startEcho(
  opts: EchoServerOptions = {},
  host = HOST,
): Promise<{ server: EchoServer; port: number; log: Recorder }> {
  const log = new Recorder();
  const server = createEchoServer({ ...opts, log: log.push });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, log };
}

/**
 * A connected raw socket, with its bytes kept as they arrive until the test reads them.
 * `allowHalfOpen`: our side stays open after the server's FIN, as a peer that never closes.
 */
export async function rawConnect(
  port: number,
  host = HOST,
  allowHalfOpen = false,
): Promise<RawClient> {
  const socket = await connectTcp({ host, port, noDelay: true, allowHalfOpen });
  return new RawClient(socket);
}

/**
 * A peer that sends as fast as the kernel takes its bytes, and never reads: writes 64 KiB
 * again at each 'drain' until the socket is gone.
 */
export function flood(socket: net.Socket): void {
  const chunk = Buffer.alloc(64 * 1024, 'y');
  socket.on('error', () => {});
  socket.pause();
  const push = () => {
    while (!socket.destroyed && socket.write(chunk)) {}
  };
  socket.on('drain', push);
  push();
}

/** Resolves when `socket` has closed (or at once if it has), whether an error came first or not. */
export function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A peer that sends one byte every `everyMs` until the socket is gone (it never goes quiet). */
export function trickle(socket: net.Socket, everyMs = 20): void {
  const timer = setInterval(() => socket.write('y'), everyMs);
  socket.once('close', () => clearInterval(timer));
}

export class RawClient {
  private readonly reader: SocketReader;

  constructor(readonly socket: net.Socket) {
    this.reader = new SocketReader(socket);
    socket.on('error', () => {}); // a reset ends the stream; the reads say so
  }

  /** Resolves with the next `count` bytes received, waiting for them. */
  async read(count: number): Promise<Buffer> {
    const what = `${count} bytes (have ${this.reader.bufferedBytes}, ended: ${this.reader.ended})`;
    const bytes = await withDeadline(this.reader.readExactly(count), what);
    if (!bytes) throw new Error(`the stream ended before ${what}`);
    return bytes;
  }

  /** Resolves with everything received until the server closed its side. */
  async readToEnd(): Promise<Buffer> {
    const pieces: Buffer[] = [];
    const drain = async () => {
      for (;;) {
        const piece = await this.reader.read(Number.POSITIVE_INFINITY); // one whole chunk
        if (!piece) return; // the end of the stream (FIN, or a reset)
        pieces.push(piece);
      }
    };
    await withDeadline(drain(), 'the end of the stream');
    return Buffer.concat(pieces);
  }
}

/** Rejects with "timed out waiting for <what>" if `promise` takes longer than WAIT_MS. */
export async function withDeadline<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Random bytes with no `e`, so that no read can ever spell `exit`. */
export function payload(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const byte = (x >>> 0) & 0xff;
    out[i] = byte === 0x65 ? 0x45 : byte;
  }
  return out;
}
