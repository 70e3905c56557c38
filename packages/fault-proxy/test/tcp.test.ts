// The TCP proxy in this process, on real loopback sockets bound to port 0: bytes through
// unchanged, both ways, FIN and RST passed on, then each TCP fault as the peers see it.
// Timing checks assert lower bounds strictly and upper bounds generously: the machine is shared.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { hasIPv6 } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { MAX_HELD_BYTES } from '../src/tcp-link.js';
import {
  cleanUp,
  connect,
  HOST,
  readBytes,
  recordingServer,
  startProxy,
  tcpEcho,
  tcpServer,
} from './helpers.js';

afterEach(cleanUp);

/** Everything `socket` receives until the peer's FIN. */
async function readToEnd(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Resolves with the error code the socket fails with. */
async function failure(socket: net.Socket): Promise<string | undefined> {
  const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  return err.code;
}

test('three clients at once each get their own 1 MiB back, byte for byte, through their own upstream', async () => {
  // Checks the loop both ways, one upstream connection per client, and the FIN passed on.
  const echo = await tcpEcho();
  const upstreamPorts = new Set<number>();
  echo.server.on('connection', (s: net.Socket) => upstreamPorts.add(s.remotePort ?? 0));
  const { proxy, log } = await startProxy({ to: { host: HOST, port: echo.port } });
  const sent = [0, 1, 2].map(() => randomBytes(1 << 20));
  const clients = await Promise.all(sent.map(() => connect(proxy.port)));
  const echoed = clients.map((c, i) => {
    c.end(sent[i] as Buffer); // everything, then FIN
    return readToEnd(c);
  });
  for (const [i, bytes] of (await Promise.all(echoed)).entries()) {
    expect(bytes.equals(sent[i] as Buffer)).toBe(true);
  }
  expect(upstreamPorts.size).toBe(3);
  expect(proxy.counters['client→server'].bytes).toBe(3 << 20);
  expect(proxy.counters['server→client'].bytes).toBe(3 << 20);
  await log.waitFor(/^client 3 closed: 1048576 B to the server, 1048576 B back$/);
  expect(log.entries).toContainEqual(
    expect.stringMatching(
      /^client 1 connected from 127\.0\.0\.1:\d+; upstream 127\.0\.0\.1:\d+ → /,
    ),
  );
});

test("after the client's FIN, the server's answer still comes back (half-close)", async () => {
  // Checks allowHalfOpen: a client that says it is done sending still hears the answer.
  const { port } = await tcpServer((socket) => {
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('end', () => socket.end(`you sent ${Buffer.concat(got).length} bytes`));
  });
  const { proxy } = await startProxy({ to: { host: HOST, port } });
  const client = await connect(proxy.port);
  client.end('hello');
  expect((await readToEnd(client)).toString()).toBe('you sent 5 bytes');
});

test('a client reset is passed on as a reset to the server, and a server reset to the client', async () => {
  // Checks RST propagation both ways, as if the proxy were not there.
  const server = await recordingServer();
  const { proxy, log } = await startProxy({ to: { host: HOST, port: server.port } });
  const client = await connect(proxy.port);
  client.write('abc');
  const first = await server.connections.waitFor(() => true);
  await first.arrived(3);
  client.resetAndDestroy();
  expect(await first.ended).toMatchObject({ how: 'reset' });
  await log.waitFor(/^client 1: connection reset \(RST\)$/);

  const second = await connect(proxy.port);
  const failed = failure(second);
  await server.connections.waitFor(() => true, 2);
  for (const s of server.sockets) s.resetAndDestroy();
  expect(await failed).toBe('ECONNRESET');
});

test('an unreachable server: each client is reset and the reason logged; the proxy stays up', async () => {
  // Checks that a refused upstream connection costs one client, not the proxy.
  const gone = await tcpServer(() => {});
  const port = gone.port;
  await cleanUp(); // nothing listens there now
  const { log, proxy } = await startProxy({ to: { host: HOST, port } });
  for (const n of [1, 2]) {
    const client = await connect(proxy.port);
    await new Promise((resolve) => client.once('close', resolve)); // after its error (a RST)
    await log.waitFor(
      new RegExp(
        `^client ${n} from 127\\.0\\.0\\.1:\\d+: cannot connect to 127\\.0\\.0\\.1:${port}: connection refused.*; resetting the client$`,
      ),
    );
  }
});

test('--delay 0.1 adds at least 0.2 s to an echo round trip, and keeps the bytes in order', async () => {
  // Checks --delay on each direction: every round trip is at least twice the delay.
  const echo = await tcpEcho();
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: echo.port },
    faults: { delayMs: 100 },
  });
  const client = await connect(proxy.port);
  for (let i = 0; i < 3; i++) {
    const message = Buffer.from(`round trip ${i} `.repeat(50));
    const start = performance.now();
    client.write(message);
    const back = await readBytes(client, message.length);
    const ms = performance.now() - start;
    expect(back.equals(message)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(200);
    expect(ms).toBeLessThan(5000);
  }
  expect(events.entries.filter((e) => e.kind === 'delay').length).toBeGreaterThanOrEqual(6);
});

