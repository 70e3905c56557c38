// The client's end of the lesson in association.ts. It connects, then says what it sees from
// its side: the full association, mirrored from the server's, with a local port the kernel
// drew from the ephemeral range (read from this machine), and the kernel's own line for the
// connection (`ss`, where it exists). Then it echoes: each line of input goes out, and the
// same bytes come back. At the end of input it half-closes (FIN) and waits for the server's.
// Run: pnpm --filter socket-basics client   (with `start` running in another terminal)
import type net from 'node:net';
import { previewBytes, SocketReader } from '@socket-lab/common';
import { associationOf, formatAssociation, type Say } from './association.js';
import { readEphemeralRange, ssOfConnection } from './system.js';

/** An echoed line can be this long; a server that never sends '\n' cannot fill our memory. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Prints what this end of `socket` looks like: its association, its port's range, `ss`. */
export async function describeClientEnd(socket: net.Socket, say: Say): Promise<void> {
  if (!socket.remoteAddress) {
    say('connected over AF_UNIX: no addresses, no ports, only the path');
    return;
  }
  const ours = associationOf(socket);
  say(`connected: ${formatAssociation(ours)} from the client's end`);
  const range = await readEphemeralRange();
  if (range) {
    const [low, high] = range.value;
    const inside = ours.localPort >= low && ours.localPort <= high ? 'inside' : 'OUTSIDE';
    say(
      `our port ${ours.localPort}: ${inside} the ephemeral range ${low}-${high} (${range.source})`,
    );
  }
  const ss = await ssOfConnection(ours.localPort, [ours]);
  for (const s of ss ?? []) say(`ss -tan: ${s.state} local ${s.local} peer ${s.peer}`);
}

/**
 * Sends each line and prints its echo. At the end of input, end() sends FIN and we wait
 * for the server's. Returns 0, or 1 when the server went away before echoing a line.
 */
export async function echoLines(socket: net.Socket, lines: AsyncIterable<string>, say: Say) {
  const reader = new SocketReader(socket);
  for await (const line of lines) {
    socket.write(`${line}\n`);
    // TCP keeps no boundaries: wait for a whole line back, however it is split.
    const echo = await reader.readLine(MAX_LINE_BYTES);
    if (echo === null) {
      say('the server closed the connection');
      return 1;
    }
    say(`echo: ${previewBytes(echo)}`);
  }
  socket.end(); // half-close: no more lines from us, but we still read
  while ((await reader.read(MAX_LINE_BYTES)) !== null); // until the server's FIN
  say("closed: our FIN, then the server's");
  return 0;
}
