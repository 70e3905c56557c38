// The UDP bench harness against small servers on 127.0.0.1 port 0: every request counted
// once as answered or lost, wrong answers not taken, the time limit obeyed, and the table.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import { runUdpLoad, type UdpFigures, type UdpLoad, udpBenchTable } from '../src/udp.js';

const HOST = '127.0.0.1';
const opened: dgram.Socket[] = [];
afterEach(async () => {
  for (const socket of opened.splice(0)) {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

/** A UDP server on port 0 that answers each datagram with `answer(data)` (null: silence). */
async function server(answer: ((data: Buffer) => Buffer) | null) {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  socket.on('message', (data, from) => {
    received += 1;
    if (answer) socket.send(answer(data), from.port, from.address);
  });
  socket.bind(0, HOST);
  await once(socket, 'listening');
  opened.push(socket);
  return { port: socket.address().port, received: () => received };
}

const load = (over: Partial<UdpLoad> = {}): UdpLoad => ({
  host: HOST,
  senders: 3,
  requests: 20,
  timeoutMs: 2000,
  limitMs: 10_000,
  payload: (s, i) => Buffer.from(`sender ${s} request ${i}`),
  isAnswer: (answer, request) => answer.equals(request),
  ...over,
});

test('an echo server: every request answered once, one round trip each', async () => {
  const echo = await server((data) => data);
  const f = await runUdpLoad(echo.port, load());
  expect(f).toMatchObject({ answered: 60, lost: 0 });
  expect(f.rtts).toHaveLength(60);
  expect(f.rtts.every((ms) => ms >= 0 && ms < 2000)).toBe(true);
  expect(f.seconds).toBeGreaterThan(0);
  expect(echo.received()).toBe(60);
});

test('silence and wrong answers count as lost, one per request (no retries)', async () => {
  const silent = await server(null);
  const quiet = await runUdpLoad(silent.port, load({ senders: 2, requests: 3, timeoutMs: 30 }));
  expect(quiet).toMatchObject({ answered: 0, lost: 6, rtts: [] });
  expect(silent.received()).toBe(6);
  const wrong = await server(() => Buffer.from('not yours'));
  const f = await runUdpLoad(wrong.port, load({ senders: 1, requests: 4, timeoutMs: 30 }));
  expect(f).toMatchObject({ answered: 0, lost: 4 });
});

test('the time limit stops the senders early', async () => {
  const silent = await server(null);
  const f = await runUdpLoad(
    silent.port,
    load({ senders: 1, requests: 1000, timeoutMs: 20, limitMs: 100 }),
  );
  expect(f.answered + f.lost).toBeLessThan(1000);
  expect(f.lost).toBeGreaterThan(0);
});

test('the table: a row per server, and the ratio line when there are two', () => {
  const f = (answered: number, rtts: number[]): UdpFigures => ({
    answered,
    lost: 1,
    seconds: 2,
    rtts,
  });
  const lines = udpBenchTable(
    [
      ['ours', f(3000, [0.1, 0.2, 0.3])],
      ['theirs', f(2000, [])],
    ],
    'ours / theirs',
  );
  expect(lines[0]).toMatch(
    /^\| server +\| round trips\/s \| p50 ms \| p99 ms \| max ms \| answered \| lost \|$/,
  );
  expect(lines[2]).toMatch(
    /^\| ours +\| +1,500 \| +0\.200 \| +0\.300 \| +0\.300 \| +3000 \| +1 \|$/,
  );
  expect(lines[3]).toMatch(/^\| theirs +\| +1,000 \| +NaN \|/);
  expect(lines.at(-1)).toBe('ours / theirs: 1.50× the round trips per second');
  expect(udpBenchTable([['ours', f(1, [])]], 'x')).toHaveLength(3);
});
