// Seed 004 on ports, checked on this machine. A port is 16 bits (0 to 65535). A client
// rarely chooses its own: connect() takes a free one from the *ephemeral* range, and so does
// a server that listens on port 0. The seed says that range is 1024-5000; that was BSD's.
// Linux reads it from /proc/sys/net/ipv4/ip_local_port_range, IANA suggests 49152-65535.
// Ports below a line (1024 by tradition) are *privileged*: binding them needs root, or the
// CAP_NET_BIND_SERVICE capability. Linux 4.11 made the line a setting too.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Say } from './association.js';
import {
  findUser,
  hasBindCapability,
  type Reading,
  readEphemeralRange,
  readUnprivilegedPortStart,
} from './system.js';

/** What `showEphemeralPorts` found: the range (null where unreadable) and the ports drawn. */
export interface EphemeralFacts {
  range: Reading<[number, number]> | null;
  clientPort: number;
  serverPort: number;
}

/** Demo step: the range this machine uses, and a client's port and a port-0 server's in it. */
export async function showEphemeralPorts(say: Say): Promise<EphemeralFacts> {
  const range = await readEphemeralRange();
  if (range) say(`ephemeral range: ${range.value.join('-')}   (${range.source}; seed: 1024-5000)`);
  else say(`ephemeral range: no way to read it on ${process.platform}, skipped`);
  const inRange = (port: number) =>
    range ? (port >= range.value[0] && port <= range.value[1] ? 'inside' : 'OUTSIDE') : '?';

  // listen(0): "any free port". The kernel draws it from the same range as a client's.
  const server = net.createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const serverPort = (server.address() as AddressInfo).port;
  say(`listen(0) got port ${serverPort}: ${inRange(serverPort)} the range`);

  // connect() without bind(): the kernel binds the client to a free ephemeral port first.
  const client = net.connect(serverPort, '127.0.0.1');
  client.on('error', () => {}); // the server hangs up at once; only the port matters here
  await once(client, 'connect');
  const clientPort = client.localPort as number;
  say(`connect() got local port ${clientPort}: ${inRange(clientPort)} the range`);
  client.destroy();
  server.close();
  return { range, clientPort, serverPort };
}

/** The outcome of one bind attempt, as `ok` or an error code such as `EACCES`. */
export interface BindAttempt {
  uid: number;
  port: number;
  result: string;
}

/** What `showPrivilegedPorts` found. `asNobody` is null when we cannot switch users. */
export interface PrivilegedFacts {
  start: Reading<number> | null;
  capability: boolean | null;
  ours: BindAttempt;
  asNobody: BindAttempt | null;
}

/**
 * Demo step: who may bind below the line. We try a port just under it as ourselves; when we
 * are root, we also try as the user `nobody` (a child process started with its uid), which
 * is what an ordinary user would see.
 */
export async function showPrivilegedPorts(say: Say): Promise<PrivilegedFacts> {
  const start = await readUnprivilegedPortStart();
  const line = start?.value ?? 1024;
  if (!start) say(`privileged: no setting on ${process.platform}; the tradition is below 1024`);
  else if (line > 0) say(`privileged: ports below ${line}   (${start.source})`);
  else say(`privileged: none here: ${start.source} is 0, any user may bind any port`);
  const capability = await hasBindCapability();
  const uid = process.getuid?.() ?? -1;
  const cap = capability === null ? 'unknown' : capability ? 'yes' : 'no';
  say(`we run as uid ${uid}${uid === 0 ? ' (root)' : ''}; CAP_NET_BIND_SERVICE: ${cap}`);

  const ours = await bindBelow(line > 1 ? line - 1 : 1023);
  say(`bind 127.0.0.1:${ours.port} as uid ${uid}: ${ours.result}`);

  const nobody = uid === 0 ? await findUser('nobody') : null;
  if (uid !== 0) say('not root, so no other user to try: the line above is the lesson');
  else if (!nobody) say('no user "nobody" here: the unprivileged attempt is skipped');
  const asNobody = nobody ? await bindAs(nobody, ours.port) : null;
  if (asNobody)
    say(`bind 127.0.0.1:${asNobody.port} as uid ${asNobody.uid} (nobody): ${asNobody.result}`);
  return { start, capability, ours, asNobody };
}

// Tries ports downward from `port` until one is free for us (or the answer is not "in use").
async function bindBelow(port: number): Promise<BindAttempt> {
  const uid = process.getuid?.() ?? -1;
  for (let p = port; p > Math.max(port - 50, 0); p--) {
    const result = await tryBind(p);
    if (result !== 'EADDRINUSE') return { uid, port: p, result: explain(result) };
  }
  return { uid, port, result: 'EADDRINUSE' };
}

async function tryBind(port: number): Promise<string> {
  const server = net.createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return 'ok';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  } finally {
    server.close();
  }
}

// The same bind in a child process running as another user. Plain node -e, no tsx and a
// bare environment, so the child needs nothing from our files (which `nobody` may not read).
const BIND_PROGRAM = `const s = require('net').createServer();
s.on('error', (e) => { console.log(e.code); process.exit(); });
s.listen(Number(process.argv[1]), '127.0.0.1', () => { console.log('ok'); s.close(); });`;

async function bindAs(user: { uid: number; gid: number }, port: number): Promise<BindAttempt> {
  const child = spawn(process.execPath, ['-e', BIND_PROGRAM, String(port)], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  try {
    await once(child, 'close');
  } catch (err) {
    // `nobody` may not be allowed to run our node (installed under /root, say).
    return {
      uid: user.uid,
      port,
      result: `could not run node as uid ${user.uid}: ${(err as Error).message}`,
    };
  }
  return { uid: user.uid, port, result: explain(out.trim() || 'no answer') };
}

const MEANINGS: Record<string, string> = {
  ok: 'ok, bound',
  EACCES: 'EACCES, permission denied',
  EADDRINUSE: 'EADDRINUSE, in use',
};

function explain(code: string): string {
  return MEANINGS[code] ?? code;
}
