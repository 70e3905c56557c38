// The UDP bench harness against small servers on 127.0.0.1 port 0: every request counted
// once as answered or lost, wrong answers not taken, the time limit obeyed; then the rounds'
// figures (median rate, sums, CPU) and the table.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import {
  medianRate,
  QUICK_REQUESTS,
  runUdpLoad,
  sumRounds,
  type UdpFigures,
  type UdpLoad,
  udpBenchTable,
  udpFigures,
  udpLoadFromFlags,
} from '../src/udp.js';

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
  rounds: 1,
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
  expect(f.clientCpuSeconds).toBeGreaterThan(0); // this process sent and received them
  expect(f.serverCpuSeconds).toBeNull(); // runUdpLoad alone knows no server process
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

/** A round: `answered` in `seconds`, with CPU times (null: the server's is unknown). */
const round = (answered: number, seconds: number, serverCpu: number | null = 1): UdpFigures => ({
  answered,
  lost: 1,
  seconds,
  rtts: [0.1, 0.2, 0.3].slice(0, Math.min(3, answered)),
  serverCpuSeconds: serverCpu,
  clientCpuSeconds: 1.5,
});

test('a row: the median of its rounds, RTTs and CPU over all of them, each round kept', () => {
  // Checks how rounds become one row: the median (mean of the middle two for an even
  // count), sums for counts and CPU, and the CPU time per answer.
  const rounds = [round(3000, 1), round(1000, 1), round(2000, 1)];
  expect(medianRate(rounds)).toBe(2000);
  expect(medianRate(rounds.slice(0, 2))).toBe(2000);
  expect(medianRate([])).toBe(0);
  expect(sumRounds(rounds)).toMatchObject({
    answered: 6000,
    lost: 3,
    seconds: 3,
    serverCpuSeconds: 3,
    clientCpuSeconds: 4.5,
  });
  expect(sumRounds([round(1, 1), round(1, 1, null)]).serverCpuSeconds).toBeNull();
  const f = udpFigures({ name: 'ours', rounds });
  expect(f).toMatchObject({
    'round trips/s': 2000,
    'p50 ms': 0.2,
    'p99 ms': 0.3,
    'max ms': 0.3,
    answered: 6000,
    lost: 3,
    'server CPU %': 100,
    'load generator CPU %': 150,
    'round 1 round trips/s': 3000,
    'round 2 round trips/s': 1000,
    'round 3 round trips/s': 2000,
  });
  expect(f['server CPU µs per answer']).toBeCloseTo(500, 6);
  expect(udpFigures({ name: 'x', rounds: [round(0, 1, null)] })).toMatchObject({
    'round trips/s': 0,
    'p50 ms': null,
    'server CPU %': null,
    'server CPU µs per answer': null,
  });
});

test('--quick caps the requests and the time limit, and bad rounds are usage errors', () => {
  // Checks the flags the harness reads, with --quick and without.
  const flags = { senders: '8', requests: '5000', rounds: '3', timeout: '0.5', limit: '60' };
  const requests = { payload: () => Buffer.alloc(1), isAnswer: () => true };
  const full = udpLoadFromFlags(HOST, flags, requests);
  expect(full).toMatchObject({ senders: 8, requests: 5000, rounds: 3, timeoutMs: 500 });
  expect(full.limitMs).toBe(60_000);
  const quick = udpLoadFromFlags(HOST, { ...flags, quick: true }, requests);
  expect(quick.requests).toBe(QUICK_REQUESTS);
  expect(quick.limitMs).toBeLessThan(full.limitMs);
  expect(udpLoadFromFlags(HOST, { ...flags, requests: '10', quick: true }, requests).requests).toBe(
    10,
  );
  expect(() => udpLoadFromFlags(HOST, { ...flags, rounds: '0' }, requests)).toThrow(/--rounds/);
});

test('the table: a row per server, the median ratio and the ratio of each round', () => {
  // Checks the columns, the figures of a row, and the two lines under a two-row table.
  const lines = udpBenchTable(
    [
      { name: 'ours', rounds: [round(3000, 2), round(1200, 1)] },
      { name: 'theirs', rounds: [round(2000, 2, null), round(1000, 1, null)] },
    ],
    'ours / theirs',
  );
  expect(lines[0]).toMatch(
    /^\| server +\| round trips\/s \| p50 ms \| p99 ms \| max ms \| server CPU % \| server µs\/answer \| load gen CPU % \| answered \| lost \|$/,
  );
  expect(lines[2]).toMatch(
    /^\| ours +\| +1,350 \| +0\.200 \| +0\.300 \| +0\.300 \| +67 \| +476\.2 \| +100 \| +4200 \| +2 \|$/,
  );
  expect(lines[3]).toMatch(/^\| theirs +\| +1,000 \| .* \| +- \| +- \| +100 \| +3000 \| +2 \|$/);
  expect(lines.at(-2)).toBe('ours / theirs: 1.35× the round trips per second');
  expect(lines.at(-1)).toBe('rounds: 2, ratio per round 1.50×, 1.20×');
  expect(udpBenchTable([{ name: 'ours', rounds: [round(1, 1)] }], 'x')).toHaveLength(3);
});
