// Ephemeral and privileged ports, checked against what this machine says.
import { Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { showEphemeralPorts, showPrivilegedPorts } from '../src/ports.js';
import { findUser, readEphemeralRange, readUnprivilegedPortStart } from '../src/system.js';

const range = await readEphemeralRange();
const start = await readUnprivilegedPortStart();
const root = process.getuid?.() === 0;
const nobody = await findUser('nobody');
if (!range) console.warn(`no ephemeral range readable on ${process.platform}: skipping that check`);

test.skipIf(!range)('a client port and a port-0 server port both come from the range', async () => {
  // What this checks: the ports the kernel hands out lie inside the range read from /proc.
  const log = new Recorder();
  const facts = await showEphemeralPorts(log.push);
  expect(facts.range?.source).toMatch(/ip_local_port_range|sysctl/); // read, not assumed
  const [low, high] = facts.range?.value ?? [0, 0];
  expect(low).toBeGreaterThan(0);
  expect(high).toBeGreaterThanOrEqual(low);
  for (const port of [facts.clientPort, facts.serverPort]) {
    expect(port).toBeGreaterThanOrEqual(low);
    expect(port).toBeLessThanOrEqual(high);
  }
  expect(log.entries.join('\n')).toContain(`got local port ${facts.clientPort}: inside the range`);
});

test.skipIf(!root || !nobody || !start || start.value === 0)(
  'as root the privileged port binds; as nobody it is EACCES',
  async () => {
    // What this checks: the right to bind below ip_unprivileged_port_start, both ways.
    const log = new Recorder();
    const facts = await showPrivilegedPorts(log.push);
    expect(facts.ours.port).toBeLessThan(start?.value ?? 1024);
    expect(facts.ours.result).toBe('ok, bound');
    expect(facts.asNobody).toMatchObject({ uid: nobody?.uid, port: facts.ours.port });
    // Where `nobody` cannot even run node, the step says so instead.
    expect(facts.asNobody?.result).toMatch(/^EACCES|^could not run node/);
  },
);

test.skipIf(root)('not root: our own bind below the line is refused', async () => {
  // What this checks: without root (or the capability) a privileged port is EACCES.
  const facts = await showPrivilegedPorts(() => {});
  if (facts.capability || start?.value === 0) return; // this machine lets us: nothing to see
  expect(facts.ours.result).toMatch(/^EACCES/);
  expect(facts.asNobody).toBeNull();
});
