// Address families (the same echo over IPv4, IPv6, AF_UNIX) and socket types.
import { hasIPv6, hasPython3, Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { showFamilies } from '../src/families.js';
import { showSocketTypes } from '../src/socket-types.js';

const ipv6 = await hasIPv6();
const python = hasPython3();

test('the same echo works over every family this machine has', async () => {
  // What this checks: IPv4 and AF_UNIX always, IPv6 where ::1 exists; each echo comes back.
  const log = new Recorder();
  const runs = await showFamilies(log.push);
  const families = runs.map((r) => r.family);
  expect(families).toEqual(ipv6 ? ['AF_INET', 'AF_INET6', 'AF_UNIX'] : ['AF_INET', 'AF_UNIX']);
  for (const run of runs) expect(run.echoed).toBe(`hello over ${run.family}`);
  expect(runs.find((r) => r.family === 'AF_INET')?.listening).toMatch(/^127\.0\.0\.1:\d+$/);
  if (ipv6) expect(runs.find((r) => r.family === 'AF_INET6')?.listening).toMatch(/^\[::1\]:\d+$/);
  // An AF_UNIX server is at a path: no address, no port.
  expect(runs.find((r) => r.family === 'AF_UNIX')?.listening).toMatch(/echo\.sock$/);
  if (!ipv6) expect(log.entries.join('\n')).toContain('skipped');
});

test('a stream keeps no boundaries, datagrams do, and Node has no raw sockets', async () => {
  // What this checks: 10 bytes arrive over TCP in however many reads; two datagrams arrive
  // as two 5-byte messages with their sender; dgram refuses 'raw'.
  const facts = await showSocketTypes(() => {});
  expect(facts.streamReads.reduce((a, b) => a + b, 0)).toBe(10);
  expect(facts.datagrams.map((d) => d.size)).toEqual([5, 5]);
  expect(facts.datagrams[0]?.from).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(facts.nodeRaw).toBe('ERR_SOCKET_BAD_TYPE');
  if (!python) expect(facts.pythonRaw).toBeNull();
  else if (process.getuid?.() === 0) expect(facts.pythonRaw).toBe('ok, created');
  else expect(facts.pythonRaw).toMatch(/PermissionError/);
});
