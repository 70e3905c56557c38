// The benchmark's parts in-process: the load generator counts every message and catches a
// server that changes a byte; the report computes ratios and percentiles right.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { fillMessage, percentile, runLoad } from '@socket-lab/bench/tcp-load';
import { afterEach, expect, test } from 'vitest';
import {
  benchDocument,
  bestRuns,
  boundBy,
  formatRatios,
  formatThroughputTable,
  type Run,
} from '../bench/report.js';
import { HOST, startEcho } from './helpers.js';

let server: net.Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

const LOAD = { host: HOST, messages: 20, size: 100, timeLimitMs: 30_000 };

test('counts every message of every client against our server, with no errors', async () => {
  const started = await startEcho();
  server = started.server;
  const result = await runLoad({ ...LOAD, port: started.port, clients: 5, greeting: true });
  expect(result).toMatchObject({ connected: 5, messages: 100, bytes: 10_000, errors: 0 });
  expect(result.rttMs.p50).toBeGreaterThan(0);
  expect(result.rttMs.max).toBeGreaterThanOrEqual(result.rttMs.p99);
  // Each client said exit at the end, as the seed's servers need.
  await started.log.waitFor(/disconnected: said exit/, 5);
});

test('reports an echo server that changes a byte as errors', async () => {
  // A bad echo: flips the last byte of every read.
  server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      const copy = Buffer.from(chunk);
      copy.writeUInt8((copy.at(-1) ?? 0) ^ 1, copy.length - 1);
      socket.write(copy);
    });
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const result = await runLoad({ ...LOAD, port, clients: 3, greeting: false });
  expect(result.errors).toBe(3);
  expect(result.messages).toBe(0);
  expect(result.errorSamples).toEqual(['echo differs from what was sent (3x)']);
});

