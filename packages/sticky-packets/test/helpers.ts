// Shared by the tests: a receiver on port 0 whose events a test can wait for (common's
// Recorder keeps them).
import { once } from 'node:events';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Recorder } from '@socket-lab/common/testing';
import type { ReceiverEvent } from '../src/log.js';
import { createReceiver, type ReceiverOptions } from '../src/receiver.js';

export interface RunningReceiver {
  server: net.Server;
  port: number;
  log: Recorder<ReceiverEvent>;
  /** Resolves with the 'closed' event of connection `conn` (default 1). */
  closed(conn?: number): Promise<ReceiverEvent & { type: 'closed' }>;
  /** The events of one connection, of one type. */
  of<T extends ReceiverEvent['type']>(type: T, conn?: number): (ReceiverEvent & { type: T })[];
}

/** A receiver on port 0 of `host`; the caller closes `server`. */
export async function startReceiver(
  opts: Omit<ReceiverOptions, 'report'> = {},
  host = '127.0.0.1',
): Promise<RunningReceiver> {
  const log = new Recorder<ReceiverEvent>();
  const server = createReceiver({ delayMs: 0, ...opts, report: log.push });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    log,
    closed: (conn = 1) =>
      log.waitFor((e) => e.type === 'closed' && e.conn === conn) as Promise<
        ReceiverEvent & { type: 'closed' }
      >,
    of: <T extends ReceiverEvent['type']>(type: T, conn = 1) =>
      log.entries.filter(
        (e): e is ReceiverEvent & { type: T } => e.type === type && e.conn === conn,
      ),
  };
}
