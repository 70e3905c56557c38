// The exchange itself, in-process on port 0: both orders of talking, and the cases the
// seed never met (a silent client, a client that sends more than one recv takes, a reset,
// a client and server that both wait for the other, clients that never close, two sockets
// open at once).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { FatalError } from '@socket-lab/common';
import { hasIPv6, hasPython3, Recorder } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { exchangeOnce, openExchange } from '../src/client.js';
import { readOnce } from '../src/read-once.js';
import { type BasicServerOptions, createBasicServer } from '../src/server.js';

const HOST = '127.0.0.1';
let server: net.Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A server on port 0 whose log lines a test can wait for. */
async function start(opts: BasicServerOptions = {}, host = HOST) {
  const log = new Recorder();
  server = createBasicServer({ ...opts, log: log.push });
  server.listen(0, host);
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, log };
}

/** The server's log line number `n` (1 = the first), once it has been logged. */
const line = (log: Recorder, n: number) => log.waitFor(() => true, n);

/** The first `n` log lines, once there are that many. */
async function firstLines(log: Recorder, n: number): Promise<string[]> {
  await line(log, n);
  return log.entries.slice(0, n);
}

/** A connected socket; `allowHalfOpen`: it stays open after the server's FIN, as a peer that never closes. */
async function rawConnect(port: number, host = HOST, allowHalfOpen = false): Promise<net.Socket> {
  const socket = net.connect({ port, host, allowHalfOpen });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Resolves when `socket` has closed, whatever came first (events.once rejects on 'error'). */
function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** The server side of the next connection, once accepted. */
function nextAccepted(): Promise<net.Socket> {
  return new Promise((resolve) => server?.once('connection', resolve));
}

test('greet: the server sends byebye first and prints the reply (seed 000)', async () => {
  const { port, log } = await start();
  const data = await exchangeOnce({ host: HOST, port });
  expect(data.toString()).toBe('byebye');
  expect(await firstLines(log, 2)).toEqual([
    expect.stringMatching(/^got connected from 127\.0\.0\.1:\d+$/),
    'hihi',
  ]);
});

test('ask: the client speaks first and the server answers, then closes (seed 002)', async () => {
  const { port, log } = await start({ mode: 'ask' });
  const data = await exchangeOnce({ host: HOST, port, mode: 'ask' });
  expect(data.toString()).toBe('不要回答,不要回答,不要回答');
  expect(await line(log, 2)).toBe('yaoyao');
});

test('messages can be changed on both sides', async () => {
  const { port, log } = await start({ message: 'hello I am server,welcome' });
  const data = await exchangeOnce({ host: HOST, port, message: 'hihi I am client' });
  expect(data.toString()).toBe('hello I am server,welcome');
  expect(await line(log, 2)).toBe('hihi I am client');
});

test('one read takes at most 512 bytes, and the server says how many it left', async () => {
  const { port, log } = await start();
  const socket = await rawConnect(port);
  await readOnce(socket, 512, 5000); // byebye
  socket.end(Buffer.alloc(600, 'a'));
  const lines = await firstLines(log, 3);
  expect(lines[1]).toBe(`${'a'.repeat(200)}…`); // the preview is cut, the read was 512
  expect(lines[2]).toBe('(88 more bytes had arrived: one recv(512) does not take them)');
  socket.destroy();
});

test('a client that closes without sending is reported, not printed as an empty line', async () => {
  const { port, log } = await start();
  const socket = await rawConnect(port);
  socket.end();
  expect(await line(log, 2)).toBe('(the client closed without sending anything)');
});

test('control characters from a client are escaped in the log', async () => {
  const { port, log } = await start();
  const socket = await rawConnect(port);
  socket.end(Buffer.from('hi\x1b[2J\r\n\xff'.split('').map((c) => c.charCodeAt(0))));
  expect(await line(log, 2)).toBe('hi\\x1b[2J\\r\\n\\xff');
});

test('ask: a client that closes without a word gets one clean line', async () => {
  // No answer is written to a client that is gone, so no "socket has been ended" error.
  const { port, log } = await start({ mode: 'ask' });
  const accepted = nextAccepted();
  const socket = await rawConnect(port);
  socket.end();
  await closed(await accepted);
  expect(log.entries).toEqual([
    expect.stringMatching(/^got connected from 127\.0\.0\.1:\d+$/),
    '(the client closed without sending anything)',
  ]);
});

test('a reset is logged once, with the address read at accept', async () => {
  const { port, log } = await start();
  const accepted = nextAccepted();
  const rude = await rawConnect(port);
  await readOnce(rude, 512, 5000); // byebye
  rude.resetAndDestroy();
  await closed(await accepted);
  const peer = log.entries[0]?.replace('got connected from ', '');
  expect(log.entries).toEqual([
    `got connected from ${peer}`,
    `${peer}: the client reset the connection (RST)`,
  ]);
});

test.skipIf(!hasPython3())('a client that reset before it was accepted is one line', async () => {
  // Python connects and resets (SO_LINGER 0) while this process is blocked in execFileSync,
  // so the server accepts a connection that is already gone.
  const { port, log } = await start();
  const script = `import socket,struct;s=socket.create_connection(('127.0.0.1',${port}));s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack('ii',1,0));s.close()`;
  execFileSync('python3', ['-c', script]);
  await line(log, 1);
  const data = await exchangeOnce({ host: HOST, port }); // and the next client is served
  expect(data.toString()).toBe('byebye');
  expect(log.entries[0]).toBe('a client reset the connection before it was accepted');
  expect(log.entries.some((l) => l.includes('unknown peer'))).toBe(false);
});

test('100 silent clients that never close are let go after the timeout and the grace', async () => {
  // Each is timed out, sent FIN, and destroyed when it does not answer with its own: the
  // server's 100 sockets (and file descriptors) are freed. The clients themselves stay
  // half-open: that is their business.
  const { port, log } = await start({ readTimeoutMs: 200, closeGraceMs: 200 });
  const accepted: net.Socket[] = [];
  server?.on('connection', (socket: net.Socket) => accepted.push(socket));
  const clients = await Promise.all(
    Array.from({ length: 100 }, () => rawConnect(port, HOST, true)),
  );
  for (const client of clients) client.resume();
  await log.waitFor(/nothing received/, 100);
  await Promise.all(accepted.map(closed));
  expect(accepted).toHaveLength(100);
  expect(log.count(/nothing received within 0\.2 s/)).toBe(100);
  for (const client of clients) client.destroy();
}, 30_000);

test('a client that keeps sending after the exchange is cut off when its grace ends', async () => {
  const { port } = await start({ closeGraceMs: 300 });
  const accepted = nextAccepted();
  const client = await rawConnect(port, HOST, true);
  await readOnce(client, 512, 5000); // byebye
  const timer = setInterval(() => client.write('y'), 20); // never quiet, never closing
  await closed(await accepted);
  clearInterval(timer);
  client.destroy();
});

test("two sockets open at once (seed 000's client): the first is not closed while the second talks", async () => {
  const { port, log } = await start({ message: 'hello I am server,welcome' });
  const first = nextAccepted();
  const one = await openExchange({ host: HOST, port });
  const serverOne = await first;
  let oneEnded = false;
  serverOne.on('end', () => {
    oneEnded = true;
  });
  const second = nextAccepted();
  const two = await openExchange({ host: HOST, port, message: 'client send use sock2' });
  await second;
  await line(log, 4); // the server has read socket 2's message
  expect(oneEnded).toBe(false); // socket 1 has not sent its FIN
  expect([one.data.toString(), two.data.toString()]).toEqual([
    'hello I am server,welcome',
    'hello I am server,welcome',
  ]);
  await two.close();
  await one.close();
  await closed(serverOne);
  expect(oneEnded).toBe(true);
  expect(log.entries.filter((l) => !l.startsWith('got connected'))).toEqual([
    'hihi',
    'client send use sock2',
  ]);
});

test('keeps serving after a client resets the connection', async () => {
  const { port, log } = await start();
  const rude = await rawConnect(port);
  rude.resetAndDestroy();
  await line(log, 2); // the reset (or the close) has been logged
  const data = await exchangeOnce({ host: HOST, port });
  expect(data.toString()).toBe('byebye');
});

test('a silent client is dropped after the read timeout', async () => {
  const { port, log } = await start({ readTimeoutMs: 200 });
  const socket = await rawConnect(port);
  socket.resume();
  await once(socket, 'close');
  expect(await line(log, 2)).toMatch(/nothing received within 0\.2 s/);
});

test('a greet client against an ask server times out with a hint about --mode', async () => {
  const { port } = await start({ mode: 'ask' });
  const err = await exchangeOnce({ host: HOST, port, timeoutMs: 300 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toMatch(
    /nothing received within 0\.3 s \(does the server use the same --mode\?\)/,
  );
});

test('connecting to a port where nothing listens fails with one clear message', async () => {
  const probe = net.createServer().listen(0, HOST);
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close(); // the port is free now: nothing listens there
  const err = await exchangeOnce({ host: HOST, port }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(
    `cannot connect to 127.0.0.1:${port}: connection refused (is the server running on that port?)`,
  );
});

test.skipIf(!(await hasIPv6()))('works over IPv6 (::1)', async () => {
  const { port, log } = await start({}, '::1');
  const data = await exchangeOnce({ host: '::1', port });
  expect(data.toString()).toBe('byebye');
  expect(await line(log, 1)).toMatch(/^got connected from \[::1\]:\d+$/);
});
