// `pnpm bench [flags]`: each package's benchmark in turn (those that have one), flags passed on.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let failed = 0;
for (const name of readdirSync('packages').sort()) {
  const file = join('packages', name, 'package.json');
  if (!existsSync(file) || !JSON.parse(readFileSync(file, 'utf8')).scripts?.bench) continue;
  console.log(`\n== ${name} bench`);
  const run = spawnSync('pnpm', ['-s', '--filter', name, 'bench', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed += 1;
}
process.exitCode = failed ? 1 : 0;
