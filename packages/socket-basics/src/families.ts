// Seed 004's address families, run live. The family says what an address looks like:
// AF_INET is an IPv4 address and a port, AF_INET6 an IPv6 address and a port, AF_UNIX a path
// in the file system (two processes on one machine, no network in between). The program
// does not change with the family: the same echo server answers on all three, and only the
// argument to listen() and connect() differs. Python picks the family when it makes the
// socket, socket(AF_INET6, SOCK_STREAM); Node picks it from the address you give.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAddress, formatHostPort } from '@socket-lab/common';
import { createAssociationServer, type Say } from './association.js';
import { canBindIPv6 } from './system.js';

/** One family's run: where the server listened and what came back. */
export interface FamilyRun {
  family: 'AF_INET' | 'AF_INET6' | 'AF_UNIX';
  listening: string;
  echoed: string;
}

/** Demo step: one echo over IPv4, over IPv6 (skipped without ::1), over an AF_UNIX path. */
export async function showFamilies(say: Say): Promise<FamilyRun[]> {
  const runs: FamilyRun[] = [];
  runs.push(await echoOver('AF_INET', { host: '127.0.0.1', port: 0 }, say));
  if (await canBindIPv6()) runs.push(await echoOver('AF_INET6', { host: '::1', port: 0 }, say));
  else say('AF_INET6  no IPv6 loopback (::1) on this machine: skipped');

  // An AF_UNIX address is a file name. Only processes that may open the file can connect,
  // and the socket file itself is the "port": Node removes it when the server closes.
  const dir = await mkdtemp(join(tmpdir(), 'socket-basics-'));
  try {
    runs.push(await echoOver('AF_UNIX', { path: join(dir, 'echo.sock') }, say));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return runs;
}

type Where = { host: string; port: number } | { path: string };

async function echoOver(family: FamilyRun['family'], where: Where, say: Say): Promise<FamilyRun> {
  const server = createAssociationServer(() => {});
  server.listen(where);
  await once(server, 'listening');
  // server.address() answers with an AddressInfo for IP families and the path for AF_UNIX:
  // there is no port to report.
  const bound = server.address() as AddressInfo | string;
  const listening = typeof bound === 'string' ? bound : formatAddress(bound);

  const client = net.connect(
    'path' in where ? where : { ...where, port: (bound as AddressInfo).port },
  );
  client.on('error', (err) => say(`${family}: ${err.message}`));
  await once(client, 'connect');
  const ours = client.localAddress
    ? formatHostPort(client.localAddress, client.localPort as number)
    : 'unnamed';

  // end() sends the message and then FIN; the server echoes, sees the FIN, and ends too.
  const message = `hello over ${family}`;
  client.end(message);
  const chunks: Buffer[] = [];
  for await (const chunk of client) chunks.push(chunk as Buffer);
  const echoed = Buffer.concat(chunks).toString();
  server.close();

  const ok = echoed === message ? 'same bytes back' : `got "${echoed}"`;
  say(`${family.padEnd(9)} server ${listening}, client ${ours}: "${message}" → ${ok}`);
  return { family, listening, echoed };
}
