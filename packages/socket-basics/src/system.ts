// Support, not a lesson: what this machine is like, read at run time. Every fact the lessons
// print comes from here or from a socket, never from the text. Each probe says when the
// machine has no such thing (no /proc on macOS, no `ss`, no python3), so that a lesson step
// can print "skipped: …" and go on instead of crashing.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** The Python peers (seed-style programs) that the demo and the tests run. */
export const PYTHON_DIR = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

/** A setting and the place it was read from, so the output can say where to look. */
export interface Reading<T> {
  value: T;
  source: string;
}

const PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const UNPRIVILEGED_FILE = '/proc/sys/net/ipv4/ip_unprivileged_port_start';

/** The ephemeral port range: Linux's /proc, or sysctl on macOS and the BSDs; null elsewhere. */
export async function readEphemeralRange(): Promise<Reading<[number, number]> | null> {
  const proc = await readText(PORT_RANGE_FILE);
  if (proc) return { value: twoNumbers(proc), source: PORT_RANGE_FILE };
  const keys = ['net.inet.ip.portrange.first', 'net.inet.ip.portrange.last'];
  const sysctl = await run('sysctl', ['-n', ...keys]);
  if (sysctl?.code === 0)
    return { value: twoNumbers(sysctl.stdout), source: `sysctl ${keys.join(' ')}` };
  return null;
}

/** The first port an ordinary user may bind (Linux 4.11 and later); null where unknown. */
export async function readUnprivilegedPortStart(): Promise<Reading<number> | null> {
  const text = await readText(UNPRIVILEGED_FILE);
  return text ? { value: Number(text), source: UNPRIVILEGED_FILE } : null;
}

/** The most connections a listen() backlog may ask for (Linux); null elsewhere. */
export async function readSomaxconn(): Promise<Reading<number> | null> {
  const source = '/proc/sys/net/core/somaxconn';
  const text = await readText(source);
  return text ? { value: Number(text), source } : null;
}

/** A line of /proc/sys/net/ipv4/tcp_wmem-like files: min, default and max bytes. */
export async function readTcpBufferSizes(which: 'wmem' | 'rmem'): Promise<Reading<string> | null> {
  const source = `/proc/sys/net/ipv4/tcp_${which}`;
  const text = await readText(source);
  return text ? { value: text.split(/\s+/).join(' '), source } : null;
}

/**
 * Whether this process may bind privileged ports: bit 10 (CAP_NET_BIND_SERVICE) of CapEff
 * in /proc/self/status. Root usually has it; a container can take it away. Null off Linux.
 */
export async function hasBindCapability(): Promise<boolean | null> {
  const status = await readText('/proc/self/status');
  const hex = status && /^CapEff:\s*([0-9a-f]+)/im.exec(status)?.[1];
  return hex ? (BigInt(`0x${hex}`) & (1n << 10n)) !== 0n : null;
}

/** A user's uid and gid from /etc/passwd (e.g. `nobody`), or null. */
export async function findUser(name: string): Promise<{ uid: number; gid: number } | null> {
  const passwd = (await readText('/etc/passwd')) ?? '';
  const fields = passwd
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
    ?.split(':');
  return fields ? { uid: Number(fields[2]), gid: Number(fields[3]) } : null;
}

/** One TCP socket as `ss -tan` lists it. */
export interface SsSocket {
  state: string;
  /** Bytes waiting to be read; for a LISTEN socket, connections waiting for accept(). */
  recvQ: number;
  /** Bytes not yet acknowledged; for a LISTEN socket, the backlog. */
  sendQ: number;
  local: string;
  peer: string;
  /** `timer:(timewait,59sec,0)` and the like, with -o. */
  timer: string;
}

/**
 * The kernel's own list of TCP sockets with `port` at either end (`ss -tanoH`), or null when
 * `ss` (iproute2, Linux) is not installed.
 */
