// Hardening for src/server.ts: the two clocks a connection runs on, kept out of the lesson
// because they are about hostile or broken peers, not about echo.
//
// The idle clock measures progress, not activity. Node's socket.setTimeout() restarts on any
// I/O, including the reads Node keeps making into its own buffer after we paused a client for
// backpressure; so a client that sends and never reads stays "active" for as long as it keeps
// sending, and is never idle. Here only two things count as progress: a read we took (a 'data'
// event, and none come while we are paused) and our echo reaching the client ('drain').
//
// The closing deadline is counted from the moment a client is told to go, whatever it does
// after that. A grace period that restarts on activity (setTimeout again) never ends for a
// client that keeps sending, and we would read and drop its bytes forever.
import type net from 'node:net';
import { closeWithDeadline } from '@socket-lab/common';

/**
 * 256 KiB: what a client told to go may still send before it is cut off at once. We read
 * after our FIN only to see the client's FIN; a polite client has a few writes in flight at
 * most, and a client that sends more is not listening.
 */
export const CLOSING_READ_LIMIT_BYTES = 256 * 1024;

/** The idle clock of one connection. */
export interface IdleClock {
  /** Bytes moved: start counting again. */
  progress(): void;
  /** The connection is closing or closed: never fire. */
  stop(): void;
}

/** Calls `onIdle` once after `idleMs` with no progress() call; 0 turns it off. */
export function idleClock(idleMs: number, onIdle: () => void): IdleClock {
  if (idleMs <= 0) return { progress() {}, stop() {} };
  const timer = setTimeout(onIdle, idleMs);
  return {
    progress: () => timer.refresh(), // the same timer, restarted: cheap enough for every read
    stop: () => clearTimeout(timer),
  };
}

/**
 * Ends our side politely: the notice (if any), then FIN after everything queued. Reading goes
 * on, so that the client's FIN is seen and the socket freed, but the client is destroyed
 * `graceMs` after this call whatever it does (0: at once), or as soon as it sends more than
 * CLOSING_READ_LIMIT_BYTES (common's closeWithDeadline, shared with tcp-basic). Calling it
 * again on a closing socket changes nothing.
 */
export function closeClient(socket: net.Socket, notice: string, graceMs: number): void {
  closeWithDeadline(socket, { notice, graceMs, readLimitBytes: CLOSING_READ_LIMIT_BYTES });
}
