// Shared by this package's tests: a time server on a port-0 socket at a fixed instant, whose
// log a test can wait on, plain client sockets, and cleanup of both after each test. The UDP
// parts are common/testing's, which udp-echo's tests use too; what is the time's own is here.
import type dgram from 'node:dgram';
import { startUdpServer, udpRoundTrip } from '@socket-lab/common/testing';
import { serveTime } from '../src/server.js';
import type { TimeFields } from '../src/time-format/strftime.js';
import { TimeZone } from '../src/time-format/zone.js';

// boundSocket: a UDP socket bound to port 0, closed after the test by closeAll.
export {
  boundUdpSocket as boundSocket,
  closeUdpSockets as closeAll,
  linesOf,
} from '@socket-lab/common/testing';

export const HOST = '127.0.0.1';
/** 2023-11-14 22:13:20 UTC: every server in these tests says it is this moment. */
export const FIXED_MS = 1_700_000_000_000;

/** A time server on port 0 in `zone`, whose clock stands still at FIXED_MS unless given one. */
export function startTime(zone = TimeZone.utc(), host = HOST, clockMs = () => FIXED_MS) {
  const now = (): TimeFields => zone.fieldsAt(clockMs());
  return startUdpServer((socket, log) => serveTime(socket, { now, log }), host);
}

/** Sends one datagram from `client` and resolves with the text of the next one it gets. */
export async function ask(
  client: dgram.Socket,
  port: number,
  request: Buffer | string,
  host = HOST,
): Promise<string> {
  return (await udpRoundTrip(client, port, request, host)).toString('utf8');
}
