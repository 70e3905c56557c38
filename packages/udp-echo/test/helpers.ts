// Shared by this package's tests: an echo server on a port-0 socket whose log lines a test
// can wait for, a plain client socket, and cleanup of both after each test.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { type EchoServerOptions, serveEcho } from '../src/server.js';

export const HOST = '127.0.0.1';
const open: dgram.Socket[] = [];

/** Closes every socket the helpers opened (call it in afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(
    open.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
}

/** A UDP socket bound to port 0 on `host`, closed after the test. */
export async function boundSocket(host = HOST): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  open.push(socket);
  return socket;
}

/** Log lines, and a way to wait until there are at least `count` of them. */
export class LogLines {
  readonly lines: string[] = [];
  private waiting: { count: number; resolve: () => void }[] = [];
  readonly push = (line: string): void => {
    this.lines.push(line);
    this.waiting = this.waiting.filter((w) => {
      if (this.lines.length < w.count) return true;
      w.resolve();
      return false;
    });
  };
  async first(count: number): Promise<string[]> {
    if (this.lines.length < count) {
      await new Promise<void>((resolve) => this.waiting.push({ count, resolve }));
    }
    return this.lines.slice(0, count);
  }
}

/** An echo server on port 0; its log lines are collected. */
export async function startEcho(opts: EchoServerOptions = {}, host = HOST) {
  const log = new LogLines();
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
