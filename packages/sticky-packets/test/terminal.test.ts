// Every line the programs print about what a peer sent is safe for a terminal (issue 14 #6):
// a hostile message with a bidi override (U+202E, which makes `\u202etxt.exe` look like
// `exe.txt`), the one-byte CSI (U+009B), ESC sequences, zero-width characters and bidi
// isolates comes out escaped in every line that shows it: each read, each message, each
// datagram, the sender's own lines, and the demo's table. common's previewBytes does the
// escaping; these tests hold every line to common's isUnsafeForTerminal.
import { once } from 'node:events';
import net from 'node:net';
import { bindUdp, isUnsafeForTerminal } from '@socket-lab/common';
import { Recorder } from '@socket-lab/common/testing';
import { afterEach, expect, test, vi } from 'vitest';
import {
  type DatagramEvent,
  formatDatagramEvent,
  formatReceiverEvent,
  formatSenderEvent,
  formatSendtoEvent,
} from '../src/log.js';
import { encodeMessage, type Framing } from '../src/protocol.js';
import { Timeline } from '../src/timeline.js';
import { receiveDatagrams } from '../src/udp-receiver.js';
import { type RunningReceiver, startReceiver } from './helpers.js';

const HOSTILE = Buffer.from(
  '\u202etxt.exe \u009b2J \x1b[31mred\x1b[0m \u200bzw \u2066iso\u2069 end',
);
/**
 * How U+202E, U+009B and ESC show once escaped: their UTF-8 bytes in hex. All three lie in
 * the first 20 bytes, which a preview always shows.
 */
const ESCAPED = ['\\xe2\\x80\\xae', '\\xc2\\x9b', '\\x1b'];

let receiver: RunningReceiver | undefined;
afterEach(() => {
  receiver?.server.close();
  receiver = undefined;
  vi.restoreAllMocks();
});

/** The first character of `line` a terminal would act on, or undefined if there is none. */
function firstUnsafe(line: string): string | undefined {
  return [...line].find((ch) => isUnsafeForTerminal(ch.codePointAt(0) as number));
}

/** Checks each printed line (a line break inside one is the printer's own, not a peer's). */
function expectSafe(lines: string[]): void {
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    expect({ line, unsafe: firstUnsafe(line) }).toEqual({ line });
  }
}

test.each(['none', 'length', 'line'] as Framing[])(
  '--framing %s: the read and message lines show a hostile message escaped',
  async (framing) => {
    // Sent twice: once short enough to be shown whole, once long enough to be cut to its ends,
    // where the cut falls inside a character.
    receiver = await startReceiver({ framing, readBytes: 4096 });
    const long = Buffer.concat([Buffer.alloc(19, 'a'), HOSTILE, HOSTILE]);
    const socket = net.connect(receiver.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.end(Buffer.concat([encodeMessage(framing, HOSTILE), encodeMessage(framing, long)]));
    await receiver.closed();
    const lines = receiver.log.entries.map(formatReceiverEvent);
    expectSafe(lines);
    const shown = lines.filter((l) => / (read|message) \d+:/.test(l)).join('\n');
    for (const escaped of ESCAPED) expect(shown).toContain(escaped);
  },
);

test('a hostile datagram is shown escaped', async () => {
  const { socket, address } = await bindUdp({ host: '127.0.0.1', port: 0, log: null });
  const log = new Recorder<DatagramEvent>();
  const done = receiveDatagrams(socket, { delayMs: 0, report: log.push });
  const sender = await bindUdp({ host: '127.0.0.1', port: 0, log: null });
  sender.socket.send(HOSTILE, address.port, '127.0.0.1');
  await log.waitFor((e) => e.type === 'datagram');
  sender.socket.close();
  socket.close();
  await done;
  const [line] = log.entries.map(formatDatagramEvent);
  expectSafe([line ?? '']);
  expect(line).toContain('\\xe2\\x80\\xae');
});

test("the sender's lines, and an error line whatever its source, are escaped too", () => {
  const write = { type: 'write', index: 1, payload: HOSTILE, wireBytes: HOSTILE.length } as const;
  const error = { type: 'error', conn: 1, message: `bad \u202e\x1b[2J${HOSTILE}` } as const;
  const lines = [
    formatSenderEvent(write),
    formatSendtoEvent(write),
    formatReceiverEvent(error),
    formatReceiverEvent({ type: 'limit', conn: 1, limit: 'idle-timeout', message: '\u009bx' }),
  ];
  expectSafe(lines);
  expect(lines[2]).toContain('\\u{202e}\\u{001b}[2J');
});

test("the demo's table shows a hostile write and read escaped", () => {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
  const timeline = new Timeline();
  timeline.wrote({ type: 'write', index: 1, payload: HOSTILE, wireBytes: HOSTILE.length });
  timeline.read({ type: 'read', conn: 1, index: 1, data: HOSTILE, offset: 0, heldBytes: 0 });
  timeline.readFramed({ type: 'message', conn: 1, index: 1, data: HOSTILE });
  timeline.print('hostile', 'write()', 'recv(1024)');
  expectSafe(printed);
  expect(printed.join('\n')).toContain('\\xe2\\x80\\xae');
});
