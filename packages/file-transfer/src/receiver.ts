// Support: the receiver's server, the plumbing around receive.ts. It accepts many senders at
// once on one thread (Node's event loop; the seed served one and exited), numbers them for the
// log, drops the silent ones, swaps preambles, then hands each file to receiveFile() until the
// sender leaves. A peer that breaks the protocol gets one ERROR frame and is closed; the
// server and every other sender go on. What a hostile peer can hold is bounded: a place among
// --max-clients senders, a few seconds once it has been told to go (a deadline, not an idle
// timer), partial files (--max-partials, --keep-partial); and no log line it shaped can drive
// the terminal that shows it.
import net from 'node:net';
import { destroyAfter, formatPeer } from '@socket-lab/common';
import { Connection } from './connection.js';
import { partialName } from './names.js';
import { checkPreamble, encodeMessage, encodePreamble, PREAMBLE_BYTES } from './protocol.js';
import { type AfterFile, type ReceiveOptions, receiveFile } from './receive.js';
import { readIntoOwnBuffers } from './socket-read.js';
import { sweepPartials } from './store.js';
import { describeFsError, terminalSafe } from './units.js';

/** 60 s: a sender that says nothing for this long is dropped (the seed would wait forever). */
export const IDLE_TIMEOUT_MS = 60_000;
/** 24 h: how long a partial file waits for its sender to come back and resume. */
export const KEEP_PARTIAL_MS = 24 * 3600_000;
/**
 * 16 senders at once: more than people sending files need, few enough that a flood of
 * connections cannot take every file descriptor. The next one is told so and closed.
 */
export const MAX_CLIENTS = 16;
/**
 * 100 partial files: room for many cut transfers to come back and resume, and a bound on what
 * senders that never come back can leave (each partial can hold up to --max-size).
 */
export const MAX_PARTIALS = 100;
/**
 * 5 s: a peer told to go (an ERROR, a refusal, a failed disk) has this long to read our last
 * words, then it is destroyed. A deadline from the moment it is told: an idle timer, which
 * each write restarts, would let a peer that keeps sending stay for ever.
 */
export const GOODBYE_MS = 5000;
/**
 * 64 goodbyes under way beyond --max-clients. Past that, Node closes new connections as soon
 * as they are accepted, without a word (server.maxConnections): a flood is not written to.
 */
export const GOODBYES_AT_ONCE = 64;
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
  /** Senders served at once (MAX_CLIENTS). */
  maxClients?: number;
  /** Partial files kept in `dir` at most (MAX_PARTIALS). */
  maxPartials?: number;
  /** How long a peer told to go has before it is destroyed (GOODBYE_MS). */
  goodbyeMs?: number;
  /** fsync each file before the rename, so a power cut cannot leave it empty. */
  fsync?: boolean;
  log?: (line: string) => void;
  /** Called as file bytes arrive, with how many of the file are held so far. */
  onProgress?: (name: string, heldBytes: number) => void;
}

/** A TCP server that receives files into `opts.dir`. Call `close()` (or closeServer) to stop. */
export function createReceiver(opts: ReceiverOptions): net.Server {
  const sink = opts.log ?? console.log;
  // Every line passes here, so whatever a peer slipped into one cannot reach a terminal raw.
  const log = (line: string) => sink(terminalSafe(line));
  const busy = new Set<string>(); // names being received right now, one sender each
  const maxPartials = opts.maxPartials ?? MAX_PARTIALS;
  const onRemoved = (gone: string[]) =>
    log(
      `removed ${gone.length} partial file(s) to stay within --max-partials ${maxPartials}: ${gone.join(', ')}`,
    );
  const rules: ReceiveOptions = {
    ...opts,
    overwrite: opts.overwrite === true,
    busy,
    partials: { max: maxPartials, busy, onRemoved },
    log,
  };
  const maxClients = opts.maxClients ?? MAX_CLIENTS;
  const goodbyeMs = opts.goodbyeMs ?? GOODBYE_MS;
  let nextId = 1;
  let serving = 0;
  let dropped = 0;

  // allowHalfOpen: a sender may send its last bytes and a FIN, then wait for our verdict.
  // Node's default would end our side as soon as theirs ends, and the verdict would be lost.
  // pauseOnConnect: nothing is read until socket-read.ts says into which buffers.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (accepted) => {
    const { socket, reader } = readIntoOwnBuffers(accepted, RECEIVE_WINDOW_BYTES);
    const who = `sender #${nextId++}`;
    // A reset is told by the step that was reading ("connection lost after …"). Node itself
    // reports one only if the socket happened to be reading when it came (not while our
    // buffers are full), so logged here it would show on some runs and not on others.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') log(`${who}: ${err.message}`);
    });
    if (dropped > 0) log(`dropped ${dropped} connection(s) without a word while full`);
    dropped = 0;
    // Ours goes first, before we read a byte: whatever follows (an ERROR, a refusal), the peer
    // learns what it is talking to, and a peer that speaks another version learns which.
    socket.write(encodePreamble());
    if (serving >= maxClients) {
      const already = `${maxClients} sender${maxClients === 1 ? '' : 's'} already`;
      log(`${who} from ${formatPeer(socket)} refused: ${already}`);
      const text = `busy: ${already} (--max-clients ${maxClients}); try again later`;
      socket.end(encodeMessage({ type: 'error', text }));
      reader.discardRest(); // what it sends is dropped, so our answer is not lost in a reset
      return goAway(socket, goodbyeMs);
    }
    serving += 1;
    socket.once('close', () => {
      serving -= 1;
    });
    log(`${who} connected from ${formatPeer(socket)}`);
    const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    socket.setTimeout(idleMs, () => socket.destroy(new Error(`silent for ${idleMs / 1000} s`)));
    const conn = new Connection(socket, who, reader);
    const served = serveSender(conn).then(
      () => socket.writableEnded || socket.end(),
      (err: unknown) => {
        const why = (err as Error).message;
        log(`${who}: ${why}; closing`);
        conn.endWith({ type: 'error', text: why });
      },
    );
    // Done with this sender, one way or another: it is told (or has gone), and now has
    // goodbyeMs to leave.
    void served.then(() => goAway(socket, goodbyeMs));
    // Said last, once the socket is closed and its file has been dealt with.
    socket.on('close', () => void served.then(() => log(`${who} disconnected`)));
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  server.maxConnections = maxClients + GOODBYES_AT_ONCE;
  server.on('drop', () => {
    if (dropped++ === 0) {
      log(
        `full: new connections are closed without a word (${maxClients} senders and ${GOODBYES_AT_ONCE} goodbyes under way)`,
      );
    }
  });

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

  /** One connection: their preamble, then one file after another until the sender leaves. */
  async function serveSender(conn: Connection): Promise<AfterFile> {
    const hello = await conn.reader.readExactly(PREAMBLE_BYTES);
    if (!hello) return 'ended'; // connected and left without a word
    checkPreamble(hello);
    for (;;) {
      const after = await receiveFile(conn, rules);
      if (after !== 'next') return after;
    }
  }

  return server;
}

/**
 * Destroys `socket` `ms` from now unless it has closed by then: for a peer that has been told
 * to go. A timer, not socket.setTimeout: that one measures silence, and a peer that keeps
 * sending is never silent (common's destroyAfter). The timer does not hold the process open.
 */
export function goAway(socket: net.Socket, ms: number): void {
  destroyAfter(socket, ms)?.unref();
}
