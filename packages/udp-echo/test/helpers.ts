// Shared by this package's tests: an echo server on a port-0 socket whose log a test can
// wait on, plain client sockets, and cleanup of both after each test. The UDP parts are
// common/testing's, which udp-time's tests use too; what is the echo's own is here.
import { startUdpServer } from '@socket-lab/common/testing';
import { type EchoServerOptions, serveEcho } from '../src/server.js';

// boundSocket: a UDP socket bound to port 0, closed after the test by closeAll.
// roundTrip: one datagram sent from a client, and the next one it receives.
export {
  boundUdpSocket as boundSocket,
  closeUdpSockets as closeAll,
  linesOf,
  udpRoundTrip as roundTrip,
} from '@socket-lab/common/testing';

export const HOST = '127.0.0.1';

/** An echo server on port 0; its log lines are recorded. */
export function startEcho(opts: EchoServerOptions = {}, host = HOST) {
  return startUdpServer((socket, log) => serveEcho(socket, { ...opts, log }), host);
}
