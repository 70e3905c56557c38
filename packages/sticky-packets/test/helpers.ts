// Shared by the tests: a receiver on 127.0.0.1:0 whose events a test can wait for.
import { once } from 'node:events';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createReceiver, type ReceiverEvent, type ReceiverOptions } from '../src/receiver.js';

/** How long a helper waits for an event before failing the test: generous, the machine is shared. */
export const WAIT_MS = 10_000;

/** Events as they come, and a way to wait for the one a test needs. */
export class EventLog<E> {
  readonly events: E[] = [];
  private waiters: { match: (e: E) => boolean; resolve: (e: E) => void }[] = [];

  push = (event: E): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(event)) return true;
      w.resolve(event);
      return false;
    });
  };

  /** Resolves with the first event (past or future) that matches; fails after WAIT_MS. */
  async waitFor(match: (e: E) => boolean, what = 'an event'): Promise<E> {
    const seen = this.events.find(match);
    if (seen) return seen;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<E>((resolve) => this.waiters.push({ match, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`no ${what} within ${WAIT_MS} ms; got ${JSON.stringify(this.events)}`),
              ),
            WAIT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface RunningReceiver {
  server: net.Server;
  port: number;
  log: EventLog<ReceiverEvent>;
  /** Resolves with the 'closed' event of connection `conn` (default 1). */
  closed(conn?: number): Promise<ReceiverEvent & { type: 'closed' }>;
  /** The events of one connection, of one type. */
  of<T extends ReceiverEvent['type']>(type: T, conn?: number): (ReceiverEvent & { type: T })[];
}

/** A receiver on port 0; the caller closes `server`. */
export async function startReceiver(
  opts: Omit<ReceiverOptions, 'report'> = {},
  host = '127.0.0.1',
): Promise<RunningReceiver> {
  const log = new EventLog<ReceiverEvent>();
  const server = createReceiver({ delayMs: 0, ...opts, report: log.push });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    log,
    closed: (conn = 1) =>
      log.waitFor(
        (e) => e.type === 'closed' && e.conn === conn,
        `close of connection ${conn}`,
      ) as Promise<ReceiverEvent & { type: 'closed' }>,
    of: <T extends ReceiverEvent['type']>(type: T, conn = 1) =>
      log.events.filter(
        (e): e is ReceiverEvent & { type: T } => e.type === type && e.conn === conn,
      ),
  };
}
