// The client in-process against our server on port 0 (and against servers that misbehave):
// it prints the greeting, waits for every byte it sent, says exit, and says so when the
// server closes first.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { FatalError } from '@socket-lab/common';
import { afterEach, expect, test } from 'vitest';
import { EchoConnection, runEchoClient } from '../src/client.js';
import { HOST, payload, startEcho } from './helpers.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function start(opts: Parameters<typeof startEcho>[0] = {}) {
  const started = await startEcho(opts);
  servers.push(started.server);
  return started;
}

/** A server of the test's own on port 0. */
async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {}); // the client may reset; that is not this server's failure
    onConnection(socket);
  });
  servers.push(server);
  server.listen(0, HOST);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function* linesOf(...lines: string[]) {
  yield* lines;
}

test('says it is connected before the greeting comes, as a waiting client is', async () => {
  // A server that accepts and greets only once the client has said it is connected: the
  // seed's first server greets a waiting client only when the one before it has left.
  const printed: string[] = [];
  let greet = () => {};
  const port = await listen((socket) => {
    greet = () => socket.write('late hello\n');
    socket.on('data', () => socket.end());
  });
  const print = (line: string) => {
    printed.push(line);
    if (line.startsWith('connected to')) greet();
  };
  await runEchoClient({ host: HOST, port }, linesOf(), print);
  expect(printed).toEqual([`connected to 127.0.0.1:${port}`, 'greeting: late hello', 'bye']);
});

test('a greeting that never comes times out with a hint', async () => {
  const port = await listen(() => {});
  const err = await EchoConnection.open({ host: HOST, port, timeoutMs: 200 }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(
    `127.0.0.1:${port}: no greeting within 0.2 s (is it serving another client first? --timeout waits longer)`,
  );
});

test('prints the greeting and each echo, skips empty lines, stops at exit', async () => {
  const { port, log } = await start();
  const printed: string[] = [];
  const lines = linesOf('hello', '', '你好', 'exit', 'never sent');
  await runEchoClient({ host: HOST, port }, lines, (line) => printed.push(line));
  expect(printed).toEqual([
    `connected to 127.0.0.1:${port}`,
    'greeting: Hello World!',
    'echo: hello',
    'echo: 你好',
    'bye',
  ]);
  await log.waitFor(/client #1 disconnected: said exit, 11 bytes echoed/);
});

test('the end of input says exit too, so the seed servers end the session', async () => {
  const { port, log } = await start();
  await runEchoClient({ host: HOST, port }, linesOf('only line'), () => {});
  await log.waitFor(/client #1 disconnected: said exit, 9 bytes echoed/);
});

test('waits for every byte of an echo that comes back in pieces', async () => {
  // This server sends the echo back one byte per write: many reads for one message.
  const port = await listen((socket) => {
    socket.setNoDelay(true);
    socket.write('hi\n');
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) socket.write(Buffer.of(byte));
    });
  });
  const { conn, greeting } = await EchoConnection.open({ host: HOST, port });
  expect(greeting.toString()).toBe('hi\n');
  const message = 'a message that comes back in 40 pieces';
  expect((await conn.echo(message)).toString()).toBe(message);
  conn.reset();
});

test('an echo larger than the read window comes back whole', async () => {
  // 1 MiB is sixteen times what the client holds unread before it pauses the socket: the
  // echo must be taken as it arrives, not waited for all at once.
  const { port } = await start();
  const { conn } = await EchoConnection.open({ host: HOST, port });
  const sent = payload(1024 * 1024, 3);
  expect((await conn.echo(sent)).equals(sent)).toBe(true);
  await conn.exit();
});

test('an echo that is not what was sent is shown escaped', async () => {
  // A server that answers in upper case: the client says the echo differs.
  const port = await listen((socket) => {
    socket.write('hi\n');
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
  });
  const printed: string[] = [];
  await runEchoClient({ host: HOST, port }, linesOf('abc'), (line) => printed.push(line));
  expect(printed.slice(2)).toEqual(['echo differs from what was sent: ABC', 'bye']);
});

test('says the server closed the connection, with its notice, when it closes first', async () => {
  const { port } = await start({ idleTimeoutMs: 100 });
  // Input that never ends, as a person who walked away from the prompt.
  const silent = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => {}) }) };
  const err = await runEchoClient({ host: HOST, port }, silent, () => {}).catch((e) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe('the server closed the connection: idle for 0.1 s: closing');
});

test('a server that closes mid-echo is reported with what had come back', async () => {
  const port = await listen((socket) => {
    socket.write('hi\n');
    socket.once('data', () => socket.end('hal'));
  });
  const { conn } = await EchoConnection.open({ host: HOST, port });
  const err = await conn.echo('hello').catch((e) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(
    `127.0.0.1:${port}: the server closed the connection (waiting for the 5-byte echo): hal`,
  );
});

test('an echo that never comes is reported after the timeout', async () => {
  // A server that greets, then reads and says nothing.
  const port = await listen((socket) => {
    socket.write('hi\n');
    socket.resume();
  });
  const { conn } = await EchoConnection.open({ host: HOST, port, timeoutMs: 200 });
  const err = await conn.echo('hello?').catch((e) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(`127.0.0.1:${port}: no 6-byte echo within 0.2 s`);
  conn.reset();
});

test('refused by a full server: the refusal is the greeting, then the close is reported', async () => {
  const { port } = await start({ maxClients: 1 });
  const first = await EchoConnection.open({ host: HOST, port });
  const printed: string[] = [];
  const err = await runEchoClient({ host: HOST, port }, linesOf('hello'), (l) =>
    printed.push(l),
  ).catch((e) => e);
  expect(printed[1]).toBe('greeting: server full (1 clients): try again later');
  // Seen while waiting for the next line or for the echo, whichever came first.
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toMatch(/^(127\.0\.0\.1:\d+: )?the server closed the connection/);
  first.conn.reset();
});

test('connecting where nothing listens fails with one clear line', async () => {
  const port = await listen(() => {});
  await new Promise<void>((resolve) => (servers.pop() as net.Server).close(() => resolve()));
  const err = await EchoConnection.open({ host: HOST, port }).catch((e) => e);
  expect(err).toBeInstanceOf(FatalError);
  expect((err as Error).message).toBe(
    `cannot connect to 127.0.0.1:${port}: connection refused (is the server running on that port?)`,
  );
});
