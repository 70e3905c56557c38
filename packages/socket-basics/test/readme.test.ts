// The README's transcript block (the console block after `<!-- transcript -->`: the server on a
// free port, the client with two lines, then the server's log) still shows what the programs
// print. Ports are masked; everything else must match. The client prints the ephemeral range
// it reads from /proc, so the check runs where that is Linux's default, as in the README.
// `pnpm transcripts socket-basics` rewrites the block.
import { existsSync, readFileSync } from 'node:fs';
import { checkReadmeOf } from '@socket-lab/common/transcripts';
import { expect, test } from 'vitest';

const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const range = existsSync(RANGE_FILE) ? readFileSync(RANGE_FILE, 'utf8').trim().split(/\s+/) : [];
const asInReadme = range.join('-') === '32768-60999';
if (!asInReadme)
  console.warn(`ephemeral range ${range.join('-') || 'unknown'}: README check skipped`);

test.skipIf(!asInReadme)(
  'the README transcript matches what the programs print now',
  () => {
    const { stale, count, report } = checkReadmeOf(import.meta.url);
    expect(count).toBeGreaterThan(0);
    expect(stale, report).toEqual([]);
  },
  60_000,
);
