// The README's transcript blocks (the console blocks after `<!-- transcript -->`: the demo)
// still show what the commands print. Ports, times, rates and temp paths are masked; the demo
// is deterministic, so everything else must match. `pnpm transcripts file-transfer` (at the
// repository root) rewrites them.
import { checkReadmeOf, maskVolatile } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

// Each command runs as a learner would run it, from the repository root: 90 s for a demo
// started through pnpm and tsx on a busy machine.
test('the README transcripts match what the programs print now', () => {
  const { stale, count, report } = checkReadmeOf(import.meta.url);
  expect(count).toBeGreaterThan(0);
  // A stale block fails with the difference, masked as the comparison saw it.
  for (const s of stale) {
    expect(maskVolatile(s.actual), `$ ${s.command}`).toBe(maskVolatile(s.shown));
  }
  expect(stale, report).toEqual([]);
}, 90_000);
