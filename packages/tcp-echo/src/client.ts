// The echo client of seed 001: read the greeting, then send each line and wait for its echo,
// until `exit`. What it adds to the seed is counting. TCP keeps no message boundaries, so an
// echo may come back in several reads (the seed's one recv(1024) would print half of a long
// line and find the rest in front of the next answer). We sent N bytes, so we wait for N.
// Run: pnpm --filter tcp-echo client      (with `pnpm --filter tcp-echo start` running)
import { once } from 'node:events';
import type net from 'node:net';
import {
  connectTcp,
  FatalError,
  formatHostPort,
  previewBytes,
  SocketReader,
} from '@socket-lab/common';
import { EXIT_WORD } from './protocol.js';

/** 10 s to connect, to be greeted and to get each echo back, then give up with a message. */
export const CLIENT_TIMEOUT_MS = 10_000;

export interface EchoClientOptions {
  host: string;
  port: number;
  timeoutMs?: number;
  /** Called once connected, before the greeting: a server may accept and not answer yet. */
  onConnected?: () => void;
}

/** One session with an echo server. Open it with `EchoConnection.open()`. */
export class EchoConnection {
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  /** What has arrived and not been read yet: an echo may come in any number of pieces. */
  private readonly reader: SocketReader;

  private constructor(
    private readonly socket: net.Socket,
    private readonly where: string,
    private readonly timeoutMs: number,
  ) {
    this.closed = once(socket, 'close').then(() => {});
    this.reader = new SocketReader(socket);
    // A reset shows up here first; the reader keeps it (`failure`), and whichever wait is on
    // reports it. Without a listener the error would be thrown and end the program.
    socket.on('error', () => {});
  }

  /**
   * Connects and reads the greeting: the first read, as the seed's `recv(1024)`. Rejects
   * with a FatalError (one readable line) if that fails or takes longer than the timeout.
   */
  static async open(opts: EchoClientOptions): Promise<{ conn: EchoConnection; greeting: Buffer }> {
    const timeoutMs = opts.timeoutMs ?? CLIENT_TIMEOUT_MS;
    // noDelay: each message goes out at once, not held back by Nagle's algorithm.
    const socket = await connectTcp({ host: opts.host, port: opts.port, timeoutMs, noDelay: true });
    const conn = new EchoConnection(socket, formatHostPort(opts.host, opts.port), timeoutMs);
    opts.onConnected?.();
    // The greeting is the first chunk that arrives, whole, whatever its size.
    const greeting = await conn.receive('greeting', [], () =>
      conn.reader.read(Number.POSITIVE_INFINITY),
    );
    return { conn, greeting };
  }

  /** Sends `message` and resolves with exactly as many bytes once they have come back. */
  async echo(message: string | Buffer): Promise<Buffer> {
    const bytes = typeof message === 'string' ? Buffer.from(message) : message;
    this.socket.write(bytes);
    // We sent N bytes, so the echo is complete when N bytes are back, in however many reads.
    const pieces: Buffer[] = [];
    return this.receive(`${bytes.length}-byte echo`, pieces, async () => {
      for (let got = 0; got < bytes.length; ) {
        const piece = await this.reader.read(bytes.length - got);
        if (!piece) return null;
        pieces.push(piece);
        got += piece.length;
      }
      return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
    });
  }

  /** Bytes that came without being asked for (a notice before the server closed). */
  async unread(): Promise<Buffer> {
    const waiting = this.reader.bufferedBytes;
    if (waiting === 0) return Buffer.alloc(0); // recv() would wait for more
    return (await this.reader.recv(waiting)) ?? Buffer.alloc(0);
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

  // Runs `read` (null: the stream ended first) against the timeout. A close or a silence
  // becomes a FatalError that says what we were waiting for and shows what had come:
  // `taken` (what `read` already took) and anything still unread.
  private async receive(
    what: string,
    taken: Buffer[],
    read: () => Promise<Buffer | null>,
  ): Promise<Buffer> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([read(), silence]).finally(() => clearTimeout(timer));
    if (outcome instanceof Buffer) return outcome;
    const came = Buffer.concat([...taken, await this.unread()]);
    const got = came.length > 0 ? `: ${previewBytes(came, 120)}` : '';
    if (outcome === 'timeout') {
      // Connected and not greeted: the seed's first server (and --one-at-a-time) greets the
      // next client only when the one before it has left.
      const hint =
        what === 'greeting' ? ' (is it serving another client first? --timeout waits longer)' : '';
      throw new FatalError(
        `${this.where}: no ${what} within ${this.timeoutMs / 1000} s${got}${hint}`,
      );
    }
    const reset = (this.reader.failure as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET';
    throw new FatalError(
      `${this.where}: the server ${reset ? 'reset' : 'closed'} the connection (waiting for the ${what})${got}`,
    );
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
  const where = formatHostPort(opts.host, opts.port);
  const { conn, greeting } = await EchoConnection.open({
    ...opts,
    onConnected: () => print(`connected to ${where}`),
  });
  print(`greeting: ${previewBytes(greeting.subarray(0, lineLength(greeting)), 200)}`);
  // The server may close while we wait for the next line (idle timeout, shutdown).
  const serverGone = conn.closed.then(() => null);
  const input = lines[Symbol.asyncIterator]();
  while (true) {
    const next = await Promise.race([input.next(), serverGone]);
    if (next === null) {
      const notice = await conn.unread();
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
