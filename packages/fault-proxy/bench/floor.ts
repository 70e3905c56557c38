// The floor: the same two proxies with nothing but the forwarding. TCP is socket.pipe() both
// ways; UDP is one socket per client, connected to the server, and a send for each datagram.
// No faults, no counting, no logs. What fault-proxy costs beyond this is its own; what this
// costs against the direct path is the price of any proxy in Node on this machine.
// `node --import tsx bench/floor.ts --host HOST --tcp-port P --udp-port P`
import dgram from 'node:dgram';
import net from 'node:net';
import { bindUdp, listenTcp, parseCli, toPort } from '@socket-lab/common';

const { host, flags } = parseCli({
  usage: 'node --import tsx bench/floor.ts',
  role: 'server',
  summary: 'The bare proxies the bench compares fault-proxy with.',
  defaultPort: 0,
  flags: {
    'tcp-port': { type: 'string', default: '0', description: 'the TCP server to forward to' },
    'udp-port': { type: 'string', default: '0', description: 'the UDP server to forward to' },
  },
});
const tcpPort = toPort(flags['tcp-port'], '--tcp-port');
const udpPort = toPort(flags['udp-port'], '--udp-port');

const tcp = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const server = net.connect({ host, port: tcpPort, allowHalfOpen: true, noDelay: true });
  client.on('error', () => server.destroy());
  server.on('error', () => client.destroy());
  client.pipe(server);
  server.pipe(client);
});
await listenTcp(tcp, { host, port: 0 });

const { socket: udp } = await bindUdp({ host, port: 0 });
const upstreams = new Map<string, { socket: dgram.Socket; waiting: Buffer[] | null }>();
udp.on('message', (data, rinfo) => {
  const key = `${rinfo.address} ${rinfo.port}`;
  let upstream = upstreams.get(key);
  if (!upstream) {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const created = { socket, waiting: [] as Buffer[] | null };
    socket.on('error', () => {});
    socket.on('message', (answer) => udp.send(answer, rinfo.port, rinfo.address));
    socket.connect(udpPort, host, () => {
      for (const waiting of created.waiting ?? []) socket.send(waiting);
      created.waiting = null;
    });
    upstreams.set(key, created);
    upstream = created;
  }
  if (upstream.waiting) upstream.waiting.push(data);
  else upstream.socket.send(data);
});

process.on('SIGTERM', () => process.exit(0));
