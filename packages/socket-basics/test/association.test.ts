// The full association of a live connection, from both ends, and the kernel's own view.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { hasIPv6, Recorder } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import {
  associationOf,
  createAssociationServer,
  formatAssociation,
  halfAssociation,
  SEED_BACKLOG,
  showAssociation,
} from '../src/association.js';
import { ssByPort } from '../src/system.js';

const ipv6 = await hasIPv6();
const ss = (await ssByPort(1)) !== null;
if (!ss) console.warn('ss not found: skipping the checks against ss');

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const close of cleanup.splice(0)) close();
});

async function connectPair(host: string) {
  const log = new Recorder();
  const server = createAssociationServer(log.push);
  server.listen(0, host);
  await once(server, 'listening');
  const client = net.connect((server.address() as AddressInfo).port, host);
  cleanup.push(
    () => client.destroy(),
    () => server.close(),
  );
  await once(client, 'connect');
  return { server, client, log };
}

test('both ends see the same five things, mirrored', async () => {
  // What this checks: the client's local half is the server's remote half and back.
  const { server, client, log } = await connectPair('127.0.0.1');
  const line = await log.waitFor(/^#1 accepted/);
  const ours = associationOf(client);
  const port = (server.address() as AddressInfo).port;
  expect(ours).toMatchObject({ protocol: 'tcp', remote: `127.0.0.1:${port}`, remotePort: port });
  expect(line).toBe(`#1 accepted (tcp, 127.0.0.1:${port}, ${ours.local})`);
  expect(halfAssociation(server)).toBe(`(tcp, 127.0.0.1:${port})`);
  expect(formatAssociation(ours)).toBe(`(tcp, ${ours.local}, 127.0.0.1:${port})`);
});

test('the server echoes and says so', async () => {
  // What this checks: createAssociationServer is an echo server that logs every read.
  const { client, log } = await connectPair('127.0.0.1');
  client.end('abc\n');
  const chunks: Buffer[] = [];
  for await (const chunk of client) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe('abc\n');
  await log.waitFor(/^#1 closed$/);
  expect(log.entries).toContain('#1 echo 4 bytes: abc\\n');
});

test.skipIf(!ipv6)('over IPv6 the halves are in brackets', async () => {
  // What this checks: IPv6 addresses are shown as [::1]:port, both ends.
  const { client, log } = await connectPair('::1');
  const ours = associationOf(client);
  expect(ours.local).toMatch(/^\[::1\]:\d+$/);
  expect(await log.waitFor(/accepted/)).toContain(`, ${ours.local})`);
});

test('associationOf refuses a socket that is not connected', () => {
  // What this checks: a socket with no peer is an error, not a tuple of undefineds.
  expect(() => associationOf(new net.Socket())).toThrow('not a connected TCP socket');
});

test('the demo step matches both ends, and ss agrees where it exists', async () => {
  // What this checks: showAssociation's two views mirror; ss lists LISTEN with the seed's
  // backlog and one ESTAB line per end, with the same addresses.
  const log = new Recorder();
  const facts = await showAssociation(log.push);
  expect(facts.server.local).toBe(facts.client.remote);
  expect(facts.server.remote).toBe(facts.client.local);
  expect(log.entries).toContain(
    "mirror images: yes: the client's local half is the server's remote",
  );
  if (!ss) {
    expect(facts.ss).toBeNull();
    return;
  }
  const listen = facts.ss?.find((s) => s.state === 'LISTEN');
  expect(listen).toMatchObject({ local: facts.server.local, sendQ: SEED_BACKLOG });
  const established = facts.ss?.filter((s) => s.state === 'ESTAB').map((s) => [s.local, s.peer]);
  expect(established).toEqual(
    expect.arrayContaining([
      [facts.server.local, facts.server.remote],
      [facts.client.local, facts.client.remote],
    ]),
  );
});
