// Small helpers for this package's tests: a server on port 0 whose log lines a test can wait
// for, raw sockets, and reading an exact number of bytes.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { createEchoServer, type EchoServer, type EchoServerOptions } from '../src/server.js';

export const HOST = '127.0.0.1';
/** How long a helper waits for a log line or bytes before failing the test. */
export const WAIT_MS = 15_000;

/** Log lines as they come, with a way to wait for one. */
export class LogLines {
  readonly lines: string[] = [];
  private waiting: { re: RegExp; count: number; resolve: () => void }[] = [];

  readonly push = (line: string): void => {
    this.lines.push(line);
    this.waiting = this.waiting.filter((w) => {
      if (this.count(w.re) < w.count) return true;
      w.resolve();
      return false;
    });
  };

  count(re: RegExp): number {
    return this.lines.filter((line) => re.test(line)).length;
  }

  /** Resolves once `count` lines match `re`; fails the test after WAIT_MS. */
  async waitFor(re: RegExp, count = 1): Promise<void> {
    if (this.count(re) >= count) return;
    await withDeadline(
      new Promise<void>((resolve) => this.waiting.push({ re, count, resolve })),
      `${count} log line(s) matching ${re}; got:\n${this.lines.join('\n')}`,
    );
  }
}

/** An echo server on 127.0.0.1 (or `host`), port 0, logging into a LogLines. */
export async function startEcho(
  opts: EchoServerOptions = {},
  host = HOST,
): Promise<{ server: EchoServer; port: number; log: LogLines }> {
  const log = new LogLines();
  const server = createEchoServer({ ...opts, log: log.push });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, log };
}

/** A connected raw socket, with its bytes collected as they arrive. */
export async function rawConnect(port: number, host = HOST): Promise<RawClient> {
  const socket = net.connect({ port, host, noDelay: true });
  const client = new RawClient(socket);
  await once(socket, 'connect');
  return client;
}

export class RawClient {
  received = Buffer.alloc(0);
  ended = false;
  private wake: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  /** Resolves with the first `count` bytes received (waiting for them), and drops them. */
  async read(count: number): Promise<Buffer> {
    await this.until(() => this.received.length >= count, `${count} bytes`);
    const out = this.received.subarray(0, count);
    this.received = this.received.subarray(count);
    return out;
  }

  /** Resolves with everything received until the server closed its side. */
  async readToEnd(): Promise<Buffer> {
    await this.until(() => this.ended, 'the end of the stream');
    const out = this.received;
    this.received = Buffer.alloc(0);
    return out;
  }

  private async until(ready: () => boolean, what: string): Promise<void> {
    if (ready()) return;
    await withDeadline(
      new Promise<void>((resolve) => {
        this.wake = () => {
          if (ready()) resolve();
        };
      }),
      `${what} (have ${this.received.length} bytes, ended: ${this.ended})`,
    );
    this.wake = null;
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
