// Seed 002's tour of the Python socket API, mapped to Node. Python wraps the C calls one for
// one; Node folds several into one call (listen() binds too) and turns the blocking ones
// into events ('connection' for accept, 'data' for recv). Each row names an example in this
// repository that uses the Node side, and the demo finds the line there when it runs, so a
// row that stops being true shows up as "not found".
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Say } from './association.js';

/** One call of the Python API, its Node counterpart, and where an example uses it. */
export interface ApiRow {
  python: string;
  node: string;
  /** The example package that uses it. */
  example: string;
  /** Text to look for in that package's src/ to find the line. */
  find: string;
}

// python ¦ node ¦ example ¦ what to look for in the example's src/
const TABLE = `
socket(AF_INET, SOCK_STREAM) ¦ net.createServer(), net.connect() ¦ tcp-basic ¦ net.createServer(
socket(AF_INET, SOCK_DGRAM) ¦ dgram.createSocket('udp4') ¦ sticky-packets ¦ dgram.createSocket(
bind(address) ¦ server.listen({ host, port }) binds too; UDP: socket.bind() ¦ socket-basics ¦ receiver.bind(
listen(backlog) ¦ server.listen({ backlog }), 511 unless told ¦ socket-basics ¦ backlog: SEED_BACKLOG
accept() ¦ the 'connection' event: a new net.Socket per client ¦ tcp-echo ¦ net.createServer(
connect(address) ¦ net.connect({ host, port }), then 'connect' ¦ tcp-echo ¦ connectTcp(
connect_ex(address) ¦ no errno return: an 'error' event with err.code, err.errno ¦ socket-basics ¦ Math.abs(err.errno
recv(bufsize) ¦ 'data' events of any size; SocketReader.recv(n) ¦ sticky-packets ¦ .recv(
recvfrom(bufsize) ¦ dgram's 'message' event: (data, rinfo) ¦ udp-echo ¦ on('message'
send(data) ¦ socket.write(data) takes it all; false means wait for 'drain' ¦ socket-basics ¦ client.write(Buffer.alloc
sendall(data) ¦ write(), then await 'drain' when it returned false ¦ sticky-packets ¦ 'drain'
sendto(data, address) ¦ dgram socket.send(data, port, host) ¦ udp-time ¦ rinfo.port, rinfo.address
settimeout(seconds) ¦ socket.setTimeout(ms) emits 'timeout'; closing is yours ¦ tcp-basic ¦ socket.setTimeout(
setblocking(flag) ¦ nothing to set: always non-blocking, reads come as events ¦ tcp-echo ¦ socket.on('data'
setsockopt(level, option, value) ¦ a method per option: setNoDelay(), setKeepAlive() ¦ tcp-echo ¦ noDelay: true
getsockname() ¦ socket.localAddress, localPort; server.address() ¦ socket-basics ¦ { localAddress, localPort,
getpeername() ¦ socket.remoteAddress, remotePort ¦ socket-basics ¦ remoteAddress, remotePort } = socket
shutdown(SHUT_WR) ¦ socket.end(): FIN, and keep reading ¦ socket-basics ¦ client.end('hello')
close() ¦ socket.destroy(); server.close() stops accepting ¦ socket-basics ¦ client.destroy(); // no more
makefile() ¦ a reader on the socket: SocketReader.readLine() ¦ socket-basics ¦ .readLine(
`;

/** Seed 002's calls, in its order, each with its Node counterpart and an example using it. */
export const API_ROWS: readonly ApiRow[] = TABLE.trim()
  .split('\n')
  .map((line) => {
    const [python = '', node = '', example = '', find = ''] = line.split(' ¦ ');
    return { python, node, example, find };
  });

/** Where a row's line is, as `package/src/file.ts:line`, or null when it is not found. */
export async function findUse(row: ApiRow): Promise<string | null> {
  const packages = fileURLToPath(new URL('../../', import.meta.url));
  for (const file of await sourceFiles(join(packages, row.example, 'src'))) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    const at = lines.findIndex((line) => line.includes(row.find) && isCode(line));
    if (at >= 0) return `${relative(packages, file)}:${at + 1}`;
  }
  return null;
}

/** Demo step: the table, each row with the line that uses it now; then connect_ex, live. */
export async function showApi(say: Say): Promise<(string | null)[]> {
  const found = await Promise.all(API_ROWS.map(findUse));
  API_ROWS.forEach((row, i) => {
    const where = found[i] ?? `not found in ${row.example}`;
    say(`${row.python.padEnd(32)} ${row.node.padEnd(64)} ${where}`);
  });

  // connect_ex() returns an errno instead of raising. Node reports the same number on the
  // error (negative, as libuv writes it) and its name in err.code. A port that was just
  // closed refuses: the kernel answers the SYN with a reset.
  const closed = net.createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const probe = net.connect(port, '127.0.0.1');
  const [err] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
  say(
    `connect_ex(('127.0.0.1', ${port})) would return ${Math.abs(err.errno ?? 0)}: Node says err.code ${err.code}, err.errno ${err.errno}`,
  );
  return found;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  // The lesson files first, then bin/: a use in the lesson is the one worth reading.
  const depth = (path: string) => path.split('/').length;
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

// A line of code, not a comment, and not the table above (it holds every search text).
function isCode(line: string): boolean {
  const text = line.trim();
  return !text.startsWith('//') && !text.startsWith('*') && !text.includes(' ¦ ');
}
