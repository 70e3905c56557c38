// The seeds' own programs, ported to Python 3 (test/fixtures), as real peers: their
// client into our receiver, our sender into their server, over TCP and UDP; and a Python
// peer using struct.pack('>I') against our length framing. Our side runs in-process.

import type dgram from 'node:dgram';
import { bindUdp } from '@socket-lab/common';
import {
  type CliProcess,
  Recorder,
  type RunningServer,
  SeedPrograms,
  waitForListening,
} from '@socket-lab/common/testing';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { DatagramEvent } from '../src/log.js';
import { SEED_MESSAGES } from '../src/protocol.js';
import { sendMessages } from '../src/sender.js';
import { receiveDatagrams } from '../src/udp-receiver.js';
import { type DatagramSenderOptions, sendDatagrams } from '../src/udp-sender.js';
import { type RunningReceiver, startReceiver } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });

const HOST = '127.0.0.1';
const SEED_BYTES = Buffer.concat(SEED_MESSAGES);
const seeds = new SeedPrograms(new URL('./fixtures/', import.meta.url));

let receiver: RunningReceiver | undefined;
let udp: dgram.Socket | undefined;
afterEach(() => {
  seeds.killAll();
  receiver?.server.close();
  receiver = undefined;
  udp?.close();
  udp = undefined;
});

/** Starts a Python fixture: `script args…` with output captured. */
function py(script: string, ...args: (string | number)[]): CliProcess {
  return seeds.spawn(script, args.map(String));
}

/** A UDP receiver on port 0 whose datagrams a test can wait for. */
async function startUdp(readBytes?: number) {
  const bound = await bindUdp({ host: HOST, port: 0, log: null });
  udp = bound.socket;
  const log = new Recorder<DatagramEvent>();
  void receiveDatagrams(bound.socket, { delayMs: 0, readBytes, report: log.push });
  return { port: bound.address.port, log };
}

const noop = () => {};

/**
 * Starts a Python server (`script args…`, which must include port 0), waits for its port,
 * and sends it the seed's seven messages with no gaps through `send` (our TCP sender, or our
 * UDP one). Resolves with the server once everything is sent.
 */
async function sendSeedMessagesTo(
  send: (opts: DatagramSenderOptions) => Promise<unknown>,
  script: string,
  ...args: (string | number)[]
) {
  const server = await waitForListening(py(script, ...args));
  await send({ host: HOST, port: server.port, messages: SEED_MESSAGES, gapMs: 0, report: noop });
  return server;
}

/** The sizes a seed 003 server printed, one per recv (收到数据N个字节: "received N bytes"). */
function seedReads(server: RunningServer): number[] {
  return [...server.proc.stdout.matchAll(/收到数据(\d+)个字节/g)].map((m) => Number(m[1]));
}

describe.skipIf(!seeds.python)('with the Python seeds as real peers', () => {
  test('seed 003 TCP client → our receiver: its seven sends, read 1024 at a time', async () => {
    // Our receiver sleeps until all 2520 bytes are in, so its reads can only be 1024/1024/472.
    receiver = await startReceiver({ beforeRead: (p) => p.whenArrived(2520).then(noop) });
    expect(await py('seed003_tcp_client.py', HOST, receiver.port, 0).waitForExit()).toBe(0);
    const closed = await receiver.closed();
    const reads = receiver.of('read').map((r) => r.data);
    expect(reads.map((r) => r.length)).toEqual([1024, 1024, 472]);
    expect(Buffer.concat(reads).equals(SEED_BYTES)).toBe(true);
    expect(closed.bytes).toBe(2520);
  });

  test('our sender → seed 003 TCP server: its recv(1024) reads add up to 2520, none over 1024', async () => {
    const server = await sendSeedMessagesTo(sendMessages, 'seed003_tcp_server.py', HOST, 0, 0.01);
    await server.proc.waitFor(/TCP连接结束!!!/);
    const sizes = seedReads(server);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2520);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024);
    expect(server.proc.stdout).toContain("b'welcome to qytang");
  });

  test('seed 003 UDP client → our receiver: seven datagrams, the 2000-byte one kept as 1024', async () => {
    const { port, log } = await startUdp();
    expect(await py('seed003_udp_client.py', HOST, port, 0).waitForExit()).toBe(0);
    await log.waitFor((e) => e.type === 'datagram' && e.index === 7);
    const datagrams = log.entries.filter((e) => e.type === 'datagram');
    expect(datagrams.map((d) => d.size)).toEqual([17, 1, 300, 1, 200, 1, 2000]);
    expect(datagrams.at(-1)?.kept.length).toBe(1024);
  });

  test('our sender → seed 003 UDP server: its recvfrom(1024) gets 17, 1, 300, 1, 200, 1 and 1024', async () => {
    const server = await sendSeedMessagesTo(sendDatagrams, 'seed003_udp_server.py', HOST, 0, 0);
    await server.proc.waitFor(/收到数据1024个字节/); // the last one, cut
    expect(seedReads(server)).toEqual([17, 1, 300, 1, 200, 1, 1024]);
  });

  test('seed 002 UDP client → our receiver with a 5-byte buffer: hello, then james', async () => {
    const { port, log } = await startUdp(5);
    expect(await py('seed002_udp_client.py', HOST, port).waitForExit()).toBe(0);
    await log.waitFor((e) => e.type === 'datagram' && e.index === 2);
    expect(log.entries.map((e) => (e.type === 'datagram' ? e.kept.toString() : ''))).toEqual([
      'hello',
      'james',
    ]);
  });

  test('our sender → seed 002 UDP server: each recvfrom(5) gets one word, never both', async () => {
    const server = await waitForListening(py('seed002_udp_server.py', HOST, 0));
    const words = [Buffer.from('hello'), Buffer.from('james')];
    await sendDatagrams({ host: HOST, port: server.port, messages: words, gapMs: 0, report: noop });
    expect(await server.proc.waitForExit()).toBe(0);
    expect(server.proc.stdout).toMatch(
      /res1: \(b'hello', \('127\.0\.0\.1', \d+\)\)\nres2: \(b'james', \('127\.0\.0\.1', \d+\)\)\n$/,
    );
  });

  test("a Python client framing with struct.pack('>I') → our receiver --framing length", async () => {
    // It sends all seven frames in one sendall(): one stream, every boundary recovered.
    receiver = await startReceiver({ framing: 'length' });
    expect(await py('framed_peer.py', 'client', HOST, receiver.port).waitForExit()).toBe(0);
    const closed = await receiver.closed();
    expect(receiver.of('message').map((m) => m.data.toString())).toEqual(
      SEED_MESSAGES.map((m) => m.toString()),
    );
    expect(closed).toMatchObject({ messages: 7, bytes: 2548 });
  });

  test("our sender --framing length → a Python server reading struct.unpack('>I')", async () => {
    const framed = (opts: DatagramSenderOptions) => sendMessages({ ...opts, framing: 'length' });
    const server = await sendSeedMessagesTo(framed, 'framed_peer.py', 'server', HOST, 0);
    expect(await server.proc.waitForExit()).toBe(0);
    const sizes = [...server.proc.stdout.matchAll(/message \d+: (\d+) bytes/g)].map((m) =>
      Number(m[1]),
    );
    expect(sizes).toEqual([17, 1, 300, 1, 200, 1, 2000]);
    expect(server.proc.stdout).toMatch(/end of stream after 7 messages\n$/);
  });
});
