// Running out of file descriptors, said out loud (tcp-echo, tcp-basic).
//
// Every connection is a file descriptor, and a process may hold at most its soft limit
// (`ulimit -n`, RLIMIT_NOFILE). At the limit accept() fails with EMFILE, and a server that
// keeps calling it would spin on the same waiting connection. libuv keeps one descriptor in
// reserve for this: it closes the reserve, accepts the connection, closes it at once, and
// takes the reserve back. Node emits no error. Clients see a connection that closes before
// the greeting, and the server's log says nothing. So we watch ourselves: when a new
// connection takes the last free descriptor, the next ones will be dropped that way, and we
// say so, once, until the load falls well below the limit again.
//
// Linux only (/proc); elsewhere the watch stays off.
import { readdirSync, readFileSync } from 'node:fs';
import type net from 'node:net';

/** The warning comes back after the open descriptors fell below this share of the limit. */
const REARM_SHARE = 0.9;
/**
 * Listing /proc/self/fd takes time in proportion to the descriptors open: with thousands of
 * connections, too long to do at every accept. So the real count is taken only this close
 * to the limit.
 */
const CHECK_WITHIN = 32;

/** The soft limit on open files, from /proc/self/limits; null if unknown or unlimited. */
export function softFdLimit(): number | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+)/m.exec(limits);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Descriptors this process has open now; null where /proc is missing. Listing them takes a
 * descriptor too: if none is left (EMFILE), all `limit` are in use.
 */
export function countOpenFds(limit: number): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the listing itself holds one
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EMFILE' ? limit : null;
  }
}

/**
 * Logs one line when `server`'s connections have used up the descriptors, naming the limit
 * and what to do (`advice`, e.g. "or lower --max-clients"). Once per burst.
 */
export function watchFdLimit(
  server: net.Server,
  log: (line: string) => void,
  advice: string,
): void {
  const limit = softFdLimit();
  if (limit === null) return;
  let others: number | null = null; // descriptors that are not connections (stdio, epoll, …)
  let open = 0;
  let warned = false;
  server.on('connection', (socket: net.Socket) => {
    open += 1;
    socket.once('close', () => {
      open -= 1;
      if (warned && (others ?? 0) + open < limit * REARM_SHARE) warned = false;
    });
    others ??= (countOpenFds(limit) ?? 0) - open;
    if (warned || others + open < limit - CHECK_WITHIN) return;
    const used = countOpenFds(limit);
    if (used === null) return;
    others = used - open; // the estimate drifts as files come and go: correct it
    if (used < limit) return;
    warned = true;
    log(
      `out of file descriptors: ${used} open, the limit is ${limit} (ulimit -n). New clients ` +
        `are now accepted and closed at once, unseen (EMFILE); raise it (ulimit -n 65536) ${advice}`,
    );
  });
}
