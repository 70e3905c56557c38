// The checks that udp-echo's and udp-time's CLI tests make of their bench (both are
// runUdpSeedBench): bench/main.ts run as a user runs it, with tiny numbers, once for the
// table and once for --json. For tests only: it imports vitest.
import { hasPython3, runToEnd } from '@socket-lab/common/testing';
import { expect } from 'vitest';

/** The bench under test: its package folder, its name and the seed's row. */
export interface UdpBenchUnderTest {
  pkg: URL;
  /** `udp-echo`: the name of our row and of the document. */
  bench: string;
  /** `seed 002 server (Python 3)`: the row the seed's server gets where python3 runs. */
  seedRow: string;
}

/**
 * The table: a row per server under the same small load (2 senders × 20 requests, one
 * round), every request answered, the ratio lines, nothing on stderr and exit 0; then a bad
 * flag, which exits 2.
 */
export async function checkUdpBenchTable(b: UdpBenchUnderTest): Promise<void> {
  const r = await runToEnd(
    b.pkg,
    'bench/main.ts',
    ['--senders', '2', '--requests', '20', '--rounds', '1'],
    {
      timeoutMs: 30_000,
    },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(rowOf(`${b.bench} (Node`, '[^|]*'));
  if (hasPython3()) {
    expect(r.stdout).toMatch(rowOf(b.seedRow, ' *'));
    expect(r.stdout).toMatch(/^ours \/ seed 002: \d+\.\d\d× the round trips per second$/m);
    expect(r.stdout).toMatch(/^rounds: 1, ratio per round \d+\.\d\d×$/m);
  }
  const bad = await runToEnd(b.pkg, 'bench/main.ts', ['--senders', '0']);
  expect(bad.code).toBe(2);
}

/**
 * --quick --json, what `pnpm bench --quick` reads: stdout is one line of JSON and nothing
 * else (the load line goes to stderr), with the load, a row per server, the ratio against
 * the seed and its goal, and the machine. A tiny load keeps it fast.
 */
export async function checkUdpBenchJson(b: UdpBenchUnderTest): Promise<void> {
  const r = await runToEnd(
    b.pkg,
    'bench/main.ts',
    ['--quick', '--json', '--senders', '2', '--requests', '20', '--rounds', '2'],
    { timeoutMs: 30_000 },
  );
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(new RegExp(`^${b.bench} bench: 2 senders × 20 .* 2 rounds per server`));
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const doc = JSON.parse(lines[0] ?? '');
  expect(doc).toMatchObject({
    bench: b.bench,
    params: { senders: 2, requests: 20, rounds: 2 },
    machine: { cores: expect.any(Number), node: process.version },
  });
  expect(doc.rows[0]).toMatchObject({
    name: expect.stringMatching(new RegExp(`^${b.bench} \\(Node `)),
    figures: { answered: 80, lost: 0, 'round trips/s': expect.any(Number) },
  });
  if (hasPython3()) {
    expect(doc.rows).toHaveLength(2);
    expect(doc.rows[1].name).toBe(b.seedRow);
    expect(doc.comparisons[0]).toMatchObject({
      figure: 'round trips/s',
      row: doc.rows[0].name,
      anchor: doc.rows[1].name,
      ratio: expect.any(Number),
      goal: 0.9,
      met: expect.any(Boolean),
    });
    expect(doc.comparisons[0].ratio).toBeCloseTo(
      doc.rows[0].figures['round trips/s'] / doc.rows[1].figures['round trips/s'],
      9,
    );
  }
}

/** A table row that starts with `name` (then `pad`), has a rate, and ends `| 40 | 0 |`. */
function rowOf(name: string, pad: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\| ${escaped}${pad}\\| +[\\d,]+ \\|.*\\| +40 \\| +0 \\|$`, 'm');
}