test('messages are upper-case ASCII, different for each client and each message', () => {
  const a = Buffer.alloc(64);
  const b = Buffer.alloc(64);
  fillMessage(a, 1, 2);
  fillMessage(b, 2, 1);
  expect(a.equals(b)).toBe(false);
  expect(a.toString('latin1')).toMatch(/^#1:2:[A-Z]+$/);
  fillMessage(a, 1, 3); // the buffer is reused from one message to the next
  expect(a.toString('latin1')).toMatch(/^#1:3:[A-Z]+$/);
});

test('percentiles are nearest-rank', () => {
  const values = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(values, 0.5)).toBe(50);
  expect(percentile(values, 0.99)).toBe(99);
  expect(percentile(Float64Array.of(7), 0.99)).toBe(7);
  expect(percentile(new Float64Array(0), 0.5)).toBe(0);
});

test('the table gives each server a ratio to the pipe echo of the same load', () => {
  const run = (server: string, messages: number): Run => ({
    server,
    clients: 100,
    size: 64,
    messagesPerClient: 10,
    result: {
      connected: 100,
      messages,
      bytes: messages * 64,
      elapsedMs: 1000,
      rttMs: { p50: 0.5, p99: 2, max: 9 },
      errors: 0,
      errorSamples: [],
      stoppedByTimeLimit: false,
      connectMs: 10,
      cpuMs: 500,
    },
    serverCpuPct: 95,
    loadCpuPct: 50,
    machineCpuPct: 160,
    cores: 2,
    rss: null,
  });
  const runs = [run('tcp-echo', 9000), run('pipe echo', 10_000), run('python seed', 3000)];
  const rows = formatThroughputTable(runs).split('\n');
  expect(rows[2]).toMatch(/^\| 100 +\| 64 B +\| tcp-echo +\| 9,000 +\|.*\| 0\.90x +\|$/);
  expect(rows[4]).toMatch(/\| python seed .*\| 0\.30x +\|$/);
  expect(formatRatios(runs, 'tcp-echo')).toEqual([
    '100 clients × 64 B: tcp-echo = 0.90x pipe echo, 3.00x python seed',
  ]);
});

test('the side near a full core, or full cores, is named as the bottleneck', () => {
  const cpu = (serverCpuPct: number, loadCpuPct: number, machineCpuPct: number) => ({
    serverCpuPct,
    loadCpuPct,
    machineCpuPct,
    cores: 2,
  });
  expect(boundBy(cpu(98, 40, 150))).toBe('server');
  expect(boundBy(cpu(40, 97, 150))).toBe('load generator');
  expect(boundBy(cpu(90, 92, 195))).toBe('both');
  // Ours at half a core each, but other work filled the machine: the cores were the limit.
  expect(boundBy(cpu(50, 55, 190))).toBe('cores full');
  expect(boundBy(cpu(3, 2, 10))).toBe('neither (waiting)');
});

test('with several rounds, the fastest run is shown with the range of rates', () => {
  const run = (server: string, messages: number): Run => ({
    server,
    clients: 1,
    size: 64,
    messagesPerClient: 10,
    result: {
      connected: 1,
      messages,
      bytes: messages * 64,
      elapsedMs: 1000,
      rttMs: { p50: 1, p99: 1, max: 1 },
      errors: 0,
      errorSamples: [],
      stoppedByTimeLimit: false,
      connectMs: 1,
      cpuMs: 1,
    },
    serverCpuPct: 10,
    loadCpuPct: 10,
    machineCpuPct: 30,
    cores: 2,
    rss: null,
  });
  const shown = bestRuns([run('a', 300), run('b', 5), run('a', 100), run('a', 200)]);
  expect(shown.map((r) => [r.server, r.result.messages, r.spread])).toEqual([
    ['a', 300, [100, 300]],
    ['b', 5, null],
  ]);
  expect(formatThroughputTable(shown).split('\n')[0]).toMatch(/\| msgs\/s \| \(range\) +\|/);
});

test('a run stopped by its time limit shows the clients left waiting as unfinished, not errors', () => {
  // What the load generator reported for the seed's server, 1,000 clients, --time-limit 10:
  // clients still waiting for their greeting or their echo when time ran out, and one real error.
  const result = {
    connected: 790,
    messages: 12_000,
    bytes: 12_000 * 64,
    elapsedMs: 10_000,
    rttMs: { p50: 5, p99: 400, max: 2500 },
    errors: 214,
    errorSamples: [
      'not greeted within 30 s (210x)',
      'no echo within the time limit (3x)',
      'echo differs from what was sent (1x)',
    ],
    stoppedByTimeLimit: true,
    connectMs: 30_000,
    cpuMs: 5000,
  };
  const run: Run = {
    server: 'python seed',
    clients: 1000,
    size: 64,
    messagesPerClient: 100,
    result,
    serverCpuPct: 90,
    loadCpuPct: 50,
    machineCpuPct: 160,
    cores: 2,
    rss: null,
  };
  const [head, , row] = formatThroughputTable([run]).split('\n');
  const cells = (line = '') => line.split('|').map((c) => c.trim());
  const at = (name: string) => cells(row)[cells(head).indexOf(name)];
  expect(at('msgs/s')).toBe('1,200 *');
  expect(at('errors')).toBe('1');
  expect(at('unfinished')).toBe('213');
  // Not stopped by the limit: a client never greeted is the server's fault, an error.
  const [, , plain] = formatThroughputTable([
    { ...run, result: { ...result, stoppedByTimeLimit: false } },
  ]).split('\n');
  expect(cells(plain)[cells(head).indexOf('errors')]).toBe('214');
});

test('--json: one row per server and load, ours against the pipe echo with goal 0.85', () => {
  const run = (server: string, messages: number): Run => ({
    server,
    clients: 100,
    size: 64,
    messagesPerClient: 300,
    result: {
      connected: 100,
      messages,
      bytes: messages * 64,
      elapsedMs: 1000,
      rttMs: { p50: 1, p99: 2, max: 3 },
      errors: 0,
      errorSamples: [],
      stoppedByTimeLimit: false,
      connectMs: 10,
      cpuMs: 500,
    },
    serverCpuPct: 80,
    loadCpuPct: 90,
    machineCpuPct: 180,
    cores: 2,
    rss: null,
  });
  const doc = benchDocument(
    [run('tcp-echo', 9000), run('pipe echo', 10_000), run('python seed', 6000)],
    { quick: true },
    'tcp-echo',
  );
  expect(doc.rows.map((r) => [r.name, r.figures['msgs/s']])).toEqual([
    ['tcp-echo, 100 clients × 64 B', 9000],
    ['pipe echo, 100 clients × 64 B', 10_000],
    ['python seed, 100 clients × 64 B', 6000],
  ]);
  expect(doc.comparisons.map((c) => [c.anchor, c.ratio, c.goal, c.met])).toEqual([
    ['pipe echo, 100 clients × 64 B', 0.9, 0.85, true],
    ['python seed, 100 clients × 64 B', 1.5, null, null],
  ]);
});
