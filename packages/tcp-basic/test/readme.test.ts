// The README's transcript blocks (the console blocks after `<!-- transcript -->`: a server with
// its client, and the demo) still show what the commands print. Ports are masked; everything
// else must match. `pnpm transcripts tcp-basic` rewrites them.
import { checkReadmeOf } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

test('the README transcripts match what the programs print now', () => {
  const { stale, count, report } = checkReadmeOf(import.meta.url);
  expect(count).toBeGreaterThan(0);
  expect(stale, report).toEqual([]);
}, 60_000);
