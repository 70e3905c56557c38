// UDP in-process on real sockets: datagrams that pile up while the receiver sleeps still
// come out one by one, the 2000-byte one is cut at the buffer, and a full queue drops.
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { bindUdp } from '@socket-lab/common';
import { hasIPv6, Recorder } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { type DatagramEvent, formatDatagramEvent } from '../src/log.js';
import { lockstep } from '../src/pacing.js';
import { SEED_MESSAGES } from '../src/protocol.js';
import { MAX_QUEUED_DATAGRAMS, receiveDatagrams } from '../src/udp-receiver.js';
import { sendDatagrams } from '../src/udp-sender.js';

let socket: dgram.Socket | undefined;
afterEach(() => {
  socket?.close();
  socket = undefined;
});

/** A datagram receiver on `host` port 0, paced by `beforeRead`. */
async function startUdp(opts: Parameters<typeof receiveDatagrams>[1], host = '127.0.0.1') {
  const bound = await bindUdp({ host, port: 0, log: null });
  socket = bound.socket;
  const log = new Recorder<DatagramEvent>();
  const done = receiveDatagrams(bound.socket, { delayMs: 0, ...opts, report: log.push });
  return { port: bound.address.port, log, done };
}

test('datagrams sent while the receiver sleeps stay separate; the 2000-byte one is cut to 1024', async () => {
  // The same pauses that merge TCP writes 2, 3 and 4: here they stay three datagrams.
  const pace = lockstep(
    SEED_MESSAGES.map((m) => m.length),
    [1, 3, 1, 1, 1],
  );
  const { port, log } = await startUdp({ beforeRead: pace.beforeRead });
  await sendDatagrams({
    host: '127.0.0.1',
    port,
    messages: SEED_MESSAGES,
    beforeWrite: pace.beforeWrite,
    report: () => {},
  });
  const last = await log.waitFor((e) => e.type === 'datagram' && e.index === 7);
  const datagrams = log.entries.filter((e) => e.type === 'datagram');
  expect(datagrams.map((d) => d.size)).toEqual([17, 1, 300, 1, 200, 1, 2000]);
  expect(datagrams.map((d) => d.kept.length)).toEqual([17, 1, 300, 1, 200, 1, 1024]);
  expect(formatDatagramEvent(last)).toMatch(
    /^datagram 7 from 127\.0\.0\.1:\d+: 2000 bytes; recvfrom\(1024\) keeps 1024, drops 976 {2}v{20}…v{10}$/,
  );
});

test('UDP never sticks (seed 002): two sendto() before any read, two recvfrom(5) get one each', async () => {
  // Both datagrams are in before the first read; each read still returns one.
  const pace = lockstep([5, 5], [2]);
  const { port, log } = await startUdp({ beforeRead: pace.beforeRead, readBytes: 5 });
  const words = ['hello', 'james'].map((w) => Buffer.from(w));
  await sendDatagrams({ host: '127.0.0.1', port, messages: words, gapMs: 0, report: () => {} });
  await log.waitFor((e) => e.type === 'datagram' && e.index === 2);
  expect(log.entries.map((e) => (e.type === 'datagram' ? e.kept.toString() : e.type))).toEqual([
    'hello',
    'james',
  ]);
});

test.skipIf(!(await hasIPv6()))('over IPv6 (::1) too', async () => {
  const { port, log } = await startUdp({}, '::1');
  await sendDatagrams({
    host: '::1',
    port,
    messages: [Buffer.from('hi')],
    gapMs: 0,
    report: () => {},
  });
  const got = await log.waitFor((e) => e.type === 'datagram');
  expect(formatDatagramEvent(got)).toMatch(/^datagram 1 from \[::1\]:\d+: 2 bytes {2}hi$/);
});

test('the receiver ends when its socket closes', async () => {
  const { done } = await startUdp({});
  socket?.close();
  socket = undefined;
  await done;
});

test('a full queue drops what does not fit and says so, as a full kernel buffer would', async () => {
  // A stand-in socket, so that the queue fills in one go, with no kernel buffer in the way.
  const fake = new EventEmitter() as dgram.Socket;
  const log = new Recorder<DatagramEvent>();
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The first read waits until the test says go: everything piles up before it.
  let reads = 0;
  const done = receiveDatagrams(fake, {
    beforeRead: () => (reads++ === 0 ? blocked : Promise.resolve()),
    report: log.push,
  });
  const rinfo = { address: '127.0.0.1', port: 5000, family: 'IPv4' as const, size: 1 };
  for (let i = 0; i < MAX_QUEUED_DATAGRAMS + 3; i++) {
    fake.emit('message', Buffer.from([i & 0xff]), rinfo);
  }
  expect(log.entries.filter((e) => e.type === 'dropped')).toHaveLength(3);
  expect(formatDatagramEvent(log.entries[0] as DatagramEvent)).toBe(
    `dropped a 1 byte datagram from 127.0.0.1:5000: ${MAX_QUEUED_DATAGRAMS} already waiting`,
  );

  // Every queued datagram is then read, in order; closing the socket ends the receiver.
  release();
  await log.waitFor((e) => e.type === 'datagram' && e.index === MAX_QUEUED_DATAGRAMS);
  fake.emit('close');
  await done;
  const firstBytes = log.entries.flatMap((e) => (e.type === 'datagram' ? [e.kept[0]] : []));
  expect(firstBytes).toEqual([...Array(MAX_QUEUED_DATAGRAMS).keys()].map((i) => i & 0xff));
});
