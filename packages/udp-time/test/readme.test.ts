// The README's transcript block (the console block after `<!-- transcript -->`: a server on a
// free port and two questions whose answers do not depend on the clock) still shows what the
// commands print. Ports are masked; everything else must match. `pnpm transcripts udp-time` rewrites it.
import { fileURLToPath } from 'node:url';
import { checkTranscripts } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count } = checkTranscripts(fileURLToPath(new URL('..', import.meta.url)));
  expect(count).toBeGreaterThan(0);
  const diff = stale.map((s) => `$ ${s.command}\n--- README\n${s.shown}--- now\n${s.actual}`);
  expect(stale, `stale transcripts (run pnpm transcripts udp-time):\n${diff.join('\n')}`).toEqual(
    [],
  );
}, 60_000);
