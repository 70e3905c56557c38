// `--to HOST:PORT`: where the proxy forwards, written the way the other programs print an
// address (127.0.0.1:8888, [::1]:8888). Both the flags and startFaultProxy() read it.
import { UsageError } from '@socket-lab/common';

/**
 * `HOST:PORT`, `[IPv6]:PORT`, or a bare `PORT` (then the host is 127.0.0.1). Throws a
 * UsageError naming `flag` otherwise.
 */
export function parseHostPort(text: string, flag = '--to'): { host: string; port: number } {
  const t = text.trim();
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(t) ?? /^([^:[\]]+):(\d+)$/.exec(t);
  if (m) return { host: m[1] as string, port: toPort(m[2] as string, flag, text) };
  if (/^\d+$/.test(t)) return { host: '127.0.0.1', port: toPort(t, flag, text) };
  throw new UsageError(
    `${flag} must be HOST:PORT, such as 127.0.0.1:8888 or [::1]:8888 (got "${text}")`,
  );
}

function toPort(digits: string, flag: string, text: string): number {
  const port = Number(digits);
  if (port < 1 || port > 65_535) {
    throw new UsageError(`${flag} needs a port from 1 to 65535 (got "${text}")`);
  }
  return port;
}
