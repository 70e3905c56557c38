// The UDP echo client: each line is one datagram, and each datagram is one question that
// may never be answered. The seeds' clients wait in recvfrom() forever (seed 002) or never
// read at all (seed 001); this one waits `--timeout` seconds, sends again up to `--retries`
// times, and then says the message got no answer. There is no connection to tell us the
// server is gone: silence is the only signal UDP gives.
// Run: pnpm --filter udp-echo client      (with `pnpm --filter udp-echo start` running)
import { previewBytes } from '@socket-lab/common';
import { type UdpEvent, type UdpOutcome, UdpRequester } from '@socket-lab/common/udp-request';
import { asciiUpper } from './server.js';

/**
 * One second per try. A loopback or LAN round trip takes well under a millisecond, so a
 * second of silence means the datagram is gone; across the internet, real clients (DNS
 * resolvers) start higher and wait longer after each loss.
 */
export const TIMEOUT_MS = 1000;
/** Two more tries after the first: three datagrams, then we call it lost. */
export const RETRIES = 2;

export interface EchoClientOptions {
  host: string;
  port: number;
  /** The messages: one datagram per line. */
  lines: AsyncIterable<string>;
  timeoutMs?: number;
  retries?: number;
  /** Where answers go (stdout in the CLI). */
  out?: (line: string) => void;
  /** Where retries, ignored datagrams and losses go (stderr in the CLI). */
  note?: (line: string) => void;
  /** Called once the socket is open, so Ctrl+C can close it. */
  opened?: (requester: UdpRequester) => void;
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
 * stops without being sent (the seed meant this, but compared a str with bytes, so its
 * check never fired).
 */
export async function runEchoClient(opts: EchoClientOptions): Promise<EchoClientResult> {
  const out = opts.out ?? console.log;
  const note = opts.note ?? console.error;
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const retries = opts.retries ?? RETRIES;
  const requester = await UdpRequester.open(opts.host, opts.port, (e) => note(describeEvent(e)));
  opts.opened?.(requester);
  const result: EchoClientResult = { sent: 0, answered: 0, unanswered: 0 };
  try {
    for await (const line of opts.lines) {
      if (line.trim() === 'exit') break;
      if (line.trim() === '') continue;
      const request = Buffer.from(line, 'utf8');
      result.sent += 1;
      let outcome: UdpOutcome;
      try {
        outcome = await requester.request(request, { timeoutMs, retries, isAnswer: isEchoOf });
      } catch (err) {
        note((err as Error).message); // too large to send: say so and go on
        result.unanswered += 1;
        continue;
      }
      if (outcome.ok) {
        result.answered += 1;
        out(describeAnswer(outcome, retries + 1));
      } else {
        result.unanswered += 1;
        note(
          `no answer to "${previewBytes(request, 40)}" after ${outcome.tries} ${outcome.tries === 1 ? 'try' : 'tries'} of ${timeoutMs / 1000} s: ` +
            `lost on the way there or back, or nothing listens on ${requester.target}`,
        );
      }
    }
  } finally {
    await requester.close();
  }
  if (result.sent > 0) note(summary(result));
  return result;
}

/**
 * Is `answer` the echo of `request`? The same bytes (RFC 862), or the same bytes upper-cased
 * (seed 002's server). Anything else from the server, such as the late echo of an earlier
 * message, is not taken as the answer to this one.
 */
export function isEchoOf(answer: Buffer, request: Buffer): boolean {
  return answer.equals(request) || answer.equals(asciiUpper(request));
}

function describeAnswer(outcome: UdpOutcome & { ok: true }, attempts: number): string {
  const how =
    outcome.rttMs === null
      ? `on try ${outcome.tries} of ${attempts}`
      : `${outcome.rttMs.toFixed(2)} ms`;
  const text = outcome.answer.length === 0 ? '(empty)' : previewBytes(outcome.answer);
  const size = `${outcome.answer.length} ${outcome.answer.length === 1 ? 'byte' : 'bytes'}`;
  return `reply from ${outcome.from}: ${text} (${size}, ${how})`;
}

function describeEvent(event: UdpEvent): string {
  switch (event.kind) {
    case 'retry':
      return `no answer within ${event.timeoutMs / 1000} s, sending again (try ${event.attempt} of ${event.attempts})`;
    case 'ignored':
      return event.reason === 'foreign'
        ? `ignored ${event.data.length} bytes from ${event.from}: not the server`
        : `ignored ${event.data.length} bytes from ${event.from}: not the echo of this message ("${previewBytes(event.data, 40)}")`;
    case 'socket-error':
      return `socket error: ${event.message}`;
  }
}

function summary(r: EchoClientResult): string {
  const messages = `${r.sent} ${r.sent === 1 ? 'message' : 'messages'}`;
  return r.unanswered === 0
    ? `${messages}, all answered`
    : `${messages}, ${r.answered} answered, ${r.unanswered} without an answer`;
}
