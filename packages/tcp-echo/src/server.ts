// An echo server (RFC 862) that serves many clients at once: seed 001's multi-client server.
// The seed's first server talks to one client at a time (a blocking recv() loop), and its fix,
// socketserver.ThreadingTCPServer, starts a thread per client. Node needs neither: every
// socket's callbacks run on one thread, called by the event loop when the kernel says a
// socket has bytes to read or room to write. No callback blocks, so no client waits for another.
// Run: pnpm --filter tcp-echo start    Poke: nc 127.0.0.1 8888
import net from 'node:net';
import { formatPeer, previewBytes } from '@socket-lab/common';
import { ExitDetector, GREETING, NOTICES } from './protocol.js';

/**
 * 5 minutes without a byte either way, then a client is told and closed: a server that
 * keeps every abandoned connection runs out of file descriptors one day. 0 turns it off.
 */
export const IDLE_TIMEOUT_MS = 300_000;

/** How long a client gets to close its side after we closed ours, before we cut it off. */
export const CLOSE_GRACE_MS = 5_000;

export interface EchoServerOptions {
  greeting?: string;
  /** Clients served at once; more are refused with a one-line notice. 0 = no limit. */
  maxClients?: number;
  /** Close clients silent this long (both directions). 0 = never. */
  idleTimeoutMs?: number;
  /** Also log every read, as the seed prints every message. */
  verbose?: boolean;
  /** Where the log lines go; `null` logs nothing (the benchmark). Default console.log. */
  log?: ((line: string) => void) | null;
}

/** A net.Server that echoes, and can say goodbye to its clients. */
export interface EchoServer extends net.Server {
  /**
   * Stops accepting, tells every client, ends each session, and resolves once all are closed:
   * clients still there after `graceMs` (default CLOSE_GRACE_MS) are cut off.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** Creates the server (not yet listening). Each client's errors are logged, never thrown. */
export function createEchoServer(opts: EchoServerOptions = {}): EchoServer {
  const greeting = opts.greeting ?? GREETING;
  const maxClients = opts.maxClients ?? 0;
  const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const log = opts.log === null ? () => {} : (opts.log ?? console.log);
  const sessions = new Map<net.Socket, (why: string, notice: string, graceMs: number) => void>();
  let nextId = 1;

  // noDelay: send each echo at once. With Nagle's algorithm on, a small write waits while
  // earlier bytes are unacknowledged, and the peer holds its ACK back on a timer (delayed
  // ACK): each such echo would wait for that timer. BENCH.md shows it on the seed's server.
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (maxClients > 0 && sessions.size >= maxClients) {
      log(`refused ${formatPeer(socket)}: server full (${sessions.size} online)`);
      socket.on('error', () => {}); // it may reset before it reads the notice; nothing to do
      closeWithGrace(socket, NOTICES.full(maxClients), CLOSE_GRACE_MS);
      return;
    }

    const id = nextId++;
    const peer = formatPeer(socket);
    const exits = new ExitDetector();
    let reason = ''; // the first reason to end wins; logged on 'close'
    let echoed = 0;
    const close = (why: string, notice = '', graceMs = CLOSE_GRACE_MS) => {
      reason ||= why;
      closeWithGrace(socket, notice, graceMs);
    };
    sessions.set(socket, close);
    log(`client #${id} connected from ${peer} (${sessions.size} online)`);
    socket.write(greeting); // the seed's client reads before it sends

    // A client that vanishes (RST) shows up here. With no listener the error is thrown,
    // and one rude client would stop the server for everyone.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      reason ||= err.code === 'ECONNRESET' ? 'reset the connection (RST)' : err.message;
    });

    socket.on('data', (chunk: Buffer) => {
      if (socket.writableEnded) return; // after exit: read and drop, to see the client's FIN
      if (opts.verbose) log(`client #${id} sent ${chunk.length} bytes: ${previewBytes(chunk)}`);
      // TCP delivers bytes, not messages: a chunk may be half a line, or three. An echo
      // needs no boundaries, so what arrived goes back as it is, up to an `exit`.
      const at = exits.find(chunk);
      const data = at === -1 ? chunk : chunk.subarray(0, at);
      echoed += data.length;
      // Backpressure: write() returns false when the bytes wait in our memory because the
      // client is not reading. Stop reading from it until they drain; otherwise a client that
      // sends and never reads makes us buffer without bound. TCP then slows the sender.
      if (data.length > 0 && !socket.write(data)) socket.pause();
      if (at !== -1) close('said exit');
    });
    socket.on('drain', () => socket.resume());

    // The client closed its side (FIN). With allowHalfOpen off (the default), Node ends ours
    // once the echoes already written have gone out.
    socket.on('end', () => {
      reason ||= 'closed the connection';
    });

    if (idleMs > 0) {
      socket.setTimeout(idleMs, () => {
        log(`client #${id} idle for ${idleMs / 1000} s`);
        close('idle timeout', NOTICES.idle(idleMs / 1000));
      });
    }

    // 'close' comes once per socket, after 'end' or 'error' or our own destroy().
    socket.on('close', () => {
      sessions.delete(socket);
      log(
        `client #${id} disconnected: ${reason || 'closed'}, ${echoed} bytes echoed (${sessions.size} online)`,
      );
    });
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

  const shutdown = (graceMs = CLOSE_GRACE_MS) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve()); // 'close' waits for the last client to leave
      for (const close of sessions.values())
        close('server shutting down', NOTICES.shutdown(), graceMs);
    });
  return Object.assign(server, { shutdown });
}

/**
 * Ends our side politely: the notice (if any), then FIN after everything queued. Reading
 * goes on so that the client's FIN is seen and the socket freed; a client that never
 * closes its side is cut off after `graceMs` (0: at once, notice or not).
 */
function closeWithGrace(socket: net.Socket, notice: string, graceMs: number): void {
  if (socket.writableEnded) return;
  socket.end(notice);
  if (graceMs <= 0) {
    socket.destroy();
    return;
  }
  socket.resume();
  socket.removeAllListeners('timeout'); // the idle timer's job is done
  socket.setTimeout(graceMs, () => socket.destroy());
}
