// The bench as a user runs it, with tiny numbers: it starts the servers, the floor and two
// proxies as processes, measures every path, and prints the tables. Its own file, so that it
// runs beside the CLI tests instead of after them.
import { runToEnd } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';

const PKG = new URL('..', import.meta.url);

test('bench: TCP and UDP, direct, the floor and fault-proxy, with tiny numbers; nothing lost', async () => {
  // The bench as a user runs it, small: both tables, the ratios, the memory, exit 0.
  const r = await runToEnd(
    PKG,
    'bench/main.ts',
    ['--size', '1M', '--senders', '1,2', '--requests', '20', '--rounds', '2'],
    { timeoutMs: 30_000 },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^\| fault-proxy +\| +[\d,]+ \|/m);
  expect(r.stdout).toMatch(/^\| floor \(bare proxy\) +\| +[\d,]+ \|/m);
  expect(r.stdout).toMatch(
    /^TCP fault-proxy \/ direct: \d+\.\d\dx \(\d+\.\d\dx–\d+\.\d\dx\); \/ floor: \d+\.\d\dx \(/m,
  );
  expect(r.stdout).toMatch(/^\| fault-proxy, 2 senders +\| +[\d,]+ \|.*\| +0 \|/m);
  expect(r.stdout).toMatch(
    /^UDP fault-proxy \/ direct, 1 sender: \d+\.\d\dx \(\d+\.\d\dx–\d+\.\d\dx\); \/ floor: \d+\.\d\dx \(/m,
  );
  expect(r.stdout).toMatch(/^\| UDP +\| +[\d.]+ MiB \|/m);
  const bad = await runToEnd(PKG, 'bench/main.ts', ['--senders', '0']);
  expect(bad.code).toBe(2);
});

test('bench --quick --json: one JSON line, fault-proxy against direct with the goals', async () => {
  // What `pnpm bench --quick` reads: stdout is one JSON document and nothing else.
  const r = await runToEnd(PKG, 'bench/main.ts', ['--quick', '--json'], { timeoutMs: 60_000 });
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const doc = JSON.parse(lines[0] ?? '');
  expect(doc.rows.map((row: { name: string }) => row.name)).toEqual([
    'direct',
    'floor (bare proxy)',
    'fault-proxy',
  ]);
  expect(doc.comparisons).toMatchObject([
    { figure: 'TCP MB/s', row: 'fault-proxy', anchor: 'direct', goal: 0.6 },
    { figure: 'UDP round trips/s, 1 sender', row: 'fault-proxy', anchor: 'direct', goal: 0.5 },
  ]);
  expect(doc.machine.cores).toBeGreaterThan(0);
}, 90_000);
