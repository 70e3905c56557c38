// Shared by this package's tests: an echo server on a port-0 socket whose log a test can
// wait on (common/testing's Recorder), plain client sockets, and cleanup of both after each
// test.
import type dgram from 'node:dgram';
import { once } from 'node:events';
import { bindUdp } from '@socket-lab/common';
import { Recorder } from '@socket-lab/common/testing';
import { type EchoServerOptions, serveEcho } from '../src/server.js';

export const HOST = '127.0.0.1';
const open: dgram.Socket[] = [];

/** Closes every socket the helpers opened (call it in afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => new Promise<void>((resolve) => s.close(resolve))));
}

/** A UDP socket bound to port 0 on `host`, closed after the test. */
export async function boundSocket(host = HOST): Promise<dgram.Socket> {
  const { socket } = await bindUdp({ host, port: 0, log: null });
  open.push(socket);
  return socket;
}

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
