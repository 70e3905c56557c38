// The smallest TCP server, in the six steps of seed 000 (a BSD socket server in Python):
//   1. socket()  2. bind()  3. listen()      → net.createServer() + server.listen()
//   4. accept()                               → the 'connection' callback, one socket per client
//   5. send() / recv()                        → socket.write() / readOnce() (src/read-once.ts)
//   6. close()                                → socket.end(), a polite FIN (src/close.ts)
// Two orders of talking: `greet` (seed 000: the server speaks first, `byebye`, then reads
// one reply) and `ask` (seed 002: the client speaks first, the server answers and closes).
// Run: pnpm --filter tcp-basic start      Poke: nc 127.0.0.1 31500
import net from 'node:net';
import { formatPeer, previewBytes, watchFdLimit } from '@socket-lab/common';
import { CLOSE_GRACE_MS, closeClient } from './close.js';

import { ASK_READ_BYTES, GREET_READ_BYTES, type Mode, SERVER_MESSAGES } from './protocol.js';
import { readOnce } from './read-once.js';

/**
 * 30 s: a client that connects and then says nothing would otherwise hold the server
 * forever (the seed blocks in recv() with no limit). 0 turns the limit off.
 */
export const READ_TIMEOUT_MS = 30_000;

export interface BasicServerOptions {
  mode?: Mode;
  /** What the server sends; default SERVER_MESSAGES[mode]. */
  message?: string;
  readTimeoutMs?: number;
  /** How long a client has to close its side after ours; default CLOSE_GRACE_MS. */
  closeGraceMs?: number;
  log?: (line: string) => void;
}

/** A TCP server that has one short exchange with each client, then closes that connection. */
export function createBasicServer(opts: BasicServerOptions = {}): net.Server {
  const mode = opts.mode ?? 'greet';
  const message = opts.message ?? SERVER_MESSAGES[mode];
  const timeoutMs = opts.readTimeoutMs ?? READ_TIMEOUT_MS;
  const graceMs = opts.closeGraceMs ?? CLOSE_GRACE_MS;
  const log = opts.log ?? console.log;
  const server = net.createServer((socket) => {
    // Step 4 is done: accept() gave us a new socket for this one client, and the server
    // socket goes on listening for others. Its address is read now: once a socket is gone,
    // so is its address, and the log would say "unknown peer".
    const peer = formatPeer(socket);
    if (socket.remoteAddress === undefined) {
      log('a client reset the connection before it was accepted');
      socket.destroy();
      return;
    }
    log(`got connected from ${peer}`);
    // A reset or a failed write shows up here, once; the exchange below stops on it too.
    let failure: Error | undefined;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failure = err;
      log(
        `${peer}: ${err.code === 'ECONNRESET' ? 'the client reset the connection (RST)' : err.message}`,
      );
    });
    exchange(socket, { mode, message, timeoutMs, log })
      .catch((err: Error) => {
        if (err !== failure) log(`${peer}: ${err.message}`); // a timeout; a reset is logged
      })
      // Step 6: close. end() sends FIN after what we wrote; the client then has graceMs to
      // close its side before we stop waiting (src/close.ts).
      .finally(() => closeClient(socket, graceMs));
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  watchFdLimit(server, log, 'or accept fewer clients at once');
  return server;
}

/** What one exchange needs to know: who speaks first, what we say, how long we wait. */
interface Exchange {
  mode: Mode;
  message: string;
  timeoutMs: number;
  log: (line: string) => void;
}

// Step 5, in the order the mode says. Rejects on a reset or a read timeout.
async function exchange(socket: net.Socket, how: Exchange): Promise<void> {
  const { mode, message, timeoutMs, log } = how;
  if (mode === 'greet') socket.write(message);
  // One recv(), as the seeds do: whatever arrives first, at most 512 (or 1024) bytes.
  const read = await readOnce(
    socket,
    mode === 'greet' ? GREET_READ_BYTES : ASK_READ_BYTES,
    timeoutMs,
  );
  if (read.data === null) {
    // The client closed without a word. In ask mode there is nobody left to answer: a
    // write now would only fail ("This socket has been ended by the other party").
    log('(the client closed without sending anything)');
    return;
  }
  log(previewBytes(read.data, 200));
  if (read.dropped > 0) {
    log(
      `(${read.dropped} more bytes had arrived: one recv(${read.data.length}) does not take them)`,
    );
  }
  if (mode === 'ask') socket.write(message);
}
