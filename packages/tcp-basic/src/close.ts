// Hardening for src/server.ts: step 6 with an end. `socket.end()` sends our FIN and waits for
// the client's; a client that never sends it would hold its socket (and a file descriptor)
// for good, and a server started without --forever would never exit. So the client gets a
// grace period, counted from our FIN whatever it does meanwhile (a timer that restarted on
// activity would never end for a client that keeps sending), then destroy(). The deadline
// itself is common's closeWithDeadline (common/src/deadline.ts), shared with tcp-echo.
import type net from 'node:net';
import { closeWithDeadline } from '@socket-lab/common';

/** 2 s for the client to close its side after ours, as Ctrl+C's grace (common's SHUTDOWN_GRACE_MS). */
export const CLOSE_GRACE_MS = 2_000;

/**
 * 64 KiB: what a client may still send after the exchange before it is cut off at once. We
 * read on only to see its FIN; a client that sends more is not closing.
 */
export const CLOSING_READ_LIMIT_BYTES = 64 * 1024;

/**
 * Sends FIN after what we wrote, reads and drops whatever the client still sends (so that its
 * FIN is seen and the socket freed), and destroys the socket `graceMs` later if it is still
 * open (0: at once), or as soon as it has sent more than CLOSING_READ_LIMIT_BYTES. Calling it
 * again on a closing socket changes nothing.
 */
export function closeClient(socket: net.Socket, graceMs = CLOSE_GRACE_MS): void {
  closeWithDeadline(socket, { graceMs, readLimitBytes: CLOSING_READ_LIMIT_BYTES });
}
