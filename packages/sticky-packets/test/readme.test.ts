// The README's transcript blocks (the console blocks after `<!-- transcript -->`: the demo)
// still show what the commands print. Ports, times and rates are masked; the demo is
// deterministic, so everything else must match. `pnpm transcripts sticky-packets` rewrites them.
import { checkReadmeOf } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count, report } = checkReadmeOf(import.meta.url);
  expect(count).toBeGreaterThan(0);
  expect(stale, report).toEqual([]);
}, 60_000);
