// Shared by this package's tests: a time server on a port-0 socket at a fixed instant,
// plain client sockets, and cleanup of both after each test.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { serveTime } from '../src/server.js';
import type { TimeFields } from '../src/strftime.js';
import { TimeZone } from '../src/zone.js';

export const HOST = '127.0.0.1';
/** 2023-11-14 22:13:20 UTC: every server in these tests says it is this moment. */
export const FIXED_MS = 1_700_000_000_000;
const open: dgram.Socket[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(
    open.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
}

export async function boundSocket(host = HOST): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  open.push(socket);
  return socket;
}

/** A time server on port 0 in `zone`, whose clock stands still at FIXED_MS unless given one. */
export async function startTime(zone = TimeZone.utc(), host = HOST, clockMs = () => FIXED_MS) {
  const lines: string[] = [];
  const socket = await boundSocket(host);
  const now = (): TimeFields => zone.fieldsAt(clockMs());
  serveTime(socket, { now, log: (line) => lines.push(line) });
  return { socket, port: socket.address().port, lines };
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
