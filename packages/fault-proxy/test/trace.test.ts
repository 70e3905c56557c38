// The events, their --trace lines, the counters folded from them, and the exit summary.
import { expect, test } from 'vitest';
import {
  count,
  emptyCounters,
  formatEvent,
  formatSummary,
  type ProxyEvent,
  Tally,
} from '../src/trace.js';

const where = { client: 1, direction: 'client→server', n: 17, bytes: 64 } as const;

test('each decision has its own line; receiving and forwarding have none', () => {
  const lines = (
    [
      { kind: 'drop', reason: 'loss', ...where },
      { kind: 'drop', reason: 'queue full', ...where },
      { kind: 'duplicate', ...where, direction: 'server→client' },
      { kind: 'reorder', ...where },
      { kind: 'corrupt', bit: 203, ...where },
      { kind: 'delay', ms: 103, ...where, n: 3 },
      { kind: 'split', writes: 10, ...where },
      { kind: 'cut', client: 2, bytes: 1000 },
      { kind: 'stall', client: 2, bytes: 0 },
      { kind: 'receive', ...where },
      { kind: 'forward', ...where },
    ] satisfies ProxyEvent[]
  ).map(formatEvent);
  expect(lines).toEqual([
    'drop #17 client→server 64 B (client 1)',
    'drop #17 client→server 64 B: queue full (client 1)',
    'duplicate #17 server→client 64 B (client 1)',
    'reorder #17 client→server 64 B: held for the next one (client 1)',
    'corrupt #17 client→server 64 B: bit 203 flipped (client 1)',
    'delay #3 client→server 64 B 0.103 s (client 1)',
    'split #17 client→server 64 B into 10 writes (client 1)',
    'cut after 1000 B client→server: reset both connections (client 2)',
    'stall after 0 B client→server: forwarding nothing more (client 2)',
    null,
    null,
  ]);
});

test('the counters add up the events, per direction; a duplicate counts its bytes too', () => {
  const counters = emptyCounters();
  const events: ProxyEvent[] = [
    { kind: 'receive', ...where },
    { kind: 'forward', ...where },
    { kind: 'duplicate', ...where },
    { kind: 'receive', ...where },
    { kind: 'drop', reason: 'loss', ...where },
    { kind: 'receive', ...where },
    { kind: 'reorder', ...where },
    { kind: 'corrupt', bit: 1, ...where },
    { kind: 'forward', ...where, bytes: 10 },
    { kind: 'forward', ...where, direction: 'server→client', bytes: 5 },
    { kind: 'cut', client: 1, bytes: 100 },
  ];
  for (const e of events) count(counters, e);
  expect(counters).toEqual({
    'client→server': {
      received: 3,
      forwarded: 2,
      dropped: 1,
      duplicated: 1,
      reordered: 1,
      corrupted: 1,
      bytes: 64 + 64 + 10,
    },
    'server→client': {
      received: 0,
      forwarded: 1,
      dropped: 0,
      duplicated: 0,
      reordered: 0,
      corrupted: 0,
      bytes: 5,
    },
  });
});

test('the summary is one line per direction, under the seed', () => {
  const counters = emptyCounters();
  counters['client→server'] = {
    ...counters['client→server'],
    forwarded: 1400,
    dropped: 600,
    bytes: 89_600,
  };
  expect(formatSummary(counters, 42)).toEqual([
    'summary (seed 42):',
    '  client→server: 1400 forwarded, 600 dropped, 0 duplicated, 0 reordered, 0 corrupted, 89600 B',
    '  server→client: 0 forwarded, 0 dropped, 0 duplicated, 0 reordered, 0 corrupted, 0 B',
  ]);
});

test('a Tally counts every event, hands each on, and logs decision lines only with trace', () => {
  const logged: string[] = [];
  const seen: ProxyEvent[] = [];
  const tally = new Tally({
    log: (l) => logged.push(l),
    trace: true,
    onEvent: (e) => seen.push(e),
  });
  tally.record({ kind: 'receive', ...where });
  tally.record({ kind: 'drop', reason: 'loss', ...where });
  tally.log('client 1 connected');
  expect(logged).toEqual(['drop #17 client→server 64 B (client 1)', 'client 1 connected']);
  expect(seen.map((e) => e.kind)).toEqual(['receive', 'drop']);
  expect(tally.counters['client→server']).toMatchObject({ received: 1, dropped: 1 });

  const quiet: string[] = [];
  const untraced = new Tally({ log: (l) => quiet.push(l) });
  untraced.record({ kind: 'drop', reason: 'loss', ...where });
  untraced.log('client 1 connected');
  expect(quiet).toEqual(['client 1 connected']);
  expect(untraced.counters['client→server'].dropped).toBe(1);
});
