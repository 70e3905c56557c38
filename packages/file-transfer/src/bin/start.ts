// `pnpm --filter file-transfer start [--out DIR] [--overwrite] [--max-size SIZE] [--protocol v1|seed]`:
// the receiver (`--help` lists every flag, the limits among them). Saves each file under --out (default ./received), relative to where the
// command was typed, as the client finds its FILEs: pnpm runs scripts in the package folder
// and says where you were in INIT_CWD.
import fs from 'node:fs/promises';
import {
  closeServer,
  FatalError,
  listenTcp,
  onShutdown,
  runCli,
  toBytes,
  toChoice,
  toInteger,
  toMilliseconds,
  trackConnections,
} from '@socket-lab/common';
import {
  createReceiver,
  IDLE_TIMEOUT_MS,
  KEEP_PARTIAL_MS,
  MAX_CLIENTS,
  MAX_PARTIALS,
} from '../receiver.js';
import { createSeedReceiver } from '../seed-receiver.js';
import { describeFsError } from '../units.js';

const spec = {
  usage: 'pnpm --filter file-transfer start',
  role: 'server',
  summary:
    'Receives files into --out: checked, verified, renamed into place, resumable (seed 001, done right).',
  defaultPort: 9999,
  flags: {
    out: {
      type: 'string',
      valueName: 'DIR',
      default: './received',
      description: 'where files are saved (created if missing)',
    },
    overwrite: {
      type: 'boolean',
      description: 'replace existing files (otherwise they are refused)',
    },
    'max-size': {
      type: 'string',
      valueName: 'SIZE',
      default: '0',
      description: 'refuse larger files, before any byte is sent (K, M, G; 0 = no limit)',
    },
    protocol: {
      type: 'string',
      valueName: 'v1|seed',
      default: 'v1',
      description: "v1: this package's protocol; seed: seed 001's (for its Python sender)",
    },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      default: String(IDLE_TIMEOUT_MS / 1000),
      description: 'drop a sender that sends nothing for this long',
    },
    'max-clients': {
      type: 'string',
      valueName: 'N',
      default: String(MAX_CLIENTS),
      description: 'senders served at once; the next one is told it is busy and closed',
    },
    'max-partials': {
      type: 'string',
      valueName: 'N',
      default: String(MAX_PARTIALS),
      description: 'partial files kept at most; past it the oldest idle ones are removed',
    },
    'keep-partial': {
      type: 'string',
      valueName: 'SECONDS',
      default: String(KEEP_PARTIAL_MS / 1000),
      description: "how long a cut transfer's partial file is kept for a resume",
    },
    fsync: {
      type: 'boolean',
      description: 'flush each file to disk before renaming it into place',
    },
  },
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const protocol = toChoice(flags.protocol, '--protocol', ['v1', 'seed'] as const);
  const maxSize = toBytes(flags['max-size'], '--max-size');
  const idleTimeoutMs = toMilliseconds(flags.timeout, '--timeout');
  const keepPartialMs = toMilliseconds(flags['keep-partial'], '--keep-partial', 365 * 86_400);
  const maxClients = toInteger(flags['max-clients'], '--max-clients', 1);
  const maxPartials = toInteger(flags['max-partials'], '--max-partials', 1);
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const dir = flags.out;
  try {
    await fs.mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // EEXIST: something else has the name; see below
    });
    if (!(await fs.stat(dir)).isDirectory()) throw new Error('it is not a directory');
  } catch (err) {
    throw new FatalError(`cannot use --out ${dir}: ${describeFsError(err)}`);
  }
  const common = { dir, overwrite: flags.overwrite, maxSize, idleTimeoutMs, maxClients };
  const server =
    protocol === 'seed'
      ? createSeedReceiver(common)
      : createReceiver({ ...common, keepPartialMs, maxPartials, fsync: flags.fsync });
  const open = trackConnections(server);
  await listenTcp(server, { host, port });
  console.log(
    `saving files in ${dir}${protocol === 'seed' ? " (seed protocol: each file is saved as 'file')" : ''}`,
  );
  onShutdown(() => closeServer(server, open));
});
