// TIME_WAIT and SO_REUSEADDR: restarting a server right after it closed a connection first.
import { hasPython3, Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { ssByPort } from '../src/system.js';
import { showTimeWait } from '../src/time-wait.js';

const python = hasPython3();
const ss = (await ssByPort(1)) !== null;
if (!python) console.warn('python3 not found: only the Node restart is checked');

test("Node's restart succeeds; Python's without SO_REUSEADDR fails with EADDRINUSE", async () => {
  // What this checks: the seed-style Python server (no SO_REUSEADDR) cannot bind its port
  // again while its old end is in TIME_WAIT; Node can, and Python can with SO_REUSEADDR.
  const log = new Recorder();
  const runs = await showTimeWait(log.push);
  const [node, plain, reuse] = runs;
  expect(node).toMatchObject({ who: 'node', restart: 'ok, listening again' });
  if (ss) expect(node?.timeWait?.[0]).toContain(`:${node?.port}`);
  if (!python) return;
  expect(plain?.who).toBe('python3');
  expect(plain?.restart).toMatch(/Address already in use/);
  expect(log.entries.join('\n')).toMatch(/node on that port now: EADDRINUSE/);
  if (ss) expect(plain?.timeWait?.[0]).toMatch(/timewait/);
  expect(reuse).toMatchObject({ who: 'python3 + SO_REUSEADDR', restart: 'ok, listening again' });
});
