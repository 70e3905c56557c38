// The UDP echo client: each line is one datagram, and each datagram is one question that
// may never be answered. The seeds' clients wait in recvfrom() forever (seed 002) or never
// read at all (seed 001); this one waits `--timeout` seconds, sends again up to `--retries`
// times, and then says the message got no answer. There is no connection to tell us the
// server is gone: silence is the only signal UDP gives. The waiting and resending is the
// request loop udp-time's client shares (askEach, in common/src/udp-request.ts); what is
// left here is what is the echo's own: the line rules, the echo check, the report.
// Run: pnpm --filter udp-echo client      (with `pnpm --filter udp-echo start` running)
import dgram from 'node:dgram';
import net from 'node:net';
import { formatHostPort, previewBytes } from '@socket-lab/common';
import {
  askEach,
  describeLoss,
  type UdpClientOptions,
  type UdpReply,
} from '@socket-lab/common/udp-request';
import { isEchoOf } from './protocol.js';

export interface EchoClientOptions extends UdpClientOptions {
  /** The messages: one datagram per line. */
  lines: AsyncIterable<string>;
  /** Where answers go (stdout in the CLI). */
  out?: (line: string) => void;
}

/** What happened to the messages of one run. */
export interface EchoClientResult {
  sent: number;
  answered: number;
  /** Sent but never answered, or refused by the OS (too large for a datagram). */
  unanswered: number;
}

/**
 * Sends each line as a datagram and waits for its echo. Empty lines are skipped; `exit`
 * stops without being sent. Ends with a one-line summary on `note` if anything was sent.
 */
export async function runEchoClient(opts: EchoClientOptions): Promise<EchoClientResult> {
  const out = opts.out ?? console.log;
  const note = opts.note ?? console.error;
  const result: EchoClientResult = { sent: 0, answered: 0, unanswered: 0 };

  // One datagram at a time: send, wait `--timeout`, send again up to `--retries` times,
  // then give up. Only the echo of this line counts as its answer; anything else from the
  // server is noted and ignored.
  const replies = askEach(datagrams(opts.lines), {
    ...opts,
    note,
    isAnswer: isEchoOf,
    notTheAnswer: (data) => `not the echo of this message ("${previewBytes(data, 40)}")`,
  });
  for await (const reply of replies) {
    result.sent += 1;
    if (reply.kind === 'answered') {
      result.answered += 1;
      out(describeAnswer(reply));
    } else if (reply.kind === 'lost') {
      // No error came back, no RST, nothing: the datagram or its echo is gone, or nobody
      // listens there. From here the three look the same.
      result.unanswered += 1;
      note(describeLoss(reply, ` to "${previewBytes(reply.request, 40)}"`));
    } else {
      result.unanswered += 1;
      note(reply.message); // too large to send: say so and go on
    }
  }
  if (result.sent > 0) note(summary(result));
  return result;
}

/**
 * The line rules: one datagram per line, empty lines skipped, `exit` stops. The seed meant
 * this too, but compared a str with bytes, so its check never fired.
 */
async function* datagrams(lines: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const line of lines) {
    if (line.trim() === 'exit') return;
    if (line.trim() !== '') yield Buffer.from(line, 'utf8');
  }
}

/** `reply from 127.0.0.1:8888: hello (5 bytes, 0.08 ms)`; no time after a resend (Karn). */
function describeAnswer(reply: UdpReply & { kind: 'answered' }): string {
  const how =
    reply.rttMs === null
      ? `on try ${reply.tries} of ${reply.attempts}`
      : `${reply.rttMs.toFixed(2)} ms`;
  const text = reply.answer.length === 0 ? '(empty)' : previewBytes(reply.answer);
  return `reply from ${reply.from}: ${text} (${plural(reply.answer.length, 'byte', 'bytes')}, ${how})`;
}

function summary(r: EchoClientResult): string {
  const messages = plural(r.sent, 'message', 'messages');
  return r.unanswered === 0
    ? `${messages}, all answered`
    : `${messages}, ${r.answered} answered, ${r.unanswered} without an answer`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Seed 001's client: each line goes out as one datagram, and nothing is waited for. It
 * cannot tell whether anyone received it: UDP has no connection, and a datagram sent to a
 * port where nobody listens vanishes as quietly as one that arrived. Empty lines are
 * skipped; `exit` stops. Returns how many datagrams were sent.
 */
export async function sendEach(opts: {
  host: string;
  port: number;
  lines: AsyncIterable<string>;
  out?: (line: string) => void;
}): Promise<number> {
  const out = opts.out ?? console.log;
  const socket = dgram.createSocket(net.isIPv6(opts.host) ? 'udp6' : 'udp4');
  socket.on('error', (err) => out(`socket error: ${err.message}`));
  let sent = 0;
  try {
    for await (const line of opts.lines) {
      if (line === 'exit') break;
      if (line === '') continue;
      const bytes = Buffer.from(line);
      await new Promise<void>((resolve, reject) =>
        socket.send(bytes, opts.port, opts.host, (err) => (err ? reject(err) : resolve())),
      );
      sent += 1;
      out(
        `sent ${bytes.length} ${bytes.length === 1 ? 'byte' : 'bytes'} to ${formatHostPort(opts.host, opts.port)} (no answer expected)`,
      );
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return sent;
}
