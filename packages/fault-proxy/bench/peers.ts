// The bench's far side, as a process of its own so that it has its own event loop, as a real
// server would: a TCP sink that reads everything and answers the client's FIN with the byte
// count it got, and a UDP echo. `node --import tsx bench/peers.ts --host HOST`

import net from 'node:net';
import { bindUdp, listenTcp, parseCli } from '@socket-lab/common';

const { host } = parseCli({
  usage: 'node --import tsx bench/peers.ts',
  role: 'server',
  summary: "The bench's far side: a TCP sink and a UDP echo.",
  defaultPort: 0,
  flags: {},
});

const sink = net.createServer({ allowHalfOpen: true }, (socket) => {
  let bytes = 0;
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('end', () => socket.end(`${bytes}\n`));
});
await listenTcp(sink, { host, port: 0 });

const { socket: echo } = await bindUdp({ host, port: 0 });
echo.on('error', () => {});
echo.on('message', (data, rinfo) => echo.send(data, rinfo.port, rinfo.address));

process.on('SIGTERM', () => process.exit(0));
