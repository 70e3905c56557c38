// The benchmark's conductor. For each load (clients × size) and each server, it starts a load
// generator in a process of its own (tcp-load-process.ts, from @socket-lab/bench) and reads
// both processes' CPU time and memory from /proc at the moments that matter: all clients
// connected and idle, last echo in.
// The servers run as separate processes too: ours (src/bin/start.ts), the minimal pipe echo,
// and the seed's ThreadingTCPServer in Python 3, so all three meet the same load on the same
// machine in the same invocation.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  CLOCK_TICKS,
  readCpuTicks,
  readMachineCpu,
  readRss,
  spawnWithFdLimit,
} from '@socket-lab/bench/system';
import type { LoadOptions, LoadResult } from '@socket-lab/bench/tcp-load';
import { FatalError } from '@socket-lab/common';
import type { Run } from './report.js';

/** The servers the bench can start, by the name `--servers` takes. */
export const SERVERS = {
  'tcp-echo': {
    label: 'tcp-echo',
    greeting: true,
    backlog: 511, // Node's default listen backlog
    command: (host: string) => node('src/bin/start.ts', '--host', host, '--port', '0', '--quiet'),
  },
  pipe: {
    label: 'pipe echo',
    greeting: false,
    backlog: 511,
    command: (host: string) => node('bench/pipe-echo.ts', '--host', host, '--port', '0'),
  },
  python: {
    label: 'python seed',
    greeting: true,
    backlog: 5, // socketserver's request_queue_size, like the seed's listen(5)
    command: (host: string) => ['python3', 'test/fixtures/seed001_threading_server.py', host, '0'],
  },
} as const;
export type ServerName = keyof typeof SERVERS;

/**
 * A thread per client: 10,000 threads would also take this machine's processes and memory
 * from everyone else sharing it. Above this many clients the Python server is skipped.
 */
export const PYTHON_MAX_CLIENTS = 2000;

export interface Load {
  clients: number;
  size: number;
  messages: number;
  timeLimitMs: number;
}

/** The package folder: the servers' paths above are relative to it. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** The load generator's own process, from @socket-lab/bench. */
const LOAD_PROCESS = fileURLToPath(import.meta.resolve('@socket-lab/bench/tcp-load-process'));
const CORES = availableParallelism();

/**
 * The shortest run whose CPU figures mean something: /proc counts in ticks of 1/CLK_TCK s,
 * and a run of a few milliseconds gives any percentage at all.
 */
const MIN_CPU_RUN_MS = 1000;

/** A server process the bench started, and the port it printed. */
export interface StartedServer {
  name: string;
  port: number;
  greeting: boolean;
  backlog: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server by name and resolves once it prints `listening on …`. */
export async function startServer(
  name: ServerName,
  host: string,
  fdsNeeded: number,
  cpu: number | null = null,
): Promise<StartedServer> {
  const [command, ...args] = SERVERS[name].command(host) as readonly string[];
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // loopback needs no extra CAs, and loading them slows every node start
  // Python's print() would flush every line (we export PYTHONUNBUFFERED for the tests).
  // The seed prints every message; let it buffer as Python does by default when piped.
  delete env.PYTHONUNBUFFERED;
  const child = spawnWithFdLimit(
    command as string,
    args,
    fdsNeeded,
    { cwd: PACKAGE_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] },
    cpu,
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on \S+:(\d+) \(tcp\)/.exec(out);
      if (!m) return;
      // From now on the output is read and dropped: the Python seed prints every message,
      // and a pipe nobody reads would stop it.
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(Number(m[1]));
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new FatalError(`${name} server exited (code ${code}) before listening: ${stderr}`)),
    );
    child.once('error', (err) => reject(new FatalError(`cannot start ${name}: ${err.message}`)));
  });
  return {
    name: SERVERS[name].label,
    port,
    greeting: SERVERS[name].greeting,
    backlog: SERVERS[name].backlog,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs one load against a server on host:port, the load generator in its own process.
 * `serverPid` (when the bench started the server) lets it read the server's CPU and memory.
 */
export async function measure(
  server: { name: string; port: number; greeting: boolean; backlog?: number; pid?: number },
  host: string,
  load: Load,
  cpu: number | null = null,
): Promise<Run> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawnWithFdLimit(
    process.execPath,
    ['--import', TSX, LOAD_PROCESS],
    load.clients + 100,
    { cwd: PACKAGE_DIR, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    cpu,
  );
  const options: Omit<LoadOptions, 'ready' | 'finished'> = {
    host,
    port: server.port,
    clients: load.clients,
    messages: load.messages,
    size: load.size,
    greeting: server.greeting,
    connectsInFlight: server.backlog,
    timeLimitMs: load.timeLimitMs,
  };
  const pid = server.pid;
  const before = pid ? readRss(pid) : 0;
  let idle = 0;
  let cpuAtGo = 0;
  let timeAtGo = 0;
  let serverCpuPct: number | null = null;
  let machineCpuPct: number | null = null;
  let machineAtGo = readMachineCpu();
  let after = 0;
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.on('message', (message: unknown) => {
      if (message === 'ready') {
        if (pid) {
          idle = readRss(pid);
          cpuAtGo = readCpuTicks(pid);
        }
        timeAtGo = performance.now();
        machineAtGo = readMachineCpu();
        child.send('go');
      } else if (message === 'finished') {
        // /proc counts CPU in clock ticks (10 ms): a shorter run gets no CPU figures.
        const longEnough = performance.now() - timeAtGo >= MIN_CPU_RUN_MS;
        const machine = longEnough ? readMachineCpu() : null;
        if (machine && machineAtGo) {
          const busy = machine.busy - machineAtGo.busy;
          const total = machine.total - machineAtGo.total;
          machineCpuPct = total > 0 ? (busy / total) * CORES * 100 : null;
        }
        if (pid && longEnough) {
          const seconds = (performance.now() - timeAtGo) / 1000;
          serverCpuPct = ((readCpuTicks(pid) - cpuAtGo) / CLOCK_TICKS / seconds) * 100;
        }
        if (pid) after = readRss(pid);
      } else if (typeof message === 'object' && message && 'result' in message) {
        resolve((message as { result: LoadResult }).result);
      }
    });
    child.once('exit', (code) =>
      reject(new FatalError(`the load generator exited (code ${code})`)),
    );
    child.send(options);
  });
  await once(child, 'exit');
  return {
    server: server.name,
    clients: load.clients,
    size: load.size,
    messagesPerClient: load.messages,
    result,
    serverCpuPct,
    machineCpuPct,
    cores: CORES,
    loadCpuPct: result.elapsedMs >= MIN_CPU_RUN_MS ? (result.cpuMs / result.elapsedMs) * 100 : null,
    rss: pid ? { before, idle, after } : null,
  };
}

