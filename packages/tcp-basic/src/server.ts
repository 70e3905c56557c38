// The smallest TCP server, in the six steps of seed 000 (a BSD socket server in Python):
//   1. socket()  2. bind()  3. listen()      → net.createServer() + server.listen()
//   4. accept()                               → the 'connection' callback, one socket per client
//   5. send() / recv()                        → socket.write() / readOnce() (src/read-once.ts)
//   6. close()                                → socket.end(), a polite FIN
// Two orders of talking: `greet` (seed 000: the server speaks first, `byebye`, then reads
// one reply) and `ask` (seed 002: the client speaks first, the server answers and closes).
// Run: pnpm --filter tcp-basic start      Poke: nc 127.0.0.1 31500
import net from 'node:net';
import { formatPeer, previewBytes } from '@socket-lab/common';
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
  log?: (line: string) => void;
}

/** A TCP server that has one short exchange with each client, then closes that connection. */
export function createBasicServer(opts: BasicServerOptions = {}): net.Server {
  const mode = opts.mode ?? 'greet';
  const message = opts.message ?? SERVER_MESSAGES[mode];
  const timeoutMs = opts.readTimeoutMs ?? READ_TIMEOUT_MS;
  const log = opts.log ?? console.log;
  const server = net.createServer((socket) => {
    // Step 4 is done: accept() gave us a new socket for this one client, and the server
    // socket goes on listening for others.
    log(`got connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${formatPeer(socket)}: ${err.message}`));
    exchange(socket, { mode, message, timeoutMs, log }).finally(() => {
      // Step 6: close. end() sends FIN after what we wrote; resume() reads and drops any
      // bytes we did not take, so the peer's FIN is seen and the socket is freed.
      socket.end();
      socket.resume();
    });
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  return server;
}

/** What one exchange needs to know: who speaks first, what we say, how long we wait. */
interface Exchange {
  mode: Mode;
  message: string;
  timeoutMs: number;
  log: (line: string) => void;
}

// Step 5, in the order the mode says.
async function exchange(socket: net.Socket, how: Exchange): Promise<void> {
  const { mode, message, timeoutMs, log } = how;
  try {
    if (mode === 'greet') socket.write(message);
    // One recv(), as the seeds do: whatever arrives first, at most 512 (or 1024) bytes.
    const read = await readOnce(
      socket,
      mode === 'greet' ? GREET_READ_BYTES : ASK_READ_BYTES,
      timeoutMs,
    );
    if (read.data === null) {
      log('(the client closed without sending anything)');
    } else {
      log(previewBytes(read.data, 200));
      if (read.dropped > 0) {
        log(
          `(${read.dropped} more bytes had arrived: one recv(${read.data.length}) does not take them)`,
        );
      }
    }
    if (mode === 'ask') socket.write(message);
  } catch (err) {
    log(`${formatPeer(socket)}: ${(err as Error).message}`);
  }
}
