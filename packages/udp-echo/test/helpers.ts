// Shared by this package's tests: an echo server on a port-0 socket whose log a test can
// wait on (common/testing's Recorder), plain client sockets, and cleanup of both after each
// test.
import type dgram from 'node:dgram';
import { once } from 'node:events';
import { boundUdpSocket, closeUdpSockets, Recorder } from '@socket-lab/common/testing';
import { type EchoServerOptions, serveEcho } from '../src/server.js';

export const HOST = '127.0.0.1';
/** Closes every socket the helpers opened (call it in afterEach). */
export const closeAll = closeUdpSockets;

/** A UDP socket bound to port 0 on `host`, closed after the test. */
export const boundSocket = (host = HOST): Promise<dgram.Socket> => boundUdpSocket(host);

/** An echo server on port 0; its log lines are recorded. */
export async function startEcho(opts: EchoServerOptions = {}, host = HOST) {
  const log = new Recorder();
  const socket = await boundSocket(host);
  serveEcho(socket, { ...opts, log: log.push });
  return { socket, port: socket.address().port, log };
}

/** Sends one datagram from `client` and resolves with the next datagram it receives. */
export async function roundTrip(
  client: dgram.Socket,
  port: number,
  data: Buffer | string,
  host = HOST,
): Promise<Buffer> {
  const answer = once(client, 'message');
  client.send(data, port, host);
  return (await answer)[0] as Buffer;
}

/** Lines as a client reads them from stdin, for the in-process client tests. */
export async function* linesOf(...lines: string[]): AsyncGenerator<string> {
  yield* lines;
}
