// Half-close, run live. A TCP connection carries two streams, one each way, and each one
// closes on its own. end() closes ours (Python: shutdown(SHUT_WR)): it sends FIN, "no more
// bytes from me", and we can still read. The peer reads to the end (recv() returns b'', Node
// emits 'end') and may still answer: that is how "send the request, then FIN" protocols mark
// where a request stops. destroy() (Python: close()) closes both ways at once: whatever the
// peer sends afterwards gets a reset (RST).
// Node adds one rule. A socket answers after the peer's FIN only with allowHalfOpen: true.
// With the default (false), Node ends our side for us as soon as the FIN comes, so an
// answer that takes a moment to make (a lookup, a file read) fails with EPIPE.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Say } from './association.js';

/** One run: how the client closed, what the server's answer met, what the client read. */
export interface HalfCloseRun {
  client: 'end' | 'destroy';
  allowHalfOpen: boolean;
  /** `answered`, or the error code the server's write got (EPIPE, ECONNRESET). */
  server: string;
  /** What the client read after its close; null when it could not read at all. */
  answer: string | null;
}

/** Demo step: "hello" then end() or destroy(), against servers with and without allowHalfOpen. */
export async function showHalfClose(say: Say): Promise<HalfCloseRun[]> {
  const runs: HalfCloseRun[] = [];
  say('the client sends "hello", then end() or destroy(); the server answers after the FIN');
  for (const [client, allowHalfOpen] of [
    ['end', true],
    ['end', false],
    ['destroy', true],
  ] as const) {
    const run = await halfClose(client, allowHalfOpen);
    const read = run.answer === null ? 'nothing (it closed both ways)' : `"${run.answer}"`;
    const how = `${client}(), allowHalfOpen ${allowHalfOpen}:`.padEnd(31);
    say(`${how} the answer ${run.server}; the client read ${read}`);
    runs.push(run);
  }
  return runs;
}

/** Most writes tried after a destroy() before we stop waiting for the peer's reset. */
const MAX_WRITES = 20;

async function halfClose(how: 'end' | 'destroy', allowHalfOpen: boolean): Promise<HalfCloseRun> {
  let result: (outcome: string) => void = () => {};
  const outcome = new Promise<string>((resolve) => {
    result = resolve;
  });

  // After a destroy() the first answer goes out; the client's kernel answers it with RST,
  // and the next write on this socket reports it.
  const answer = (socket: net.Socket, text: string, attempt: number) =>
    socket.write(text, (err) => {
      if (err) return result(`failed on write #${attempt}: ${(err as NodeJS.ErrnoException).code}`);
      if (how === 'destroy' && attempt < MAX_WRITES) return answer(socket, text, attempt + 1);
      socket.end();
      result(attempt === 1 ? 'was sent' : `went out ${attempt} times, no error`);
    });

  // The server counts the request's bytes and, once the client's FIN has come ('end'),
  // answers on the next turn of the event loop, as if it had to look something up first.
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    let bytes = 0;
    socket.on('error', () => {}); // the write callback below reports it
    socket.on('data', (chunk) => {
      bytes += chunk.length;
    });
    socket.on('end', () => setImmediate(() => answer(socket, `got ${bytes} bytes`, 1)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'connect');
  let answerText: string | null = null;
  if (how === 'end') {
    client.end('hello'); // FIN after the request: we can still read
    const chunks: Buffer[] = [];
    for await (const chunk of client) chunks.push(chunk as Buffer);
    answerText = Buffer.concat(chunks).toString();
  } else {
    client.write('hello');
    client.destroy(); // no more reading or writing on this socket
  }
  const serverOutcome = await outcome;
  server.close();
  return { client: how, allowHalfOpen, server: serverOutcome, answer: answerText };
}
