// The benchmark's parts in-process: the load generator counts every message and catches a
// server that changes a byte; the report computes ratios and percentiles right.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { fillMessage, percentile, runLoad } from '../src/bench/load.js';
import { boundBy, formatRatios, formatThroughputTable, type Run } from '../src/bench/report.js';
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

test('the side near a full core is named as the bottleneck', () => {
  expect(boundBy({ serverCpuPct: 98, loadCpuPct: 40 })).toBe('server');
  expect(boundBy({ serverCpuPct: 40, loadCpuPct: 97 })).toBe('load generator');
  expect(boundBy({ serverCpuPct: 90, loadCpuPct: 92 })).toBe('both cores');
  expect(boundBy({ serverCpuPct: 3, loadCpuPct: 2 })).toBe('neither (waiting)');
});
