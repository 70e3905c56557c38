// Connecting, the step every client shares, and the mirror of listen.ts: create a socket,
// connect (the three-way handshake), and turn any failure into one line a person can act on
// ("cannot connect to 127.0.0.1:8888: connection refused (is the server running…?)").
import net from 'node:net';
import { formatHostPort } from './address.js';
import { describeNetError, FatalError } from './errors.js';

export interface ConnectOptions {
  host: string;
  port: number;
  /**
   * How long the handshake may take before we give up. A SYN to a host that drops it gets
   * no answer at all, and the kernel retries for about two minutes; people wait less.
   */
  timeoutMs?: number;
  /** Send each write at once, not held back by Nagle's algorithm (small request/answer). */
  noDelay?: boolean;
  /** Keep our side writable after the peer's FIN (see net.Socket's allowHalfOpen). */
  allowHalfOpen?: boolean;
}

/** 10 s: a loopback or LAN handshake takes well under a millisecond; this is for the lost ones. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects to host:port and resolves with the open socket. Rejects with a FatalError whose
 * message is one line (`cannot connect to HOST:PORT: reason`), having destroyed the socket.
 * The caller adds its own 'error' listener to the socket it gets, before its next await.
 */
export async function connectTcp(opts: ConnectOptions): Promise<net.Socket> {
  const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const socket = net.connect({
    host: opts.host,
    port: opts.port,
    noDelay: opts.noDelay ?? false,
    allowHalfOpen: opts.allowHalfOpen ?? false,
  });
  let timer: NodeJS.Timeout | undefined;
  let onError: ((err: Error) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onError = reject;
      socket.once('connect', resolve);
      socket.once('error', onError);
      timer = setTimeout(
        () => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
        timeoutMs,
      );
    });
  } catch (err) {
    socket.destroy();
    const where = formatHostPort(opts.host, opts.port);
    throw new FatalError(describeNetError(err, { action: `connect to ${where}`, ...opts }));
  } finally {
    clearTimeout(timer);
    if (onError) socket.off('error', onError);
  }
  return socket;
}
