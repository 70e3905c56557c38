// The benchmark's machinery, not part of the lesson: run one transfer as
// real processes (ours as users start them, `node --import tsx`; nc; the seed protocol), time
// it, and watch each side's peak memory (VmHWM in /proc/PID/status, sampled until it ends).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPeakRss } from '@socket-lab/bench/system';
import type { HashName } from '../src/protocol.js';
import { digestFile } from './files.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** How often peak memory is read while a process runs. */
const SAMPLE_MS = 20;
/** A run that takes longer than this has hung: fail it. */
const RUN_LIMIT_MS = 10 * 60_000;

/** One measured transfer. */
export interface RunResult {
  seconds: number;
  senderPeakKb: number;
  receiverPeakKb: number;
  /** The received file has the sent file's digest. */
  intact: boolean;
}

/** Every child still running, so that Ctrl+C can stop them all. */
const running = new Set<ChildProcess>();

/** Kills every child the benchmark started that is still running. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** A child process, what it printed, and its peak resident memory so far. */
class Watched {
  stdout = '';
  stderr = '';
  peakKb = 0;
  readonly exited: Promise<number | null>;
  private readonly timer: NodeJS.Timeout;
  private wake: (() => void) | undefined;

  constructor(readonly child: ChildProcess) {
    running.add(child);
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
      this.wake?.();
    });
    child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t;
      this.wake?.();
    });
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.exited = once(child, 'close').then(([code]) => {
      running.delete(child);
      clearInterval(this.timer);
      return code as number | null;
    });
  }

  /** Reads VmHWM (the kernel's own high-water mark of resident memory). */
  sample(): void {
    try {
      this.peakKb = Math.max(this.peakKb, readPeakRss(this.child.pid as number) / 1024);
    } catch {
      // gone already: the last sample stands
    }
  }

  /** Resolves with the first match of `re` in stderr + stdout; rejects if the process ends. */
  async waitFor(re: RegExp): Promise<RegExpMatchArray> {
    let ended = false;
    void this.exited.then(() => {
      ended = true;
      this.wake?.();
    });
    for (;;) {
      const m = (this.stdout + this.stderr).match(re);
      if (m) return m;
      if (ended) throw new Error(`${this.child.spawnargs.join(' ')} ended early:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

function start(
  command: string,
  args: string[],
  stdio?: { input?: number; output?: number },
  extraEnv: NodeJS.ProcessEnv = {},
) {
  const env = { ...process.env, ...extraEnv };
  delete env.NODE_EXTRA_CA_CERTS; // loopback only; it costs time and memory at every start
  const child = spawn(command, args, {
    cwd: PACKAGE_DIR,
    env,
    stdio: [stdio?.input ?? 'ignore', stdio?.output ?? 'pipe', 'pipe'],
  });
  return new Watched(child);
}

/** One of our programs, started as its package.json script starts it. */
function node(script: string, args: string[], env?: NodeJS.ProcessEnv): Watched {
  const argv = ['--import', TSX, path.join('src/bin', script), ...args];
  return start(process.execPath, argv, undefined, env);
}

/** Waits for `w` to exit with code 0, within the run limit. */
async function finished(w: Watched): Promise<void> {
  const limit = setTimeout(() => w.child.kill('SIGKILL'), RUN_LIMIT_MS);
  const code = await w.exited;
  clearTimeout(limit);
  if (code !== 0)
    throw new Error(`${w.child.spawnargs.join(' ')} exited with ${code}:\n${w.stderr}`);
}

/** Stops a receiver after a last look at its peak memory. */
async function stopReceiver(w: Watched): Promise<void> {
  w.sample();
  w.child.kill('SIGTERM');
  await w.exited;
}

/** The baseline: `nc -l` writing to a file, `nc -N` reading one; timed from outside. */
export async function runNc(file: string, outDir: string, digest: Buffer): Promise<RunResult> {
  const out = path.join(outDir, 'nc.out');
  const outFd = await fs.open(out, 'w');
  const inFd = await fs.open(file, 'r');
  try {
    const receiver = start('nc', ['-v', '-l', '127.0.0.1', '0'], { output: outFd.fd });
    const port = (await receiver.waitFor(/Listening on \S+ (\d+)/))[1] as string;
    const began = performance.now();
    const sender = start('nc', ['-N', '127.0.0.1', port], { input: inFd.fd });
    await Promise.all([finished(sender), finished(receiver)]);
    const seconds = (performance.now() - began) / 1000;
    return { seconds, ...peaks(sender, receiver), intact: await sameDigest(out, digest) };
  } finally {
    await Promise.all([outFd.close(), inFd.close()]);
  }
}

/**
 * OpenSSL reads this at start: it masks the SHA extensions (CPUID leaf 7, EBX bit 29), so
 * SHA-256 runs as it does on CPUs without them.
 */
export const WITHOUT_SHA_EXTENSIONS = { OPENSSL_ia32cap: ':~0x20000000' };

/**
 * Our receiver and sender (both with `env` added); the time is the sender's own, from the
 * offer to the receiver's answer.
 */
export async function runOurs(
  file: string,
  outDir: string,
  digest: Buffer,
  hash: HashName,
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  const receiver = node('start.ts', ['--port', '0', '--out', outDir], env);
  try {
    const port = (await receiver.waitFor(/listening on \S+:(\d+) \(tcp\)/))[1] as string;
    const sender = node('client.ts', ['--port', port, '--hash', hash, file], env);
    await finished(sender);
    const m = /saved as .* in ([\d.]+) s[,)]/.exec(sender.stderr);
    if (!m) throw new Error(`no result line from the sender:\n${sender.stderr}`);
    await stopReceiver(receiver);
    const intact = await sameDigest(path.join(outDir, path.basename(file)), digest);
    return { seconds: Number(m[1]), ...peaks(sender, receiver), intact };
  } finally {
    receiver.child.kill('SIGKILL');
  }
}

/** Both sides with --protocol seed: one round trip per line. */
export async function runSeed(file: string, outDir: string, digest: Buffer): Promise<RunResult> {
  const receiver = node('start.ts', ['--port', '0', '--out', outDir, '--protocol', 'seed']);
  try {
    const port = (await receiver.waitFor(/listening on \S+:(\d+) \(tcp\)/))[1] as string;
    const sender = node('client.ts', ['--port', port, '--protocol', 'seed', file]);
    await finished(sender);
    const m = / in ([\d.]+) s, each answered/.exec(sender.stderr);
    if (!m) throw new Error(`no result line from the seed sender:\n${sender.stderr}`);
    await receiver.waitFor(/saved as file/);
    await stopReceiver(receiver);
    const intact = await sameDigest(path.join(outDir, 'file'), digest);
    return { seconds: Number(m[1]), ...peaks(sender, receiver), intact };
  } finally {
    receiver.child.kill('SIGKILL');
  }
}

/** Peak memory of `node --import tsx` doing nothing: the loader's share of every figure. */
export async function idleTsxPeakKb(): Promise<number> {
  const w = start(process.execPath, ['--import', TSX, '-e', 'setTimeout(() => {}, 300)']);
  await finished(w);
  return w.peakKb;
}

/**
 * Writes every dirty page to disk (`sync`), between runs and outside their timing. Each run
 * leaves up to a gigabyte in the page cache for the kernel to write back, and no run should
 * pay for the one before it. (It is not why the row right after nc ran slow: that stayed
 * with sync too, and the shuffled order in main.ts is what spreads it.)
 */
export function flushToDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/** Whether `nc` runs here (the baseline needs it). */
export function hasNc(): boolean {
  return !spawnSync('nc', ['-h'], { stdio: 'ignore' }).error;
}

function peaks(sender: Watched, receiver: Watched) {
  return { senderPeakKb: sender.peakKb, receiverPeakKb: receiver.peakKb };
}

async function sameDigest(file: string, digest: Buffer): Promise<boolean> {
  const got = await digestFile(file);
  await fs.rm(file, { force: true });
  return got?.equals(digest) === true;
}
