// The echo client of seed 001: read the greeting, then send each line and wait for its echo,
// until `exit`. What it adds to the seed is counting. TCP keeps no message boundaries, so an
// echo may come back in several reads (the seed's one recv(1024) would print half of a long
// line and find the rest in front of the next answer). We sent N bytes, so we wait for N.
// Run: pnpm --filter tcp-echo client      (with `pnpm --filter tcp-echo start` running)
import { once } from 'node:events';
import net from 'node:net';
import { describeNetError, FatalError, formatHostPort, previewBytes } from '@socket-lab/common';
import { EXIT_WORD } from './protocol.js';

/** 10 s to connect, to be greeted and to get each echo back, then give up with a message. */
export const CLIENT_TIMEOUT_MS = 10_000;

export interface EchoClientOptions {
  host: string;
  port: number;
  timeoutMs?: number;
}

/** One session with an echo server. Open it with `EchoConnection.open()`. */
export class EchoConnection {
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  private inbox: Buffer[] = [];
  private inboxBytes = 0;
  private waiter: (() => void) | null = null;
  private ended = false;
  private error: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly where: string,
    private readonly timeoutMs: number,
  ) {
    this.closed = once(socket, 'close').then(() => {});
    socket.on('data', (chunk: Buffer) => {
      this.inbox.push(chunk);
      this.inboxBytes += chunk.length;
      this.waiter?.();
    });
    // The server's FIN ('end'), or a reset ('error' then 'close'): no more bytes will come.
    const gone = () => {
      this.ended = true;
      this.waiter?.();
    };
    socket.on('end', gone);
    socket.on('close', gone);
    socket.on('error', (err) => {
      this.error = err; // reported by whichever wait was on
    });
  }

  /**
   * Connects and reads the greeting: the first read, as the seed's `recv(1024)`. Rejects
   * with a FatalError (one readable line) if that fails or takes longer than the timeout.
   */
  static async open(opts: EchoClientOptions): Promise<{ conn: EchoConnection; greeting: Buffer }> {
    const where = formatHostPort(opts.host, opts.port);
    const timeoutMs = opts.timeoutMs ?? CLIENT_TIMEOUT_MS;
    // noDelay: each message goes out at once, not held back by Nagle's algorithm.
    const socket = net.connect({ host: opts.host, port: opts.port, noDelay: true });
    socket.setTimeout(timeoutMs, () => socket.destroy(timedOut()));
    try {
      await once(socket, 'connect');
    } catch (err) {
      socket.destroy();
      throw new FatalError(describeNetError(err, { action: `connect to ${where}`, ...opts }));
    }
    socket.setTimeout(0);
    const conn = new EchoConnection(socket, where, timeoutMs);
    await conn.waitFor(() => conn.inboxBytes > 0, 'greeting');
    return { conn, greeting: conn.take(conn.inboxBytes) };
  }

  /** Sends `message` and resolves with exactly as many bytes once they have come back. */
  async echo(message: string | Buffer): Promise<Buffer> {
    const bytes = typeof message === 'string' ? Buffer.from(message) : message;
    this.socket.write(bytes);
    await this.waitFor(() => this.inboxBytes >= bytes.length, `${bytes.length}-byte echo`);
    return this.take(bytes.length);
  }

  /** Bytes that came without being asked for (a notice before the server closed). */
  unread(): Buffer {
    return this.take(this.inboxBytes);
  }

  /** Sends `exit`, closes our side, and waits (at most the timeout) for the server to close. */
  async exit(): Promise<void> {
    this.socket.end(EXIT_WORD);
    const timer = setTimeout(() => this.socket.destroy(), this.timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }

  /** Closes at once with a reset (RST), as the kernel does for a program that crashed. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  // Waits for `ready()` to hold after a read, failing if the server closes or goes quiet.
  private async waitFor(ready: () => boolean, what: string): Promise<void> {
    if (ready()) return;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${what} within ${this.timeoutMs / 1000} s`)),
          this.timeoutMs,
        );
        const check = () => {
          if (ready()) resolve();
          else if (this.ended) reject(new Error('closed'));
          else return;
          clearTimeout(timer);
          this.waiter = null;
        };
        this.waiter = check;
      });
    } catch (err) {
      const got = this.inboxBytes > 0 ? `: ${previewBytes(this.unread(), 120)}` : '';
      const why = (err as Error).message;
      const how =
        (this.error as NodeJS.ErrnoException | null)?.code === 'ECONNRESET' ? 'reset' : 'closed';
      throw new FatalError(
        why === 'closed'
          ? `${this.where}: the server ${how} the connection (waiting for the ${what})${got}`
          : `${this.where}: ${why}${got}`,
      );
    }
  }

  private take(count: number): Buffer {
    const all = this.inbox.length === 1 ? (this.inbox[0] as Buffer) : Buffer.concat(this.inbox);
    this.inbox = count < all.length ? [all.subarray(count)] : [];
    this.inboxBytes = all.length - count;
    return all.subarray(0, count);
  }
}

/**
 * The seed's client loop: print the greeting, then for each line send its text without the
 * newline (so that the seed servers' `data == b'exit'` matches) and print its echo. `exit`,
 * or the end of input, sends `exit` and waits for the server to close. Rejects with a
 * FatalError when the server closes first or stops answering.
 */
export async function runEchoClient(
  opts: EchoClientOptions,
  lines: AsyncIterable<string>,
  print: (line: string) => void = console.log,
): Promise<void> {
  const { conn, greeting } = await EchoConnection.open(opts);
  print(`connected to ${formatHostPort(opts.host, opts.port)}`);
  print(`greeting: ${previewBytes(greeting.subarray(0, lineLength(greeting)), 200)}`);
  // The server may close while we wait for the next line (idle timeout, shutdown).
  const serverGone = conn.closed.then(() => null);
  const input = lines[Symbol.asyncIterator]();
  while (true) {
    const next = await Promise.race([input.next(), serverGone]);
    if (next === null) {
      const notice = conn.unread();
      const said =
        notice.length > 0 ? `: ${previewBytes(notice.subarray(0, lineLength(notice)), 200)}` : '';
      throw new FatalError(`the server closed the connection${said}`);
    }
    if (next.done || next.value === EXIT_WORD) break;
    if (next.value === '') continue; // nothing to send, and nothing would come back
    print(echoLine(next.value, await conn.echo(next.value)));
  }
  void input.return?.(); // stop reading input (not awaited: it may be waiting on a TTY)
  await conn.exit();
  print('bye');
}

/** A line for an echo: the text when it matches what was sent, escaped bytes when not. */
export function echoLine(sent: string, echo: Buffer): string {
  return echo.equals(Buffer.from(sent))
    ? `echo: ${sent}`
    : `echo differs from what was sent: ${previewBytes(echo, 200)}`;
}

/** The length of `bytes` without one trailing `\n` or `\r\n`. */
function lineLength(bytes: Buffer): number {
  let n = bytes.length;
  if (bytes[n - 1] === 0x0a) n -= 1;
  if (bytes[n - 1] === 0x0d) n -= 1;
  return n;
}

function timedOut(): NodeJS.ErrnoException {
  return Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
}
