// The smallest TCP server, in the six steps of seed 000 (a BSD socket server in Python):
//   1. socket()  2. bind()  3. listen()      → net.createServer() + server.listen()
//   4. accept()                               → the 'connection' callback, one socket per client
//   5. send() / recv()                        → socket.write() / the first 'data' chunk
//   6. close()                                → socket.end(), a polite FIN
// Two orders of talking: `greet` (seed 000: the server speaks first, `byebye`, then reads
// one reply) and `ask` (seed 002: the client speaks first, the server answers and closes).
// Run: pnpm --filter tcp-basic start      Poke: nc 127.0.0.1 31500
import net from 'node:net';
import { formatPeer, previewBytes } from '@socket-lab/common';

/** Who speaks first: the server (`greet`, seed 000) or the client (`ask`, seed 002). */
export type Mode = 'greet' | 'ask';

/** seed 000's `recv(512)`: the most one read takes. */
export const GREET_READ_BYTES = 512;
/** seed 002's `recv(1024)`. */
export const ASK_READ_BYTES = 1024;

/** What the server says when nobody chose: the seeds' words. */
export const SERVER_MESSAGES: Record<Mode, string> = {
  greet: 'byebye',
  ask: '不要回答,不要回答,不要回答',
};

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
  const log = opts.log ?? console.log;
  const server = net.createServer((socket) => {
    // Step 4 is done: accept() gave us a new socket for this one client, and the server
    // socket goes on listening for others.
    log(`got connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${formatPeer(socket)}: ${err.message}`));
    exchange(socket, mode, message, opts.readTimeoutMs ?? READ_TIMEOUT_MS, log).finally(() => {
      // Step 6: close. end() sends FIN after what we wrote; resume() reads and drops any
      // bytes we did not take, so the peer's FIN is seen and the socket is freed.
      socket.end();
      socket.resume();
    });
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  return server;
}

// Step 5, in the order the mode says.
async function exchange(
  socket: net.Socket,
  mode: Mode,
  message: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  try {
    if (mode === 'greet') socket.write(message);
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

/** One `recv(maxBytes)`: the first chunk to arrive, cut to maxBytes; null if the peer closed. */
export interface ReadResult {
  data: Buffer | null;
  /** Bytes of that chunk past maxBytes, which recv() would have left unread. */
  dropped: number;
}

/**
 * Reads once, like Python's `sock.recv(maxBytes)`: waits for whatever arrives first and
 * takes at most maxBytes of it. The socket is paused afterwards. Rejects on an error, or
 * when nothing comes within `timeoutMs` (0 waits forever).
 */
export function readOnce(
  socket: net.Socket,
  maxBytes: number,
  timeoutMs: number,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const done = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    const onData = (chunk: Buffer) => {
      socket.pause();
      done();
      resolve({ data: chunk.subarray(0, maxBytes), dropped: Math.max(0, chunk.length - maxBytes) });
    };
    const onEnd = () => {
      done();
      resolve({ data: null, dropped: 0 });
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onTimeout = () => {
      done();
      reject(new Error(`nothing received within ${timeoutMs / 1000} s`));
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    if (timeoutMs > 0) {
      socket.setTimeout(timeoutMs);
      socket.once('timeout', onTimeout);
    }
    socket.resume();
  });
}