test('--rate 1M moves 2 MiB in 1.8 to 4 s', async () => {
  // Checks the pacing: about 2 s for 2 MiB at 1 MiB/s, never much faster.
  const server = await recordingServer();
  const { proxy } = await startProxy({
    to: { host: HOST, port: server.port },
    faults: { rateBytesPerSecond: 1024 * 1024 },
  });
  const client = await connect(proxy.port);
  const sent = randomBytes(2 << 20);
  const start = performance.now();
  client.end(sent);
  const conn = await server.connections.waitFor(() => true);
  const { bytes } = await conn.ended;
  const seconds = (performance.now() - start) / 1000;
  expect(bytes.equals(sent)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1.8);
  expect(seconds).toBeLessThanOrEqual(4);
});

test('--split 7 gives a prompt reader pieces of at most 7 bytes, both ways', async () => {
  // Checks that the receiver's reads really come in pieces (the sticky-packets lesson, forced).
  const serverReads: Buffer[] = [];
  const { port } = await tcpServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      serverReads.push(chunk);
      socket.write(chunk); // echo each piece
    });
  });
  const { proxy, events } = await startProxy({
    to: { host: HOST, port },
    faults: { splitBytes: 7 },
  });
  const client = await connect(proxy.port);
  const message = Buffer.from('A proxy is two sockets and a loop; this line arrives in pieces.');
  expect(message.length).toBe(63); // 9 pieces of 7
  client.write(message); // one write
  const clientReads: Buffer[] = [];
  const back = await readBytes(client, message.length, clientReads);
  expect(back.equals(message)).toBe(true);
  expect(Buffer.concat(serverReads).equals(message)).toBe(true);
  expect(Math.max(...serverReads.map((r) => r.length))).toBeLessThanOrEqual(7);
  expect(Math.max(...clientReads.map((r) => r.length))).toBeLessThanOrEqual(7);
  expect(serverReads.length).toBe(Math.ceil(message.length / 7));
  expect(events.entries).toContainEqual(
    expect.objectContaining({ kind: 'split', direction: 'client→server', writes: 9 }),
  );
});

test('--cut-after 1000 lets exactly 1000 bytes through, then resets both sides', async () => {
  // Checks the cut: the server gets the first 1000 bytes and a RST, the client a RST.
  const server = await recordingServer();
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: server.port },
    faults: { cutAfterBytes: 1000 },
    trace: true,
  });
  const client = await connect(proxy.port);
  const clientFailed = failure(client);
  const sent = randomBytes(5000);
  client.write(sent);
  const conn = await server.connections.waitFor(() => true);
  const { how, bytes } = await conn.ended;
  expect(how).toBe('reset');
  expect(bytes.equals(sent.subarray(0, 1000))).toBe(true);
  expect(await clientFailed).toBe('ECONNRESET');
  expect(events.entries).toContainEqual({ kind: 'cut', client: 1, bytes: 1000 });
});

