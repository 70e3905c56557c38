// The smallest TCP client, in the four steps of seed 000:
//   1. socket()  2. connect()    → connectTcp() (common: net.connect() with a time limit)
//   3. send() / recv()           → socket.end(message) / readOnce() (src/read-once.ts)
//   4. close()                   → socket.end()
// In `greet` mode the server speaks first (seed 000); in `ask` mode we do (seed 002).
// Run: pnpm --filter tcp-basic client      (with `pnpm --filter tcp-basic start` running)
import { once } from 'node:events';
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

/**
 * One exchange on a new connection. Resolves with the bytes the server sent; rejects with
 * a FatalError (one readable line) if the connection fails, times out, or the server
 * closes without saying anything.
 */
export async function exchangeOnce(opts: BasicClientOptions): Promise<Buffer> {
  const mode = opts.mode ?? 'greet';
  const message = opts.message ?? CLIENT_MESSAGES[mode];
  const timeoutMs = opts.timeoutMs ?? CLIENT_TIMEOUT_MS;
  const where = formatHostPort(opts.host, opts.port);

  // Steps 1 and 2: create the socket and connect (the three-way handshake). A failure is
  // one line already: `cannot connect to 127.0.0.1:31500: connection refused (…)`.
  const socket = await connectTcp({ host: opts.host, port: opts.port, timeoutMs });
  // Each step below listens for 'error' and reports it. This listener is the floor under
  // them: an error between two steps is never thrown, so it cannot end the program.
  socket.on('error', () => {});

  try {
    // Step 3, in the mode's order.
    if (mode === 'greet') {
      const read = await readOnce(socket, GREET_READ_BYTES, timeoutMs);
      if (read.data === null)
        throw new Error('the server closed the connection without sending anything');
      socket.end(message); // send, then FIN: we have nothing more to say (step 4)
      await once(socket, 'finish'); // our bytes are with the kernel before we close
      return read.data;
    }
    socket.end(message);
    // The server answers and closes, so its whole answer is everything until EOF. (One
    // recv(1024), as the seed does, is enough only while the answer fits and arrives at once.)
    const answer = await readToEnd(socket, timeoutMs);
    if (answer.length === 0) throw new Error('the server closed the connection without answering');
    return answer;
  } catch (err) {
    const why =
      err instanceof Error && /nothing received/.test(err.message)
        ? `${err.message} (does the server use the same --mode?)`
        : describeNetError(err, { action: `talk to ${where}`, ...opts }).replace(
            /^cannot talk to \S+: /,
            '',
          );
    throw new FatalError(`${where}: ${why}`);
  } finally {
    socket.destroy();
  }
}

/** The line the seed prints for what it received. */
export function receivedLine(data: Buffer): string {
  return `the data received is ${previewBytes(data, 200)}`;
}

async function readToEnd(socket: net.Socket, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.setTimeout(timeoutMs, () =>
    socket.destroy(new Error(`nothing received within ${timeoutMs / 1000} s`)),
  );
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
