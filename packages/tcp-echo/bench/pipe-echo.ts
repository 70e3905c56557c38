// The floor of overhead for the benchmark: the smallest Node echo server there is, each
// socket piped into itself, no greeting, no `exit`, no logging. stream.pipe() handles the
// backpressure. noDelay as in our server, so that the two differ only in what they do per read.
// Run: node --import tsx bench/pipe-echo.ts [host] [port]
import net from 'node:net';
import { listeningLine } from '@socket-lab/common';

const [host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {}); // a client's reset must not stop the server
  socket.pipe(socket);
});
server.listen({ host, port: Number(port) }, () => {
  console.log(listeningLine(server.address() as net.AddressInfo, 'tcp'));
});
process.on('SIGTERM', () => process.exit(0));
