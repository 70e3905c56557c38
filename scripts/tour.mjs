// `pnpm demo`: a tour of every example, one after another, each under its own heading, so the
// output reads top to bottom. Each package's demo runs its server and client on a free
// loopback port and exits; a failing demo is reported and the tour goes on.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ORDER = [
  'socket-basics',
  'tcp-basic',
  'tcp-echo',
  'udp-echo',
  'udp-time',
  'sticky-packets',
  'file-transfer',
  'fault-proxy',
];
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // loopback only; it costs ~0.3 s per node start here

// `pnpm demo | head`: stop quietly when the reader has seen enough.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const failed = [];
for (const name of ORDER) {
  const dir = join('packages', name);
  if (!existsSync(join(dir, 'src/bin/demo.ts'))) continue;
  const { description } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const title = `${name}: ${description}`;
  console.log(
    `\n${'━'.repeat(Math.min(title.length, 100))}\n${title}\n${'━'.repeat(Math.min(title.length, 100))}`,
  );
  await new Promise((resolve) => setImmediate(resolve)); // an EPIPE shows up here
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/bin/demo.ts'], {
    cwd: dir,
    stdio: 'inherit',
    env,
  });
  if (run.status !== 0) failed.push(name);
}
console.log(failed.length ? `\ntour: ${failed.join(', ')} failed` : '\ntour: every demo ran');
process.exitCode = failed.length ? 1 : 0;
