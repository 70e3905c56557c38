// Telling a peer to go, and making sure it goes. `socket.end()` sends our FIN and waits for
// the peer's; a peer that never sends it (refused, timed out, or just rude) would hold its
// socket and a file descriptor for good. So from the moment it is told, it gets a hard
// deadline, then destroy(). A plain timer, not socket.setTimeout(): that one measures
// silence and restarts on every read, so a peer that keeps sending would never be cut off.
import type net from 'node:net';

/**
 * Destroys `socket` `ms` from now unless it has closed by then, whatever it does meanwhile
 * (0 or less: at once). `onExpire` runs just before a destroy the deadline causes, to say
 * why. Returns the timer, which the caller may unref(), or undefined when there is nothing
 * to wait for (already destroyed, or destroyed at once).
 */
export function destroyAfter(
  socket: net.Socket,
  ms: number,
  onExpire?: () => void,
): NodeJS.Timeout | undefined {
  if (socket.destroyed) return undefined;
  if (ms <= 0) {
    socket.destroy();
    return undefined;
  }
  const timer = setTimeout(() => {
    onExpire?.();
    socket.destroy();
  }, ms);
  socket.once('close', () => clearTimeout(timer));
  return timer;
}

/** How closeWithDeadline ends a connection. */
export interface CloseOptions {
  /** How long the peer has to close its side after our FIN; 0 or less: destroy at once. */
  graceMs: number;
  /** What the peer may still send meanwhile before it is cut off at once. */
  readLimitBytes: number;
  /** A last line to send before our FIN, such as why the peer is told to go. */
  notice?: string;
}

/**
 * Ends our side (the notice, if any, then FIN after everything queued) and reads on, dropping
 * what arrives, so that the peer's FIN is seen and the socket freed. The socket is destroyed
 * `graceMs` after this call if it is still open, or as soon as the peer has sent more than
 * `readLimitBytes`: we read only to see its FIN, and a peer that sends more is not closing.
 * Calling it again on a closing socket changes nothing.
 */
export function closeWithDeadline(socket: net.Socket, opts: CloseOptions): void {
  if (socket.writableEnded || socket.destroyed) return;
  if (opts.notice === undefined) socket.end();
  else socket.end(opts.notice);
  if (!destroyAfter(socket, opts.graceMs)) return;
  let dropped = 0;
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > opts.readLimitBytes) socket.destroy();
  });
  socket.resume();
}
