// `pnpm --filter file-transfer client [--hash blake3|sha256|none] [--protocol v1|seed] FILE...`:
// the sender. stdout gets one `b3sum`/`sha256sum` line per verified file (so `client *.iso >
// SUMS` works); progress and results go to stderr.
import { onShutdown, runCli, toChoice, toMilliseconds, UsageError } from '@socket-lab/common';
import { sumLine } from '../digest.js';
import { createProgressDisplay } from '../progress.js';
import { HASH_NAMES } from '../protocol.js';
import { sendSeedFile } from '../seed-sender.js';
import { SENDER_TIMEOUT_MS, sendFiles } from '../sender.js';

const spec = {
  usage: 'pnpm --filter file-transfer client',
  role: 'client',
  summary:
    'Sends files to the file-transfer receiver, verified and resumable (seed 001, done right).',
  defaultPort: 9999,
  positionals: 'FILE...',
  flags: {
    hash: {
      type: 'string',
      valueName: 'blake3|sha256|none',
      default: 'blake3',
      description: 'digest both sides check (sha256: what sha256sum prints; none: size only)',
    },
    protocol: {
      type: 'string',
      valueName: 'v1|seed',
      default: 'v1',
      description: "v1: this package's protocol; seed: seed 001's, line by line (no checks)",
    },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: String(SENDER_TIMEOUT_MS / 1000),
      description: 'give up connecting, or waiting for an answer, after this long',
    },
  },
} as const;

await runCli(spec, async ({ host, port, flags, positionals: files }) => {
  const hash = toChoice(flags.hash, '--hash', HASH_NAMES);
  const protocol = toChoice(flags.protocol, '--protocol', ['v1', 'seed'] as const);
  const timeoutMs = toMilliseconds(flags.timeout, '--timeout');
  if (files.length === 0) throw new UsageError('name at least one FILE to send');
  // pnpm runs scripts in the package folder; INIT_CWD is where the command was typed, so
  // that `pnpm --filter file-transfer client ./some.iso` finds ./some.iso where you are.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

  if (protocol === 'seed') {
    onShutdown(() => process.exit(0));
    let failed = 0;
    for (const file of files) {
      const report = await sendSeedFile(file, { host, port, timeoutMs });
      console.error(`${file}: ${report.message}`);
      if (!report.complete) failed += 1;
    }
    console.error('(the seed protocol has no size and no checksum: nothing was verified)');
    return failed > 0 ? 1 : 0;
  }

  // Ctrl+C stops the transfer politely: the receiver keeps a partial, and the next run resumes.
  const stop = new AbortController();
  onShutdown(() => stop.abort());
  const display = await createProgressDisplay(process.stderr, console.error);
  const reports = await sendFiles(files, {
    host,
    port,
    hash,
    timeoutMs,
    signal: stop.signal,
    onProgress: (p) => display.update(p),
    log: (line) => {
      display.finish();
      console.error(line);
    },
  });
  display.finish();
  for (const r of reports)
    if (r.digest && hash !== 'none') console.log(sumLine(hash, r.digest, r.file));
  if (stop.signal.aborted) return 0;
  return reports.length === files.length && reports.every((r) => r.status === 'saved') ? 0 : 1;
});
