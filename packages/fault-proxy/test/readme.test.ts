// The README's transcript block (the console block after `<!-- transcript -->`: the demo's five
// scenes at seed 7) still shows what the demo prints. Ports and the round-trip times are
// masked; the drops, copies, swaps and pieces come from the seed, so everything else must
// match. `pnpm transcripts fault-proxy` rewrites it.
import { fileURLToPath } from 'node:url';
import { checkTranscripts } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcript matches what the demo prints now', () => {
  const { stale, count } = checkTranscripts(fileURLToPath(new URL('..', import.meta.url)));
  expect(count).toBeGreaterThan(0);
  const diff = stale.map((s) => `$ ${s.command}\n--- README\n${s.shown}--- now\n${s.actual}`);
  expect(stale, `stale transcript (run pnpm transcripts fault-proxy):\n${diff.join('\n')}`).toEqual(
    [],
  );
}, 60_000);
