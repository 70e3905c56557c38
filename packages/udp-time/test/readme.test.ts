// The README's transcript block (the console block after `<!-- transcript -->`: a server on a
// free port and two questions whose answers do not depend on the clock) still shows what the
// commands print. Ports are masked; everything else must match. `pnpm transcripts udp-time` rewrites it.
import { checkReadmeOf } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count, report } = checkReadmeOf(import.meta.url);
  expect(count).toBeGreaterThan(0);
  expect(stale, report).toEqual([]);
}, 60_000);
