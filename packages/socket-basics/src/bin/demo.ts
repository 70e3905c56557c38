// `pnpm --filter socket-basics demo`: seeds 004 and 002 on this machine, one step under each
// heading, every value read at run time (ports 0, a temporary socket path). A step that
// needs a tool or a right this machine lacks (ss, IPv6, root, python3) says so and goes on.
import { exitQuietlyWhenStdoutCloses } from '@socket-lab/common';
import { showApi } from '../api.js';
import { type Say, showAssociation } from '../association.js';
import { showBackpressure } from '../backpressure.js';
import { showFamilies } from '../families.js';
import { showHalfClose } from '../half-close.js';
import { showEphemeralPorts, showPrivilegedPorts } from '../ports.js';
import { showSocketTypes } from '../socket-types.js';
import { pythonExecutable } from '../system.js';
import { showTimeWait } from '../time-wait.js';

exitQuietlyWhenStdoutCloses(); // `pnpm demo | head` is fine
pythonExecutable(); // steps 5, 6 and 8 run Python peers: look for python3 while 1-4 run

const STEPS: [string, (say: Say) => Promise<unknown>][] = [
  ['1. The full association of one TCP connection, from both ends', showAssociation],
  ['2. Ephemeral ports: the range this machine uses, and ports drawn from it', showEphemeralPorts],
  ['3. Privileged ports: who may bind below the line', showPrivilegedPorts],
  ['4. Address families: one echo over IPv4, IPv6 and AF_UNIX', showFamilies],
  ['5. Socket types: stream, datagram, raw', showSocketTypes],
  ['6. TIME_WAIT and SO_REUSEADDR: a server restarted right after a close', showTimeWait],
  ['7. Half-close: end() against destroy(), and allowHalfOpen', showHalfClose],
  ["8. send() against sendall(): write() returning false, and 'drain'", showBackpressure],
  ['9. The Python socket API in Node, and where each call is used', showApi],
];

console.log('socket-basics: seeds 004 and 002, run on this machine');
let failed = 0;
for (const [title, step] of STEPS) {
  console.log(`\n${title}`);
  try {
    await step((line) => console.log(`  ${line}`));
  } catch (err) {
    failed++;
    console.log(`  this step failed: ${(err as Error).message}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
