// Shared by this package's tests: a time server on a port-0 socket at a fixed instant, whose
// log a test can wait on (common/testing's Recorder), plain client sockets, and cleanup of
// both after each test.
import type dgram from 'node:dgram';
import { once } from 'node:events';
import { boundUdpSocket, closeUdpSockets, Recorder } from '@socket-lab/common/testing';
import { serveTime } from '../src/server.js';
import type { TimeFields } from '../src/time-format/strftime.js';
import { TimeZone } from '../src/time-format/zone.js';

export const HOST = '127.0.0.1';
/** 2023-11-14 22:13:20 UTC: every server in these tests says it is this moment. */
export const FIXED_MS = 1_700_000_000_000;
/** Closes every socket the helpers opened (call it in afterEach). */
export const closeAll = closeUdpSockets;

/** A UDP socket bound to port 0 on `host`, closed after the test. */
export const boundSocket = (host = HOST): Promise<dgram.Socket> => boundUdpSocket(host);

/** A time server on port 0 in `zone`, whose clock stands still at FIXED_MS unless given one. */
export async function startTime(zone = TimeZone.utc(), host = HOST, clockMs = () => FIXED_MS) {
  const log = new Recorder();
  const socket = await boundSocket(host);
  const now = (): TimeFields => zone.fieldsAt(clockMs());
  serveTime(socket, { now, log: log.push });
  return { socket, port: socket.address().port, log };
}

/** Sends one datagram from `client` and resolves with the text of the next one it gets. */
export async function ask(
  client: dgram.Socket,
  port: number,
  request: Buffer | string,
  host = HOST,
): Promise<string> {
  const answer = once(client, 'message');
  client.send(request, port, host);
  return ((await answer)[0] as Buffer).toString('utf8');
}

/** Lines as a client reads them from stdin, for the in-process client tests. */
export async function* linesOf(...lines: string[]): AsyncGenerator<string> {
  yield* lines;
}
