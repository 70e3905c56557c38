// `pnpm transcripts [package…]`: runs the commands of every README transcript block (the
// console blocks after `<!-- transcript -->`) and writes what they print now into the block.
// `--check` writes nothing and lists the stale blocks (each package's readme test does the same).
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkTranscripts } from '../packages/common/src/transcripts.ts';

const args = process.argv.slice(2).filter((a) => a !== '--');
const check = args.includes('--check');
const names = args.filter((a) => !a.startsWith('-'));
const root = resolve(import.meta.dirname, '..');
let stale = 0;
for (const name of names.length ? names : readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'README.md'))) continue;
  const result = checkTranscripts(dir, { write: !check });
  if (result.count === 0) continue;
  for (const s of result.stale) {
    stale += 1;
    console.log(`${name}: ${check ? 'stale' : 'rewrote'}: $ ${s.command}`);
  }
  console.log(`${name}: ${result.count} transcript(s), ${result.stale.length} changed`);
}
process.exitCode = check && stale ? 1 : 0;
