// The exchange itself, in-process on port 0: both orders of talking, and the cases the
// seed never met (a silent client, a client that sends more than one recv takes, a reset,
// a client and server that both wait for the other).
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { FatalError } from '@socket-lab/common';
import { hasIPv6, Recorder } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { exchangeOnce } from '../src/client.js';
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

async function rawConnect(port: number, host = HOST): Promise<net.Socket> {
  const socket = net.connect(port, host);
  await once(socket, 'connect');
  return socket;
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