test('--cut-after counts across writes: a cut inside the fourth of four 300-byte writes', async () => {
  // Checks that the limit is per connection, over every chunk, not per chunk.
  const server = await recordingServer();
  const { proxy } = await startProxy({
    to: { host: HOST, port: server.port },
    faults: { cutAfterBytes: 1000 },
  });
  const client = await connect(proxy.port);
  client.on('error', () => {});
  const sent = randomBytes(1200);
  client.write(sent.subarray(0, 300));
  const conn = await server.connections.waitFor(() => true);
  for (const upTo of [600, 900, 1200]) {
    await conn.arrived(upTo - 300); // the previous write arrived: send the next
    client.write(sent.subarray(upTo - 300, upTo));
  }
  const { how, bytes } = await conn.ended;
  expect(how).toBe('reset');
  expect(bytes.equals(sent.subarray(0, 1000))).toBe(true);
});

test('--stall-after 10: the server gets 10 bytes, then nothing either way; both stay open', async () => {
  // Checks a hung peer: no more bytes, no FIN, no RST, while the proxy serves others.
  const server = await recordingServer();
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: server.port },
    faults: { stallAfterBytes: 10 },
  });
  const client = await connect(proxy.port);
  const clientGot: Buffer[] = [];
  client.on('data', (c: Buffer) => clientGot.push(c));
  client.write('0123456789abcdef');
  const stalled = await server.connections.waitFor(() => true);
  await events.until(() => events.entries.some((e) => e.kind === 'stall'), 'the stall');
  client.write('more');
  for (const s of server.sockets) s.write('hello?'); // the answer that never arrives

  // A second client, under the limit, gets through: the proxy has moved on meanwhile.
  const other = await connect(proxy.port);
  other.write('short');
  const second = await server.connections.waitFor(() => true, 2);
  await second.arrived(5);

  expect(Buffer.concat(stalled.reads).toString()).toBe('0123456789');
  expect(clientGot).toEqual([]);
  expect(client.destroyed || client.readableEnded).toBe(false);
  expect(server.sockets.size).toBe(2);
});

test('with --delay the proxy holds at most MAX_HELD_BYTES, however fast the sender', async () => {
  // Checks the backpressure bound: 8 MiB sent at once, never more than ~1 MiB held.
  const server = await recordingServer();
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: server.port },
    faults: { delayMs: 50 },
  });
  const client = await connect(proxy.port);
  const sent = randomBytes(8 << 20);
  client.end(sent);
  const conn = await server.connections.waitFor(() => true);
  expect((await conn.ended).bytes.equals(sent)).toBe(true);
  let held = 0;
  let maxHeld = 0;
  for (const e of events.entries) {
    if (e.kind === 'receive') held += e.bytes;
    if (e.kind === 'forward') held -= e.bytes;
    maxHeld = Math.max(maxHeld, held);
  }
  expect(maxHeld).toBeGreaterThan(0);
  expect(maxHeld).toBeLessThanOrEqual(MAX_HELD_BYTES + (64 << 10));
  expect(proxy.counters['client→server'].bytes).toBe(8 << 20);
});

test.skipIf(!(await hasIPv6()))('listens on ::1 and forwards to an IPv4 server', async () => {
  // Checks --host ::1: an IPv6 client, an IPv4 upstream, the same bytes.
  const echo = await tcpEcho();
  const { proxy } = await startProxy({ to: `127.0.0.1:${echo.port}`, host: '::1' });
  expect(proxy.address).toMatchObject({ address: '::1', family: 'IPv6' });
  const client = await connect(proxy.port, '::1');
  client.end('over IPv6');
  expect((await readToEnd(client)).toString()).toBe('over IPv6');
});
