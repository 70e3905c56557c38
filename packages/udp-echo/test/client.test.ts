// The echo client in-process against servers on 127.0.0.1 port 0: one datagram per line,
// the lines it skips, how it tells the echo of this message from other datagrams (the rule
// itself is in protocol.test.ts), and how it reports a message that got no answer.
import { Recorder } from '@socket-lab/common/testing';
import { afterEach, expect, test } from 'vitest';
import { runEchoClient } from '../src/client.js';
import { boundSocket, closeAll, HOST, linesOf, startEcho } from './helpers.js';

afterEach(closeAll);

test('sends one datagram per line, skips empty lines, and stops at "exit" without sending it', async () => {
  // Checks the line rules: one datagram each, blanks skipped, exit not sent, nor what follows.
  const { port, log } = await startEcho();
  const out = new Recorder();
  const note = new Recorder();
  const result = await runEchoClient({
    host: HOST,
    port,
    lines: linesOf('hello', '', '   ', 'wörld', 'exit', 'never sent'),
    timeoutMs: 5000, // answered on the first try even on a busy machine, so an RTT is shown
    out: out.push,
    note: note.push,
  });
  expect(result).toEqual({ sent: 2, answered: 2, unanswered: 0 });
  expect(out.entries).toEqual([
    expect.stringMatching(
      new RegExp(`^reply from 127\\.0\\.0\\.1:${port}: hello \\(5 bytes, \\d+\\.\\d\\d ms\\)$`),
    ),
    expect.stringMatching(/: wörld \(6 bytes, /),
  ]);
  expect(note.entries).toEqual(['2 messages, all answered']);
  expect(log.entries.map((l) => l.replace(/^.*: /, ''))).toEqual(['hello', 'wörld']);
});

test('a late echo of the previous message is not taken as the answer to this one', async () => {
  // This server answers each message with the echo of the one before it first (as a
  // delayed copy would arrive), then with the right echo.
  const server = await boundSocket();
  let previous = Buffer.from('(none)');
  server.on('message', (data, from) => {
    server.send(previous, from.port, from.address);
    server.send(data, from.port, from.address);
    previous = data;
  });
  const out = new Recorder();
  const note = new Recorder();
  const result = await runEchoClient({
    host: HOST,
    port: server.address().port,
    lines: linesOf('first', 'second'),
    out: out.push,
    note: note.push,
  });
  expect(result.answered).toBe(2);
  expect(out.entries.map((l) => l.replace(/ \(.*$/, ''))).toEqual([
    expect.stringMatching(/: first$/),
    expect.stringMatching(/: second$/),
  ]);
  expect(note.entries).toContainEqual(
    expect.stringMatching(
      /^ignored 5 bytes from 127\.0\.0\.1:\d+: not the echo of this message \("first"\)$/,
    ),
  );
});

test('a message nobody answers is reported as lost, and the run counts it', async () => {
  // Checks the retry notes, the loss report and the count, against a server that never answers.
  const silent = await boundSocket(); // receives, never answers (like seed 001's server)
  const received = new Recorder();
  silent.on('message', (data) => received.push(data.toString()));
  const note = new Recorder();
  const result = await runEchoClient({
    host: HOST,
    port: silent.address().port,
    lines: linesOf('anyone?'),
    timeoutMs: 100,
    retries: 1,
    out: () => {},
    note: note.push,
  });
  expect(result).toEqual({ sent: 1, answered: 0, unanswered: 1 });
  expect(note.entries).toEqual([
    'no answer within 0.1 s, sending again (try 2 of 2)',
    `no answer to "anyone?" after 2 tries of 0.1 s: lost on the way there or back, or nothing listens on 127.0.0.1:${silent.address().port}`,
    '1 message, 0 answered, 1 without an answer',
  ]);
  await received.waitFor(/^anyone\?$/, 2);
  expect(received.entries).toEqual(['anyone?', 'anyone?']);
});

test('a line too long for one datagram is refused with a clear note, and the next line still goes', async () => {
  // Checks that an oversized line is refused by the OS, reported, and does not end the run.
  const { port } = await startEcho();
  const out = new Recorder();
  const note = new Recorder();
  const result = await runEchoClient({
    host: HOST,
    port,
    lines: linesOf('x'.repeat(70_000), 'short'),
    out: out.push,
    note: note.push,
  });
  expect(result).toEqual({ sent: 2, answered: 1, unanswered: 1 });
  expect(note.entries[0]).toBe(
    `cannot send 70000 bytes to 127.0.0.1:${port}: too long for one UDP datagram (at most 65507 over IPv4)`,
  );
  expect(out.entries).toEqual([expect.stringMatching(/: short \(5 bytes/)]);
});
