// The receiver of seed 001, done right. The seed appends every recv(1024) to `file` and stops
// when one read is exactly `quit`: it cannot tell where a file ends, whether it arrived whole,
// or keep a name from escaping its folder. Here each file is offered first (name, size, hash),
// checked before a byte is written, streamed into a hidden partial file, verified against the
// sender's digest, and only then renamed into place (the steps are in receive-file.ts). Node
// serves every sender on one thread, through its event loop.
// Run: pnpm --filter file-transfer start      Then: pnpm --filter file-transfer client FILE

import net from 'node:net';
import { formatPeer } from '@socket-lab/common';
import { partialName } from './names.js';
import { checkPreamble, encodeMessage, encodePreamble, PREAMBLE_BYTES } from './protocol.js';
import { SocketReader } from './reader.js';
import {
  type Connection,
  closeAfter,
  type ReceiveContext,
  readMessage,
  receiveFile,
} from './receive-file.js';
import { sweepPartials } from './store.js';
import { describeFsError } from './units.js';

/** 60 s: a sender that says nothing for this long is dropped (the seed would wait forever). */
export const IDLE_TIMEOUT_MS = 60_000;
/** 24 h: how long a partial file waits for its sender to come back and resume. */
export const KEEP_PARTIAL_MS = 24 * 3600_000;

export interface ReceiverOptions {
  /** Where files are saved (it must exist). */
  dir: string;
  overwrite?: boolean;
  /** Largest file accepted, in bytes; 0 or absent: no limit. */
  maxSize?: number;
  idleTimeoutMs?: number;
  keepPartialMs?: number;
  /** fsync each file before the rename, so a power cut cannot leave it empty. */
  fsync?: boolean;
  log?: (line: string) => void;
  /** Called as file bytes arrive, with how many of the file are held so far. */
  onProgress?: (name: string, heldBytes: number) => void;
}

/** A TCP server that receives files into `opts.dir`. Call `close()` (or closeServer) to stop. */
export function createReceiver(opts: ReceiverOptions): net.Server {
  const log = opts.log ?? console.log;
  const busy = new Set<string>(); // names being received right now, one sender each
  const context: ReceiveContext = { opts, log, busy };
  let nextId = 1;

  // allowHalfOpen: a sender may send its last bytes and a FIN, then wait for our verdict.
  // Node's default would end our side as soon as theirs ends, and the verdict would be lost.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const who = `sender #${nextId++}`;
    log(`${who} connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${who}: ${err.message}`));
    const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`silent for ${idleMs / 1000} s`)));
    const conn = { socket, reader: new SocketReader(socket), who };
    const served = serveSender(conn).then(
      () => socket.writableEnded || socket.end(),
      (err: unknown) => {
        // A peer that breaks the protocol gets one ERROR frame and is closed. The server,
        // and every other sender, go on.
        log(`${who}: ${(err as Error).message}; closing`);
        closeAfter(socket, encodeMessage({ type: 'error', text: (err as Error).message }));
      },
    );
    // Said last, once the socket is closed and its file has been dealt with.
    socket.on('close', () => void served.then(() => log(`${who} disconnected`)));
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

  // Partials of senders that never came back are removed after a while, at start and hourly.
  const keepMs = opts.keepPartialMs ?? KEEP_PARTIAL_MS;
  const sweep = () =>
    sweepPartials(opts.dir, keepMs, new Set([...busy].map(partialName))).then(
      (gone) =>
        gone.length && log(`removed ${gone.length} stale partial file(s): ${gone.join(', ')}`),
      (err: unknown) => log(`cannot sweep ${opts.dir}: ${describeFsError(err)}`),
    );
  void sweep();
  const sweeper = setInterval(sweep, Math.min(keepMs, 3600_000)).unref();
  server.on('close', () => clearInterval(sweeper));

  /** One connection: the preamble, then offers until the sender ends. */
  async function serveSender(conn: Connection): Promise<'closing' | undefined> {
    const hello = await conn.reader.readExactly(PREAMBLE_BYTES);
    if (!hello) return; // connected and left without a word
    // Ours goes first either way: a peer that speaks another version learns which we speak,
    // then reads the ERROR frame that follows if we cannot talk.
    conn.socket.write(encodePreamble());
    checkPreamble(hello);
    for (;;) {
      const offer = await readMessage(conn.reader, 'offer', true);
      if (!offer) return; // FIN between two files: a clean goodbye, not an error
      if ((await receiveFile(context, conn, offer)) === 'closing') return 'closing';
    }
  }

  return server;
}
