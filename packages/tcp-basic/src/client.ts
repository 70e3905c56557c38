// The smallest TCP client, in the four steps of seed 000:
//   1. socket()  2. connect()    → connectTcp() (common: net.connect() with a time limit)
//   3. send() / recv()           → socket.write(message) / readOnce() (src/read-once.ts)
//   4. close()                   → socket.end()
// In `greet` mode the server speaks first (seed 000); in `ask` mode we do (seed 002). Step 4
// waits until the caller says so: seed 000's two-socket test keeps its first socket open
// while it talks on the second.
// Run: pnpm --filter tcp-basic client      (with `pnpm --filter tcp-basic start` running)
import type net from 'node:net';
import {
  connectTcp,
  describeNetError,
  FatalError,
  formatHostPort,
  previewBytes,
} from '@socket-lab/common';
import { CLIENT_MESSAGES, GREET_READ_BYTES, type Mode } from './protocol.js';
import { readOnce } from './read-once.js';

/** 10 s to connect and to hear back, then give up with a clear message. */
export const CLIENT_TIMEOUT_MS = 10_000;

export interface BasicClientOptions {
  host: string;
  port: number;
  mode?: Mode;
  message?: string;
  timeoutMs?: number;
}

/** Steps 1 to 3 done, the socket still open: what the server sent, and step 4 to come. */
export interface OpenExchange {
  data: Buffer;
  /** Step 4: FIN, then wait (at most the timeout) for the server's side to close too. */
  close(): Promise<void>;
}

/**
 * One exchange on a new connection, which stays open until `close()`. Rejects with a
 * FatalError (one readable line) if the connection fails, times out, or the server closes
 * without saying anything; the socket is closed then.
 */
export async function openExchange(opts: BasicClientOptions): Promise<OpenExchange> {
  const mode = opts.mode ?? 'greet';
  const message = opts.message ?? CLIENT_MESSAGES[mode];
  const timeoutMs = opts.timeoutMs ?? CLIENT_TIMEOUT_MS;
  const where = formatHostPort(opts.host, opts.port);

  // Steps 1 and 2: create the socket and connect (the three-way handshake). A failure is
  // one line already: `cannot connect to 127.0.0.1:31500: connection refused (…)`.
  // allowHalfOpen: our side stays open after the server's FIN until we close it, as a
  // Python socket does until close().
  const socket = await connectTcp({
    host: opts.host,
    port: opts.port,
    timeoutMs,
    allowHalfOpen: true,
  });
  // Each step below listens for 'error' and reports it. This listener is the floor under
  // them: an error between two steps is never thrown, so it cannot end the program.
  socket.on('error', () => {});

  try {
    // Step 3, in the mode's order.
    let data: Buffer;
    if (mode === 'greet') {
      const read = await readOnce(socket, GREET_READ_BYTES, timeoutMs);
      if (read.data === null)
        throw new Error('the server closed the connection without sending anything');
      data = read.data;
      await write(socket, message);
    } else {
      await write(socket, message);
      // The server answers and closes, so its whole answer is everything until EOF. (One
      // recv(1024), as the seed does, is enough only while the answer fits and arrives at once.)
      data = await readToEnd(socket, timeoutMs);
      if (data.length === 0) throw new Error('the server closed the connection without answering');
    }
    return { data, close: () => close(socket, timeoutMs) };
  } catch (err) {
    socket.destroy();
    const why =
      err instanceof Error && /nothing received/.test(err.message)
        ? `${err.message} (does the server use the same --mode?)`
        : describeNetError(err, { action: `talk to ${where}`, ...opts }).replace(
            /^cannot talk to \S+: /,
            '',
          );
    throw new FatalError(`${where}: ${why}`);
  }
}

/** One exchange on a new connection, closed before it resolves with what the server sent. */
export async function exchangeOnce(opts: BasicClientOptions): Promise<Buffer> {
  const exchange = await openExchange(opts);
  await exchange.close();
  return exchange.data;
}

/** The line the seed prints for what it received. */
export function receivedLine(data: Buffer): string {
  return `the data received is ${previewBytes(data, 200)}`;
}

/** Resolves once `text` is with the kernel (the seed's send() returning). */
function write(socket: net.Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(text, (err) => (err ? reject(err) : resolve())),
  );
}

async function readToEnd(socket: net.Socket, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.setTimeout(timeoutMs, () =>
    socket.destroy(new Error(`nothing received within ${timeoutMs / 1000} s`)),
  );
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  socket.setTimeout(0);
  return Buffer.concat(chunks);
}

// Step 4: our FIN, then the server's. A server that never closes its side is not waited
// for longer than the timeout.
async function close(socket: net.Socket, timeoutMs: number): Promise<void> {
  if (socket.destroyed) return;
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.end();
  socket.resume(); // read and drop whatever is left, so that the server's FIN is seen
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  await closed;
  clearTimeout(timer);
}
