// `pnpm --filter socket-basics start [--host H] [--port P] [--unix PATH] [--idle-timeout S]
// [--max-clients N]`: an echo server
// that prints, for each connection it accepts, the full association seen from its end.
import { once } from 'node:events';
import type net from 'node:net';
import {
  closeServer,
  describeNetError,
  FatalError,
  formatHostPort,
  formatPeer,
  listenTcp,
  onShutdown,
  runCli,
  toInteger,
  toMilliseconds,
  trackConnections,
} from '@socket-lab/common';
import { createAssociationServer, halfAssociation } from '../association.js';

const spec = {
  usage: 'pnpm --filter socket-basics start',
  role: 'server',
  summary:
    'An echo server that prints the full association (protocol, local, remote) of each connection it accepts (seed 004).',
  defaultPort: 7000,
  flags: {
    'max-clients': {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'serve at most N clients at once, close the others at once; 0 = no limit',
    },
    'idle-timeout': {
      type: 'string',
      valueName: 'SECONDS',
      default: '300',
      description: 'close a client that sends nothing and takes nothing this long; 0 = never',
    },
    unix: {
      type: 'string',
      valueName: 'PATH',
      description: 'listen on an AF_UNIX socket at PATH instead of --host and --port',
    },
  },
  notes: ['try it: nc 127.0.0.1 7000   and, in another terminal: ss -tan "( sport = :7000 )"'],
} as const;

await runCli(spec, async ({ host, port, flags }) => {
  const idleMs = toMilliseconds(flags['idle-timeout'], '--idle-timeout');
  const maxClients = toInteger(flags['max-clients'], '--max-clients', 0, 1_000_000);
  const server = createAssociationServer(console.log);
  const open = trackConnections(server);
  // Not part of the lesson, but each client costs a socket and its buffers, so a flood of
  // them could take all of both. Past N, Node closes a new connection as soon as it is
  // accepted (server.maxConnections) and tells us ('drop'); the kernel's backlog is not ours.
  if (maxClients > 0) {
    server.maxConnections = maxClients;
    server.on('drop', (peer) => {
      const who = peer?.remoteAddress
        ? formatHostPort(peer.remoteAddress, peer.remotePort ?? 0)
        : 'a client';
      const clients = maxClients === 1 ? '1 client' : `${maxClients} clients`;
      console.log(`refused ${who}: server full (${clients}, --max-clients)`);
    });
  }
  // Nor is this, but a server must not hold a silent client forever: one that
  // connects and says nothing (or stops reading, so that our echo cannot drain) would keep
  // its socket and its buffers until the process ends. No I/O for idleMs: it goes.
  if (idleMs > 0) {
    server.on('connection', (socket) => {
      socket.setTimeout(idleMs, () => {
        console.log(`${formatPeer(socket)} idle for ${idleMs / 1000} s: closed`);
        socket.destroy();
      });
    });
  }
  if (flags.unix) {
    await listenUnix(server, flags.unix);
  } else {
    await listenTcp(server, { host, port });
    console.log(`half association ${halfAssociation(server)}`);
  }
  onShutdown(() => closeServer(server, open));
});

// listenTcp's twin for a socket path; a path that exists (a server left it) is EADDRINUSE.
async function listenUnix(server: net.Server, path: string): Promise<void> {
  const running = server.listeners('error') as ((err: Error) => void)[];
  server.removeAllListeners('error');
  try {
    server.listen(path);
    await once(server, 'listening');
  } catch (err) {
    const action = `listen on ${path} (unix)`;
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      // Node removes its socket file on close; one left behind is from a crash, or Python.
      throw new FatalError(`cannot ${action}: the path exists (a server there, or a stale file?)`);
    }
    throw new FatalError(describeNetError(err, { action }));
  } finally {
    for (const listener of running) server.on('error', listener);
  }
  console.log(`listening on ${path} (unix)`);
}
