// The README's transcript block (the console block after `<!-- transcript -->`: the demo, with
// its scene through fault-proxy at seed 7) still shows what the demo prints. Ports, times
// and rates are masked; everything else must match. `pnpm transcripts udp-echo` rewrites them.
import { checkReadmeOf } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count, report } = checkReadmeOf(import.meta.url);
  expect(count).toBeGreaterThan(0);
  expect(stale, report).toEqual([]);
}, 60_000);
