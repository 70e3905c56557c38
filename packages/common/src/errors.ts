// Turns the errors of sockets into one line a person can act on. `EADDRINUSE` means
// nothing to a learner; "127.0.0.1:8888 is already in use (another server?)" does.

/** An error to show as one line and exit non-zero, with no stack trace. */
export class FatalError extends Error {
  override name = 'FatalError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** What the program was trying to do when the error came, for the message. */
export interface ErrorContext {
  /** e.g. `listen on 127.0.0.1:8888 (tcp)` or `connect to 127.0.0.1:8888`. */
  action: string;
  host?: string;
  port?: number;
}

/** One line for a Node system error (`err.code`), naming what was being done. */
export function describeNetError(err: unknown, ctx: ErrorContext): string {
  const e = err as NodeJS.ErrnoException;
  const reason = REASONS[e.code ?? '']?.(ctx) ?? e.message ?? String(err);
  return `cannot ${ctx.action}: ${reason}`;
}

/** True for errors Node raises from the OS or DNS (they carry a string `code`). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return typeof (err as { code?: unknown })?.code === 'string';
}

const REASONS: Record<string, (ctx: ErrorContext) => string> = {
  EADDRINUSE: () => 'address already in use (another server on that port? try --port 0)',
  EACCES: (c) =>
    c.port !== undefined && c.port > 0 && c.port < 1024
      ? `permission denied (ports below 1024 need root; pick one above 1023)`
      : 'permission denied',
  EADDRNOTAVAIL: (c) => `${c.host ?? 'that address'} is not an address of this machine`,
  ENOTFOUND: (c) => `host not found: ${c.host ?? '?'}`,
  EAI_AGAIN: (c) => `could not resolve ${c.host ?? 'the host'} (DNS lookup failed)`,
  EAI_FAIL: (c) => `could not resolve ${c.host ?? 'the host'}`,
  ECONNREFUSED: () => 'connection refused (is the server running on that port?)',
  ECONNRESET: () => 'connection reset by the peer',
  ETIMEDOUT: () => 'timed out',
  EHOSTUNREACH: () => 'host unreachable',
  ENETUNREACH: () => 'network unreachable',
  EAFNOSUPPORT: () => 'address family not supported here (no IPv6?)',
  EPIPE: () => 'the peer closed the connection',
  EINVAL: () => 'invalid address or port',
};
