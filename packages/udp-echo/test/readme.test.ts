// The README's transcript block (the console block after `<!-- transcript -->`: the demo, with
// its scene through fault-proxy at seed 7) still shows what the demo prints. Ports, times
// and rates are masked; everything else must match. `pnpm transcripts udp-echo` rewrites them.
import { fileURLToPath } from 'node:url';
import { checkTranscripts } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count } = checkTranscripts(fileURLToPath(new URL('..', import.meta.url)));
  expect(count).toBeGreaterThan(0);
  const diff = stale.map((s) => `$ ${s.command}\n--- README\n${s.shown}--- now\n${s.actual}`);
  expect(stale, `stale transcripts (run pnpm transcripts udp-echo):\n${diff.join('\n')}`).toEqual(
    [],
  );
}, 60_000);
