// The README's transcript block (the console block after `<!-- transcript -->`: the demo's five
// scenes at seed 7) still shows what the demo prints. Ports and the round-trip times are
// masked; the drops, copies, swaps and pieces come from the seed, so everything else must
// match. `pnpm transcripts fault-proxy` rewrites it.
import { checkReadmeOf } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcript matches what the demo prints now', () => {
  const { stale, count, report } = checkReadmeOf(import.meta.url);
  expect(count).toBeGreaterThan(0);
  expect(stale, report).toEqual([]);
}, 60_000);
