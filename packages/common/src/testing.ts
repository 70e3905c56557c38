// Test helpers: run a package's CLI the way a user does (a real process, real sockets),
// wait for its `listening on …` line to learn the port it got from --port 0, and collect
// what it printed. Every package's cli and interop tests use these.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { bindUdp, listenTcp } from './listen.js';
import { UdpRequester } from './udp-request.js';

/** A resolved path to tsx's loader, so `node --import` finds it from any folder. */
const TSX = import.meta.resolve('tsx');

/** How long a helper waits for a line or an exit before failing the test. */
export const CLI_WAIT_MS = 15_000;

export interface SpawnOptions {
  /** Text written to stdin, then stdin is closed. Default: stdin closed at once. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdin open (for tests that write to it themselves). */
  keepStdinOpen?: boolean;
}

/** A running program, with everything it has printed so far. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: {
    re: RegExp;
    stream: 'stdout' | 'stderr';
    resolve: (m: RegExpMatchArray) => void;
  }[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      this.stdout += text;
      this.check();
    });
    child.stderr?.on('data', (text: string) => {
      this.stderr += text;
      this.check();
    });
    this.exited = once(child, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /**
   * Resolves with the first match of `re` in stdout (or stderr), already printed or still
   * to come. Rejects if the process exits first or after `timeoutMs`, showing its output.
   */
  async waitFor(re: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = CLI_WAIT_MS) {
    const found = new Promise<RegExpMatchArray>((resolve) => {
      this.waiters.push({ re, stream, resolve });
      this.check();
    });
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${re} on ${stream}\n${this.describe()}`)),
        timeoutMs,
      );
      this.exited.then(() => {
        // Output may still be in flight when 'close' fires; look once more.
        setImmediate(() =>
          reject(new Error(`exited before ${re} on ${stream}\n${this.describe()}`)),
        );
      });
    });
    try {
      return await Promise.race([found, failed]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the exit code once the process has ended (fails after `timeoutMs`). */
  async waitForExit(timeoutMs = CLI_WAIT_MS): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
    });
    try {
      const { code } = await Promise.race([this.exited, timeout]);
      return code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal (default SIGTERM) and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.waitForExit();
  }

  /** Ends it for sure (for afterEach): SIGKILL if still running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  describe(): string {
    return `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}`;
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const m = (w.stream === 'stdout' ? this.stdout : this.stderr).match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }
}

/** How spawnCli may start a program: SpawnOptions, and a resource limit to run it under. */
export interface CliOptions extends SpawnOptions {
  /**
   * Arguments for the shell's `ulimit` (`'-n 64'`: 64 file descriptors), set in `sh` just
   * before it execs the program, which stays one process.
   */
  ulimit?: string;
}

/**
 * Starts `script` (a TypeScript file, relative to `packageDir`) with `args`, as
 * `node --import tsx script args…`: one process, so signals reach the program itself.
 */
export function spawnCli(
  packageDir: string | URL,
  script: string,
  args: readonly string[] = [],
  opts: CliOptions = {},
): CliProcess {
  const node = [process.execPath, '--import', TSX, script, ...args];
  if (opts.ulimit === undefined) {
    return spawnProgram(node[0] as string, node.slice(1), packageDir, opts);
  }
  // `$0 "$@"` is the node command line, passed as arguments: no quoting to get wrong.
  return spawnProgram(
    'sh',
    ['-c', `ulimit ${opts.ulimit} && exec "$0" "$@"`, ...node],
    packageDir,
    opts,
  );
}

/** Starts any program (`python3 peer.py …`, `nc …`) with the same output capture. */
export function spawnProgram(
  command: string,
  args: readonly string[],
  cwd: string | URL,
  opts: SpawnOptions = {},
): CliProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    PYTHONUNBUFFERED: '1',
    ...opts.env,
  };
  // Not needed on loopback, and it costs ~0.3 s per node start on these machines.
  delete env.NODE_EXTRA_CA_CERTS;
  if (!opts.env || !('HOST' in opts.env)) delete env.HOST;
  if (!opts.env || !('PORT' in opts.env)) delete env.PORT;
  // pnpm sets INIT_CWD (where a command was typed) for the tests too; a program under test
  // sees it only when the test says so.
  if (!opts.env || !('INIT_CWD' in opts.env)) delete env.INIT_CWD;
  const child = spawn(command, args, {
    cwd: cwd instanceof URL ? fileURLToPath(cwd) : cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const proc = new CliProcess(child);
  child.stdin?.on('error', () => {}); // the program may exit before reading all of it
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else if (!opts.keepStdinOpen) child.stdin?.end();
  return proc;
}

/** The line every server prints once bound; group 1 is the host, group 2 the port. */
export const LISTENING_RE = /listening on \[?([^\]\s]+?)\]?:(\d+) \((?:tcp|udp)\)/;

/** Waits for a started process's `listening on …` line; kills it if the line never comes. */
export async function waitForListening(proc: CliProcess): Promise<RunningServer> {
  try {
    const m = await proc.waitFor(LISTENING_RE);
    return { proc, host: m[1] as string, port: Number(m[2]) };
  } catch (err) {
    proc.kill();
    throw err;
  }
}

/** A server started by `startServer`: its process and the port it printed. */
export interface RunningServer {
  proc: CliProcess;
  host: string;
  port: number;
}

/**
 * Starts a server CLI (with `--port 0` unless `args` has a port) and resolves once it has
 * printed `listening on HOST:PORT (tcp|udp)`, with the port the OS gave it.
 */
export async function startServer(
  packageDir: string | URL,
  script: string,
  args: readonly string[] = [],
  opts: CliOptions = {},
): Promise<RunningServer> {
  const withPort = args.includes('--port') ? args : [...args, '--port', '0'];
  return waitForListening(spawnCli(packageDir, script, withPort, { keepStdinOpen: true, ...opts }));
}

/** Runs a CLI to completion and returns its exit code and output. */
export async function runToEnd(
  packageDir: string | URL,
  script: string,
  args: readonly string[] = [],
  opts: CliOptions & { timeoutMs?: number } = {},
): Promise<CliRun> {
  const proc = spawnCli(packageDir, script, args, opts);
  const code = await proc.waitForExit(opts.timeoutMs);
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

/**
 * Runs a server CLI with `--port` set to a port something else already holds on 127.0.0.1
 * (a TCP listener, or a bound UDP socket for `proto: 'udp'`), for the test every server has:
 * a port in use is one line and exit 1. Returns what it printed, and the port.
 */
export async function runOnPortInUse(
  packageDir: string | URL,
  script: string,
  args: readonly string[] = [],
  proto: 'tcp' | 'udp' = 'tcp',
): Promise<{ code: number | null; stdout: string; stderr: string; port: number }> {
  const at = { host: '127.0.0.1', port: 0, log: null };
  let port: number;
  let release: () => void;
  if (proto === 'udp') {
    const { socket, address } = await bindUdp(at);
    port = address.port;
    release = () => socket.close();
  } else {
    const server = net.createServer();
    ({ port } = await listenTcp(server, at));
    release = () => server.close();
  }
  try {
    return { port, ...(await runToEnd(packageDir, script, [...args, '--port', String(port)])) };
  } finally {
    release();
  }
}

/** What a program run to its end printed, and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One package's programs, src/bin/NAME.ts, as its tests start them: made once per test file
 * with `packageCli(import.meta.url)` (the file is in the package's test/ folder), then named
 * by NAME (`'start'`, `'client'`, `'demo'`). Every process it starts is recorded, and
 * `killAll` (in afterEach) ends those still running, even after a test that timed out.
 */
export class PackageCli {
  /** The package's folder, where its programs run. */
  readonly dir: URL;
  private readonly started: CliProcess[] = [];

  constructor(testFile: string | URL) {
    this.dir = new URL('..', testFile);
  }

  /** Starts src/bin/NAME.ts with `args` (stdin closed at once unless `opts` says otherwise). */
  spawn(program: string, args: readonly string[] = [], opts: CliOptions = {}): CliProcess {
    const proc = spawnCli(this.dir, `src/bin/${program}.ts`, args, opts);
    this.started.push(proc);
    return proc;
  }

  /** Runs src/bin/NAME.ts to its end (its input: `opts.input`) for its exit code and output. */
  async run(
    program: string,
    args: readonly string[] = [],
    opts: CliOptions & { timeoutMs?: number } = {},
  ): Promise<CliRun> {
    const proc = this.spawn(program, args, opts);
    const code = await proc.waitForExit(opts.timeoutMs);
    return { code, stdout: proc.stdout, stderr: proc.stderr };
  }

  /**
   * Starts the server, src/bin/start.ts, as startServer does (`--port 0` unless `args` has a
   * port, stdin kept open) and resolves once it has printed its `listening on` line.
   */
  start(args: readonly string[] = [], opts: CliOptions = {}): Promise<RunningServer> {
    const withPort = args.includes('--port') ? args : [...args, '--port', '0'];
    return waitForListening(this.spawn('start', withPort, { keepStdinOpen: true, ...opts }));
  }

  /** runOnPortInUse for the server, src/bin/start.ts: its output on a port already taken. */
  startOnPortInUse(args: readonly string[] = [], proto: 'tcp' | 'udp' = 'tcp') {
    return runOnPortInUse(this.dir, 'src/bin/start.ts', args, proto);
  }

  /** Kills every process started that is still running (call it in afterEach). */
  killAll(): void {
    for (const proc of this.started.splice(0)) proc.kill();
  }
}

/** The programs of the package whose test file this is: `packageCli(import.meta.url)`. */
export function packageCli(testFile: string | URL): PackageCli {
  return new PackageCli(testFile);
}

/**
 * The parts (flags in a --help, say) that `text` does not contain, in their order: a test
 * expects `[]`, and a failure names every one that is missing.
 */
export function missingFrom(text: string, parts: readonly string[]): string[] {
  return parts.filter((part) => !text.includes(part));
}

/** Whether `python3` runs here; interop tests skip with a message where it does not. */
export function hasPython3(): boolean {
  return spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The Python 3 ports of a package's seed programs (its test/fixtures/), run as real peers
 * of ours in its interop tests. `python` says whether python3 runs here; where it does not,
 * a warning says so once and the tests skip (`test.skipIf(!seeds.python)`). Every program
 * started is killed by `killAll` (call it in afterEach).
 */
export class SeedPrograms {
  readonly python = hasPython3();
  private readonly started: CliProcess[] = [];

  constructor(private readonly fixtures: URL) {
    if (!this.python) {
      console.warn('python3 not found: skipping the interop tests with the seed programs');
    }
  }

  /** Starts `python3 SCRIPT ARGS…` in the fixtures folder. */
  spawn(script: string, args: readonly string[] = [], opts: SpawnOptions = {}): CliProcess {
    const proc = spawnProgram('python3', [script, ...args], this.fixtures, opts);
    this.started.push(proc);
    return proc;
  }

  /** Runs a seed program to its end (its input: `opts.input`) for its exit code and output. */
  async run(script: string, args: readonly string[] = [], opts: SpawnOptions = {}) {
    const proc = this.spawn(script, args, opts);
    const code = await proc.waitForExit();
    return { code, stdout: proc.stdout, stderr: proc.stderr };
  }

  /** Starts a seed server as `python3 SCRIPT HOST 0` and waits for its `listening on` line. */
  serve(script: string, host: string, opts: SpawnOptions = {}): Promise<RunningServer> {
    return waitForListening(this.spawn(script, [host, '0'], { keepStdinOpen: true, ...opts }));
  }

  /** Kills every program started that is still running. */
  killAll(): void {
    for (const proc of this.started.splice(0)) proc.kill();
  }
}

/** Lines as a client reads them from stdin, for in-process client tests. */
export async function* linesOf(...lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

/**
 * A log you can wait on: what a server or client under test reported, kept in order, and
 * a way to wait for the entry a test needs. `push` is the logger to hand to the code.
 * Entries are log lines by default; a package with typed events records those instead.
 */
export class Recorder<T = string> {
  readonly entries: T[] = [];
  // Each waiter counts the matches it has seen, so a push tests only the new entry.
  private waiters: {
    matches: (e: T) => boolean;
    count: number;
    seen: number;
    resolve: (e: T) => void;
  }[] = [];

  constructor(private readonly waitMs = CLI_WAIT_MS) {}

  readonly push = (entry: T): void => {
    this.entries.push(entry);
    this.waiters = this.waiters.filter((w) => {
      if (!w.matches(entry)) return true;
      w.seen += 1;
      if (w.seen < w.count) return true;
      w.resolve(entry);
      return false;
    });
  };

  /** The entries so far that match (a RegExp tests a string entry, or its JSON). */
  matching(match: RegExp | ((e: T) => boolean)): T[] {
    const matches = toPredicate(match);
    return this.entries.filter(matches);
  }

  /** How many entries so far match. */
  count(match: RegExp | ((e: T) => boolean)): number {
    return this.matching(match).length;
  }

  /**
   * Resolves with the `count`-th entry (default the first) that matches, recorded already or
   * still to come. Fails after the wait limit, listing every entry so far.
   */
  async waitFor(match: RegExp | ((e: T) => boolean), count = 1): Promise<T> {
    const matches = toPredicate(match);
    const seen = this.entries.filter(matches);
    if (seen.length >= count) return seen[count - 1] as T;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<T>((resolve) =>
          this.waiters.push({ matches, count, seen: seen.length, resolve }),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const what = match instanceof RegExp ? String(match) : 'a matching entry';
            const got = this.entries.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
            reject(
              new Error(
                `${count}x ${what} not seen within ${this.waitMs} ms; got:\n${got.join('\n')}`,
              ),
            );
          }, this.waitMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function toPredicate<T>(match: RegExp | ((e: T) => boolean)): (e: T) => boolean {
  if (!(match instanceof RegExp)) return match;
  return (e) => match.test(typeof e === 'string' ? e : JSON.stringify(e));
}

/**
 * Whether this machine can bind ::1 (some containers have no IPv6 loopback). IPv6 tests
 * run as `test.skipIf(!(await hasIPv6()))`.
 */
export function hasIPv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

const udpSockets: dgram.Socket[] = [];

/** A UDP socket bound to port 0 on `host` (no `listening on` line); see closeUdpSockets. */
export async function boundUdpSocket(host = '127.0.0.1'): Promise<dgram.Socket> {
  const { socket } = await bindUdp({ host, port: 0, log: null });
  udpSockets.push(socket);
  return socket;
}

/** Closes every socket boundUdpSocket opened (call it in afterEach). */
export async function closeUdpSockets(): Promise<void> {
  await Promise.all(
    udpSockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
}

/**
 * A UDP server under test on port 0 of `host`: `serve` sets it up on the socket with the
 * logger it is given, whose lines are recorded in `log`. closeUdpSockets closes the socket.
 */
export async function startUdpServer(
  serve: (socket: dgram.Socket, log: (line: string) => void) => void,
  host = '127.0.0.1',
): Promise<{ socket: dgram.Socket; port: number; log: Recorder }> {
  const log = new Recorder();
  const socket = await boundUdpSocket(host);
  serve(socket, log.push);
  return { socket, port: socket.address().port, log };
}

/** Sends one datagram from `client` to host:port and resolves with the next one it gets. */
export async function udpRoundTrip(
  client: dgram.Socket,
  port: number,
  data: Buffer | string,
  host = '127.0.0.1',
): Promise<Buffer> {
  const answer = once(client, 'message');
  client.send(data, port, host);
  return (await answer)[0] as Buffer;
}

/**
 * Sends `count` datagrams from `socket` to host:port as fast as the socket takes them, 500
 * in flight at a time; `payload(i)` is the i-th. Some may be dropped on the way when a
 * receive buffer fills: that is UDP, and a burst test asks only that the server survives.
 */
export async function sendBurst(
  socket: dgram.Socket,
  to: { host: string; port: number },
  count: number,
  payload: (i: number) => string | Buffer,
): Promise<void> {
  for (let sent = 0; sent < count; sent += 500) {
    await Promise.all(
      Array.from(
        { length: Math.min(500, count - sent) },
        (_, i) =>
          new Promise<void>((resolve) =>
            socket.send(payload(sent + i), to.port, to.host, () => resolve()),
          ),
      ),
    );
  }
}

/**
 * A burst, then a question, for a UDP server that must survive a flood: sends `count`
 * datagrams from a fresh socket as sendBurst does, counting what comes back, then asks
 * `question` the way a UDP client should. The server may still be working through the
 * backlog, and the question may be dropped like any datagram, so each try waits 1 s, with
 * up to 10 more. Resolves with the answers counted and the question's answer (null if none).
 */
export async function burstThenAsk(
  to: { host: string; port: number },
  count: number,
  payload: (i: number) => string | Buffer,
  question: string,
): Promise<{ answers: number; answer: string | null }> {
  const socket = await boundUdpSocket(to.host);
  let answers = 0;
  socket.on('message', () => {
    answers += 1;
  });
  await sendBurst(socket, to, count, payload);
  const asker = await UdpRequester.open(to.host, to.port);
  try {
    const outcome = await asker.request(Buffer.from(question), { timeoutMs: 1000, retries: 10 });
    return { answers, answer: outcome.ok ? outcome.answer.toString() : null };
  } finally {
    await asker.close();
  }
}
