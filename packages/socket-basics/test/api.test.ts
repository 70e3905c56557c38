// The Python-to-Node API table: every row points at a line that exists, and the README
// carries the same rows.
import { readFile } from 'node:fs/promises';
import { Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { API_ROWS, findUse, showApi } from '../src/api.js';

test('the table covers seed 002 and 004 calls the issue names', () => {
  // What this checks: no call of the list is missing from the table.
  const calls = API_ROWS.map((row) => row.python.replace(/\(.*$/, ''));
  for (const call of [
    'socket',
    'bind',
    'listen',
    'accept',
    'connect',
    'connect_ex',
    'recv',
    'recvfrom',
    'send',
    'sendall',
    'sendto',
    'settimeout',
    'setblocking',
    'setsockopt',
    'getsockname',
    'getpeername',
    'shutdown',
    'close',
    'makefile',
  ]) {
    expect(calls).toContain(call);
  }
});

test('every row is found in the example it names', async () => {
  // What this checks: a row whose example no longer uses the call shows up here, not only
  // as "not found" in the demo.
  for (const row of API_ROWS) {
    expect(await findUse(row), `${row.python} in ${row.example}`).toMatch(
      new RegExp(`^${row.example}/src/.+\\.ts:\\d+$`),
    );
  }
});

test('the README has a row for each, naming the same example', async () => {
  // What this checks: the README's table and the demo's say the same.
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  for (const row of API_ROWS) {
    const line = readme.split('\n').find((l) => l.startsWith(`| \`${row.python}\``));
    expect(line, row.python).toBeDefined();
    expect(line).toContain(row.example);
  }
});

test("connect_ex's errno is the one Node reports", async () => {
  // What this checks: a refused connection reports ECONNREFUSED with its errno.
  const log = new Recorder();
  await showApi(log.push);
  expect(log.entries.at(-1)).toMatch(
    /^connect_ex\(\('127\.0\.0\.1', \d+\)\) would return (\d+): Node says err\.code ECONNREFUSED, err\.errno -\1$/,
  );
});
