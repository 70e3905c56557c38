// What the proxy will not hold for ever: the datagrams --delay and --reorder keep waiting
// (at most MAX_WAITING_DATAGRAMS per client and direction, MAX_WAITING_BYTES in all; the
// rest dropped as 'queue full'), and a TCP connection stalled by --stall-after (reset after
// --idle-timeout). Every wait is on an event or a log line, never on a sleep.

import type dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import type { FaultProxy } from '../src/fault-proxy.js';
import type { ProxyEvent } from '../src/trace.js';
import { MAX_WAITING_BYTES, MAX_WAITING_DATAGRAMS } from '../src/udp-proxy.js';
import {
  cleanUp,
  connect,
  HOST,
  recordingServer,
  sendNumbered,
  startProxy,
  udpPeer,
  udpSocket,
  type Watched,
} from './helpers.js';

afterEach(cleanUp);

/** Long enough that nothing delayed leaves during a test. */
const HELD_MS = 60_000;

const queueFull = (events: Watched<ProxyEvent>) =>
  events.entries.flatMap((e) => (e.kind === 'drop' && e.reason === 'queue full' ? [e] : []));

/** Sends `count` datagrams of `size` bytes, one at a time, each once the proxy has it. */
async function sendOneByOne(
  client: dgram.Socket,
  proxy: FaultProxy,
  events: Watched<ProxyEvent>,
  count: number,
  size: number,
): Promise<void> {
  const c = proxy.counters['client→server'];
  for (let i = 0; i < count; i++) {
    const before = c.received;
    client.send(Buffer.alloc(size, 'x'), proxy.port, HOST);
    await events.until(() => c.received > before, 'the datagram at the proxy');
  }
}

test(`--delay: ${MAX_WAITING_DATAGRAMS} datagrams wait per client and direction; the next is dropped (queue full)`, async () => {
  const sink = await udpPeer();
  const { proxy, events } = await startProxy({
    to: { host: HOST, port: sink.port },
    udp: true,
    faults: { delayMs: HELD_MS },
  });
  const client = await udpSocket();
  await sendNumbered(client, proxy, events, sink, 1, MAX_WAITING_DATAGRAMS + 2);
  expect(queueFull(events).map((e) => ('n' in e ? e.n : 0))).toEqual([
    MAX_WAITING_DATAGRAMS + 1,
    MAX_WAITING_DATAGRAMS + 2,
  ]);
  expect(proxy.counters['client→server'].dropped).toBe(2);
  expect(sink.datagrams.entries).toHaveLength(0);
});

test(`--delay: at most ${MAX_WAITING_BYTES / 2 ** 20} MiB waits in the whole proxy, every client together; a forgotten client's share is freed`, async () => {
  const sink = await udpPeer();
  const { proxy, events, log } = await startProxy({
    to: { host: HOST, port: sink.port },
    udp: true,
    faults: { delayMs: HELD_MS },
    idleTimeoutMs: 3_000, // far longer than the second client takes
  });
  const size = 60_000;
  const fit = Math.floor(MAX_WAITING_BYTES / size); // 279
  const first = await udpSocket();
  const second = await udpSocket();
  await sendOneByOne(first, proxy, events, 200, size);
  await sendOneByOne(second, proxy, events, fit - 200 + 2, size);
  // The second client's last two did not fit: the first client's 200 count against them.
  expect(queueFull(events).map((e) => [e.client, 'n' in e ? e.n : 0])).toEqual([
    [2, fit - 200 + 1],
    [2, fit - 200 + 2],
  ]);

  // The first client falls silent and is forgotten: what it had waiting is dropped and no
  // longer counts, so a third client's datagram waits again instead of being refused.
  await log.waitFor((line) => line.startsWith('client 1 ') && line.includes('forgotten'));
  await sendOneByOne(await udpSocket(), proxy, events, 1, size);
  expect(queueFull(events)).toHaveLength(2);
  expect(sink.datagrams.entries).toHaveLength(0);
});

test('--stall-after with --idle-timeout: the stalled pair is reset once the timeout has passed', async () => {
  const server = await recordingServer();
  const { proxy, log } = await startProxy({
    to: { host: HOST, port: server.port },
    faults: { stallAfterBytes: 4 },
    idleTimeoutMs: 300,
  });
  const client = await connect(proxy.port);
  const clientError = once(client, 'error');
  client.write('abcdefgh');
  const conn = await server.connections.waitFor(() => true);
  const [err] = (await clientError) as [NodeJS.ErrnoException];
  expect(err.code).toBe('ECONNRESET');
  const { how, bytes } = await conn.ended;
  expect(how).toBe('reset');
  expect(bytes.toString()).toBe('abcd');
  expect(log.entries.some((l) => /^client 1: stalled for 0\.3 s \(--idle-timeout\)/.test(l))).toBe(
    true,
  );
});
