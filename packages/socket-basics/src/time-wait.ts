// TIME_WAIT and SO_REUSEADDR, run live. The side that closes a TCP connection first keeps
// its end of the association after the close, in the state TIME_WAIT, for twice the
// longest time a packet may live in the network: a late packet of the old connection must
// not be taken for part of a new one with the same five-tuple. A server that closes first
// leaves those ends on its own port, and a restart at once fails in bind() with "Address
// already in use" (EADDRINUSE)... unless the socket sets SO_REUSEADDR, which lets bind()
// share the port with ends in TIME_WAIT. Node sets it on every TCP server (libuv does, in
// uv_tcp_bind). Python leaves it to you: seed 002's servers never set it.
// On Linux the old end keeps its own flag: a restart passes only if both sockets had it.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Say } from './association.js';
import { spawnPython, ssByPort } from './system.js';

/** One restart: the port, what `ss` listed on it (null without ss), how the restart went. */
export interface Restart {
  who: string;
  port: number;
  timeWait: string[] | null;
  restart: string;
}

/** Demo step: a server closes first, then restarts on its port: Node, Python, Python+reuse. */
export async function showTimeWait(say: Say): Promise<Restart[]> {
  const runs: Restart[] = [];

  // Node: an echo server that ends the connection first (FIN from our side), as the seeds do.
  const first = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (chunk) => socket.end(chunk));
  });
  first.listen(0, '127.0.0.1');
  await once(first, 'listening');
  const port = (first.address() as AddressInfo).port;
  await exchange(port);
  await new Promise((resolve) => first.close(resolve));
  runs.push(report('node', port, await ssByPort(port), await nodeRestart(port), say));

  // Python, seed style: no SO_REUSEADDR, then with it on both runs.
  for (const reuse of [false, true]) {
    const flags = reuse ? ['--reuse'] : [];
    const who = `python3${reuse ? ' + SO_REUSEADDR' : ''}`;
    const server = await spawnPython('restart_server.py', ['127.0.0.1', '0', ...flags]);
    if (!server) {
      say(`${who}: python3 not found, skipped`);
      break;
    }
    const pyPort = Number((await server.waitFor(/:(\d+) \(tcp\)/))?.[1]);
    await exchange(pyPort);
    await server.exited; // it has closed the connection and its listening socket
    const again = await spawnPython('restart_server.py', [
      '127.0.0.1',
      String(pyPort),
      ...flags,
      '--bind-only',
    ]);
    await again?.exited;
    const said = again?.output().trim().split('\n')[0] ?? '';
    const restart = said.startsWith('listening') ? 'ok, listening again' : said;
    runs.push(report(who, pyPort, await ssByPort(pyPort), restart, say));
    if (reuse) continue;
    // The old end was made without SO_REUSEADDR: Node's flag alone does not get past it.
    const node = await nodeRestart(pyPort);
    say(`   node on that port now: ${node} (the old end has no SO_REUSEADDR)`);
  }
  return runs;
}

// Connect, send two bytes, read the echo and the server's FIN, and wait until our FIN is out.
async function exchange(port: number): Promise<void> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  const closed = new Promise((resolve) => client.once('close', resolve));
  await once(client, 'connect');
  client.write('hi');
  client.resume(); // read and drop the echo; Node ends our side when the server's FIN comes
  await closed;
}

async function nodeRestart(port: number): Promise<string> {
  const server = net.createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return 'ok, listening again';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  } finally {
    server.close();
  }
}

function report(
  who: string,
  port: number,
  ss: Awaited<ReturnType<typeof ssByPort>>,
  restart: string,
  say: Say,
): Restart {
  // Our server's old ends: TIME-WAIT with the server's port as the local one. (A client end
  // that once had this port as its peer can be there too; it is not ours.)
  const timeWait = ss
    ?.filter((s) => s.state === 'TIME-WAIT' && s.local.endsWith(`:${port}`))
    .map((s) => `${s.local} ${s.timer}`);
  say(`${who}: served one client on port ${port} and closed first`);
  if (timeWait) say(`   ss: ${timeWait.length ? timeWait.join(', ') : 'nothing in TIME-WAIT'}`);
  else say('   ss: not installed here, skipped');
  say(`   restart on port ${port} at once: ${restart}`);
  return { who, port, timeWait: timeWait ?? null, restart };
}
