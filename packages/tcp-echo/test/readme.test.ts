// The README's transcript blocks (the console blocks after `<!-- transcript -->`: a server with
// our client and the seed's, and the demo) still show what the commands print. Ports, times
// and rates are masked; everything else must match. `pnpm transcripts tcp-echo` rewrites them.
import { fileURLToPath } from 'node:url';
import { checkTranscripts } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count } = checkTranscripts(fileURLToPath(new URL('..', import.meta.url)));
  expect(count).toBeGreaterThan(0);
  const diff = stale.map((s) => `$ ${s.command}\n--- README\n${s.shown}--- now\n${s.actual}`);
  expect(stale, `stale transcripts (run pnpm transcripts tcp-echo):\n${diff.join('\n')}`).toEqual(
    [],
  );
}, 60_000);