function node(script: string, ...args: string[]): string[] {
  return [process.execPath, '--import', TSX, script, ...args];
}

export interface BenchOptions {
  host: string;
  /** Measure a server that is already running there, instead of starting ours and the others. */
  port?: number;
  /** With `port`: whether that server greets first. */
  greeting?: boolean;
  clients: number[];
  sizes: number[];
  messages: number;
  /** Each load is run this many times against each server, servers taking turns. */
  rounds: number;
  /** CPUs to pin [server, load generator] to, or null to let the kernel place them. */
  pin: [number, number] | null;
  timeLimitMs: number;
  servers: ServerName[];
  /** Progress lines (which run is on), for stderr. */
  progress: (line: string) => void;
}

/**
 * Every load (each clients × size) against every server, servers taking turns on each load so
 * that a busy moment of the shared machine does not fall on one server only. Resolves with
 * one Run per (load, server); servers it started are stopped, whatever happens.
 */
export async function runBench(opts: BenchOptions): Promise<Run[]> {
  const loads = opts.clients.flatMap((clients) =>
    opts.sizes.map((size) => ({
      clients,
      size,
      messages: opts.messages,
      timeLimitMs: opts.timeLimitMs,
    })),
  );
  const maxClients = Math.max(...opts.clients);
  const runs: Run[] = [];
  if (opts.port !== undefined) {
    const target = {
      name: `${opts.host}:${opts.port}`,
      port: opts.port,
      greeting: opts.greeting ?? true,
    };
    for (const load of loads) {
      for (let round = 1; round <= opts.rounds; round++) {
        opts.progress(`${describe(load)} → ${target.name}`);
        runs.push(await measure(target, opts.host, load, opts.pin?.[1] ?? null));
      }
    }
    return runs;
  }

  const started: StartedServer[] = [];
  try {
    for (const name of opts.servers) {
      if (name === 'python' && maxClients > PYTHON_MAX_CLIENTS) continue;
      started.push(await startServer(name, opts.host, maxClients + 100, opts.pin?.[0] ?? null));
    }
    for (const load of loads) {
      for (let round = 1; round <= opts.rounds; round++) {
        for (const server of started) {
          const of = opts.rounds > 1 ? ` (round ${round} of ${opts.rounds})` : '';
          opts.progress(`${describe(load)} → ${server.name}${of}`);
          const target = { ...server, pid: server.process.pid };
          runs.push(await measure(target, opts.host, load, opts.pin?.[1] ?? null));
        }
      }
    }
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
  return runs;
}

function describe(load: Load): string {
  return `${load.clients} clients × ${load.messages} messages × ${load.size} bytes`;
}
