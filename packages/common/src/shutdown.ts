// Stopping on Ctrl+C (SIGINT) or `kill` (SIGTERM), taught as its own topic: stop taking new
// work, ask the open connections to finish, wait a little, then stop waiting. The exit code
// is 0, because the user asked us to stop and we did.
import type net from 'node:net';

/** The default time open connections get to finish after a stop is asked. */
export const SHUTDOWN_GRACE_MS = 2000;

/**
 * Calls `stop` once on the first SIGINT or SIGTERM and sets exit code 0 when it settles.
 * If something still holds the process open `graceMs` later, it exits anyway. A second
 * signal exits at once. Returns a function that removes the handler again.
 */
export function onShutdown(
  stop: (signal: NodeJS.Signals) => Promise<void> | void,
  graceMs = SHUTDOWN_GRACE_MS,
): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(0); // second Ctrl+C: the user means it
    stopping = true;
    process.exitCode = 0;
    setTimeout(() => process.exit(0), graceMs + 500).unref();
    Promise.resolve()
      .then(() => stop(signal))
      .catch((err: unknown) => {
        console.error(`error while stopping: ${(err as Error).message ?? err}`);
      });
  };
  listenForSignals();
  onSignal = handler;
  const orphanWatch = watchForOrphaning(() => handler('SIGTERM'));
  return () => {
    if (onSignal === handler) onSignal = undefined;
    clearInterval(orphanWatch);
  };
}

// One listener per signal for the life of the process, installed before anything is
// opened, that calls whatever handler is current. Adding and removing listeners instead
// would lose a signal: when the last listener goes, Node drops a signal that has been
// caught but not yet handed to JavaScript, and between removing and adding the default
// action (death by signal, no exit code) would apply.
let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
let listening = false;

/**
 * Installs the process's SIGINT/SIGTERM listeners. Until onShutdown gives a handler, a
 * signal exits at once with code 0: nothing is open yet that needs closing. runCli calls
 * this first thing, so a Ctrl+C that comes right after `listening on …` is never lost.
 */
export function listenForSignals(): void {
  if (listening) return;
  listening = true;
  const dispatch = (signal: NodeJS.Signals) => (onSignal ? onSignal(signal) : process.exit(0));
  process.on('SIGINT', dispatch);
  process.on('SIGTERM', dispatch);
}

/**
 * Keeps the set of a server's open sockets up to date (each leaves on 'close'), because
 * `server.close()` only stops new connections and waits for the old ones forever.
 */
export function trackConnections(server: net.Server): Set<net.Socket> {
  const open = new Set<net.Socket>();
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return open;
}

/**
 * Stops a TCP server: no new clients, `end()` (FIN) to every open one, `destroy()` to those
 * still there after `graceMs`. Resolves once the server has closed.
 */
export async function closeServer(
  server: net.Server,
  open: Set<net.Socket>,
  graceMs = SHUTDOWN_GRACE_MS,
): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
  for (const socket of open) socket.end();
  const timer = setTimeout(() => {
    for (const socket of open) socket.destroy();
  }, graceMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
}

/**
 * Run through `pnpm start`, we are pnpm's grandchild (pnpm → sh → node). A SIGTERM sent to
 * pnpm alone kills pnpm and its shell but is not passed on, which would leave this server
 * running with no parent. So when a package manager started us and our parent goes away,
 * stop as if we had been sent SIGTERM ourselves.
 */
function watchForOrphaning(stop: () => void): NodeJS.Timeout | undefined {
  if (!process.env.npm_lifecycle_event) return undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, ORPHAN_CHECK_MS);
  timer.unref();
  return timer;
}

/** How often to check that the parent is still there (a cheap getppid() call). */
const ORPHAN_CHECK_MS = 500;