export async function ssByPort(port: number): Promise<SsSocket[] | null> {
  const out = await run('ss', ['-tanoH', `( sport = :${port} or dport = :${port} )`]);
  if (out?.code !== 0) return null;
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 5 && f[0] !== 'State')
    .map(([state, recvQ, sendQ, local, peer, ...rest]) => ({
      state: state as string,
      recvQ: Number(recvQ),
      sendQ: Number(sendQ),
      local: local as string,
      peer: peer as string,
      timer: rest.join(' '),
    }));
}

/**
 * The `ss` lines of one connection: the LISTEN line on `port`, if any, and the line of each
 * given end, matched on both halves — an old TIME-WAIT socket may hold the same local port
 * with another peer. Null where `ss` is missing.
 */
export async function ssOfConnection(
  port: number,
  ends: ConnectionEnd[],
): Promise<SsSocket[] | null> {
  const all = await ssByPort(port);
  return all && linesOf(all, ends);
}

/** One end of a connection as `ss` prints it: its local and its peer's address:port. */
export interface ConnectionEnd {
  local: string;
  remote: string;
}

/** The LISTEN lines, and the lines whose local and peer halves both match one of `ends`. */
export function linesOf(lines: SsSocket[], ends: ConnectionEnd[]): SsSocket[] {
  return lines.filter(
    (s) =>
      s.state === 'LISTEN' || ends.some((end) => end.local === s.local && end.remote === s.peer),
  );
}

/** Whether this machine can bind the IPv6 loopback ::1 (some containers cannot). */
export async function canBindIPv6(): Promise<boolean> {
  const server = net.createServer();
  try {
    server.listen(0, '::1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** Runs a program to its end; null when it is not installed (ENOENT). */
export function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string } | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') return resolve(null);
      resolve({ code: typeof code === 'number' ? code : err ? 1 : 0, stdout, stderr });
    });
  });
}

/** A Python peer that is running: what it printed so far, and a way to wait for a line. */
export interface PythonPeer {
  output(): string;
  /** The first match of `re` in its output, or null if it exits without printing one. */
  waitFor(re: RegExp): Promise<RegExpMatchArray | null>;
  /** Its exit code, once it has ended. */
  exited: Promise<number | null>;
  kill(): void;
}

/**
 * The interpreter `python3` runs, asked once. Version managers (pyenv, asdf) put a shell
 * script named python3 first on PATH that takes ~0.4 s to pick the interpreter; the demo
 * starts six Python peers, so it asks once and runs the interpreter itself. Null if none.
 */
export function pythonExecutable(): Promise<string | null> {
  pythonPath ??= run('python3', ['-c', 'import sys; print(sys.executable)']).then((out) =>
    out?.code === 0 && out.stdout.trim() ? out.stdout.trim() : null,
  );
  return pythonPath;
}

let pythonPath: Promise<string | null> | undefined;

/** Starts python3 on one of the Python peers; resolves null when python3 is missing. */
export async function spawnPython(
  script: string,
  args: readonly string[],
): Promise<PythonPeer | null> {
  const python = await pythonExecutable();
  if (!python) return null;
  const child = spawn(python, [script, ...args], {
    cwd: PYTHON_DIR,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = await Promise.race([
    once(child, 'spawn').then(() => true),
    once(child, 'error').then(() => false),
  ]);
  if (!started) return null;
  let out = '';
  const seen = new Set<() => void>();
  const take = (chunk: Buffer) => {
    out += chunk.toString();
    for (const check of seen) check();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return {
    output: () => out,
    exited,
    kill: () => child.kill(),
    waitFor: (re) =>
      new Promise((resolve) => {
        const check = () => {
          const m = re.exec(out);
          if (m) resolve(m);
          if (m) seen.delete(check);
        };
        seen.add(check);
        check();
        exited.then(() => setImmediate(() => resolve(re.exec(out))));
      }),
  };
}

async function readText(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

function twoNumbers(text: string): [number, number] {
  const [a, b] = text.trim().split(/\s+/).map(Number);
  return [a ?? Number.NaN, b ?? Number.NaN];
}
