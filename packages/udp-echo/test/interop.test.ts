// Python 3 ports of the seeds' UDP programs (test/fixtures/) as real peers of ours: their
// clients against our server, our client against their servers.
import { Recorder, SeedPrograms } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { runEchoClient } from '../src/client.js';
import { closeAll, HOST, linesOf, startEcho } from './helpers.js';

const seeds = new SeedPrograms(new URL('./fixtures/', import.meta.url));
const python = seeds.python;

afterEach(async () => {
  seeds.killAll();
  await closeAll();
});

test.skipIf(!python)("seed 002's client gets each line back from our server", async () => {
  // Checks our server against seed 002's real client, whose output shows the answer and its sender.
  const { port, log } = await startEcho();
  const seed = await seeds.run('seed002_udp_client.py', [HOST, String(port)], {
    input: 'hello\n\n  udp  \n',
  });
  expect(seed.code).toBe(0);
  expect(seed.stdout).toBe(
    `>>: hello ('127.0.0.1', ${port})\n>>: >>: udp ('127.0.0.1', ${port})\n>>: `,
  );
  expect(log.entries.map((l) => l.replace(/^.*: /, ''))).toEqual(['hello', 'udp']);
});

test.skipIf(!python)("our client takes seed 002's upper-cased answers as the echo", async () => {
  // Checks that our echo matching accepts seed 002's upper-cased answers.
  const seed = await seeds.serve('seed002_udp_server.py', HOST);
  const out = new Recorder();
  const result = await runEchoClient({
    host: HOST,
    port: seed.port,
    lines: linesOf('hello', 'Mixed Case 123'),
    out: out.push,
    note: () => {},
  });
  expect(result).toEqual({ sent: 2, answered: 2, unanswered: 0 });
  expect(out.entries.map((l) => l.replace(/^reply from [^:]+:\d+: | \(.*$/g, ''))).toEqual([
    'HELLO',
    'MIXED CASE 123',
  ]);
  await seed.proc.waitFor(/b'Mixed Case 123' \('127\.0\.0\.1', \d+\)/);
});

test.skipIf(!python)(
  'seed 001\'s client sends "exit" too: its str == bytes check never fires',
  async () => {
    // Checks seed 001's bug as our server sees it: the line after exit still arrives.
    const { port, log } = await startEcho();
    const seed = await seeds.run('seed001_udp_client.py', [HOST, String(port)], {
      input: 'hi\nexit\nstill here\n',
    });
    expect(seed.code).toBe(0);
    // Three datagrams: the seed meant to stop at "exit" and did not.
    await log.waitFor(/ from /, 3);
    expect(log.entries.map((l) => l.replace(/^.*: /, ''))).toEqual(['hi', 'exit', 'still here']);
  },
);

test.skipIf(!python)(
  "seed 001's client against --no-reply: the datagrams arrive, and no answer is sent",
  async () => {
    // Checks our seed-001 server mode against the seed's own send-only client.
    const { port, log, socket } = await startEcho({ reply: false });
    let sentBack = 0;
    const send = socket.send.bind(socket);
    socket.send = ((...args: Parameters<typeof socket.send>) => {
      sentBack += 1;
      return send(...args);
    }) as typeof socket.send;
    const seed = await seeds.run('seed001_udp_client.py', [HOST, String(port)], {
      input: 'one\ntwo\n',
    });
    expect(seed.code).toBe(0);
    await log.waitFor(/ from /, 2);
    expect(log.entries.map((l) => l.replace(/^.*: /, ''))).toEqual(['one', 'two']);
    expect(sentBack).toBe(0);
  },
);

test.skipIf(!python)(
  "our client against seed 001's server, which never answers: reported lost",
  async () => {
    // Checks that a server which only receives looks like loss to our client.
    const seed = await seeds.serve('seed001_udp_server.py', HOST);
    const note = new Recorder();
    const result = await runEchoClient({
      host: HOST,
      port: seed.port,
      lines: linesOf('echo?'),
      timeoutMs: 150,
      retries: 0,
      out: () => {},
      note: note.push,
    });
    expect(result).toEqual({ sent: 1, answered: 0, unanswered: 1 });
    expect(note.entries[0]).toMatch(/^no answer to "echo\?" after 1 try of 0\.15 s/);
    await seed.proc.waitFor(/^echo\?$/m); // it did arrive: the server just never answers
  },
);

test.skipIf(!python)(
  "seed 003's seven datagrams arrive as seven, and recvfrom(1024) would cut the last",
  async () => {
    // Checks seed 003's lesson with its own sender: boundaries kept, 2000 bytes too big for 1024.
    const { port, log } = await startEcho({ bufferBytes: 1024 });
    const seed = await seeds.run('seed003_udp_client.py', [HOST, String(port), '0.01']);
    expect(seed.code).toBe(0);
    await log.waitFor(/ from /, 7);
    const lines = log.entries;
    expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual([17, 1, 300, 1, 200, 1, 2000]);
    expect(lines[6]).toMatch(/\(recvfrom\(1024\) would keep 1024 and drop 976\)$/);
  },
);
