// The server in-process on port 0, with raw sockets: every byte comes back whatever its size
// or however it is split, many clients at once, `exit`, resets, half-closes, a client that
// never reads, the limits (--max-clients, --idle-timeout, --grace) against peers that keep
// sending, and the seed's one-at-a-time server.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { hasIPv6, hasPython3 } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { EchoConnection } from '../src/client.js';
import { GREETING, ONE_AT_A_TIME_GREETING } from '../src/protocol.js';
import type { EchoServer } from '../src/server.js';
import {
  closed,
  flood,
  HOST,
  payload,
  type RawClient,
  rawConnect,
  startEcho,
  trickle,
  withDeadline,
} from './helpers.js';

const GREETING_BYTES = Buffer.byteLength(GREETING);
let server: EchoServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.shutdown(0);
  server = undefined;
});

async function start(opts: Parameters<typeof startEcho>[0] = {}, host?: string) {
  const started = await startEcho(opts, host);
  server = started.server;
  return started;
}

async function connect(port: number, host?: string, allowHalfOpen = false): Promise<RawClient> {
  const client = await rawConnect(port, host, allowHalfOpen);
  sockets.push(client.socket);
  return client;
}

test.each([1, 1000, 64 * 1024 + 1, 1024 * 1024])(
  'echoes %i bytes sent in one write, byte for byte',
  async (size) => {
    const { port } = await start();
    const client = await connect(port);
    expect((await client.read(GREETING_BYTES)).toString()).toBe(GREETING);
    const sent = payload(size, size);
    client.socket.write(sent);
    expect((await client.read(size)).equals(sent)).toBe(true);
  },
);

