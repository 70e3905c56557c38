// An echo server (RFC 862) that serves many clients at once: seed 001's multi-client server.
// The seed's first server talks to one client at a time (a blocking recv() loop), and its fix,
// socketserver.ThreadingTCPServer, starts a thread per client. Node needs neither: every
// socket's callbacks run on one thread, called by the event loop when the kernel says a
// socket has bytes to read or room to write. No callback blocks, so no client waits for another.
// (`oneAtATime` brings the seed's first server back, to compare: src/one-at-a-time.ts.)
// Run: pnpm --filter tcp-echo start    Poke: nc 127.0.0.1 8888
import net from 'node:net';
import { formatPeer, previewBytes, watchFdLimit } from '@socket-lab/common';
import { closeClient, idleClock } from './deadlines.js';

import { takeTurns } from './one-at-a-time.js';
import { ExitDetector, GREETING, NOTICES, ONE_AT_A_TIME_GREETING } from './protocol.js';

/**
 * 5 minutes without progress (no byte read, none of our echo taken), then a client is told
 * and closed: a server that keeps every abandoned connection runs out of file descriptors.
 */
export const IDLE_TIMEOUT_MS = 300_000;

/**
 * 2 s: how long a client told to go (refused, idle, `exit`, shutdown) has to close its side,
 * counted from when it was told; then it is cut off. Ctrl+C waits as long, and no longer.
 */
export const CLOSE_GRACE_MS = 2_000;

export interface EchoServerOptions {
  greeting?: string;
  /** Clients served at once; more are refused with a one-line notice. 0 = no limit. */
  maxClients?: number;
  /** Close clients that make no progress this long. 0 = never. */
  idleTimeoutMs?: number;
  closeGraceMs?: number; // default CLOSE_GRACE_MS
  /** The seed's first server: serve one client, let the others wait (src/one-at-a-time.ts). */
  oneAtATime?: boolean;
  /** Also log every read, as the seed prints every message. */
  verbose?: boolean;
  /** Where the log lines go; `null` logs nothing (the benchmark). Default console.log. */
  log?: ((line: string) => void) | null;
}

/** A net.Server that echoes, and can say goodbye to its clients. */
export interface EchoServer extends net.Server {
  /** Stops accepting, tells every client, and resolves once all are closed (or cut off). */
  shutdown(graceMs?: number): Promise<void>;
}

/** Creates the server (not yet listening). Each client's errors are logged, never thrown. */
export function createEchoServer(opts: EchoServerOptions = {}): EchoServer {
  const greeting = opts.greeting ?? (opts.oneAtATime ? ONE_AT_A_TIME_GREETING : GREETING);
  const maxClients = opts.maxClients ?? 0;
  const idleMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const graceMs = opts.closeGraceMs ?? CLOSE_GRACE_MS;
  const log = opts.log === null ? () => {} : (opts.log ?? console.log);
  const sessions = new Map<net.Socket, (why: string, notice: string, graceMs: number) => void>();
  const turns = opts.oneAtATime ? takeTurns(log) : null;
  let nextId = 1;

  // noDelay: send each echo at once. With Nagle's algorithm on, a small write waits while
  // earlier bytes are unacknowledged, and the peer holds its ACK back on a timer (delayed
  // ACK): each such echo would wait for that timer. BENCH.md shows it on the seed's server.
  const server = net.createServer({ noDelay: true, pauseOnConnect: turns !== null }, (socket) => {
    // Read the address now: once a socket is gone, so is its address.
    const peer = formatPeer(socket);
    if (socket.remoteAddress === undefined) {
      log('a client reset the connection before it was accepted');
      socket.destroy();
      return;
    }
    if (maxClients > 0 && sessions.size + (turns?.waiting ?? 0) >= maxClients) {
      log(`refused ${peer}: server full (${sessions.size} online)`);
      socket.on('error', () => {}); // it may reset before it reads the notice; nothing to do
      closeClient(socket, NOTICES.full(maxClients), graceMs);
      return;
    }
    if (turns) turns.admit(socket, peer, () => serve(socket, peer));
    else serve(socket, peer);
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  watchFdLimit(server, log, 'or lower --max-clients');

  function serve(socket: net.Socket, peer: string): void {
    const id = nextId++;
    const exits = new ExitDetector();
    let reason = ''; // the first reason to end wins; logged on 'close'
    let echoed = 0;
    const idle = idleClock(idleMs, () => {
      log(`client #${id} made no progress for ${idleMs / 1000} s`);
      close('idle timeout', NOTICES.idle(idleMs / 1000));
    });
    const close = (why: string, notice = '', grace = graceMs) => {
      reason ||= why;
      idle.stop();
      closeClient(socket, notice, grace); // a deadline that activity does not extend
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
      idle.progress();
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
    socket.on('drain', () => {
      idle.progress(); // the client took our echo: that is progress too
      socket.resume();
    });

    // The client closed its side (FIN). With allowHalfOpen off (the default), Node ends ours
    // once the echoes already written have gone out.
    socket.on('end', () => {
      reason ||= 'closed the connection';
    });

    // 'close' comes once per socket, after 'end' or 'error' or our own destroy().
    socket.on('close', () => {
      idle.stop();
      sessions.delete(socket);
      log(
        `client #${id} disconnected: ${reason || 'closed'}, ${echoed} bytes echoed (${sessions.size} online)`,
      );
    });
  }

  const shutdown = (grace = graceMs) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve()); // 'close' waits for the last client to leave
      const notice = NOTICES.shutdown();
      turns?.dismiss(notice, grace);
      for (const close of sessions.values()) close('server shutting down', notice, grace);
    });
  return Object.assign(server, { shutdown });
}
