// Support: the receiver's server, the plumbing around receive.ts. It accepts many senders at
// once on one thread (Node's event loop; the seed served one and exited), numbers them for the
// log, drops the silent ones, swaps preambles, then hands each file to receiveFile() until the
// sender leaves. A peer that breaks the protocol gets one ERROR frame and is closed; the
// server and every other sender go on. Partial files nobody came back for are swept away.
import net from 'node:net';
import { formatPeer } from '@socket-lab/common';
import { Connection } from './connection.js';
import { partialName } from './names.js';
import { checkPreamble, encodePreamble, PREAMBLE_BYTES } from './protocol.js';
import { type AfterFile, type ReceiveOptions, receiveFile } from './receive.js';
import { sweepPartials } from './store.js';
import { describeFsError } from './units.js';

/** 60 s: a sender that says nothing for this long is dropped (the seed would wait forever). */
export const IDLE_TIMEOUT_MS = 60_000;
/** 24 h: how long a partial file waits for its sender to come back and resume. */
export const KEEP_PARTIAL_MS = 24 * 3600_000;
/**
 * 1 MiB of unread bytes per connection before we stop reading its socket: enough to keep the
 * disk busy, and flat whatever the file's size. (TCP's own buffers hold more, in the kernel.)
 */
export const RECEIVE_WINDOW_BYTES = 1024 * 1024;

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
  const rules: ReceiveOptions = {
    ...opts,
    overwrite: opts.overwrite === true,
    busy: new Set<string>(), // names being received right now, one sender each
    log,
  };
  let nextId = 1;

  // allowHalfOpen: a sender may send its last bytes and a FIN, then wait for our verdict.
  // Node's default would end our side as soon as theirs ends, and the verdict would be lost.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const who = `sender #${nextId++}`;
    log(`${who} connected from ${formatPeer(socket)}`);
    socket.on('error', (err) => log(`${who}: ${err.message}`));
    const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`silent for ${idleMs / 1000} s`)));
    const conn = new Connection(socket, who, { windowBytes: RECEIVE_WINDOW_BYTES });
    const served = serveSender(conn).then(
      () => socket.writableEnded || socket.end(),
      (err: unknown) => {
        const why = (err as Error).message;
        log(`${who}: ${why}; closing`);
        conn.endWith({ type: 'error', text: why });
      },
    );
    // Said last, once the socket is closed and its file has been dealt with.
    socket.on('close', () => void served.then(() => log(`${who} disconnected`)));
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

  // Partials of senders that never came back are removed after a while, at start and hourly.
  const keepMs = opts.keepPartialMs ?? KEEP_PARTIAL_MS;
  const sweep = () =>
    sweepPartials(opts.dir, keepMs, new Set([...rules.busy].map(partialName))).then(
      (gone) =>
        gone.length && log(`removed ${gone.length} stale partial file(s): ${gone.join(', ')}`),
      (err: unknown) => log(`cannot sweep ${opts.dir}: ${describeFsError(err)}`),
    );
  void sweep();
  const sweeper = setInterval(sweep, Math.min(keepMs, 3600_000)).unref();
  server.on('close', () => clearInterval(sweeper));

  /** One connection: the preambles, then one file after another until the sender leaves. */
  async function serveSender(conn: Connection): Promise<AfterFile> {
    const hello = await conn.reader.readExactly(PREAMBLE_BYTES);
    if (!hello) return 'ended'; // connected and left without a word
    // Ours goes first either way: a peer that speaks another version learns which we speak,
    // then reads the ERROR frame that follows if we cannot talk.
    conn.socket.write(encodePreamble());
    checkPreamble(hello);
    for (;;) {
      const after = await receiveFile(conn, rules);
      if (after !== 'next') return after;
    }
  }

  return server;
}