test('echoes 1 MiB sent in many small writes, then closes after a half-close', async () => {
  // Writes of 1 to 4096 bytes, then FIN (end): the server echoes all it got, then closes too.
  const { port, log } = await start();
  const client = await connect(port);
  const sent = payload(1024 * 1024, 7);
  for (let at = 0, n = 1; at < sent.length; at += n, n = (n * 7 + 1) % 4096 || 1) {
    client.socket.write(sent.subarray(at, at + n));
  }
  client.socket.end();
  const got = await client.readToEnd();
  expect(got.subarray(0, GREETING_BYTES).toString()).toBe(GREETING);
  expect(got.subarray(GREETING_BYTES).equals(sent)).toBe(true);
  await log.waitFor(/client #1 disconnected: closed the connection, 1048576 bytes echoed/);
});

test('serves 200 clients at once, each getting its own bytes back', async () => {
  // All connected before any talks; every message is different, and sizes vary, so bytes
  // crossing from one client to another would show.
  const { port, log } = await start();
  const conns = await Promise.all(
    Array.from({ length: 200 }, () => EchoConnection.open({ host: '127.0.0.1', port })),
  );
  await log.waitFor(/\(200 online\)/);
  const talk = async ({ conn }: { conn: EchoConnection }, i: number) => {
    for (let m = 0; m < 10; m++) {
      const sent = payload(1 + ((i * 37 + m * 101) % 3000), i * 1000 + m);
      expect((await conn.echo(sent)).equals(sent)).toBe(true);
    }
    await conn.exit();
  };
  await Promise.all(conns.map(talk));
  await log.waitFor(/disconnected: said exit/, 200);
  expect(log.entries.at(-1)).toMatch(/\(0 online\)$/);
});

test.each(['exit', 'exit\n', 'exit\r\n'])(
  'a message %j ends the session; bytes before it are echoed',
  async (word) => {
    const { port, log } = await start();
    const client = await connect(port);
    await client.read(GREETING_BYTES);
    client.socket.write('hello');
    expect((await client.read(5)).toString()).toBe('hello');
    client.socket.write(`one\n${word}`);
    expect((await client.readToEnd()).toString()).toBe('one\n');
    await log.waitFor(/client #1 disconnected: said exit, 9 bytes echoed/);
  },
);

test('keeps serving after a client resets the connection mid-message', async () => {
  // Half a message, then RST: the server logs it, and the next client is served.
  const { port, log } = await start();
  const rude = await connect(port);
  await rude.read(GREETING_BYTES);
  rude.socket.write(payload(100_000));
  rude.socket.resetAndDestroy();
  await log.waitFor(/client #1 disconnected: reset the connection \(RST\)/);
  const next = await connect(port);
  await next.read(GREETING_BYTES);
  next.socket.write('still here?');
  expect((await next.read(11)).toString()).toBe('still here?');
});

test('garbage bytes are echoed as they are and logged escaped', async () => {
  const { port, log } = await start({ verbose: true });
  const client = await connect(port);
  await client.read(GREETING_BYTES);
  const garbage = Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0xfe, 0x0d]);
  client.socket.write(garbage);
  expect((await client.read(garbage.length)).equals(garbage)).toBe(true);
  await log.waitFor(/client #1 sent 8 bytes: \\x1b\[2J\\x00\\xff\\xfe\\r$/);
});

test('a client that never reads is paused; memory stays bounded; others are served', async () => {
  // The hog sends 32 MiB and reads nothing. The server must stop reading from it once its
  // echoes back up, instead of queueing them all in memory.
  const { server: echo, port } = await start();
  const serverSide = once(echo, 'connection').then(([socket]) => socket as net.Socket);
  const hog = await connect(port);
  const socket = await serverSide;
  hog.socket.pause(); // never read: the kernel buffers fill, then the server's writes wait
  const paused = once(socket, 'pause');
  const sent = 32 * 1024 * 1024;
  hog.socket.write(Buffer.alloc(sent, 'A'));
  await withDeadline(paused, 'the server to pause reading from the hog');
  // What waits in the server's memory for the hog: about one read's worth, not megabytes.
  expect(socket.writableLength).toBeLessThan(256 * 1024);
  const other = await connect(port);
  await other.read(GREETING_BYTES);
  other.socket.write('unaffected');
  expect((await other.read(10)).toString()).toBe('unaffected');
  expect(socket.writableLength).toBeLessThan(256 * 1024);
  expect(socket.bytesRead).toBeLessThan(sent); // the rest is still with the hog's kernel
});

test('--max-clients: extra clients get a one-line refusal and are closed', async () => {
  const { port, log } = await start({ maxClients: 2 });
  const first = await connect(port);
  await connect(port);
  await log.waitFor(/\(2 online\)/);
  const third = await connect(port);
  expect((await third.readToEnd()).toString()).toBe('server full (2 clients): try again later\n');
  await log.waitFor(/^refused 127\.0\.0\.1:\d+: server full \(2 online\)$/);
  // Once one leaves, there is room again.
  first.socket.end();
  await log.waitFor(/client #1 disconnected/);
  const fourth = await connect(port);
  expect((await fourth.read(GREETING_BYTES)).toString()).toBe(GREETING);
});

test('--idle-timeout: a silent client is told and closed', async () => {
  const { port, log } = await start({ idleTimeoutMs: 200 });
  const client = await connect(port);
  const all = await client.readToEnd();
  expect(all.toString()).toBe(`${GREETING}idle for 0.2 s: closing\n`);
  await log.waitFor(/client #1 disconnected: idle timeout, 0 bytes echoed/);
});

test('a refused client that keeps sending is cut off when its grace ends', async () => {
  // The deadline counts from the refusal. A byte every 20 ms must not extend it, as it did
  // when the grace was an inactivity timer (socket.setTimeout).
  const { port, log } = await start({ maxClients: 1, closeGraceMs: 300 });
  await connect(port);
  await log.waitFor(/\(1 online\)/);
  const told = performance.now();
  const rude = await connect(port, HOST, true); // never closes its side
  const gone = closed(rude.socket);
  trickle(rude.socket);
  expect((await rude.readToEnd()).toString()).toBe('server full (1 clients): try again later\n');
  await withDeadline(gone, 'the refused client to be cut off');
  expect(performance.now() - told).toBeGreaterThanOrEqual(299);
});

test('a client that said exit and keeps sending is cut off when its grace ends', async () => {
  const { port, log } = await start({ closeGraceMs: 300 });
  const client = await connect(port, HOST, true);
  await client.read(GREETING_BYTES);
  const gone = closed(client.socket);
  client.socket.write('exit\n');
  trickle(client.socket);
  await withDeadline(gone, 'the client to be cut off');
  await log.waitFor(/client #1 disconnected: said exit, 0 bytes echoed/);
});

test('20 clients that send and never read are closed at the idle timeout', async () => {
  // Once its echoes back up, a client that never reads makes no progress, however fast it
  // sends: it is idle. Told so, it is cut off, not drained for as long as it keeps sending.
  const { server: echo, port, log } = await start({ idleTimeoutMs: 300, closeGraceMs: 300 });
  const bytesRead: number[] = [];
  echo.on('connection', (s: net.Socket) => s.on('close', () => bytesRead.push(s.bytesRead)));
  const hogs = await Promise.all(Array.from({ length: 20 }, () => connect(port, HOST, true)));
  const gone = hogs.map((hog) => closed(hog.socket));
  for (const hog of hogs) flood(hog.socket);
  await withDeadline(Promise.all(gone), 'every hog to be closed', 60_000);
  await log.waitFor(/disconnected: idle timeout/, 20);
  expect(log.count(/made no progress for 0\.3 s/)).toBe(20);
  // What each was read: its share until the echoes backed up (the kernel's buffers, a few
  // MiB), plus what was dropped while closing. Not the gigabytes of an endless drain.
  expect(bytesRead).toHaveLength(20);
  expect(Math.max(...bytesRead)).toBeLessThan(64 * 1024 * 1024);
}, 90_000);

test.skipIf(!hasPython3())(
  'a client that reset before it was accepted is one line, not "unknown peer"',
  async () => {
    // Python connects and resets (SO_LINGER 0) while this process is blocked in
    // execFileSync, so the server accepts a connection that is already gone.
    const { port, log } = await start();
    const script = `import socket,struct;s=socket.create_connection(('127.0.0.1',${port}));s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack('ii',1,0));s.close()`;
    execFileSync('python3', ['-c', script]);
    await log.waitFor(/reset/);
    expect(log.entries).toEqual(['a client reset the connection before it was accepted']);
    const next = await connect(port);
    expect((await next.read(GREETING_BYTES)).toString()).toBe(GREETING);
  },
);

test('one at a time: a second client is connected but unanswered until the first leaves', async () => {
  // The seed's blocking server: client B's connect() succeeds, and what it sends waits.
  const { port, log } = await start({ oneAtATime: true });
  const greeting = Buffer.byteLength(ONE_AT_A_TIME_GREETING);
  const a = await connect(port);
  expect((await a.read(greeting)).toString()).toBe('连接成功\n');
  const b = await connect(port);
  b.socket.write('hello?');
  await log.waitFor(/^127\.0\.0\.1:\d+ waits: connected, not served .* \(1 waiting\)$/);
  // A round trip for A after B's bytes went out: had B been served, its greeting would be in.
  a.socket.write('ping');
  expect((await a.read(4)).toString()).toBe('ping');
  expect(b.socket.bytesRead).toBe(0);
  a.socket.write('exit');
  await log.waitFor(/client #1 disconnected: said exit/);
  expect((await b.read(greeting + 6)).toString()).toBe('连接成功\nhello?');
  await log.waitFor(/client #2 connected/);
  const order = log.entries.filter((l) => /client #\d (connected|disconnected)/.test(l));
  expect(order.map((l) => l.slice(0, 22))).toEqual([
    'client #1 connected fr',
    'client #1 disconnected',
    'client #2 connected fr',
  ]);
});

test('shutdown tells every client and resolves once they are gone', async () => {
  const { server: echo, port, log } = await start();
  const a = await connect(port);
  const b = await connect(port);
  await log.waitFor(/\(2 online\)/);
  const closed = echo.shutdown();
  for (const client of [a, b]) {
    expect((await client.readToEnd()).toString()).toBe(`${GREETING}server shutting down\n`);
    client.socket.end();
  }
  await closed;
  await log.waitFor(/disconnected: server shutting down/, 2);
});

test.skipIf(!(await hasIPv6()))('works over IPv6 (::1)', async () => {
  const { port, log } = await start({}, '::1');
  const client = await connect(port, '::1');
  await client.read(GREETING_BYTES);
  client.socket.write('over v6');
  expect((await client.read(7)).toString()).toBe('over v6');
  await log.waitFor(/^client #1 connected from \[::1\]:\d+ \(1 online\)$/);
});
