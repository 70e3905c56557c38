// The floor of overhead for the benchmark: the smallest Node echo server there is, each
// socket piped into itself, no greeting, no `exit`, no logging. stream.pipe() handles the
// backpressure. noDelay as in our server, so that the two differ only in what they do per read.
// Run: node --import tsx bench/pipe-echo.ts --host 127.0.0.1 --port 0
import net from 'node:net';
import { listenTcp, runCli } from '@socket-lab/common';

const spec = {
  usage: 'node --import tsx bench/pipe-echo.ts',
  role: 'server',
  summary: "The smallest Node echo server, each socket piped into itself: the bench's floor.",
  defaultPort: 0,
  flags: {},
} as const;

// SIGINT and SIGTERM end it at once (runCli's default): the bench stops it between runs, and
// there is nothing to say goodbye with.
await runCli(spec, async ({ host, port }) => {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {}); // a client's reset must not stop the server
    socket.pipe(socket);
  });
  server.on('error', (err) => console.error(`pipe echo: ${err.message}`));
  await listenTcp(server, { host, port });
});
